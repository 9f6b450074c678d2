"""The Classify dock: a file of observations or one typed by hand, classified by the network shown."""

from __future__ import annotations

from gui.panels.base import LEFT, Panel


class ClassifyDockPanel(Panel):
    name, title, area, tab_with = "classify", "Classify", LEFT, "controls"

    def create(self):
        from gui.classify import ClassifyPanel

        self.widget = ClassifyPanel()
        return self.widget

    def bind(self):
        self.widget.observationSelected.connect(self.session.set_observation)
        self.widget.exported.connect(lambda path: self.window.statusBar().showMessage(
            f"Exported the predictions to {path}", 6000))

    def visible(self) -> bool:
        # kept current behind its tab too: a file loaded or a value typed is classified by the network
        # shown, and the model is cheap to make (the table is classified again only when it changed)
        return True

    def refresh(self, snap):
        from core.model import model_from_snapshot

        s = self.session
        if s.data is not None and s.config is not None:
            self.widget.trained_elsewhere = s.fixed_scaler is not None  # imported: not untrained
            self.widget.set_model(model_from_snapshot(snap, s.data, s.config), snap.epoch)

    def shutdown(self):
        self.widget.shutdown()
