"""Aligning the after film to the before film.

:func:`register` runs the automatic pipeline (:mod:`.pipeline`): films prepared with their
anatomy, labels and bands found (:mod:`.coarse`, :mod:`.anatomy`), candidates from features,
placements and a scan of every turn (:mod:`.features`, :mod:`.candidates`), all scored inside
the hand (:mod:`.scoring`) and the best few refined (:mod:`.search`, :mod:`.refine`,
:mod:`.pyramid`), quality figures (:mod:`.quality`) and a verdict, ``status`` ``"ok"`` /
``"poor"`` / ``"failed"`` with a ``reason`` (:mod:`.status`); :mod:`.local` aligns one
finger or joint; :mod:`.landmarks` fits clicked point pairs; :mod:`.alignment` holds
alignments as values for the document and project files.
"""

from xraycompare.core.registration.landmarks import LandmarkFit, fit_landmarks
from xraycompare.core.registration.pipeline import (
    Registration,
    RegistrationCancelled,
    RegistrationError,
    register,
)
from xraycompare.core.registration.quality import (
    QualityProbe,
    RegistrationQuality,
    evaluate_quality,
    warp_to_before,
)

__all__ = [
    "LandmarkFit",
    "QualityProbe",
    "Registration",
    "RegistrationCancelled",
    "RegistrationError",
    "RegistrationQuality",
    "evaluate_quality",
    "fit_landmarks",
    "register",
    "warp_to_before",
]
