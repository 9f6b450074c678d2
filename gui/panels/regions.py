"""The Decision regions dock: the predicted class over two features, with the training points; for a
regression network, the predicted number over two features (gui/value_map.py)."""

from __future__ import annotations

from gui.panels.base import RIGHT, Panel


class RegionsPanel(Panel):
    name, title, area, tab_with = "regions", "Decision regions", RIGHT, "gradients"

    def create(self):
        from PySide6.QtWidgets import QStackedWidget

        from gui.regions import RegionsView
        from gui.value_map import ValueMapView

        self.widget = RegionsView()
        self.value_map = ValueMapView()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.widget)
        self.stack.addWidget(self.value_map)
        return self.stack

    def _view(self):
        from gui.panels.task_note import is_regression

        return self.value_map if is_regression(self.session) else self.widget

    def network_ready(self, snap, info):
        view = self._view()
        self.stack.setCurrentWidget(view)
        view.set_data(self.session.data, self.session.config)

    def refresh(self, snap):
        view = self._view()
        view.snapshot = snap
        view.config = self.session.config
        view.refresh()
