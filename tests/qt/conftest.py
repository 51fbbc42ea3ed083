"""Qt test fixtures: isolated settings, a main window, and small films on disk."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory: pytest.TempPathFactory):
    """Point QSettings at a fresh folder so tests never read or write the user's settings."""
    from PySide6.QtCore import QSettings

    folder = tmp_path_factory.mktemp("settings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for fmt in (QSettings.Format.IniFormat, QSettings.Format.NativeFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))
    yield folder


@pytest.fixture(autouse=True)
def isolated_recovery(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Recovery files (autosave) go to a fresh folder, never the user's."""
    folder = tmp_path_factory.mktemp("recovery")
    monkeypatch.setenv("XRAYCOMPARE_RECOVERY_DIR", str(folder))
    yield folder


@pytest.fixture(autouse=True)
def no_blocking_dialogs(monkeypatch: pytest.MonkeyPatch):
    """A modal dialog nobody answers would hang the suite: fail loudly instead.

    Tests that exercise a dialog patch the function they expect to be called.
    """
    from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMessageBox

    def refuse(*args, **kwargs):
        raise AssertionError("a blocking dialog was opened in a test")

    for owner, names in (
        (QDialog, ("exec",)),
        (QMessageBox, ("exec", "question", "warning", "information", "critical")),
        (QInputDialog, ("getText", "getItem", "getInt", "getDouble")),
        (
            QFileDialog,
            ("getOpenFileName", "getOpenFileNames", "getSaveFileName", "getExistingDirectory"),
        ),
    ):
        for name in names:
            monkeypatch.setattr(owner, name, refuse)


def synthetic_hand(shape: tuple[int, int] = (400, 320), *, seed: int = 0) -> np.ndarray:
    """A 16-bit film with bright, textured "bones" on soft tissue and dark air."""
    rng = np.random.default_rng(seed)
    h, w = shape
    img = np.full(shape, 300.0, np.float32)
    cv2.ellipse(img, (w // 2, int(h * 0.65)), (w // 3, h // 4), 0, 0, 360, 1400, -1)
    for i, x in enumerate(np.linspace(w * 0.25, w * 0.75, 4)):
        top = int(h * (0.12 + 0.04 * (i % 2)))
        cv2.rectangle(img, (int(x) - 9, top), (int(x) + 9, int(h * 0.5)), 1400, -1)
        cv2.rectangle(img, (int(x) - 5, top + 8), (int(x) + 5, int(h * 0.5)), 2600, -1)
        cv2.circle(img, (int(x), int(h * 0.3)), 7, 3100, -1)
    img = cv2.GaussianBlur(img, (0, 0), 2.0)
    img += rng.normal(0, 20, shape).astype(np.float32)
    return np.clip(img, 0, 4095).astype(np.uint16)


@pytest.fixture
def film_pair(tmp_path: Path) -> tuple[Path, Path]:
    """Two 16-bit PNG films of one synthetic hand, the second shifted a little."""
    before = synthetic_hand()
    shift = np.float32([[1, 0, 6], [0, 1, -4]])
    after = cv2.warpAffine(before, shift, before.shape[::-1], borderMode=cv2.BORDER_REFLECT)
    paths = tmp_path / "before.png", tmp_path / "after.png"
    cv2.imwrite(str(paths[0]), before)
    cv2.imwrite(str(paths[1]), after)
    return paths


@pytest.fixture
def window(qtbot):
    """A main window with isolated settings, shown offscreen at a fixed size."""
    from xraycompare.qt.main_window import MainWindow

    win = MainWindow(auto_register=False)  # alignment has tests of its own
    win.resize(1200, 800)
    win.show()  # not qtbot.addWidget: its close would run before this fixture marks clean
    qtbot.waitExposed(win)
    yield win
    win.undo_stack.setClean()
    win.close()


@pytest.fixture
def opened(qtbot, window, film_pair):
    """The window with ``film_pair`` open and painted."""
    with qtbot.waitSignal(window.pair_shown, timeout=20000):
        window.open_pair(*film_pair)
    qtbot.wait(50)
    return window


@pytest.fixture
def patient_pair(tmp_path: Path) -> tuple[Path, Path]:
    """Two CR films of a fictitious patient, named and filed after her (privacy tests)."""
    from tests.qt.patients import patient_films

    return patient_films(tmp_path)
