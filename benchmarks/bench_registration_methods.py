"""Registration methods compared by ``bench_registration.py``: each returns a point map.

A method takes (before, after, model) arrays and returns (to_after, seconds, info):
``to_after`` maps (N, 2) before pixel points to after pixel points; ``seconds`` is the
registration time alone (no loading, no result extraction); ``info`` holds what the method
says about its own result (xraycompare: status, reason, scores). elastix and SimpleITK are
optional: a missing one is reported and skipped.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable

import numpy as np

from xraycompare.core.geometry import transform_points

PointMap = Callable[[np.ndarray], np.ndarray]


def xraycompare_method(before: np.ndarray, after: np.ndarray, model: str):
    from xraycompare.core.registration import register

    t = time.perf_counter()
    result = register(before, after, model=model)
    seconds = time.perf_counter() - t
    inverse = np.linalg.inv(np.asarray(result.matrix))
    d = result.details
    info = {
        "status": result.status,
        "reason": result.reason,
        "fit": d.get("fit", float("nan")),
        "coverage": d.get("coverage", float("nan")),
        "score": d.get("score", float("nan")),
        "rigid_support": d.get("rigid_support", float("nan")),
        "support": d.get("support", float("nan")),
        "guessed_hand": d.get("guessed_hand", 0.0),
        "inliers": d.get("feature_inliers", 0.0),
        "mirrored": result.mirrored,
        "matrix": np.asarray(result.matrix),
    }
    return (lambda pts: transform_points(inverse, pts)), seconds, info


def elastix_available() -> str | None:
    try:
        import itk

        _ = itk.ParameterObject
    except Exception as exc:
        return f"elastix skipped (pip install itk-elastix): {exc.__class__.__name__}"
    return None


def elastix_method(before: np.ndarray, after: np.ndarray, model: str):
    """elastix: default rigid then affine maps, centred start, no result image written."""
    import itk

    fixed = itk.image_view_from_array(np.ascontiguousarray(before, dtype=np.float32))
    moving = itk.image_view_from_array(np.ascontiguousarray(after, dtype=np.float32))
    params = itk.ParameterObject.New()
    rigid = params.GetDefaultParameterMap("rigid")
    # the default maps start from the identity; centring the films first is what any user
    # would switch on (without it elastix misses shifts of a few hundred pixels)
    rigid["AutomaticTransformInitialization"] = ["true"]
    params.AddParameterMap(rigid)
    params.AddParameterMap(params.GetDefaultParameterMap("affine"))
    for i in range(params.GetNumberOfParameterMaps()):
        params.SetParameter(i, "WriteResultImage", "false")  # no resampled image needed
    t = time.perf_counter()
    _, transform = itk.elastix_registration_method(
        fixed, moving, parameter_object=params, log_to_console=False, number_of_threads=2
    )
    seconds = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as scratch:  # transformix writes its field to disk
        field = itk.array_from_image(
            itk.transformix_deformation_field(moving, transform, output_directory=scratch)
        )

    def to_after(pts: np.ndarray) -> np.ndarray:
        ij = np.rint(pts).astype(int)  # the points are integer pixels
        ij[:, 0] = np.clip(ij[:, 0], 0, field.shape[1] - 1)
        ij[:, 1] = np.clip(ij[:, 1], 0, field.shape[0] - 1)
        return pts + field[ij[:, 1], ij[:, 0]]

    return to_after, seconds, {}


def simpleitk_available() -> str | None:
    try:
        import SimpleITK  # noqa: F401
    except Exception as exc:
        return f"SimpleITK skipped (pip install SimpleITK): {exc.__class__.__name__}"
    return None


def simpleitk_method(before: np.ndarray, after: np.ndarray, model: str):
    """Mattes mutual information, multi-resolution (8, 4, 2, 1), centred initialisation."""
    import SimpleITK as sitk  # noqa: N813

    sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(2)
    fixed = sitk.GetImageFromArray(np.ascontiguousarray(before, dtype=np.float32))
    moving = sitk.GetImageFromArray(np.ascontiguousarray(after, dtype=np.float32))
    kind = {
        "rigid": sitk.Euler2DTransform(),
        "similarity": sitk.Similarity2DTransform(),
        "affine": sitk.AffineTransform(2),
    }[model]
    t = time.perf_counter()
    initial = sitk.CenteredTransformInitializer(
        fixed, moving, kind, sitk.CenteredTransformInitializerFilter.MOMENTS
    )
    reg = sitk.ImageRegistrationMethod()
    reg.SetMetricAsMattesMutualInformation(numberOfHistogramBins=50)
    reg.SetMetricSamplingStrategy(reg.RANDOM)
    reg.SetMetricSamplingPercentage(0.05, seed=1)
    reg.SetInterpolator(sitk.sitkLinear)
    reg.SetOptimizerAsRegularStepGradientDescent(
        learningRate=2.0, minStep=1e-4, numberOfIterations=200, relaxationFactor=0.5
    )
    reg.SetOptimizerScalesFromPhysicalShift()
    reg.SetShrinkFactorsPerLevel([8, 4, 2, 1])
    reg.SetSmoothingSigmasPerLevel([4, 2, 1, 0])
    reg.SmoothingSigmasAreSpecifiedInPhysicalUnitsOff()
    reg.SetInitialTransform(initial, inPlace=False)
    final = reg.Execute(fixed, moving)
    seconds = time.perf_counter() - t

    def to_after(pts: np.ndarray) -> np.ndarray:
        return np.array([final.TransformPoint((float(x), float(y))) for x, y in pts])

    return to_after, seconds, {}
