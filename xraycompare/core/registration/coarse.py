"""Films prepared for registration, and the mirror bookkeeping.

Helper module of :mod:`xraycompare.core.registration`. A :class:`Film` holds what the
candidate search (:mod:`.search`), the scoring and the refinement need: a small copy, the
hand mask without burnt-in text and labels, those artefacts, the rigid part of the hand,
the pyramid and (optionally) SIFT features found only where the anatomy is. The mirror
helpers turn a mirror match into the matrices the result reports.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from xraycompare.core.io.hand_mask import foreground_mask
from xraycompare.core.registration import anatomy
from xraycompare.core.registration import features as feats
from xraycompare.core.registration import pyramid as rp


@dataclass
class Film:
    """One film prepared for registration."""

    values: np.ndarray  # full-resolution float32, bone bright
    small: np.ndarray  # area-downsampled copy for masks and features
    factor: float  # full px per small px
    mask: np.ndarray  # hand mask on the small copy, burnt-in text and labels taken out
    pyramid: rp.FilmPyramid
    artefacts: np.ndarray  # burnt-in text, markers, label boxes, blanked patches (small)
    rigid: np.ndarray  # the hand without its fingers (small)
    features: feats.Features | None = None
    # the same at half the size: fewer, but they survive noise, blur and low contrast
    coarse_features: feats.Features | None = None
    guessed_hand: bool = False  # no hand found: ``mask`` is the film's exposed field
    blank: np.ndarray | None = None  # bands and open air along the sides (small)


def prepare_film(values: np.ndarray, mask: np.ndarray | None, *, with_features: bool) -> Film:
    """Small copy, hand mask (``mask`` if given), artefacts, pyramid and (optionally) SIFT
    features inside the anatomy."""
    h, w = values.shape
    factor = max(1.0, max(h, w) / feats.FEATURE_SIDE)
    size = (max(1, round(w / factor)), max(1, round(h / factor)))
    small = cv2.resize(values, size, interpolation=cv2.INTER_AREA) if factor > 1 else values
    factor_x, factor_y = w / small.shape[1], h / small.shape[0]
    factor = 0.5 * (factor_x + factor_y)
    if mask is None:
        hand = foreground_mask(small)
    else:
        hand = cv2.resize(
            np.asarray(mask).astype(np.uint8),
            (small.shape[1], small.shape[0]),
            interpolation=cv2.INTER_NEAREST,
        ).astype(bool)
    artefact = anatomy.artefacts(small, hand)
    guessed = False
    if mask is None:
        hand, guessed = anatomy.hand_or_field(small, hand, artefact)
    film = Film(
        values,
        small,
        factor,
        hand,
        rp.build_pyramid(values),
        artefact,
        anatomy.rigid_part(hand),
        guessed_hand=guessed,
        blank=anatomy.blank(small),
    )
    if with_features:
        _detect(film)
    return film


def flip_matrix(width: int) -> np.ndarray:
    """x -> width - 1 - x: stored after coordinates <-> left-right flipped coordinates."""
    return np.array([[-1.0, 0.0, width - 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])


def flipped_film(film: Film, *, with_features: bool = False) -> Film:
    """The film flipped left-right (its own pyramid; features only if asked for)."""
    values = np.ascontiguousarray(film.values[:, ::-1])
    out = Film(
        values=values,
        small=np.ascontiguousarray(film.small[:, ::-1]),
        factor=film.factor,
        mask=np.ascontiguousarray(film.mask[:, ::-1]),
        pyramid=rp.build_pyramid(values),
        artefacts=np.ascontiguousarray(film.artefacts[:, ::-1]),
        rigid=np.ascontiguousarray(film.rigid[:, ::-1]),
        guessed_hand=film.guessed_hand,
        blank=None if film.blank is None else np.ascontiguousarray(film.blank[:, ::-1]),
    )
    if with_features:
        _detect(out)
    return out


def _detect(film: Film) -> None:
    """SIFT features of the small copy and of a copy half its size, wherever the film shows
    something but labels (:func:`.anatomy.feature_field`): a hand mask can miss the hand, so
    the matches are weighted by where they sit instead (see the candidate search)."""
    mask = anatomy.feature_field(film.mask, film.artefacts, film.blank)
    film.features = feats.detect(film.small, mask, film.factor, grow=0, contrast_mask=film.mask)
    h, w = film.small.shape
    size = (max(8, w // 2), max(8, h // 2))
    half = cv2.resize(film.small, size, interpolation=cv2.INTER_AREA)

    def shrink(m: np.ndarray) -> np.ndarray:
        return cv2.resize(m.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0

    factor = film.factor * 0.5 * (w / size[0] + h / size[1])
    film.coarse_features = feats.detect(
        half, shrink(mask), factor, grow=0, contrast_mask=shrink(film.mask)
    )


def unflipped_mask(film: Film, mirrored: bool) -> np.ndarray:
    return np.ascontiguousarray(film.mask[:, ::-1]) if mirrored else film.mask


def hand_axis_reflection(mask: np.ndarray, shape) -> np.ndarray:
    """Reflection of the stored after film about its hand's long axis, full resolution."""
    axes = feats.mask_axes(mask, shape)
    if axes is None:
        return flip_matrix(shape[1])
    center, angle, _ = axes
    c, s = np.cos(2 * angle), np.sin(2 * angle)
    ref = np.array([[c, s], [s, -c]])
    m = np.eye(3)
    m[:2, :2] = ref
    m[:2, 2] = center - ref @ center
    return m
