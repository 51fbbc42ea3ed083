"""Start the GUI: application, theme, main window, and the --screenshot mode."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from xraycompare import __version__
from xraycompare.core.atomic import output_folder, resolve_target, write_atomic_with
from xraycompare.core.exit_codes import EXIT_BAD_INPUT

if TYPE_CHECKING:
    from xraycompare.qt.main_window import MainWindow

SCREENSHOT_TIMEOUT_MS = 90_000


def parse_size(text: str) -> tuple[int, int]:
    """``"1600x1000"`` -> (1600, 1000); raises ValueError on anything else."""
    parts = text.lower().replace("×", "x").split("x")
    if len(parts) != 2:
        raise ValueError(f"size must be WIDTHxHEIGHT, got {text!r}")
    width, height = (int(p) for p in parts)
    if not (200 <= width <= 10000 and 200 <= height <= 10000):
        raise ValueError(f"size out of range: {text!r}")
    return width, height


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv or [sys.argv[0]])
    app.setApplicationName("xraycompare")
    app.setOrganizationName("xraycompare")
    app.setApplicationVersion(__version__)
    return app


def run_app(args: argparse.Namespace) -> int:
    """Open the main window as the command line asks; returns the exit status."""
    from xraycompare.qt.main_window import MainWindow
    from xraycompare.qt.settings import Settings
    from xraycompare.qt.theme import apply_theme

    size = None
    if args.screenshot:
        try:
            size = parse_size(args.size)
            output_folder(Path(args.screenshot).parent)
            resolve_target(args.screenshot)  # a bad place to write fails now, not after loading
        except (ValueError, OSError) as exc:
            print(f"xraycompare: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
    app = make_application()
    settings = Settings()
    apply_theme(app, settings.theme)
    window = MainWindow(
        settings,
        auto_register=not args.no_register,
        persist_layout=not args.screenshot,
        interactive=not args.screenshot,  # a screenshot run never waits on a dialog
    )
    if args.mode and args.mode != "side-by-side":
        window.set_mode(args.mode)
        _keep_mode_after_opening(window, args.mode)
    if size is not None:
        window.resize(*size)
    window.show()

    status = {"code": 0}
    if args.screenshot:
        _arm_screenshot(app, window, Path(args.screenshot), status)

    # work left by a crash or a kill comes first (never in a screenshot run)
    recovered = False if args.screenshot else window.offer_recovery()
    if not recovered:
        _open_from_arguments(window, args)
    code = app.exec()
    return status["code"] or code


def _open_from_arguments(window: MainWindow, args: argparse.Namespace) -> None:
    if args.demo:
        window.open_demo()
    elif args.project:
        window.project.open_project(args.project)
    elif args.before and args.after:
        window.open_pair(args.before, args.after, by_date=True)  # dates decide, as in a dialog
    elif args.screenshot:
        QTimer.singleShot(200, window.ready.emit)  # nothing to open: capture the empty window


def _keep_mode_after_opening(window, mode: str) -> None:
    """A project (the demo is one) restores its own view: the command line's mode wins."""

    def once() -> None:
        window.pair_shown.disconnect(once)
        window.set_mode(mode)

    window.pair_shown.connect(once)


def _arm_screenshot(app: QApplication, window, out: Path, status: dict) -> None:
    """Save the window once the pair is shown (and aligned, when that is on), then quit."""

    def report_unshown() -> None:
        for text in window.dialogs.unshown:  # errors a reader would have seen in a box
            print(f"xraycompare: {text}", file=sys.stderr)
        window.dialogs.unshown.clear()

    def capture() -> None:
        report_unshown()
        window.prepare_screenshot()  # e.g. flicker stops on its after phase
        app.processEvents()
        pixmap = window.grab()

        def save(temp: Path) -> None:
            if not pixmap.save(str(temp), "PNG"):
                raise OSError("the PNG could not be written")

        try:
            write_atomic_with(out, save)  # never a truncated screenshot
        except OSError as exc:
            print(f"xraycompare: cannot write screenshot {out}: {exc}", file=sys.stderr)
            status["code"] = 1
        window.undo_stack.setClean()  # a screenshot run made no edits worth asking about
        app.quit()

    def on_ready() -> None:
        QTimer.singleShot(300, capture)

    def on_failed(message: str, path: str) -> None:
        # the command line may name the file: the user typed it
        print(f"xraycompare: {path + ': ' if path else ''}{message}", file=sys.stderr)
        window.dialogs.unshown.clear()
        status["code"] = EXIT_BAD_INPUT
        app.quit()

    def on_timeout() -> None:
        report_unshown()
        print("xraycompare: timed out waiting for the pair", file=sys.stderr)
        status["code"] = 1
        app.quit()

    window.ready.connect(on_ready)
    window.load_failed.connect(on_failed)
    QTimer.singleShot(SCREENSHOT_TIMEOUT_MS, on_timeout)
