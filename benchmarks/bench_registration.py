"""Registration accuracy and speed: xraycompare against elastix and SimpleITK.

    python benchmarks/bench_registration.py [--quick] [--cases N] [--baseline-cases M]

Cases are made from real hand films (the CR hand DICOM and the big FracAtlas films, see
``bench_registration_cases.py``) with known random transforms of four kinds: ``rigid``
(+-15 degrees, +-100 px, model rigid), ``anyrot`` (any rotation, scale 0.8-1.25, model
similarity), ``affine`` (+-15 % scale per axis, +-5 % shear, model affine) and ``nearby``
(+-3 degrees, +-20 px, model rigid: intensity-only methods converge there too, so their
accuracy can be compared), each with an exposure change, blur, noise, a burnt-in marker,
erosions and remodeling, and (except ``nearby``) another canvas. The target registration
error (TRE) is measured in before pixels on 200 points inside the hand; a case succeeds
when its mean TRE is below 2 px. Times are registration alone.

Then: the real FracAtlas same-hand pair (no truth: quality figures, and a checkerboard /
magenta-green PNG in /tmp to look at), and local alignment of single fingers turned 4-10
degrees about their MCP joints on the CR hand (TRE inside the finger where the global
alignment is off by 5 px or more).

elastix (itk-elastix, default rigid then affine maps) and SimpleITK (Mattes MI,
multi-resolution) run on the first ``--baseline-cases`` cases of each kind when installed.
Needs ../shared/data. Timings are noisy on a shared machine: compare within one run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bench_registration_cases as cases_mod
import bench_registration_local as local_mod
import bench_registration_methods as methods


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="a few cases of each kind")
    p.add_argument("--cases", type=int, default=38, help="xraycompare cases per kind")
    p.add_argument(
        "--baseline-cases", type=int, default=4, help="elastix / SimpleITK cases per kind"
    )
    p.add_argument("--no-baselines", action="store_true", help="skip elastix and SimpleITK")
    p.add_argument("--local-draws", type=int, default=6, help="finger posture draws")
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--out-dir", default="/tmp", help="where the pictures go")
    args = p.parse_args(argv)
    if args.quick:
        args.cases, args.baseline_cases, args.local_draws = 3, 1, 1
    return args


def summarise(rows: list[dict], title: str) -> None:
    print(f"\n{title}")
    header = f"{'kind':8s} {'method':12s} {'cases':>5s} {'success':>8s} {'median TRE':>11s} "
    header += f"{'p90 TRE':>8s} {'median s':>9s} {'p90 s':>7s}"
    print(header)
    print("-" * len(header))
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        groups.setdefault((r["kind"], r["method"]), []).append(r)
    for (kind, method), rs in sorted(groups.items()):
        tre = np.array([r["tre_mean"] for r in rs])
        secs = np.array([r["seconds"] for r in rs])
        ok = np.mean(tre < 2.0)
        print(
            f"{kind:8s} {method:12s} {len(rs):5d} {ok:8.1%} {np.median(tre):9.3f}px "
            f"{np.percentile(tre, 90):6.2f}px {np.median(secs):9.3f} {np.percentile(secs, 90):7.3f}"
        )


def run_synthetic(args, sources, methods_to_run) -> list[dict]:
    rng = np.random.default_rng(args.seed)
    rows = []
    for kind in cases_mod.KINDS:
        made = 0
        attempt = 0
        while made < args.cases and attempt < 4 * args.cases:
            source = sources[attempt % len(sources)]
            attempt += 1
            case = cases_mod.make_case(source, kind, rng, seed=attempt)
            if case is None:
                continue
            for name, method in methods_to_run:
                if name != "xraycompare" and made >= args.baseline_cases:
                    continue
                try:
                    to_after, seconds = method(case.before, case.after, case.model)
                    err = cases_mod.tre(case, to_after)
                    tre_mean, tre_med = float(err.mean()), float(np.median(err))
                except Exception as exc:
                    print(f"  {name} failed on {kind}/{case.source}: {exc}")
                    tre_mean = tre_med = float("inf")
                    seconds = float("nan")
                rows.append(
                    dict(
                        kind=kind,
                        method=name,
                        source=case.source,
                        case=made,
                        tre_mean=tre_mean,
                        tre_median=tre_med,
                        seconds=seconds,
                    )
                )
                flag = "" if tre_mean < 2 else "  <-- FAILED"
                print(
                    f"  {kind:7s} {case.source:12s} {name:11s} TRE mean {tre_mean:8.3f} "
                    f"median {tre_med:7.3f} px  {seconds:6.2f} s{flag}",
                    flush=True,
                )
            made += 1
    return rows


def time_ratios(rows: list[dict]) -> None:
    print("\nTime on the same cases (median seconds, and xraycompare's share)")
    for kind in cases_mod.KINDS:
        for other in ("elastix", "simpleitk"):
            base = {
                r["case"]: r["seconds"] for r in rows if r["kind"] == kind and r["method"] == other
            }
            ours = {
                r["case"]: r["seconds"]
                for r in rows
                if r["kind"] == kind and r["method"] == "xraycompare" and r["case"] in base
            }
            if not base:
                continue
            a, b = np.median(list(ours.values())), np.median(list(base.values()))
            print(f"  {kind:7s} xraycompare {a:6.3f} s vs {other:9s} {b:7.2f} s -> {a / b:.3f}x")


def main(argv=None) -> int:
    args = parse_args(argv)
    sources = cases_mod.load_sources()
    if not sources:
        print("needs ../shared/data (the CR hand and the FracAtlas films): nothing to do")
        return 1
    print(f"{len(sources)} source films: {', '.join(s.name for s in sources)}")
    methods_to_run = [("xraycompare", methods.xraycompare_method)]
    if not args.no_baselines:
        for name, check, method in (
            ("elastix", methods.elastix_available, methods.elastix_method),
            ("simpleitk", methods.simpleitk_available, methods.simpleitk_method),
        ):
            note = check()
            if note:
                print(note)
            else:
                methods_to_run.append((name, method))
    # warm up (imports, OpenCV thread pool) so the first case is not charged for them
    methods.xraycompare_method(sources[0].pixels, sources[0].pixels, "similarity")
    t0 = time.perf_counter()
    rows = run_synthetic(args, sources, methods_to_run)
    summarise(rows, "Synthetic follow-ups from real films (TRE in before pixels)")
    ours = [r for r in rows if r["method"] == "xraycompare"]
    tre = np.array([r["tre_mean"] for r in ours])
    print(
        f"\nxraycompare overall: {np.mean(tre < 2):.1%} of {len(tre)} cases succeed; "
        f"median time {np.median([r['seconds'] for r in ours]):.3f} s"
    )
    time_ratios(rows)
    local_mod.real_pair(Path(args.out_dir), methods_to_run)
    local_mod.fingers(args.local_draws, args.seed)
    print(f"\n(total benchmark time {time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
