"""The Forward and backward pass dock: one training sample, stage by stage, lit in the network view."""

from __future__ import annotations

from gui.panels.base import LEFT, Panel


class WalkthroughPanel(Panel):
    name, title, area, tab_with = "walkthrough", "Forward and backward pass", LEFT, "controls"
    follows_playing = False  # its numbers are read, not watched: drawn when training pauses

    def create(self):
        from gui.panels.task_note import NoteHolder
        from gui.walkthrough_panel import WalkthroughPanel as Widget

        self.widget = Widget()
        self.holder = NoteHolder(self.widget)
        return self.holder.stack

    def network_ready(self, snap, info):
        from gui.panels.task_note import is_regression

        self.holder.show(is_regression(self.session))

    def bind(self):
        view = self.window.view
        self.widget.lightForward.connect(lambda x, acts, p: view.set_forward_pass(x, acts, p))
        self.widget.highlightLayer.connect(view.highlight_layer)

    def refresh(self, snap):
        from gui.panels.task_note import is_regression

        if is_regression(self.session):
            return
        if not self.session.playing:
            self.widget.set_context(snap, self.session.data, self.session.config)

    def shown(self, visible: bool):
        s = self.session
        from gui.panels.task_note import is_regression

        if visible and is_regression(s):
            return
        if visible:  # (also while playing: the person asked to see it)
            if s.displayed_snapshot() is not None:
                self.widget.set_context(s.displayed_snapshot(), s.data, s.config)
        else:  # its lit stage leaves the network view
            self.window.view.highlight_layer(None)
            self.window.light_observation()
