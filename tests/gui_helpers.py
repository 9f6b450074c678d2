"""Shared helpers for the window tests."""

import pytest
from PySide6.QtCore import QSettings

from gui.waiting import wait_ms, wait_until

__all__ = ["wait_ms", "wait_until", "make_window", "ready"]


def ready(w) -> bool:
    return w.session.ready


def make_window(qtbot, tmp_path, data_path=None, verbose=False, name="settings.ini"):
    from gui.main_window import MainWindow

    settings = QSettings(str(tmp_path / name), QSettings.Format.IniFormat)
    w = MainWindow(data_path=data_path, verbose=verbose, settings=settings)
    qtbot.addWidget(w)
    w.confirm = lambda text: True
    w.confirm_close = lambda: True
    w.resize(1400, 860)
    w.show()
    if not wait_until(lambda: ready(w), 60):
        pytest.fail(f"the window did not become ready: {w.last_error}")
    return w
