"""Training controls: architecture, optimizer, learning rate (log scale), batch, loss, device, speed."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.config import ACTIVATIONS, OPTIMIZERS, TrainConfig

OPT_LABELS = {"sgd": "SGD", "adam": "Adam", "adadelta": "Adadelta"}
LR_MIN_EXP, LR_MAX_EXP, LR_STEPS_PER_DECADE = -5, 1, 20
SPEEDS = (1, 2, 5, 10, 20, 50, 0)  # epochs per second; 0 = as fast as possible
MAX_HIDDEN_LAYERS = 8
# epochs per second at first: slow enough to watch the weights move (the right end, as fast as the
# machine goes, ran ~105 epochs/s, too fast to follow); the slider's right end is one drag away
DEFAULT_SPEED = 10


class ControlsPanel(QWidget):
    architectureChanged = Signal()  # hidden sizes or activation: the network must be rebuilt
    optimizerChanged = Signal()  # optimizer, learning rate, momentum, batch size: applied live
    rebuildSettingChanged = Signal()  # loss, device, seed, validation split: apply on reset
    speedChanged = Signal(float)
    animationChanged = Signal(float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._quiet = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)

        # network
        net = QGroupBox("Network")
        form = QFormLayout(net)
        self.layers_row = QHBoxLayout()
        self.layer_spins: list[QSpinBox] = []
        box = QWidget()
        box.setLayout(self.layers_row)
        self.layers_row.setContentsMargins(0, 0, 0, 0)
        self.add_layer = QToolButton(text="+")
        self.add_layer.setToolTip("Add a hidden layer")
        self.remove_layer = QToolButton(text="−")
        self.remove_layer.setToolTip("Remove the last hidden layer")
        self.add_layer.clicked.connect(lambda: self._add_spin(5, emit=True))
        self.remove_layer.clicked.connect(self._remove_spin)
        self.layers_row.addWidget(self.add_layer)
        self.layers_row.addWidget(self.remove_layer)
        form.addRow("Hidden layers", box)
        self.activation = QComboBox()
        self.activation.addItems(ACTIVATIONS)
        self.activation.setToolTip("The activation function a = f(z) each hidden neuron applies to "
                                   "its weighted sum z = w·x + b. ReLU: max(0, z); tanh and sigmoid "
                                   "squash z into (−1, 1) and (0, 1). The outputs use softmax.")
        self.activation.currentTextChanged.connect(lambda _: self._emit(self.architectureChanged))
        form.addRow("Activation", self.activation)
        form.addRow("Derived inputs", self._build_derived())
        self.shape_label = QLabel()
        self.shape_label.setStyleSheet("color: #555;")
        form.addRow("Shape", self.shape_label)
        from gui.init_control import InitControl

        self.init = InitControl()
        self.init.changed.connect(lambda: self._emit(self.rebuildSettingChanged))
        form.addRow("Initial weights", self.init)
        lay.addWidget(net)

        # optimiser
        opt = QGroupBox("Learning")
        f2 = QFormLayout(opt)
        self.optimizer = QComboBox()
        for o in OPTIMIZERS:
            self.optimizer.addItem(OPT_LABELS[o], o)
        self.optimizer.setToolTip(
            "How weights move after each mini-batch. SGD: w ← w − lr·dL/dw (optionally with "
            "momentum). Adam: per-weight steps scaled by running averages of the gradient and its "
            "square. Adadelta: adapts the step size itself (learning rate 1.0 is usual).")
        self.optimizer.currentIndexChanged.connect(self._optimizer_changed)
        f2.addRow("Optimizer", self.optimizer)
        self.lr_slider = QSlider(Qt.Orientation.Horizontal)
        self.lr_slider.setRange(LR_MIN_EXP * LR_STEPS_PER_DECADE, LR_MAX_EXP * LR_STEPS_PER_DECADE)
        self.lr_spin = QDoubleSpinBox()
        self.lr_spin.setDecimals(5)
        self.lr_spin.setRange(10 ** LR_MIN_EXP, 10 ** LR_MAX_EXP * 10)
        self.lr_spin.setSingleStep(0.001)
        tip = ("The learning rate: how far each step moves the weights along −dL/dw. Too low: "
               "the loss falls slowly. Too high: steps overshoot and the loss jumps or diverges. "
               "The slider is logarithmic; it can change during training.")
        self.lr_slider.setToolTip(tip)
        self.lr_spin.setToolTip(tip)
        self.lr_slider.valueChanged.connect(self._lr_slider_moved)
        self.lr_spin.valueChanged.connect(self._lr_spin_changed)
        row = QHBoxLayout()
        row.addWidget(self.lr_slider, 1)
        row.addWidget(self.lr_spin)
        f2.addRow("Learning rate", row)
        self.momentum = QDoubleSpinBox()
        self.momentum.setRange(0.0, 0.99)
        self.momentum.setSingleStep(0.1)
        self.momentum.setToolTip("SGD momentum: each step keeps this share of the previous step.")
        self.momentum.valueChanged.connect(lambda _: self._emit(self.optimizerChanged))
        f2.addRow("Momentum", self.momentum)
        self.batch = QSpinBox()
        self.batch.setRange(1, 65536)
        self.batch.setToolTip("Mini-batch size: how many observations are averaged into each "
                              "gradient step. An epoch is one pass over all training rows.")
        self.batch.valueChanged.connect(lambda _: self._emit(self.optimizerChanged))
        f2.addRow("Batch size", self.batch)
        self.loss = QComboBox()
        self._task = "classification"  # the data's: which losses the list offers
        self._fill_losses()
        self.loss.currentIndexChanged.connect(lambda _: self._emit(self.rebuildSettingChanged))
        f2.addRow("Loss", self.loss)
        lay.addWidget(opt)
        lay.addWidget(self._build_cures())

        # run
        run = QGroupBox("Run")
        f3 = QFormLayout(run)
        self.device = QComboBox()
        self.device.addItem("auto", "auto")
        self.device.addItem("CPU", "cpu")
        self.device.setToolTip("auto: CUDA when present and the network is big enough to gain "
                               "from it, else the CPU. Applies on Reset.")
        self.device.currentIndexChanged.connect(lambda _: self._emit(self.rebuildSettingChanged))
        f3.addRow("Device", self.device)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("Random seed for the initial weights, the split and the batch order: "
                             "the same seed trains the same way. Applies on Reset.")
        self.seed.valueChanged.connect(lambda _: self._emit(self.rebuildSettingChanged))
        f3.addRow("Seed", self.seed)
        self.val_fraction = QDoubleSpinBox()
        self.val_fraction.setRange(0.0, 0.9)
        self.val_fraction.setSingleStep(0.05)
        self.val_fraction.setToolTip("Share of rows held out for validation (stratified by class). "
                                     "Applies on Reset.")
        self.val_fraction.valueChanged.connect(lambda _: self._emit(self.rebuildSettingChanged))
        f3.addRow("Validation share", self.val_fraction)
        self.speed = QSlider(Qt.Orientation.Horizontal)
        self.speed.setRange(0, len(SPEEDS) - 1)
        self.speed.setToolTip("Play speed in epochs per second; the right end trains as fast as "
                              "the engine can.")
        self.speed_label = QLabel()
        self.speed.valueChanged.connect(self._speed_changed)
        row = QHBoxLayout()
        row.addWidget(self.speed, 1)
        row.addWidget(self.speed_label)
        f3.addRow("Play speed", row)
        self.animation = QSpinBox()
        self.animation.setRange(0, 2000)
        self.animation.setSingleStep(50)
        self.animation.setSuffix(" ms")
        self.animation.setToolTip("How long edges take to move from one epoch's values to the next.")
        self.animation.valueChanged.connect(lambda v: self.animationChanged.emit(v / 1000.0))
        f3.addRow("Animation", self.animation)
        lay.addWidget(run)

        buttons = QHBoxLayout()
        self.step_button = QPushButton("Step ▶|")
        self.play_button = QPushButton("Play ▶")
        self.reset_button = QPushButton("Reset ⟲")
        for b in (self.step_button, self.play_button, self.reset_button):
            buttons.addWidget(b)
        lay.addLayout(buttons)
        lay.addStretch(1)
        self.set_values(dict(hidden=(5, 5), activation="relu", optimizer="adam", learning_rate=0.01,
                             momentum=0.0, batch_size=16, loss="cross-entropy", device="auto",
                             seed=TrainConfig.seed, val_fraction=0.3, speed_index=SPEEDS.index(DEFAULT_SPEED),
                             animation=0.35))

    def _build_derived(self) -> QWidget:
        """Three toggles adding input neurons computed from the raw features (core.derived)."""
        from core.derived import KINDS, WHAT

        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.derived_boxes: dict[str, QCheckBox] = {}
        for kind, text in zip(KINDS, ("x²", "x·y", "sin x"), strict=True):
            cb = QCheckBox(text)
            cb.setToolTip(f"Add input neurons for {WHAT[kind]}, computed from the raw values and then "
                          f"standardised like every input. With squares, a network without hidden "
                          f"layers can draw a circle. Changing this rebuilds the network.")
            cb.toggled.connect(lambda _: self._emit(self.architectureChanged))
            row.addWidget(cb)
            self.derived_boxes[kind] = cb
        row.addStretch(1)
        return box

    def derived(self) -> tuple[str, ...]:
        return tuple(k for k, cb in self.derived_boxes.items() if cb.isChecked())

    def set_raw_inputs(self, n: int | None):
        """The number of raw features, so the Shape line counts the derived inputs the toggles add."""
        self._raw = n
        self._update_shape()

    def _build_cures(self) -> QGroupBox:
        """L2, L1, dropout, early stopping: applied from the next epoch, like the learning rate."""
        box = QGroupBox("Against overfitting")
        f = QFormLayout(box)

        def rate(tip: str) -> QDoubleSpinBox:
            sp = QDoubleSpinBox()
            sp.setDecimals(5)
            sp.setRange(0.0, 1.0)
            sp.setSingleStep(0.0005)
            sp.setSpecialValueText("off")
            sp.setToolTip(tip)
            sp.valueChanged.connect(lambda _: self._emit(self.optimizerChanged))
            return sp

        self.l2 = rate("L2 penalty (weight decay): adds rate × Σw² over the weights to the loss, so "
                       "every step also pulls each weight towards 0 by 2 × rate × w. Large weights "
                       "fit noise; smaller ones generalise better. Applies from the next epoch.")
        self.l1 = rate("L1 penalty: adds rate × Σ|w| to the loss, so every step also moves each "
                       "weight towards 0 by rate: many end at exactly 0 (a sparser network). "
                       "Applies from the next epoch.")
        self.dropout = QDoubleSpinBox()
        self.dropout.setRange(0.0, 0.9)
        self.dropout.setSingleStep(0.05)
        self.dropout.setSpecialValueText("off")
        self.dropout.setToolTip("Dropout: in each training pass this share of every hidden layer's "
                                "neurons is switched off at random (the rest scaled up to match), so "
                                "no neuron can rely on another. Validation, classifying and the "
                                "walkthrough use the whole network. Applies from the next epoch.")
        self.dropout.valueChanged.connect(lambda _: self._emit(self.optimizerChanged))
        self.early = QSpinBox()
        self.early.setRange(0, 100000)
        self.early.setSpecialValueText("off")
        self.early.setSuffix(" epochs")
        self.early.setToolTip("Early stopping: pause training when the validation loss has not "
                              "reached a new low for this many epochs, and offer to go back to the "
                              "epoch of its lowest value (the timeline keeps it).")
        self.early.valueChanged.connect(lambda _: self._emit(self.optimizerChanged))
        f.addRow("L2 penalty", self.l2)
        f.addRow("L1 penalty", self.l1)
        f.addRow("Dropout", self.dropout)
        f.addRow("Early stopping", self.early)
        return box

    # -- hidden layers --------------------------------------------------------------------------
    def _add_spin(self, size: int, emit: bool = False):
        if len(self.layer_spins) >= MAX_HIDDEN_LAYERS:
            return
        s = QSpinBox()
        s.setRange(1, 4096)
        s.setValue(int(size))
        s.setToolTip("Neurons in this hidden layer")
        s.valueChanged.connect(lambda _: self._emit(self.architectureChanged))
        self.layers_row.insertWidget(len(self.layer_spins), s)
        self.layer_spins.append(s)
        self._update_shape()
        if emit:
            self._emit(self.architectureChanged)

    def _remove_spin(self):
        if not self.layer_spins:
            return
        s = self.layer_spins.pop()
        s.setParent(None)
        s.deleteLater()
        self._update_shape()
        self._emit(self.architectureChanged)

    def hidden(self) -> tuple[int, ...]:
        return tuple(s.value() for s in self.layer_spins)

    def set_hidden(self, sizes):
        was, self._quiet = self._quiet, True
        while self.layer_spins:
            self._remove_spin()
        for n in sizes:
            self._add_spin(n)
        self._quiet = was

    def _fill_losses(self):
        """The losses of the task: cross-entropy or MSE for classes; MSE, MAE or Huber for a number."""
        keep = self.loss.currentData()
        self.loss.blockSignals(True)
        self.loss.clear()
        if self._task == "regression":
            for text, key in (("mean squared error", "mse"), ("mean absolute error", "mae"),
                              ("Huber", "huber")):
                self.loss.addItem(text, key)
            self.loss.setToolTip(
                "On the standardised label. Mean squared error: (prediction − true)², large errors "
                "weigh most. Mean absolute error: |prediction − true|, every unit of error alike, so "
                "outliers pull less. Huber: squared below 1 standard deviation, absolute beyond. "
                "Applies on Reset.")
        else:
            self.loss.addItem("cross-entropy", "cross-entropy")
            self.loss.addItem("mean squared error", "mse")
            self.loss.setToolTip(
                "Cross-entropy: −log p(true class). Mean squared error: the mean of (p − one-hot "
                "label)² over the classes, as in the texts' example [0.4, 0.3, 0.3] vs [1, 0, 0] → "
                "0.18. Applies on Reset.")
        i = self.loss.findData(keep)
        self.loss.setCurrentIndex(i if i >= 0 else 0)
        self.loss.blockSignals(False)

    def set_task(self, task: str):
        """The data's task: the loss list follows (classification or regression)."""
        task = "regression" if task == "regression" else "classification"
        if task != self._task:
            self._task = task
            self._fill_losses()

    def set_io(self, n_in: int, n_out: int):
        self._io = (n_in, n_out)
        self._update_shape()

    def _update_shape(self):
        n_in, n_out = getattr(self, "_io", (None, None))
        if getattr(self, "_raw", None) and hasattr(self, "derived_boxes"):  # as the toggles stand
            from core.derived import derived_count

            n_in = self._raw + derived_count(self._raw, self.derived())
        parts = [str(n_in or "?"), *map(str, self.hidden()), str(n_out or "?")]
        self.shape_label.setText("-".join(parts) + ("" if self.layer_spins else " (linear)"))
        self.shape_label.setToolTip(
            "Neurons per layer, inputs to outputs" if self.layer_spins else
            "No hidden layer: the inputs go straight to the outputs, a linear model (each class's "
            "score is a weighted sum of the inputs, so the boundaries between classes are straight)")
        self.remove_layer.setEnabled(bool(self.layer_spins))
        self.add_layer.setEnabled(len(self.layer_spins) < MAX_HIDDEN_LAYERS)

    # -- values ---------------------------------------------------------------------------------
    def _emit(self, signal):
        self._update_shape()
        if not self._quiet:
            signal.emit()

    def _optimizer_changed(self):
        self.momentum.setEnabled(self.optimizer.currentData() == "sgd")
        self._emit(self.optimizerChanged)

    def _lr_slider_moved(self, v: int):
        lr = 10 ** (v / LR_STEPS_PER_DECADE)
        if abs(math.log10(max(self.lr_spin.value(), 1e-12)) * LR_STEPS_PER_DECADE - v) >= 0.5:
            self.lr_spin.blockSignals(True)
            self.lr_spin.setValue(float(f"{lr:.3g}"))
            self.lr_spin.blockSignals(False)
            self._emit(self.optimizerChanged)

    def _lr_spin_changed(self, v: float):
        self.lr_slider.blockSignals(True)
        self.lr_slider.setValue(round(math.log10(max(v, 1e-12)) * LR_STEPS_PER_DECADE))
        self.lr_slider.blockSignals(False)
        self._emit(self.optimizerChanged)

    def _speed_changed(self, i: int):
        s = SPEEDS[i]
        self.speed_label.setText("max" if s == 0 else f"{s}/s")
        if not self._quiet:
            self.speedChanged.emit(float(s))

    def learning_rate(self) -> float:
        return float(self.lr_spin.value())

    def epochs_per_second(self) -> float:
        return float(SPEEDS[self.speed.value()])

    def values(self) -> dict:
        return dict(hidden=self.hidden(), activation=self.activation.currentText(),
                    optimizer=self.optimizer.currentData(), learning_rate=self.learning_rate(),
                    momentum=float(self.momentum.value()), batch_size=int(self.batch.value()),
                    loss=self.loss.currentData(), task=self._task, device=self.device.currentData(),
                    seed=int(self.seed.value()), val_fraction=float(self.val_fraction.value()),
                    l2=float(self.l2.value()), l1=float(self.l1.value()),
                    dropout=float(self.dropout.value()), early_stopping=int(self.early.value()),
                    derived=self.derived(),
                    speed_index=int(self.speed.value()), animation=self.animation.value() / 1000.0,
                    **self.init.values())

    def set_values(self, v: dict):
        was, self._quiet = self._quiet, True
        try:
            if "hidden" in v:
                self.set_hidden(v["hidden"])
            if v.get("activation") in ACTIVATIONS:
                self.activation.setCurrentText(v["activation"])
            if v.get("optimizer") in OPTIMIZERS:
                self.optimizer.setCurrentIndex(OPTIMIZERS.index(v["optimizer"]))
            if "learning_rate" in v:
                self.lr_spin.setValue(float(v["learning_rate"]))
            if "momentum" in v:
                self.momentum.setValue(float(v["momentum"]))
            if "batch_size" in v:
                self.batch.setValue(int(v["batch_size"]))
            if v.get("task") in ("classification", "regression"):
                self.set_task(v["task"])
            if self.loss.findData(v.get("loss")) >= 0:
                self.loss.setCurrentIndex(self.loss.findData(v["loss"]))
            if "device" in v:
                i = self.device.findData(v["device"])
                self.device.setCurrentIndex(max(i, 0))
            if "seed" in v:
                self.seed.setValue(int(v["seed"]))
            if "val_fraction" in v:
                self.val_fraction.setValue(float(v["val_fraction"]))
            for key, box, kind in (("l2", self.l2, float), ("l1", self.l1, float),
                                   ("dropout", self.dropout, float), ("early_stopping", self.early, int)):
                if key in v:
                    box.setValue(kind(v[key]))
            self.init.set_values(v)
            if "derived" in v:
                for kind, cb in self.derived_boxes.items():
                    cb.setChecked(kind in tuple(v["derived"] or ()))
            if "speed_index" in v:
                self.speed.setValue(int(v["speed_index"]))
                self._speed_changed(self.speed.value())
            if "animation" in v:
                self.animation.setValue(int(round(float(v["animation"]) * 1000)))
            self.momentum.setEnabled(self.optimizer.currentData() == "sgd")
        finally:
            self._quiet = was
            self._update_shape()

    def set_cuda(self, available: bool, name: str = ""):
        i = self.device.findData("cuda")
        if available and i < 0:
            self.device.addItem(f"CUDA {name}".strip(), "cuda")
        elif not available and i >= 0:
            self.device.removeItem(i)

    def set_playing(self, playing: bool):
        self.play_button.setText("Pause ❚❚" if playing else "Play ▶")
