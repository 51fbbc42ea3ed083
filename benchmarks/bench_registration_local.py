"""The real same-hand pair and the per-finger (local) alignment parts of the benchmark.

Helper module of ``bench_registration.py``.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import bench_registration_cases as cases_mod
import cv2
import numpy as np

from xraycompare.core.geometry import decompose, similarity, transform_points
from xraycompare.core.io.display import render_display
from xraycompare.core.io.loading import load_image
from xraycompare.core.registration import evaluate_quality, register, warp_to_before
from xraycompare.core.synthetic import (
    FingerMove,
    FollowupSpec,
    followup_truth,
    posture_source,
    simulate_followup,
)


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


def real_pair(out_dir: Path, methods_to_run) -> None:
    """IMG0001565 / IMG0001567: the same hand imaged twice (no truth)."""
    folder = cases_mod.FRACATLAS
    if not (folder / cases_mod.REAL_PAIR[0]).is_file():
        print("\nreal pair skipped: FracAtlas films not found")
        return
    before = load_image(folder / cases_mod.REAL_PAIR[0])
    after = load_image(folder / cases_mod.REAL_PAIR[1])
    print("\nReal same-hand pair IMG0001565 (before) / IMG0001567 (after): no truth")
    print(
        f"{'method':12s} {'NCC id.':>8s} {'NCC':>6s} {'NMI':>6s} {'overlap':>8s} "
        f"{'rot deg':>8s} {'scale':>6s} {'tx':>7s} {'ty':>7s} {'s':>6s}"
    )
    best = None
    for name, method in methods_to_run:
        try:
            if name == "xraycompare":
                t = time.perf_counter()
                result = register(before, after, model="similarity")
                seconds = time.perf_counter() - t
                matrix = np.asarray(result.matrix)
                best = matrix
            else:
                to_after, seconds = method(before.pixels, after.pixels, "similarity")
                matrix = _matrix_from_map(to_after, before.shape)
        except Exception as exc:
            print(f"{name:12s} failed: {exc}")
            continue
        q = evaluate_quality(before, after, matrix)
        d = decompose(matrix)
        print(
            f"{name:12s} {q.ncc_initial:8.3f} {q.ncc_final:6.3f} {q.mi_final:6.3f} "
            f"{q.overlap:8.1%} {d['rotation_deg']:8.2f} {d['scale']:6.3f} {d['tx']:7.1f} "
            f"{d['ty']:7.1f} {seconds:6.2f}"
        )
    if best is None:
        return
    b = render_display(before)
    a = warp_to_before(render_display(after), best, before.shape)
    yy, xx = np.mgrid[0 : b.shape[0], 0 : b.shape[1]]
    checker = np.where(((yy // 32 + xx // 32) % 2) == 0, b, a)
    unaligned = warp_to_before(render_display(after), np.eye(3), before.shape)
    panel = np.vstack(
        [
            np.hstack([cv2.cvtColor(checker, cv2.COLOR_GRAY2BGR), np.dstack([b, a, b])]),
            np.hstack([np.dstack([b, unaligned, b]), np.dstack([b, a, b]) * 0]),
        ]
    )
    path = out_dir / "bench_registration_real_pair.png"
    cv2.imwrite(str(path), panel)
    print(f"  pictures: {path} (top: checkerboard, magenta/green aligned; bottom: unaligned)")


def _finger_box(f) -> tuple[float, float, float, float]:
    """The rectangle a user would drag around a finger: MCP joint to tip plus its width."""
    c, t = np.asarray(f.mcp, float), np.asarray(f.tip, float)
    u = (t - c) / np.linalg.norm(t - c)
    p = np.array([-u[1], u[0]])
    hw = f.half_width
    ends = (c - 0.3 * hw * u, t + 0.5 * hw * u)
    corners = np.array([e + s * 1.3 * hw * p for e in ends for s in (-1, 1)])
    (x0, y0), (x1, y1) = corners.min(axis=0), corners.max(axis=0)
    return (float(x0), float(y0), float(x1 - x0), float(y1 - y0))


def _core_points(move: FingerMove, moves, rng: np.random.Generator, n: int = 150) -> np.ndarray:
    """Points inside the turned finger (the before frame after the posture change).

    Where two fingers turned toward each other their simulated regions overlap and the
    motion there is a blend of both: such points are not "inside the finger" and are left
    out.
    """
    f = move.finger
    c = np.asarray(f.mcp, float)
    axis = np.asarray(f.tip, float) - c
    length = float(np.linalg.norm(axis))
    a = math.radians(move.angle_deg)
    rot = np.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]])
    u = rot @ (axis / length)
    p = np.array([-u[1], u[0]])
    along = rng.uniform(0.3 * f.half_width, length, n)
    across = rng.uniform(-0.6, 0.6, n) * f.half_width
    q = c + along[:, None] * u + across[:, None] * p
    exact = (q - c) @ rot + c  # this finger's own motion, undone
    return q[np.linalg.norm(posture_source(q, moves) - exact, axis=1) < 1e-6]


def _hand_points(pixels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    source = cases_mod.Source(
        "cr_hand", pixels, cases_mod.foreground_mask(cases_mod.sample_pixels(pixels, max_side=512))
    )
    return cases_mod.hand_points(source, rng, n=400)


def fingers(draws: int, seed: int) -> None:
    """Each finger turned 4-10 degrees about its MCP joint; align one finger locally."""
    if not cases_mod.CR_HAND.is_file():
        print("\nlocal alignment skipped: the CR hand is not found")
        return
    before = load_image(cases_mod.CR_HAND).pixels
    h, w = before.shape
    rng = np.random.default_rng(seed + 7)
    rows = []
    palm_rows: list[float] = []
    palm = _hand_points(before, rng)
    print("\nLocal alignment: CR hand, every finger turned 4-10 degrees about its MCP joint")
    for draw in range(draws):
        moves = tuple(
            FingerMove(f, float(rng.choice([-1, 1]) * rng.uniform(4, 10)))
            for f in cases_mod.CR_FINGERS.values()
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
        # the global alignment must not be pulled by the fingers: TRE on the palm and wrist
        still = palm[np.linalg.norm(posture_source(palm, moves) - palm, axis=1) < 1e-6]
        p_still = transform_points(np.linalg.inv(m), still)
        palm_tre = np.linalg.norm(transform_points(global_reg.matrix, p_still) - still, axis=1)
        palm_rows.append(palm_tre.mean())
        print(
            f"  draw {draw}: global TRE on the palm and wrist (fingers excluded) "
            f"{palm_tre.mean():.3f} px",
            flush=True,
        )
        for name, move in zip(cases_mod.CR_FINGERS, moves, strict=True):
            q = _core_points(move, moves, rng)
            if len(q) < 20:
                continue  # this finger collided with its neighbour in the simulation
            p = transform_points(np.linalg.inv(m), q)
            truth = followup_truth(spec, p)
            eg = np.linalg.norm(transform_points(global_reg.matrix, p) - truth, axis=1)
            t = time.perf_counter()
            local = register(
                before,
                after,
                model="rigid",
                roi=_finger_box(move.finger),
                initial=global_reg.matrix,
            )
            seconds = time.perf_counter() - t
            el = np.linalg.norm(transform_points(local.matrix, p) - truth, axis=1)
            rows.append((name, move.angle_deg, eg.mean(), el.mean(), el.max(), seconds))
            print(
                f"  draw {draw} {name:6s} {move.angle_deg:6.1f} deg: global TRE {eg.mean():6.2f} px"
                f" -> local {el.mean():6.3f} px (max {el.max():.3f}) {seconds:5.2f} s",
                flush=True,
            )
    print(
        f"  global alignment with moved fingers: palm/wrist TRE median "
        f"{np.median(palm_rows):.3f} px, worst {max(palm_rows):.3f} px"
    )
    off = [r for r in rows if r[2] >= 5]
    if not off:
        print("  no finger was off by 5 px or more globally")
        return
    local_tre = np.array([r[3] for r in off])
    print(
        f"  fingers off by >= 5 px globally: {len(off)}; local TRE <= 1 px in "
        f"{np.mean(local_tre <= 1):.0%}; median {np.median(local_tre):.3f} px, "
        f"p90 {np.percentile(local_tre, 90):.3f} px, worst {local_tre.max():.3f} px; "
        f"median time {np.median([r[5] for r in off]):.2f} s"
    )
