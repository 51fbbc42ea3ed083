"""``xraycompare batch PAIRS.csv --out DIR [--engine local|dask|ray] [--workers N] [--address A]``.

Registers and compares every pair listed in ``PAIRS.csv`` (``pair_id,before,after``; film
paths absolute or relative to the CSV; more columns are carried into the summary) and
writes, per pair, in ``DIR/<pair_id>/``:

- ``registration.json``: exactly what ``xraycompare register`` writes for the pair;
- ``warped.png``: the after film resampled into the before frame (as ``register --warped``);
- ``difference.png``: the signed difference after exposure matching, as the app shows it
  (not for a ``failed`` alignment);
- ``project.xrc.json``: opens the pair in the app already aligned (unaligned when the
  alignment failed);
- ``manifest.json``: the files above with their sizes and hashes, the status and reason.

and ``DIR/summary.csv``: one row per pair with ``pair_id``, ``status`` (``ok``, ``poor``,
``failed``), ``reason``, ``seconds``, the quality figures and the carried columns.

Run it again to go on after a stop or a crash: finished pairs are skipped and their files
left alone; ``--retry-failed`` does the failed ones again. A pair that fails (an
unreadable film, no alignment) is recorded with its reason and the others go on.
``--engine dask`` / ``ray`` need their extras (``pip install 'xraycompare[dask]'``);
without ``--address`` they start a local cluster of ``--workers`` processes.

Progress goes to stderr: a bar with an ETA on a terminal, a line every few seconds
otherwise. Exit 0 when every pair has its record; 2 when the pairs file cannot be read,
or some rows were left out (each reported with its row number; the others were done);
1 when the output cannot be written or the engine cannot run; 130 when stopped with
Ctrl-C (pairs in flight are finished and recorded first).
"""

from __future__ import annotations

import argparse
import json
import sys

from xraycompare.commands import register as register_command
from xraycompare.core.exit_codes import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK
from xraycompare.core.types import BATCH_ENGINES, MODELS

PROG = "xraycompare batch"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "pairs", metavar="PAIRS.csv", help="the pairs: a CSV with pair_id,before,after columns"
    )
    parser.add_argument("--out", required=True, metavar="DIR", help="the output folder")
    parser.add_argument(
        "--engine",
        choices=BATCH_ENGINES,
        default="local",
        help="where the pairs run: a local process pool (default), Dask or Ray",
    )
    parser.add_argument(
        "--workers",
        type=_positive,
        metavar="N",
        help="pairs at once (default: one per core; with --address, the cluster's size)",
    )
    parser.add_argument(
        "--address",
        metavar="A",
        help="a running cluster: a Dask scheduler (tcp://host:8786) or a Ray address",
    )
    parser.add_argument(
        "--model", choices=MODELS, default="similarity", help="the registration's model"
    )
    parser.add_argument(
        "--retry-failed", action="store_true", help="do pairs recorded as failed again"
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def register_files(result, before, after) -> dict[str, bytes]:
    """``registration.json`` and ``warped.png`` exactly as ``xraycompare register`` writes
    them: a thin wrapper over that command's own writers (module-level, for the workers)."""
    from xraycompare.core.batch.steps import REGISTRATION_JSON, WARPED_PNG

    text = json.dumps(register_command._as_json(result, before, after), indent=2) + "\n"
    warped = register_command._warped_png(after, result.matrix, before.shape)
    return {REGISTRATION_JSON: text.encode("utf-8"), WARPED_PNG: warped}


def run(args: argparse.Namespace) -> int:
    from xraycompare.commands.batch_progress import ProgressDisplay, pairs
    from xraycompare.commands.outputs import write_failed
    from xraycompare.core.atomic import AtomicWriteError, output_folder
    from xraycompare.core.batch.engine import EngineError
    from xraycompare.core.batch.engines import open_engine
    from xraycompare.core.batch.pairs import PairsFileError, read_pairs
    from xraycompare.core.batch.run import run_batch
    from xraycompare.core.batch.steps import standard_steps
    from xraycompare.core.batch.summary import COLUMNS, SUMMARY

    if args.address and args.engine == "local":
        print(f"{PROG}: --address is for --engine dask or ray", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        table = read_pairs(
            args.pairs, reserved_columns=frozenset(COLUMNS), reserved_ids=frozenset({SUMMARY})
        )
    except PairsFileError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for problem in table.problems:
        print(f"{PROG}: {args.pairs}: {problem} (left out)", file=sys.stderr)
    try:
        out = output_folder(args.out)  # not a folder, a loop, a device: exit 2
        engine = open_engine(args.engine, workers=args.workers, address=args.address)
    except AtomicWriteError as exc:
        return write_failed(PROG, exc)
    except EngineError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    display = ProgressDisplay(PROG, sys.stderr)
    try:
        report = run_batch(
            table,
            out,
            engine=engine,
            steps=standard_steps(register_files=register_files),
            model=args.model,
            retry_failed=args.retry_failed,
            on_progress=display.update,
            on_stop=lambda: display.note(
                f"{PROG}: stopping once the pairs being worked on are done (Ctrl-C again: at once)"
            ),
        )
    except KeyboardInterrupt:
        display.close()
        print(f"{PROG}: stopped; run the same command again to go on", file=sys.stderr)
        return 130
    except EngineError as exc:
        display.close()
        print(f"{PROG}: {exc}; run the same command again to go on", file=sys.stderr)
        return EXIT_FAILURE
    except AtomicWriteError as exc:
        display.close()
        print(f"{PROG}: cannot write {exc.path}: {exc.reason}", file=sys.stderr)
        return EXIT_FAILURE
    display.close()
    for note in report.notes:
        print(f"{PROG}: {args.pairs}: {note}", file=sys.stderr)
    counts = report.counts
    print(
        f"{PROG}: {pairs(len(report.records))} in {report.summary} ({counts['ok']} ok, "
        f"{counts['poor']} poor, {counts['failed']} failed; {report.ran} done now, "
        f"{report.finished_before} finished before)",
        file=sys.stderr,
    )
    if report.unrecorded:
        print(
            f"{PROG}: {pairs(len(report.unrecorded))} could not be written; the next run "
            "does them again",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    return EXIT_BAD_INPUT if table.problems or report.notes else EXIT_OK
