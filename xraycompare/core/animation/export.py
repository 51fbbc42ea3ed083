"""An animated export in one call: plan, draw and encode, written atomically.

The file appears whole or not at all: frames are encoded into a temporary file next to the
target, which replaces it only once complete (:func:`xraycompare.core.atomic.write_atomic_with`).
A cancelled or failed export leaves the previous file, if any, untouched.
"""

from __future__ import annotations

from pathlib import Path

from xraycompare.core.animation.encoders import write_gif, write_mp4
from xraycompare.core.animation.frames import FrameSource
from xraycompare.core.animation.plan import (
    AnimationPlan,
    AnimationSettings,
    animation_format,
    plan_animation,
)
from xraycompare.core.atomic import write_atomic_with
from xraycompare.core.compare.comparison import ComparisonPair
from xraycompare.core.progress import ProgressFn, Reporter, Stage, StopFn


def plan_for(pair: ComparisonPair, path: str | Path, settings: AnimationSettings) -> AnimationPlan:
    """The plan of exporting ``pair`` to ``path`` (its format from the file name)."""
    return plan_animation(
        settings,
        animation_format(str(path)),
        before_shape=pair.before_pyramid.shape,
        after_shape=pair.after_pyramid.shape,
        after_to_before=pair.after_to_before,
    )


def export_animation(
    pair: ComparisonPair,
    path: str | Path,
    *,
    settings: AnimationSettings,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> AnimationPlan:
    """Export a flicker, swipe or blend of a pair as a GIF or MP4.

    Parameters
    ----------
    pair
        The comparison to animate (for a Document:
        :func:`~xraycompare.core.document_comparison.document_comparison`).
    path
        The ``.gif`` or ``.mp4`` file to write.
    settings
        Mode, rate, width, crop, labels, period and duration.
    progress, should_stop
        Reported per frame; a stop request raises
        :class:`xraycompare.core.progress.Cancelled` and writes nothing.

    Returns
    -------
    AnimationPlan
        What was written: area, size, rate and frame count.

    Raises
    ------
    AnimationSettingsError
        An option is out of range (nothing written).
    AtomicWriteError
        The file cannot be written (nothing written).
    """
    plan = plan_for(pair, path, settings)
    reporter = Reporter(progress, should_stop)
    reporter.enter(Stage(f"Writing {plan.frame_count} frames", 1.0))

    def tick(count: int) -> None:
        reporter.within(count / plan.frame_count)

    frames = FrameSource(pair, plan)
    encode = write_gif if plan.format == "gif" else write_mp4
    write_atomic_with(path, lambda temp: encode(temp, frames, fps=plan.fps, tick=tick))
    reporter.done()
    return plan
