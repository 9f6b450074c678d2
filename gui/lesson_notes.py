"""The Lesson notes dock's widget and the dialog that writes a lesson's title and notes.

Notes are plain text or simple Markdown (headings, **bold**, *italic*, lists, links); line breaks are
kept as written. They are shown read-only: no HTML is interpreted, no image or other file is loaded
(`NotesBrowser.loadResource`), and only web links (http, https) open, in the browser, on a click.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from gui.elided import ElidedLabel, WrappingLabel

MARKDOWN_SPECIAL = re.compile(r"[\\`*_{}\[\]()#+\-.!<>|~]")  # shown as written in the title
HEADING = re.compile(r"^ {0,3}#{1,6}( |$)")
MARKDOWN_HINT = ("Plain text, or simple Markdown: # Heading, **bold**, *italic*, - list items, "
                 "[link](https://…). Line breaks are kept.")
NO_LESSON = ("No lesson is open. A teacher prepares one with File → Save lesson… (the data, the "
             "settings, the docks shown and these notes, in one file); File → Open lesson… opens it.")


def markdown_features():
    F = QTextDocument.MarkdownFeature
    return F(F.MarkdownDialectGitHub.value | F.MarkdownNoHTML.value)


def markdown_escaped(text: str) -> str:
    """Text that Markdown shows as written (every special character escaped)."""
    return MARKDOWN_SPECIAL.sub(lambda m: "\\" + m.group(0), " ".join(text.split()))


def notes_markdown(notes: str) -> str:
    """The notes as Markdown whose line breaks stay where the teacher put them (a line ending in two
    spaces is a hard break), so plain text reads as written. Headings of every level are shown bold at
    the text's size, below the title (larger): a dock is narrow."""
    out, fenced = [], False
    for line in notes.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and HEADING.match(line):
            text = line.lstrip()
            level = len(text) - len(text.lstrip("#"))
            line = "####" + text[level:]
        out.append(line + "  " if line.strip() and not fenced else line)
    return "\n".join(out)


class NotesDocument(QTextDocument):
    """A text document that reads no resource (a Markdown image names a file: it stays unread)."""

    def loadResource(self, kind, url):  # noqa: N802 (Qt's name)
        return None


class NotesBrowser(QTextBrowser):
    """Read-only rich text that loads nothing (no images, no files) and opens only web links."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._document = NotesDocument(self)
        self.setDocument(self._document)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._open_link)

    def loadResource(self, kind, url):  # noqa: N802 (Qt's name)
        return None  # images and style sheets named in the notes are not read

    def set_notes(self, notes: str, title: str = ""):
        heading = "### " + markdown_escaped(title) + "\n\n" if title.strip() else ""
        self.document().setMarkdown(heading + notes_markdown(notes), markdown_features())

    @staticmethod
    def _open_link(url: QUrl):
        if url.scheme() in ("http", "https"):
            QDesktopServices.openUrl(url)


class LessonNotes(QWidget):
    """The lesson's title, where its data come from, its notes, and a button to edit the notes."""

    editRequested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        self.title = ""  # the lesson's title, shown as the notes' heading (it scrolls with them)
        self.source = ElidedLabel(auto_tooltip=True)
        self.source.setStyleSheet("color: #555;")
        lay.addWidget(self.source)
        self.browser = NotesBrowser()
        lay.addWidget(self.browser, 1)
        row = QHBoxLayout()
        self.edited = QLabel("")
        self.edited.setStyleSheet("color: #555;")
        row.addWidget(self.edited, 1)
        self.edit_button = QPushButton("Edit notes…")
        self.edit_button.setToolTip("For the teacher: change the title and the notes (then save the "
                                    "lesson with File → Save lesson…)")
        self.edit_button.clicked.connect(self.editRequested)
        row.addWidget(self.edit_button)
        lay.addLayout(row)
        self.show_lesson(None)

    def show_lesson(self, lesson, file_name: str = "", edited: bool = False):
        """Show a lesson's title and notes (None: say that no lesson is open)."""
        self.edit_button.setEnabled(lesson is not None)
        self.source.setVisible(lesson is not None)
        if lesson is None:
            self.title = ""
            self.source.setText("")
            self.browser.setPlainText(NO_LESSON)
            self.edited.setText("")
            return
        self.title = lesson.title or file_name or "Untitled lesson"
        if lesson.generator is not None:
            g = lesson.generator
            data = f"generated {g['name']}: {g['rows']:,} rows, noise {g['noise']:g}, seed {g['seed']}"
        else:
            data = lesson.data_name or "data inline"
        ds = lesson.dataset
        rows = f", {len(ds.X):,} rows" if ds is not None and lesson.generator is None else ""
        self.source.setText(f"{file_name} · {data}{rows}" if file_name else f"{data}{rows}")
        self.browser.set_notes(lesson.notes or "(no notes)", self.title)
        self.edited.setText("edited, not saved" if edited else "")


class LessonDialog(QDialog):
    """Asks for a lesson's title and notes (Save lesson, and Edit notes in the notes dock)."""

    def __init__(self, parent=None, title: str = "", notes: str = "", heading: str = "Save lesson",
                 ok_text: str = "Save…"):
        super().__init__(parent)
        self.setWindowTitle(heading)
        lay = QVBoxLayout(self)
        lay.addWidget(WrappingLabel("A lesson keeps the data, the Training dock's settings and the "
                                    "docks shown, with a title and your notes, which students see "
                                    "in the Lesson notes dock when they open it."))
        lay.addWidget(QLabel("Title"))
        self.title_edit = QLineEdit(title)
        self.title_edit.setPlaceholderText("e.g. Why a network needs hidden layers")
        self.title_edit.setMaxLength(200)
        lay.addWidget(self.title_edit)
        lay.addWidget(QLabel("Notes for students"))
        self.notes_edit = QPlainTextEdit(notes)
        self.notes_edit.setPlaceholderText("What to look at, what to try, questions to answer…")
        self.notes_edit.setTabChangesFocus(True)
        lay.addWidget(self.notes_edit, 1)
        hint = WrappingLabel(MARKDOWN_HINT)
        hint.setStyleSheet("color: #555;")
        lay.addWidget(hint)
        B = QDialogButtonBox.StandardButton
        self.buttons = QDialogButtonBox(B.Ok | B.Cancel)
        self.buttons.button(B.Ok).setText(ok_text)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self.resize(560, 460)

    def values(self) -> tuple[str, str]:
        return self.title_edit.text().strip(), self.notes_edit.toPlainText()
