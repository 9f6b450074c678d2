"""The Confusion matrix dock: training or validation rows by true and predicted class, per-class
precision, recall, F1 and support, and the rows of a cell (selecting one lights its forward pass)."""

from __future__ import annotations

from gui.panels.base import RIGHT, Panel


class ConfusionPanel(Panel):
    name, title, area, tab_with = "confusion", "Confusion matrix", RIGHT, "loss"

    def create(self):
        from gui.confusion_view import ConfusionView

        self.widget = ConfusionView()
        return self.widget

    def bind(self):
        self.widget.observationSelected.connect(self.session.set_observation)

    def network_ready(self, snap, info):
        self.widget.set_data(self.session.data, self.session.config.activation)

    def refresh(self, snap):
        self.widget.activation = self.session.config.activation
        self.widget.set_snapshot(snap)
