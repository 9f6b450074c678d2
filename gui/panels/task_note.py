"""A class-only view's holder: the view, or, for a regression network, one plain sentence saying the
view applies to classification (instead of an empty or wrong picture)."""

from __future__ import annotations

REGRESSION_NOTE = ("Applies to classification; this network predicts a number. See the Predicted vs "
                   "true tab for its predictions and errors.")


def is_regression(session) -> bool:
    return getattr(session.data, "task", "") == "regression"


class NoteHolder:
    """stack: a QStackedWidget holding `view` and the note; show(regression) picks the page."""

    def __init__(self, view, text: str = REGRESSION_NOTE):
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QLabel, QStackedWidget

        self.stack = QStackedWidget()
        self.note = QLabel(text)
        self.note.setWordWrap(True)
        self.note.setMargin(12)
        self.note.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.stack.addWidget(view)
        self.stack.addWidget(self.note)

    def show(self, regression: bool):
        self.stack.setCurrentIndex(1 if regression else 0)
