"""The Loss vs one weight dock: click a connection; the loss as a function of that weight alone."""

from __future__ import annotations

from gui.panels.base import RIGHT, Panel


class WeightPanel(Panel):
    name, title, area, tab_with = "weight", "Loss vs one weight", RIGHT, "gradients"

    def create(self):
        from gui.weight_study import WeightStudyPanel

        self.widget = WeightStudyPanel()
        self.names = None
        self.slice = None  # the last loss slice shown
        return self.widget

    def bind(self):
        self.window.view.edgeClicked.connect(self.study)
        self.session.result.connect(self._on_result)

    def study(self, layer: int, o: int, i: int):
        """Study this weight: the loss as a function of it, with the tangent and the last step."""
        view = self.window.view
        self.names = (view.neuron_name(layer, i), view.neuron_name(layer + 1, o))
        self.widget.clear()
        self.dock.show()
        self.dock.raise_()
        self.session.set_study((layer, o, i))
        self.window.statusBar().showMessage("Studying one weight: its loss curve is in the "
                                            "'Loss vs one weight' tab", 5000)

    def network_ready(self, snap, info):
        if "continue_from" not in info["extra"]:
            self.widget.clear()

    def _on_result(self, kind: str, payload):
        if kind == "loss_slice" and self.session.study == (payload.layer, payload.out, payload.inp):
            self.widget.show_slice(payload, names=self.names)
            self.slice = payload
