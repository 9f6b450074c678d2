"""The window's word when its remote engine (main.py --engine) is unreachable: a message that keeps
the network shown and offers to reconnect (Training → Reconnect to engine does the same)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox

TITLE = "Training engine disconnected"


def note_connecting(window, _first=False):
    """A network is being built: while the engine is still connecting (a server busy with another
    window keeps this one waiting), the status bar says so, after the window's own message."""
    def note():
        worker = window.session.worker
        engine = worker.engine if worker is not None else None
        if engine is not None and getattr(engine, "conn", True) is None and engine.alive():
            window.statusBar().showMessage(f"Connecting to the training engine at {engine.where}… "
                                           f"(it serves one window at a time)")

    QTimer.singleShot(200, note)


def offer_reconnect(window, message: str) -> QMessageBox:
    """A window-modal warning (open(), not exec(): the window keeps drawing) with Reconnect and
    Close; one at a time, the newest message replacing an older one."""
    old = getattr(window, "reconnect_box", None)
    if old is not None:
        old.done(0)
    window.last_error = message
    # short, so it fits beside the device text even at 900 px; the dialog says the whole of it
    window.statusBar().showMessage(f"{TITLE} (network kept): Ctrl+Shift+R reconnects")
    box = QMessageBox(QMessageBox.Icon.Warning, TITLE, message, QMessageBox.StandardButton.NoButton,
                      window)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    again = box.addButton("&Reconnect", QMessageBox.ButtonRole.AcceptRole)
    again.setToolTip("Connect to the training engine again and train on from the network shown")
    box.addButton(QMessageBox.StandardButton.Close)
    box.setDefaultButton(again)
    box.buttonClicked.connect(lambda b: window.session.reconnect() if b is again else None)
    box.finished.connect(lambda _=0: setattr(window, "reconnect_box", None)
                         if getattr(window, "reconnect_box", None) is box else None)
    window.reconnect_box = box
    box.open()
    return box
