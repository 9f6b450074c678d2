"""Messages that do not block the event loop: training keeps drawing while one is open."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox


def open_warning(parent, title: str, message: str, keep: list) -> QMessageBox:
    """Show a window-modal warning with open() (not exec()); `keep` holds it until it closes."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.finished.connect(lambda _=0, b=box: keep.remove(b) if b in keep else None)
    keep.append(box)
    box.open()
    return box
