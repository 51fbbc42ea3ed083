"""Whether an automatic alignment can be trusted: ``"ok"``, ``"poor"`` or ``"failed"``.

Helper module of :mod:`xraycompare.core.registration.pipeline`. The verdict rests on the
figures the candidate search already has (:class:`.scoring.Score` on the fine copy), so
reading it costs nothing:

- ``fit``: the weighted correlation of the locally normalised films inside the before
  hand (rigid part fully, fingers half, labels left out) once aligned. The same hand
  lines up at 0.5-0.95 whatever the exposure; two different hands, or a hand and a wrist,
  stay below about 0.3 even at their best overlap.
- ``support``: how much of the before hand the after film shows once aligned (inside its
  frame, off its labels). The after film's own hand mask is not used: strong processing
  and bands make it unreliable, and a cropped film is no reason to distrust a good fit.
- ``rigid_support``: how much of the palm, carpus and wrist lands on after film that
  shows something (not a band, open air or outside the film): low when only the
  fingers, which move between visits, hold the alignment.
- whether the scale is plausible for two films of one hand (0.7-1.4 of a scale the films
  suggest), whether the after film looks mirrored, and whether the before hand could be
  outlined at all (without it the fingers cannot be weighted down).

``failed`` means no candidate is plausible at all: the result is the best guess, not an
alignment, and nothing (an exposure match, a difference image) should be derived from it.
``poor`` means usable but doubtful: say so where the user looks and offer landmarks.
"""

from __future__ import annotations

from dataclasses import dataclass

from xraycompare.core.registration.scoring import Score

OK, POOR, FAILED = "ok", "poor", "failed"
STATUSES = (OK, POOR, FAILED)

FIT_FAILED = 0.25  # below this the hands do not line up anywhere
FIT_POOR = 0.45  # below this the alignment is doubtful
SUPPORT_POOR = 0.3  # the after film shows less of the before hand than this
RIGID_POOR = 0.4  # the after film shows less of the palm, carpus and wrist than this


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
    hand_found: bool = True,
) -> Verdict:
    """The status of a global alignment and, unless ``ok``, the reason in plain words."""
    fit, shown = score.ncc, score.support
    figures = f"correlation inside the hand {fit:.2f}, {shown:.0%} of the hand in both films"
    if fit < FIT_FAILED:
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
    if fit < FIT_POOR:
        kept = " The films were left as they were: no candidate did better." if start_kept else ""
        return Verdict(
            POOR,
            f"The alignment may be poor ({figures}).{kept} Check that both films show "
            "the same hand and check the alignment, or place landmarks and refine.",
        )
    if score.rigid_support < RIGID_POOR:
        return Verdict(
            POOR,
            "The after film shows little of the palm and wrist where this alignment puts "
            f"them ({figures}): the alignment rests on the fingers, which move between visits. "
            "Check it, or place landmarks on the metacarpals and carpus.",
        )
    if not hand_found:
        return Verdict(
            POOR,
            "The hand could not be outlined on the before film (labels, bands or plate "
            f"edges around it?), so the whole film was aligned ({figures}); fingers that "
            "moved may have pulled it. Check it, or place landmarks.",
        )
    if shown < SUPPORT_POOR:
        return Verdict(
            POOR,
            f"Little of the before hand is in the after film ({figures}): the alignment rests "
            "on a small part of the hand. Check it, or place landmarks.",
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


def warning(verdict: Verdict, details: dict, *, mirrored_fit: float | None = None) -> str | None:
    """The one-line warning of a registration result (None when there is nothing to say).

    ``mirrored_fit``: the correlation of the mirror match, when the after film looks
    mirrored; ``details``: the registration's figures (``support``: the share of the
    before hand the after film shows; ``roi_feature_inliers`` for a local alignment).
    """
    if mirrored_fit is not None:
        return (
            "The after film looks mirrored (flipped left-right), or it shows the other hand: "
            "a hand cannot be rotated onto its mirror image. Flipped, it matches well "
            f"(correlation {mirrored_fit:.2f}); flip the after film and align again, or check "
            "that both films show the same hand."
        )
    if verdict.status != OK:
        return verdict.reason
    shown = details.get("support", 1.0)
    if shown < 0.6:
        return (
            f"Only {shown:.0%} of the before film's hand is in the after film: the films "
            "are cropped or collimated differently. The alignment rests on the part both "
            "films show."
        )
    if details.get("roi_feature_inliers", 6) < 6:
        return (
            "Few features inside the region: the local alignment may be off. Check it, or "
            "draw a larger region around the finger or joint."
        )
    return None
