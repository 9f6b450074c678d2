"""The Gradients dock: per-layer gradient norms over epochs and this epoch's spread of |dL/dw|,
and the health notes of the snapshot shown (core/health.py): dead and saturated neurons, vanishing
or exploding gradients. The dead neurons are also greyed in the network view (view.set_health)."""

from __future__ import annotations

from gui.panels.base import RIGHT, Panel


class GradientsPanel(Panel):
    name, title, area, below, raised = "gradients", "Gradients", RIGHT, "loss", True

    def create(self):
        from PySide6.QtWidgets import QLabel

        from gui.plots import GradientView

        self.widget = GradientView()
        # the health line under the plots' own note (one wrapped line; the whole notes on hover)
        self.health_note = QLabel("")
        self.health_note.setObjectName("health_note")
        self.health_note.setWordWrap(True)
        self.health_note.setStyleSheet("color: #444; padding: 0px 6px 2px 6px;")
        self.health_note.hide()
        self.widget.layout().addWidget(self.health_note)
        self.health = None
        return self.widget

    def network_ready(self, snap, info):
        self.widget.set_layers(len(snap.weights))
        self.show_health(None)

    def steps(self):
        # ticks while playing: each part takes a few ms of the GUI thread
        return [self.refresh_norms, self.refresh_spread, self.refresh_health]

    def refresh(self, snap):
        self.refresh_norms(snap)
        self.refresh_spread(snap)
        self.refresh_health(snap)

    def refresh_norms(self, snap):
        h = self.session.history
        self.widget.set_norms(h.metrics()[:, 0], h.grad_norms())

    def refresh_spread(self, snap):
        self.widget.set_snapshot(snap)

    def refresh_health(self, snap):
        """Health of `snap` on the training rows: the note here, the dead neurons greyed in the
        network view (a forward pass of at most core.health.MAX_ROWS rows)."""
        from core.health import health_of

        data = self.session.data
        if snap is None or data is None or snap.epoch == 0 or \
                data.X_train.shape[1] != snap.weights[0].shape[1]:
            self.show_health(None)
            return
        self.show_health(health_of(snap, data.X_train, self.session.config.activation), snap)

    def show_health(self, health, snap=None):
        import html

        from core.health import SATURATED_SHARE, summary

        self.health = health
        view = getattr(self.window, "view", None)
        if view is not None:
            view.set_health(health, snap)
        text = summary(health)
        self.health_note.setText(text)
        self.health_note.setVisible(bool(text))
        if health is None:
            self.health_note.setToolTip("")
            return
        notes = [html.escape(n) for n in health.notes] or [html.escape(text)]
        self.health_note.setToolTip(
            "<br>".join(notes) + "<br><i>Dead: a ReLU neuron whose output is 0 on every training "
            "row: no gradient reaches its weights, it stops learning (greyed in the network view). "
            f"Saturated: a tanh or sigmoid neuron flat on {SATURATED_SHARE:.0%} of the rows or "
            "more, so almost no gradient passes. Gradients vanish or explode when the first "
            "layer's ‖dL/dW‖ is below 0.01 or above 100 times the output layer's.</i>")
