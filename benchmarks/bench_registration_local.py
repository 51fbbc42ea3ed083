"""The real same-hand pair, and local alignment of single joints after finger posture changes.

    nice -n 10 python benchmarks/bench_registration_local.py [--draws N] [--seed S]

Helper module of ``bench_registration.py`` and a benchmark of its own. ``joints``: on real
hands (the CR hand and annotated FracAtlas films) every finger is turned 4-10 degrees about
its MCP joint (the web stretching between), the film turned and shifted, exposure changed;
then a square around one PIP joint, reaching halfway to the neighbouring fingers' PIP
joints on each side (so it holds parts of the neighbours, which moved differently), is
aligned locally on top of the global alignment. The error is the mean distance, in before
pixels, at points on the joint (within half a finger width of its centre); the target is
0.5 px.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bench_registration_cases as cases_mod

from xraycompare.core import synthetic_hazards as hz
from xraycompare.core.geometry import decompose, similarity, transform_points
from xraycompare.core.io.loading import load_image
from xraycompare.core.registration import evaluate_quality, register
from xraycompare.core.synthetic import (
    FingerMove,
    FollowupSpec,
    followup_truth,
    posture_source,
    simulate_followup,
)

PIP_FRACTION = 0.48  # of the way from the MCP joint to the tip (index to little finger)


def _matrix_from_map(to_after, shape) -> np.ndarray:
    """The after -> before affine matrix that best explains a before -> after point map."""
    h, w = shape
    ys, xs = np.mgrid[0 : h : max(1, h // 12), 0 : w : max(1, w // 12)]
    q = np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float64)
    p = to_after(q)
    a = np.hstack([p, np.ones((len(p), 1))])
    sol, *_ = np.linalg.lstsq(a, q, rcond=None)
    m = np.eye(3)
    m[:2] = sol.T
    return m


def real_pair(methods_to_run) -> None:
    """IMG0001565 / IMG0001567: the same hand imaged twice, no truth. The methods' results,
    how far each is from ours at points on the hand, and ours again once labels, a marker
    and a plate edge are burnt into the after film (it should not move)."""
    folder = cases_mod.FRACATLAS
    if not (folder / cases_mod.REAL_PAIR[1]).is_file():
        print("\nreal pair skipped: FracAtlas films not found")
        return
    before = load_image(folder / cases_mod.REAL_PAIR[0])
    after = load_image(folder / cases_mod.REAL_PAIR[1])
    print("\nReal same-hand pair IMG0001565 (before) / IMG0001567 (after): no truth")
    print(
        f"{'method':22s} {'status':7s} {'NCC id.':>8s} {'NCC':>6s} {'rot deg':>8s} "
        f"{'scale':>6s} {'tx':>7s} {'ty':>7s} {'s':>6s} {'vs ours':>8s}"
    )
    rng = np.random.default_rng(5)
    pts = cases_mod.evaluation_points(before.pixels, _mask(before.pixels), (), rng, n=200)
    ours = None
    runs = list(methods_to_run)
    noisy = _with_labels(after.pixels, rng)
    runs.append(("xraycompare + labels", None))
    for name, method in runs:
        status = ""
        try:
            t = time.perf_counter()
            if name.startswith("xraycompare"):
                target = noisy if name.endswith("labels") else after
                result = register(before, target, model="similarity")
                matrix, status = np.asarray(result.matrix), result.status
            else:
                to_after, _, _ = method(before.pixels, after.pixels, "similarity")
                matrix = _matrix_from_map(to_after, before.shape)
            seconds = time.perf_counter() - t
        except Exception as exc:
            print(f"{name:22s} failed: {exc}")
            continue
        if name == "xraycompare":
            ours = matrix
        gap = np.nan
        if ours is not None:
            a = transform_points(np.linalg.inv(ours), pts)
            gap = float(np.linalg.norm(transform_points(matrix, a) - pts, axis=1).mean())
        q = evaluate_quality(before, after, matrix)
        d = decompose(matrix)
        print(
            f"{name:22s} {status:7s} {q.ncc_initial:8.3f} {q.ncc_final:6.3f} "
            f"{d['rotation_deg']:8.2f} {d['scale']:6.3f} {d['tx']:7.1f} {d['ty']:7.1f} "
            f"{seconds:6.2f} {gap:6.2f}px"
        )


def _mask(pixels: np.ndarray) -> np.ndarray:
    return cases_mod.foreground_mask(cases_mod.sample_pixels(pixels, max_side=512))


def _with_labels(pixels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    hand = cases_mod._full_mask(_mask(pixels), pixels.shape)
    out = hz.burn_text(pixels, rng, count=3, avoid=hand)
    out, _ = hz.add_label_box(out, rng, avoid=hand)
    out = hz.add_lead_marker(out, rng, avoid=hand)
    out, _ = hz.add_plate_edges(out, rng)
    return out


def _pips(fingers) -> list[np.ndarray]:
    """PIP joints (before pixels) of the index to little fingers."""
    return [
        np.asarray(f.mcp, float) + PIP_FRACTION * (np.asarray(f.tip, float) - f.mcp)
        for f in fingers[1:]
    ]


def joint_square(pips: list[np.ndarray], i: int) -> tuple[float, float, float, float]:
    """A square around PIP ``i`` reaching halfway to the nearest neighbouring PIP joint on
    each side: its side is the distance to that neighbour."""
    others = [np.linalg.norm(pips[i] - p) for j, p in enumerate(pips) if j != i]
    side = float(min(others))
    x, y = pips[i]
    return (float(x - side / 2), float(y - side / 2), side, side)


def _joint_points(move: FingerMove, pip, moves, rng, n: int = 80) -> np.ndarray:
    """Points on the turned finger's PIP joint (posture-changed before frame) that move
    with that finger alone (not in a blend with a neighbour)."""
    f = move.finger
    c = np.asarray(f.mcp, float)
    a = math.radians(move.angle_deg)
    rot = np.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]])
    centre = c + rot @ (np.asarray(pip, float) - c)
    r = 0.5 * f.half_width * np.sqrt(rng.uniform(0, 1, n))
    t = rng.uniform(0, 2 * np.pi, n)
    q = centre + np.stack([r * np.cos(t), r * np.sin(t)], axis=1)
    exact = (q - c) @ rot + c
    return q[np.linalg.norm(posture_source(q, moves) - exact, axis=1) < 1e-6]


def _joint_sources():
    out = []
    for s in cases_mod.load_sources():
        if len(s.fingers) == 5 and s.name in (
            "cr_hand",
            "IMG0000030",
            "IMG0000035",
            "IMG0000101",
            "IMG0000235",
            "IMG0002311",
        ):
            out.append(s)  # fmt: skip
    return out


def joints(draws: int, seed: int) -> list[float]:
    """Every finger turned 4-10 degrees; each PIP joint aligned locally in its square."""
    sources = _joint_sources()
    if not sources:
        print("\nlocal alignment skipped: the annotated films are not found")
        return []
    rng = np.random.default_rng(seed + 7)
    print(
        "\nLocal alignment of PIP joints (squares reaching halfway to the neighbours), every "
        "finger turned 4-10 degrees about its MCP joint"
    )
    errors, globals_, times = [], [], []
    for draw in range(draws):
        for source in sources:
            before = source.pixels
            h, w = before.shape
            moves = tuple(
                FingerMove(f, float(rng.choice([-1, 1]) * rng.uniform(4, 10)))
                for f in source.fingers
            )
            m = np.asarray(
                similarity(
                    angle_deg=rng.uniform(-10, 10),
                    center=((w - 1) / 2, (h - 1) / 2),
                    tx=rng.uniform(-60, 60),
                    ty=rng.uniform(-60, 60),
                )
            )
            spec = FollowupSpec(
                matrix=m,
                posture=moves,
                gamma=float(rng.uniform(0.7, 1.4)),
                noise_sd=0.01,
                blur_sigma=float(rng.uniform(0, 1)),
                seed=draw,
                border="air",
            )
            after = simulate_followup(before, spec)
            global_reg = register(before, after, model="similarity")
            pips = _pips(source.fingers)
            for i, move in enumerate(moves[1:]):
                q = _joint_points(move, pips[i], moves, rng)
                if len(q) < 10:
                    continue  # this joint collided with its neighbour in the simulation
                a = transform_points(np.linalg.inv(m), q)
                truth = followup_truth(spec, a)
                eg = np.linalg.norm(transform_points(global_reg.matrix, a) - truth, axis=1)
                t = time.perf_counter()
                local = register(
                    before,
                    after,
                    model="rigid",
                    roi=joint_square(pips, i),
                    initial=global_reg.matrix,
                )
                times.append(time.perf_counter() - t)
                el = np.linalg.norm(transform_points(local.matrix, a) - truth, axis=1)
                errors.append(float(el.mean()))
                globals_.append(float(eg.mean()))
                name = cases_mod.FINGER_NAMES[i + 1]
                print(
                    f"  {source.name:11s} draw {draw} {name:6s} {move.angle_deg:6.1f} deg: "
                    f"global {eg.mean():6.2f} px -> local {el.mean():6.3f} px "
                    f"(max {el.max():.3f}) {times[-1]:5.2f} s",
                    flush=True,
                )
    e = np.array(errors)
    if len(e):
        print(
            f"  {len(e)} joints: local error median {np.median(e):.3f} px, mean {e.mean():.3f}"
            f" px, p90 {np.percentile(e, 90):.3f} px, worst {e.max():.3f} px; within 0.5 px:"
            f" {np.mean(e <= 0.5):.0%}; global error there median {np.median(globals_):.2f} px;"
            f" median time {np.median(times):.2f} s"
        )
    return errors


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--draws", type=int, default=2)
    p.add_argument("--seed", type=int, default=2025)
    args = p.parse_args(argv)
    joints(args.draws, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
