"""The Decision regions dock: the predicted class over two features, with the training points."""

from __future__ import annotations

from gui.panels.base import RIGHT, Panel


class RegionsPanel(Panel):
    name, title, area, tab_with = "regions", "Decision regions", RIGHT, "gradients"

    def create(self):
        from gui.panels.task_note import NoteHolder
        from gui.regions import RegionsView

        self.widget = RegionsView()
        self.holder = NoteHolder(self.widget)
        return self.holder.stack

    def network_ready(self, snap, info):
        from gui.panels.task_note import is_regression

        self.holder.show(is_regression(self.session))
        if is_regression(self.session):
            return
        self.widget.set_data(self.session.data, self.session.config)

    def refresh(self, snap):
        from gui.panels.task_note import is_regression

        if is_regression(self.session):
            return
        self.widget.snapshot = snap
        self.widget.config = self.session.config
        self.widget.refresh()
