"""Start the GUI: application, theme, main window, and the --screenshot mode."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from xraycompare import __version__

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
        except ValueError as exc:
            print(f"xraycompare: {exc}", file=sys.stderr)
            return 2
    app = make_application()
    settings = Settings()
    apply_theme(app, settings.theme)
    window = MainWindow(
        settings, auto_register=not args.no_register, persist_layout=not args.screenshot
    )
    if args.mode and args.mode != "side-by-side" and hasattr(window, "set_mode"):
        window.set_mode(args.mode)
        _keep_mode_after_opening(window, args.mode)
    if size is not None:
        window.resize(*size)
    window.show()

    status = {"code": 0}
    if args.screenshot:
        _arm_screenshot(app, window, Path(args.screenshot), status)

    recovered = False
    if not args.screenshot:
        from xraycompare.qt.autosave import offer_recovery

        recovered = offer_recovery(window)  # work left by a crash or a kill comes first
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
        window.open_pair(args.before, args.after)
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

    def capture() -> None:
        if hasattr(window, "prepare_screenshot"):
            window.prepare_screenshot()  # e.g. flicker stops on its after phase
        app.processEvents()
        pixmap = window.grab()
        out.parent.mkdir(parents=True, exist_ok=True)
        if not pixmap.save(str(out), "PNG"):
            print(f"xraycompare: cannot write screenshot {out}", file=sys.stderr)
            status["code"] = 1
        window.undo_stack.setClean()  # a screenshot run made no edits worth asking about
        app.quit()

    def on_ready() -> None:
        QTimer.singleShot(300, capture)

    def on_failed(message: str) -> None:
        print(f"xraycompare: {message}", file=sys.stderr)
        status["code"] = 2
        app.quit()

    def on_timeout() -> None:
        print("xraycompare: timed out waiting for the pair", file=sys.stderr)
        status["code"] = 1
        app.quit()

    window.ready.connect(on_ready)
    window.load_failed.connect(on_failed)
    QTimer.singleShot(SCREENSHOT_TIMEOUT_MS, on_timeout)
