"""The Forward and backward pass dock: one training sample, stage by stage, lit in the network view."""

from __future__ import annotations

from gui.panels.base import LEFT, Panel


class WalkthroughPanel(Panel):
    name, title, area, tab_with = "walkthrough", "Forward and backward pass", LEFT, "controls"
    follows_playing = False  # its numbers are read, not watched: drawn when training pauses

    def create(self):
        from gui.walkthrough_panel import WalkthroughPanel as Widget

        self.widget = Widget()
        return self.widget

    def bind(self):
        view = self.window.view
        self.widget.lightForward.connect(lambda x, acts, p, v: view.set_forward_pass(x, acts, p, value=v))
        self.widget.highlightLayer.connect(view.highlight_layer)

    def refresh(self, snap):
        if not self.session.playing:
            self.widget.set_context(snap, self.session.data, self.session.config)

    def shown(self, visible: bool):
        s = self.session
        if visible:  # (also while playing: the person asked to see it)
            if s.displayed_snapshot() is not None:
                self.widget.set_context(s.displayed_snapshot(), s.data, s.config)
        else:  # its lit stage leaves the network view
            self.window.view.highlight_layer(None)
            self.window.light_observation()
