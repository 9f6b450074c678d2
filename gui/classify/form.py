"""The Classify dock's "One observation" form: a value per feature, the network's probabilities.

The form knows the model it evaluates with (set_model); typing emits `edited` with the raw feature
values (model order), or None while one is not a number.
"""

from __future__ import annotations

import math
import re

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from gui.classify.bars import ProbabilityBars, class_colour, html_escape
from gui.classify.table import FLOAT32_MAX
from gui.elided import ElidedLabel, WrappingLabel

PENGUIN_FEATURES = ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g")
PENGUIN_EXAMPLE = {"bill_length_mm": 37.3, "bill_depth_mm": 16.8, "flipper_length_mm": 192.0,
                   "body_mass_g": 3000.0}
EDIT_MAX_WIDTH = 120  # px: a longer number scrolls in its field (its tooltip has it whole)
BAD_STYLE = "background: #fde2cc;"  # not a number
FAR_STYLE = "background: #ffe7a8;"  # far outside the training range


def fmt_number(v: float) -> str:
    """Shortest text that reads back as the same float: 37.3, 3000, 1e-07."""
    r = repr(float(v))
    return r[:-2] if r.endswith(".0") else r


def short_number(v: float) -> str:
    """Shortest text that reads back as the same float32 (the precision the network computes and
    the training rows are held in): -0.0018820165 for -0.0018820165277906047, which did not fit
    its field. Where float32 cannot hold the value, the float64 text."""
    x = float(v)
    with np.errstate(over="ignore"):
        f32 = np.float32(x)
    if not np.isfinite(f32) and np.isfinite(x):
        return fmt_number(x)
    r = str(f32)
    r = r[:-2] if r.endswith(".0") else r
    return r if len(r) < len(fmt_number(x)) else fmt_number(x)


class NumberValidator(QValidator):
    """A finite number, with '.' or ',' as the decimal mark; a half-typed one is Intermediate."""

    _PARTIAL = re.compile(r"^\s*[+-]?(\d*([.,]\d*)?([eE][+-]?\d*)?)?\s*$")

    def validate(self, text, pos):
        if parse_number(text) is not None:
            return QValidator.State.Acceptable, text, pos
        if self._PARTIAL.match(text):
            return QValidator.State.Intermediate, text, pos
        return QValidator.State.Invalid, text, pos


def parse_number(text: str) -> float | None:
    try:
        v = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return v if math.isfinite(v) else None


class ObservationForm(QGroupBox):
    """One observation typed in by hand (or filled with the training mean or the penguin example),
    and the network's probabilities for it."""

    edited = Signal(object)  # the typed observation (1-D raw feature values, model order), or None
    hint_shown = Signal(bool)  # the far-outside-the-training-range line appeared or went

    def __init__(self, parent=None):
        super().__init__("One observation", parent)
        self.model = None  # core.model.TrainedModel
        self.inputs: list[QLineEdit] = []
        self.labels: list[ElidedLabel] = []
        self.far: list[int] = []  # features of the typed observation far outside the training range
        self.features: tuple[str, ...] = ()
        self.values: np.ndarray | None = None  # the last evaluated observation (None: none valid)
        self._build()
        self._rebuild(None)

    def _build(self):
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        fl = QHBoxLayout()
        outer.addLayout(fl, 1)
        # far-outside-the-training-range hint, the group's whole width; wraps, never widens the dock
        self.hint = QLabel("")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #8a4b00;")
        self.hint.setMinimumWidth(1)
        self.hint.hide()
        outer.addWidget(self.hint)
        left = QVBoxLayout()
        self.form_area = QScrollArea()
        self.form_area.setWidgetResizable(True)
        self.form_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.form_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.form_widget = QWidget()
        self.form_grid = QGridLayout(self.form_widget)
        self.form_grid.setContentsMargins(0, 0, 0, 0)
        self.form_grid.setHorizontalSpacing(6)
        self.form_grid.setVerticalSpacing(4)
        self.form_area.setWidget(self.form_widget)
        left.addWidget(self.form_area, 1)
        buttons = QHBoxLayout()
        self.mean_button = QPushButton("Training mean")
        self.mean_button.setToolTip("Fill in the mean of each feature in the training data")
        self.mean_button.clicked.connect(self.fill_mean)
        self.example_button = QPushButton("Example")
        self.example_button.setToolTip("A penguin with a short bill and a light body: bill 37.3 mm, "
                                       "depth 16.8 mm, flipper 192 mm, mass 3000 g")
        self.example_button.clicked.connect(self.fill_example)
        self.example_button.hide()
        buttons.addWidget(self.mean_button)
        buttons.addWidget(self.example_button)
        buttons.addStretch(1)
        right = QVBoxLayout()
        self.prediction = WrappingLabel("")
        self.prediction.setTextFormat(Qt.TextFormat.RichText)
        # wraps rather than widening the dock (a longer class name or 45.3% grew it by 16 px)
        self.prediction.setWordWrap(True)
        self.bars = ProbabilityBars()
        right.addWidget(self.prediction)
        right.addWidget(self.bars, 1)
        left.addLayout(buttons)
        fl.addLayout(left, 5)  # the fields' side a little wider: feature names are longer
        fl.addSpacing(10)
        fl.addLayout(right, 4)

    # -- the model ------------------------------------------------------------------------------------
    def set_model(self, model) -> bool:
        """Evaluate with `model` from now on; True when its features differ from the last one's (the
        form was rebuilt with the training means). Never emits `edited`."""
        self.model = model
        features = tuple(model.feature_names) if model is not None else ()
        rebuilt = features != self.features
        if rebuilt:
            self._rebuild(model)
        self.evaluate(emit=False)
        return rebuilt

    def _rebuild(self, model):
        while self.form_grid.count():
            item = self.form_grid.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()
                item.widget().deleteLater()
        self.inputs = []
        self.labels = []
        self.far: list[int] = []
        self.features = tuple(model.feature_names) if model is not None else ()
        self.values = None
        self.form_area.setMinimumHeight(0)
        if model is None:
            note = QLabel("No network yet.")
            note.setStyleSheet("color: #777;")
            self.form_grid.addWidget(note, 0, 0)
        else:
            mean = np.asarray(model.scaler.mean, dtype=np.float64)
            cols = 1
            validator = NumberValidator(self)
            for k, name in enumerate(self.features):
                label = ElidedLabel(name)
                label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                label.setToolTip(self._describe(k))
                edit = QLineEdit(f"{mean[k]:.5g}")
                edit.setValidator(validator)
                edit.setAlignment(Qt.AlignmentFlag.AlignRight)
                edit.textChanged.connect(self._changed)
                label.setBuddy(edit)
                r, c = divmod(k, cols)
                self.form_grid.addWidget(label, r, 2 * c)
                self.form_grid.addWidget(edit, r, 2 * c + 1)
                self.inputs.append(edit)
                self.labels.append(label)
            self._fit_edits()
            for c in range(cols):
                self.form_grid.setColumnStretch(2 * c, 1)  # the labels give way; the fields fit their text
            self.form_grid.setRowStretch(self.form_grid.rowCount(), 1)
            shown = min(len(self.inputs), 6)  # more features scroll
            row_h = self.inputs[0].sizeHint().height() if self.inputs else 0
            self.form_area.setMinimumHeight(shown * row_h + max(0, shown - 1) * 4)
        self.mean_button.setEnabled(model is not None)
        self.example_button.setVisible(set(PENGUIN_FEATURES) == set(self.features))

    # -- values ---------------------------------------------------------------------------------------
    def fill_mean(self):
        if self.model is not None:
            # the raw features' means (derived inputs, if any, follow them in the scaler)
            mean = np.asarray(self.model.scaler.mean, dtype=np.float64)[:len(self.features)]
            self.set_observation(list(mean))

    def fill_example(self):
        """The teaching example: a penguin with bill 37.3 mm, depth 16.8 mm, flipper 192 mm, 3000 g."""
        if set(PENGUIN_FEATURES) == set(self.features):
            self.set_observation([PENGUIN_EXAMPLE[f] for f in self.features])

    def set_observation(self, values):
        """Fill the form with raw feature values in the model's order (emits once)."""
        values = list(values)
        if len(values) != len(self.inputs):
            raise ValueError(f"{len(self.inputs)} values expected (one per feature), not {len(values)}")
        for edit, v in zip(self.inputs, values, strict=True):
            edit.blockSignals(True)
            text = short_number(v)
            edit.setText(text)
            # the value itself while the field shows its short text: a row taken from a file
            # gets the very prediction the table shows, not one of its float32 neighbour
            edit.setProperty("exact", (text, float(v)))
            edit.blockSignals(False)
        self._changed()

    def typed_values(self) -> np.ndarray | None:
        """The typed values as raw features (model order), or None while one is not a number."""
        if not self.inputs:
            return None
        vals = [self._value(e) for e in self.inputs]
        for e, v in zip(self.inputs, vals, strict=True):
            self._mark(e, "bad" if v is None else "")
        if any(v is None for v in vals):
            return None
        return np.array(vals, dtype=np.float64)

    @staticmethod
    def _value(edit) -> float | None:
        exact = edit.property("exact")
        if exact is not None and exact[0] == edit.text():
            return exact[1]
        return parse_number(edit.text())

    def _changed(self, *_):
        self._fit_edits()
        self.evaluate(emit=True)

    def _fit_edits(self):
        """Every field as wide as the longest value typed (so 43.965 shows whole), within
        [a 6-digit number, EDIT_MAX_WIDTH]; each field's tooltip holds its value and its range."""
        if not self.inputs:
            return
        fm = self.inputs[0].fontMetrics()
        need = max(fm.horizontalAdvance(e.text()) for e in self.inputs) + 16  # frame and margins
        w = min(EDIT_MAX_WIDTH, max(need, fm.horizontalAdvance("000000") + 16))
        for k, e in enumerate(self.inputs):
            if e.width() != w or e.minimumWidth() != w:
                e.setFixedWidth(w)
            v = self._value(e)
            tip = f"{e.text() if v is None else fmt_number(v)}\n{self._describe(k)}"
            if e.toolTip() != tip:
                e.setToolTip(tip)

    def _describe(self, k: int) -> str:
        """A feature's full name with its training range and mean."""
        model = self.model
        name = self.features[k]
        mean = float(np.asarray(model.scaler.mean, dtype=np.float64)[k])
        if model.feature_range is None:
            return f"{name} (training mean {mean:.5g})"
        lo, hi = (float(a[k]) for a in model.feature_range)
        return f"{name} (training range {lo:.6g}–{hi:.6g}, mean {mean:.5g})"

    def _fit_hint_height(self):
        """The wrapped hint's height at the form's width, as its minimum: the group's minimum height
        then counts all its lines (a layout asks a label's height for its width only in part)."""
        width = max(self.hint.width(), self.contentsRect().width() - 16, 50)
        h = self.hint.heightForWidth(width) if self.hint.text() else 0
        if self.hint.minimumHeight() != max(h, 0):
            self.hint.setMinimumHeight(max(h, 0))

    def resizeEvent(self, ev):
        super().resizeEvent(ev)
        self._fit_hint_height()

    def field_state(self, k: int) -> str:
        """'bad', 'far' or '' for the k-th field."""
        return self.inputs[k].property("state") or ""

    @staticmethod
    def _mark(edit: QLineEdit, state: str):
        """'bad' (not a number), 'far' (far outside the training range) or '' (fine)."""
        if (edit.property("state") or "") != state:
            edit.setProperty("state", state)
            edit.setStyleSheet({"bad": BAD_STYLE, "far": FAR_STYLE}.get(state, ""))

    def _update_far(self, x: np.ndarray | None):
        """Mark the fields far outside the training range and say so under the form."""
        from core.model import far_outside

        far = [] if x is None or self.model is None else far_outside(self.model, x)
        self.far = [k for k, _, _ in far]
        if x is not None:
            for k, e in enumerate(self.inputs):
                self._mark(e, "far" if k in self.far else "")
        what = "training range" if self.model is not None and self.model.feature_range is not None \
            else "typical training values"
        lines = [f"{self.features[k]} {fmt_number(x[k])} is far outside the {what} {lo:.6g}–{hi:.6g}"
                 for k, lo, hi in far[:3]]
        if len(far) > 3:
            lines.append(f"… and {len(far) - 3} more")
        text = ("⚠ " + "; ".join(lines) + ": the network has never seen such values, its answer is a "
                "guess.") if lines else ""
        if self.hint.text() != text:
            self.hint.setText(text)
            self.hint.setToolTip(text)
            self._fit_hint_height()
        if self.hint.isHidden() == bool(text):
            self.hint.setVisible(bool(text))
            self.hint_shown.emit(bool(text))

    def evaluate(self, emit: bool) -> np.ndarray | None:
        """Probabilities for the typed observation; emits `edited` when asked."""
        model = self.model
        x = self.typed_values() if model is not None else None
        probs, message = None, ""
        if model is None:
            message = "No network yet."
        elif x is None:
            message = "Type a number in every field."
        elif not (np.abs(x) <= FLOAT32_MAX).all():
            message = "A value is too large for the network."
            x = None
        else:
            with np.errstate(over="ignore", invalid="ignore"):
                probs = model.probabilities(x[None, :])[0]
            if not np.isfinite(probs).all():
                probs, x = None, None
                message = "A value is too far outside the training data to compute."
        self.values = x
        self._update_far(x)
        names = model.class_names if model is not None else ()
        self.bars.set_values(names, probs, message)
        # a regression network has no class probabilities to draw (its one softmax output is 1)
        self.bars.setVisible(not getattr(model, "is_regression", False))
        if probs is not None:
            j = int(np.argmax(probs))
            text = (f"Predicted: <b style='color:{class_colour(j).name()}'>{html_escape(names[j])}</b> "
                    f"({probs[j]:.1%})")
            tip = f"Predicted: {names[j]} ({probs[j]:.1%})"
        else:
            text, tip = "Predicted: —", ""
        if probs is not None and getattr(model, "is_regression", False):  # a number, not a class
            value = float(model.predict_values(x[None, :])[0])
            text = f"Predicted {html_escape(model.label_name)}: <b>{value:.6g}</b>"
            tip = f"Predicted {model.label_name}: {value:.6g} (in the label's units)"
        if self.prediction.text() != text:
            self.prediction.setText(text)
            self.prediction.setToolTip(tip)
        if emit:
            self.edited.emit(None if x is None else x.copy())
        return x

    @property
    def probabilities(self) -> np.ndarray | None:
        return None if self.bars.probabilities is None else self.bars.probabilities.copy()
