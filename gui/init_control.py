"""The Training dock's 'Initial weights' row: how a new network's weights are drawn, and a scale.

Values are TrainConfig's `init` and `init_scale` (core/initialise.py draws them); like the seed,
they apply when the network is built (Reset, or a new architecture or data set)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QHBoxLayout, QWidget

from core.config import INITS, MAX_INIT_SCALE

LABELS = {"default": "default", "zeros": "zeros", "uniform": "uniform", "xavier": "Xavier",
          "he": "He"}
TIPS = {
    "default": "PyTorch's default: weights and biases uniform in ±1/√(inputs of the neuron)",
    "zeros": "Every weight and bias 0. Every neuron of a layer then computes the same thing and "
             "gets the same gradient, so they stay the same for ever: a layer of many neurons "
             "works like one (with ReLU or tanh nothing but the output biases moves at all)",
    "uniform": "Weights uniform in ±0.5 (TensorFlow Playground's), biases 0",
    "xavier": "Xavier (Glorot): weights normal with standard deviation √(2 / (inputs + outputs)), "
              "biases 0; keeps the signal's size through tanh and sigmoid layers",
    "he": "He (Kaiming): weights normal with standard deviation √(2 / inputs), biases 0; keeps "
          "the signal's size through ReLU layers",
}


class InitControl(QWidget):
    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.kind = QComboBox()
        for i, name in enumerate(INITS):
            self.kind.addItem(LABELS[name], name)
            self.kind.setItemData(i, TIPS[name], Qt.ItemDataRole.ToolTipRole)
        self.kind.setToolTip("How the initial weights are drawn. Applies on Reset.")
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.scale = QDoubleSpinBox()
        self.scale.setRange(0.01, MAX_INIT_SCALE)
        self.scale.setDecimals(2)
        self.scale.setSingleStep(0.1)
        self.scale.setPrefix("× ")
        self.scale.setValue(1.0)
        self.scale.setToolTip("Multiplies the initial weights (not the biases): below 1 the signal "
                              "fades from layer to layer, above 1 it grows. Applies on Reset.")
        self.scale.valueChanged.connect(lambda _: self.changed.emit())
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.kind, 1)
        row.addWidget(self.scale)

    def _kind_changed(self):
        self.kind.setToolTip(TIPS[self.kind.currentData()] + ". Applies on Reset.")
        self.scale.setEnabled(self.kind.currentData() != "zeros")  # (0 × anything is 0)
        self.changed.emit()

    def values(self) -> dict:
        return dict(init=self.kind.currentData(), init_scale=round(float(self.scale.value()), 2))

    def set_values(self, v: dict):
        if v.get("init") in INITS:
            self.kind.setCurrentIndex(INITS.index(v["init"]))
        if "init_scale" in v:
            self.scale.setValue(float(v["init_scale"]))
