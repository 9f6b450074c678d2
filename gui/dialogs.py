"""The window's messages, opened without blocking the event loop (training keeps drawing)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

APP_NAME = "NeuroWatch"


def open_warning(parent, title: str, message: str, keep: list) -> QMessageBox:
    """Show a window-modal warning with open() (not exec()); `keep` holds it until it closes."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.finished.connect(lambda _=0, b=box: keep.remove(b) if b in keep else None)
    keep.append(box)
    box.open()
    return box


def offer_columns(window, path: str, message: str) -> QMessageBox:
    """A file named on the command line could not be used as it was (its last column is a car's
    name, say): the message, and a button that opens the import dialog on it, where the label and
    the features are chosen. The penguins stay open if the person declines."""
    from pathlib import Path

    window.last_error = message
    box = QMessageBox(QMessageBox.Icon.Warning, "Cannot use this data",
                      f"{message}\n\nChoose the label and features of {Path(path).name} in the "
                      f"import dialog?", QMessageBox.StandardButton.Close, window)
    choose = box.addButton("Choose columns…", QMessageBox.ButtonRole.AcceptRole)
    choose.setToolTip(f"Open {path} in the import dialog: pick the column to predict and the "
                      f"input columns")
    box.setDefaultButton(choose)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.buttonClicked.connect(lambda b: window.import_file(path) if b is choose else None)
    keep = window._dialogs
    box.finished.connect(lambda _=0, b=box: keep.remove(b) if b in keep else None)
    keep.append(box)
    window.statusBar().showMessage(f"Cannot use {Path(path).name}: the penguins are open instead", 8000)
    box.open()
    return box


def offer_best_epoch(window, best: int, loss: float, patience: int):
    """Early stopping paused training: offer the epoch of the lowest validation loss."""
    B = QMessageBox.StandardButton
    box = QMessageBox(QMessageBox.Icon.Information, "Early stopping",
                      f"The validation loss has not gone below its lowest value, {loss:.4f} at "
                      f"epoch {best}, for {patience} epochs, so training paused: more epochs "
                      f"were fitting the training rows, not the problem. Go to epoch {best} "
                      f"on the timeline (Save then saves that network)?", B.Yes | B.No, window)
    box.setDefaultButton(B.Yes)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.buttonClicked.connect(
        lambda b: window.session.view_epoch(best) if box.standardButton(b) == B.Yes else None)
    window.early_stop_box = box
    window.statusBar().showMessage(f"Early stopping: lowest validation loss at epoch {best}", 8000)
    box.open()


def about(window):
    QMessageBox.about(window, f"About {APP_NAME}",
                      f"<b>{APP_NAME}</b><br>Watch a neural network learn: every neuron, weight "
                      f"and gradient, trained live with PyTorch.<br><br>Penguin data: Gorman, "
                      f"Williams &amp; Fraser (2014), Palmer Station LTER, CC0.")


def concepts(window):
    """The F1 sheet: every term on screen, with the live numbers, in a scrolling, resizable window
    that fits its parent (a message box grew to 2,400 px tall, its Close button off the screen)."""
    from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout

    from gui.concepts import concepts_html

    dlg = QDialog(window)
    dlg.setObjectName("concepts")
    dlg.setWindowTitle("What am I looking at?")
    dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    text = QTextBrowser(dlg)
    text.setOpenExternalLinks(False)
    text.setHtml(concepts_html(window.session.latest, window.session.config))
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dlg)
    buttons.rejected.connect(dlg.reject)
    lay = QVBoxLayout(dlg)
    lay.addWidget(text)
    lay.addWidget(buttons)
    dlg.resize(min(720, max(420, int(window.width() * 0.8))),
               min(640, max(360, int(window.height() * 0.85))))
    window.concepts_box = dlg
    dlg.open()
    return dlg
