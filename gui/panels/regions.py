"""The Decision regions dock: the predicted class over two features, with the training points."""

from __future__ import annotations

from gui.panels.base import RIGHT, Panel


class RegionsPanel(Panel):
    name, title, area, tab_with = "regions", "Decision regions", RIGHT, "gradients"

    def create(self):
        from gui.regions import RegionsView

        self.widget = RegionsView()
        return self.widget

    def network_ready(self, snap, info):
        self.widget.set_data(self.session.data, self.session.config)

    def refresh(self, snap):
        self.widget.snapshot = snap
        self.widget.config = self.session.config
        self.widget.refresh()
