"""The Lesson notes dock: the open lesson's title and notes (hidden until a lesson is open)."""

from __future__ import annotations

from gui.panels.base import LEFT, Panel


class LessonPanel(Panel):
    name, title, area, below = "lesson", "Lesson notes", LEFT, "controls"
    follows_playing = False

    def create(self):
        from gui.lesson_notes import LessonNotes

        self.widget = LessonNotes()
        return self.widget

    def bind(self):
        self.widget.editRequested.connect(lambda: self.window.lessons.edit_notes_dialog())
        if self.window.lessons.current is None:  # (a saved layout may have it open)
            self.dock.hide()

    def show_lesson(self, lesson, file_name: str = "", edited: bool = False):
        self.widget.show_lesson(lesson, file_name, edited)
