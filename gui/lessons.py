"""The window's lesson commands: File → Save lesson… and File → Open lesson… (core/lesson.py holds
the file format), and editing the notes shown in the Lesson notes dock (gui/panels/lesson.py).

As in gui/files.py, each `*_dialog` asks and then calls the command of the same name, which tests
and scripts call directly. A lesson that cannot be read is a dialog, and nothing changes: it is read
and checked whole (data included) before anything in the window is touched.
"""

from __future__ import annotations

import math
from pathlib import Path

from gui.files import with_suffix

LESSON_FILTER = "Lessons (*.lesson.json)"


class LessonCommands:
    def __init__(self, window):
        self.window = window
        self.session = window.session
        self.current = None  # the open lesson (core.lesson.Lesson), its notes as edited
        self.path: Path | None = None
        self.edited = False  # title or notes changed since it was opened or saved
        # (Dataset, generator settings {name, rows, noise, seed}): the data in the window were made by
        # core.generators with these settings; Save lesson then keeps the settings, not the rows
        self.generated = None

    # -- saving -------------------------------------------------------------------------------------
    def save_lesson_dialog(self) -> bool:
        from gui.lesson_notes import LessonDialog

        if not self.window.files._require_network():
            return False
        title, notes = self._texts()
        dlg = LessonDialog(self.window, title, notes)
        if not dlg.exec():
            return False
        title, notes = dlg.values()
        name = self.path.name if self.path is not None else "lesson.lesson.json"
        path = self.window.files._ask_save("Save lesson", name, LESSON_FILTER)
        return bool(path) and self.save_lesson(path, title, notes)

    def _texts(self) -> tuple[str, str]:
        if self.current is not None:
            return self.current.title, self.current.notes
        return "", ""

    def lesson_now(self, title: str, notes: str):
        """A lesson of what the window shows: its data, the Training dock's settings, its docks."""
        from core.config import config_from_values
        from core.lesson import lesson_from_dataset

        w, s = self.window, self.session
        generator = None
        if self.generated is not None and self.generated[0] is s.dataset:
            generator = self.generated[1]
        docks = [p.name for p in w.panels if p.name != "lesson"
                 and w.docks[p.name].toggleViewAction().isChecked()]
        front = [n for n in docks if not w.docks[n].visibleRegion().isEmpty()]  # tabs in front
        return lesson_from_dataset(s.dataset, config_from_values(w.controls.values()), docks,
                                   title, notes, front, generator)

    def save_lesson(self, path: str, title: str = "", notes: str = "") -> bool:
        from core.errors import UserError
        from core.lesson import LESSON_SUFFIX, save_lesson

        w = self.window
        if self.session.dataset is None:
            w.show_error("No data yet", "The data are still being read; try again in a moment.")
            return False
        path = with_suffix(str(path), LESSON_SUFFIX)
        try:
            lesson = self.lesson_now(title, notes)
            save_lesson(lesson, path)
        except UserError as e:
            w.show_error("Cannot save the lesson", str(e))
            return False
        self.current, self.path, self.edited = lesson, Path(path), False
        if w.docks["lesson"].toggleViewAction().isChecked():
            self._show_notes()
        w.statusBar().showMessage(f"Saved the lesson “{title or Path(path).name}” to {path}", 6000)
        return True

    # -- opening ------------------------------------------------------------------------------------
    def open_lesson_dialog(self):
        path = self.window.files._ask_open("Open lesson", f"{LESSON_FILTER};;All files (*)")
        if path:
            self.open_lesson(path)

    def open_lesson(self, path: str) -> bool:
        """Open a lesson: its data, settings and docks, and its notes in the Lesson notes dock."""
        from core.errors import UserError
        from core.lesson import load_lesson

        w, s = self.window, self.session
        try:
            lesson = load_lesson(path)
        except UserError as e:
            w.show_error("Cannot open the lesson", str(e))
            return False
        name = Path(path).name
        if s.unsaved_epochs > 0 and not w.confirm(
                f"Open the lesson {name}? The network trained for {s.epoch} epochs will be replaced "
                f"(save it first with Ctrl+S if you want it)."):
            return False
        controls = w.controls
        before = dict(controls.values())
        controls.set_values({**before, **lesson.settings})
        wrong = _not_shown(lesson.settings, controls.values())
        if wrong:
            controls.set_values(before)
            w.show_error("Cannot open the lesson", f"{name}: the setting {wrong} is beyond what the "
                                                   f"Training dock allows.")
            return False
        w.rebuild(dict(dataset=lesson.dataset, extra=dict(warnings_seen=True, lesson=str(path))))
        self.current, self.path, self.edited = lesson, Path(path), False
        self.generated = (lesson.dataset, lesson.generator) if lesson.generator else None
        self._apply_docks(lesson)
        w.statusBar().showMessage(f"Opened the lesson “{lesson.title or name}”", 6000)
        return True

    def _apply_docks(self, lesson):
        w = self.window
        known = [p.name for p in w.panels if p.name != "lesson"]
        for n in known:
            w.docks[n].setVisible(n in lesson.docks)
        for n in lesson.front:
            if n in known and n in lesson.docks:
                w.docks[n].raise_()
        w._hide_stale_tab_bars()  # (as Restore default layout does: Qt 6.11 leaves one behind)
        self._show_notes()
        notes = w.docks["lesson"]
        was = notes.isVisible()
        notes.show()
        notes.raise_()
        if not was and w.docks["controls"].isVisible():  # room to read: 2/5 of the left column
            from PySide6.QtCore import Qt

            w.resizeDocks([w.docks["controls"], notes], [3, 2], Qt.Orientation.Vertical)

    def _show_notes(self):
        name = self.path.name if self.path is not None else ""
        self.window.panel("lesson").show_lesson(self.current, name, self.edited)

    # -- the notes ----------------------------------------------------------------------------------
    def edit_notes_dialog(self) -> bool:
        from gui.lesson_notes import LessonDialog

        title, notes = self._texts()
        dlg = LessonDialog(self.window, title, notes, heading="Edit the lesson's notes", ok_text="OK")
        if not dlg.exec():
            return False
        self.set_notes(*dlg.values())
        return True

    def set_notes(self, title: str, notes: str):
        """Change the open lesson's title and notes (saved with the next Save lesson)."""
        from dataclasses import replace

        if self.current is None:
            self.window.statusBar().showMessage("Open or save a lesson first.", 4000)
            return
        self.current = replace(self.current, title=title, notes=notes)
        self.edited = True
        self._show_notes()
        self.window.statusBar().showMessage("Notes changed: save the lesson to keep them "
                                            "(File → Save lesson…).", 6000)


def _not_shown(settings: dict, shown: dict) -> str:
    """The first setting the Training dock cannot show as the lesson has it ('name = value'), or ''."""
    for key, want in settings.items():
        if key not in shown or key == "device":  # (a device this machine lacks: auto instead)
            continue
        got = shown[key]
        if isinstance(want, list):
            same = list(got) == want
        elif isinstance(want, float) and not isinstance(got, str):
            same = math.isclose(float(got), want, rel_tol=0.01, abs_tol=1e-5)
        else:
            same = got == want
        if not same:
            return f"{key.replace('_', ' ')} = {want}"
    return ""
