"""The Loss and accuracy dock: train and validation curves per epoch, branches, the epoch viewed."""

from __future__ import annotations

from gui.panels.base import RIGHT, Panel


class LossPanel(Panel):
    name, title, area, raised = "loss", "Loss and accuracy", RIGHT, True

    def create(self):
        from gui.plots import LossPlot

        self.widget = LossPlot()
        return self.widget

    def bind(self):
        self.session.viewChanged.connect(self.widget.set_marker)

    def network_ready(self, snap, info):
        extra = info["extra"]
        if "continue_from" not in extra:
            self.widget.clear_branches()
        elif "branch" in extra:
            self.widget.add_branch(extra["branch"])
        self.widget.set_marker(None)
        self.widget.set_task(getattr(self.session.data, "task", "classification"))

    def refresh(self, snap):
        h = self.session.history
        self.widget.set_metrics(h.metrics(), h.penalties())
