"""The Gradients dock: per-layer gradient norms over epochs and this epoch's spread of |dL/dw|."""

from __future__ import annotations

from gui.panels.base import RIGHT, Panel


class GradientsPanel(Panel):
    name, title, area, below, raised = "gradients", "Gradients", RIGHT, "loss", True

    def create(self):
        from gui.plots import GradientView

        self.widget = GradientView()
        return self.widget

    def network_ready(self, snap, info):
        self.widget.set_layers(len(snap.weights))

    def steps(self):
        # two ticks while playing: each part takes a few ms of the GUI thread
        return [self.refresh_norms, self.refresh_spread]

    def refresh(self, snap):
        self.refresh_norms(snap)
        self.refresh_spread(snap)

    def refresh_norms(self, snap):
        h = self.session.history
        self.widget.set_norms(h.metrics()[:, 0], h.grad_norms())

    def refresh_spread(self, snap):
        self.widget.set_snapshot(snap)
