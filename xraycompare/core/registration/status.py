"""Whether an automatic alignment can be trusted: ``"ok"``, ``"poor"`` or ``"failed"``.

Helper module of :mod:`xraycompare.core.registration.pipeline`. The verdict rests on the
figures the candidate search already has (:class:`.scoring.Score` on the fine copy), so
reading it costs nothing:

- ``fit``: the weighted correlation of the locally normalised films inside the before
  hand (rigid part fully, fingers half, labels left out) once aligned. The same hand
  lines up at 0.5-0.95 whatever the exposure; two different hands, or a hand and a wrist,
  stay below about 0.3 even at their best overlap.
- ``coverage``: how much of the before hand the aligned after hand covers.
- whether the scale is plausible for two films of one hand (0.7-1.4 of a scale the films
  suggest), and whether the after film looks mirrored.

``failed`` means no candidate is plausible at all: the result is the best guess, not an
alignment, and nothing (an exposure match, a difference image) should be derived from it.
``poor`` means usable but doubtful: say so where the user looks and offer landmarks.
"""

from __future__ import annotations

from dataclasses import dataclass

from xraycompare.core.registration.scoring import Score

OK, POOR, FAILED = "ok", "poor", "failed"
STATUSES = (OK, POOR, FAILED)

FIT_FAILED = 0.22  # below this the hands do not line up anywhere
FIT_POOR = 0.38  # below this the alignment is doubtful
COVER_FAILED = 0.2
COVER_POOR = 0.45


@dataclass(frozen=True)
class Verdict:
    status: str
    reason: str | None


def judge(
    score: Score,
    *,
    plausible: bool,
    scale: float,
    mirrored: bool,
    start_kept: bool,
) -> Verdict:
    """The status of a global alignment and, unless ``ok``, the reason in plain words."""
    fit, cover = score.ncc, score.coverage
    figures = f"correlation inside the hand {fit:.2f}, {cover:.0%} of the hand overlaps"
    if fit < FIT_FAILED or cover < COVER_FAILED:
        return Verdict(
            FAILED,
            "No alignment fits: the hands do not line up anywhere "
            f"({figures}). Check that both films show the same hand of the same person "
            "(not a wrist against a hand); place landmarks to align them by hand.",
        )
    if not plausible:
        return Verdict(
            FAILED if fit < FIT_POOR else POOR,
            f"The best alignment changes the size by ×{scale:.2f}, more than two films of "
            f"one hand differ ({figures}): check that both films show the same hand, or "
            "place landmarks.",
        )
    if mirrored:
        return Verdict(
            POOR,
            "The after film looks mirrored (flipped left-right), or it shows the other "
            "hand: a hand cannot be rotated onto its mirror image. Flip the after film "
            "and align again, or check that both films show the same hand.",
        )
    if fit < FIT_POOR or cover < COVER_POOR:
        kept = " The films were left as they were: no candidate did better." if start_kept else ""
        return Verdict(
            POOR,
            f"The alignment may be poor ({figures}).{kept} Check that both films show "
            "the same hand and check the alignment, or place landmarks and refine.",
        )
    return Verdict(OK, None)


LOCAL_POOR = 0.3  # focused correlation inside a region below which it does not match


def judge_local(score: float, *, inherited: Verdict | None = None) -> Verdict:
    """The status of a local (finger or joint) alignment from its focused correlation.

    ``inherited``: the verdict of the global alignment made for it in the same call; a
    failed global alignment fails the local one too.
    """
    if inherited is not None and inherited.status == FAILED:
        return inherited
    if score < LOCAL_POOR:
        return Verdict(
            POOR,
            f"The region does not line up well on its own (correlation {score:.2f} around "
            "its middle): check it, draw the region around the joint or finger, or place "
            "landmarks.",
        )
    return Verdict(OK, None)
