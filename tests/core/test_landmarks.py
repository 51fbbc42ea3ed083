"""Landmark fits: exact for exact clicks, honest residuals for sloppy ones."""

from __future__ import annotations

import numpy as np
import pytest

from xraycompare.core.geometry import similarity, transform_points
from xraycompare.core.registration.landmarks import fit_landmarks, project_to_model

AFTER = np.array([[100.0, 120.0], [400.0, 150.0], [250.0, 500.0], [120.0, 420.0], [380.0, 380.0]])


def test_two_pairs_give_the_exact_similarity():
    truth = np.asarray(similarity(scale=1.07, angle_deg=23, tx=40, ty=-12, center=(200, 300)))
    before = transform_points(truth, AFTER[:2])
    fit = fit_landmarks(before, AFTER[:2])
    assert fit.model == "similarity"
    assert np.allclose(fit.matrix, truth, atol=1e-9)
    assert fit.residuals_px.shape == (2,) and fit.rms_px < 1e-9


def test_three_or_more_pairs_give_an_affine_least_squares_fit():
    truth = np.array([[1.1, 0.05, 12.0], [-0.03, 0.93, -7.0], [0.0, 0.0, 1.0]])
    fit = fit_landmarks(transform_points(truth, AFTER[:3]), AFTER[:3])
    assert fit.model == "affine" and np.allclose(fit.matrix, truth, atol=1e-9)
    # one sloppy click out of five: it carries the largest residual, the RMS says how bad
    before = transform_points(truth, AFTER)
    before[3] += (6.0, -4.0)
    fit = fit_landmarks(before, AFTER)
    assert int(np.argmax(fit.residuals_px)) == 3
    mapped = transform_points(fit.matrix, AFTER)
    assert np.allclose(fit.residuals_px, np.linalg.norm(mapped - before, axis=1))
    assert np.isclose(fit.rms_px, np.sqrt(np.mean(fit.residuals_px**2)))
    assert 0 < fit.rms_px < 7.3


def test_a_model_can_be_asked_for():
    truth = np.asarray(similarity(angle_deg=-12, tx=5, ty=9))
    before = transform_points(truth, AFTER)
    fit = fit_landmarks(before, AFTER, model="rigid")
    assert fit.model == "rigid" and np.allclose(fit.matrix, truth, atol=1e-9)
    scaled = transform_points(np.asarray(similarity(scale=1.2)), AFTER)
    rigid = fit_landmarks(scaled, AFTER, model="rigid")
    assert np.isclose(np.linalg.det(rigid.matrix[:2, :2]), 1.0)
    assert rigid.rms_px > 1.0  # a rigid fit cannot absorb a 20 % magnification


def test_matrix_and_residuals_are_read_only():
    fit = fit_landmarks(AFTER[:2] + 3, AFTER[:2])
    assert not fit.matrix.flags.writeable and not fit.residuals_px.flags.writeable


@pytest.mark.parametrize(
    ("before", "after", "model", "message"),
    [
        (AFTER[:1], AFTER[:1], None, "at least 2"),
        (AFTER[:2], AFTER[:2], "affine", "at least 3"),
        (AFTER[:3], AFTER[:2], None, "3 before points but 2 after"),
        ([[5.0, 5.0], [5.0, 5.0]], AFTER[:2], None, "coincide"),
        ([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]], AFTER[:3], None, "collinear"),
        (AFTER[:2], AFTER[:2], "projective", "model"),
    ],
)
def test_unusable_landmarks_are_refused(before, after, model, message):
    with pytest.raises(ValueError, match=message):
        fit_landmarks(before, after, model=model)


def test_projection_to_a_simpler_model_keeps_the_centre_in_place():
    m = np.array([[1.1, 0.05, 12.0], [-0.03, 0.93, -7.0], [0.0, 0.0, 1.0]])
    centre = (250.0, 300.0)
    target = transform_points(m, np.array([centre]))
    for model in ("rigid", "similarity"):
        p = project_to_model(m, model, center=centre)
        assert np.allclose(transform_points(p, np.array([centre])), target)
        a = p[:2, :2]
        assert np.isclose(a[0, 0], a[1, 1]) and np.isclose(a[0, 1], -a[1, 0])
    assert np.isclose(np.linalg.det(project_to_model(m, "rigid")[:2, :2]), 1.0)
