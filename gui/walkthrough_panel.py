"""Step one training sample through the forward and the backward pass, with every number shown."""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core.walkthrough import GRAD_ZERO, dropout_keep, format_gradient, step_words, walk


def _num(x: float, digits: int) -> str:
    """x with `digits` decimals; a nonzero x those would show as 0.0000 (or -0.0000) in three
    significant digits instead (a sure softmax leaves dL/dz = p − y of about 1e-6, not 0)."""
    x = float(x)
    if x != 0 and abs(x) < 0.5 * 10.0 ** -digits:
        return f"{x:.2e}"
    return f"{x:.{digits}f}"


def _vec(v, digits: int = 3, limit: int = 8, small: bool = False) -> str:
    """A vector's first `limit` values; `small`: tiny nonzero values in significant digits."""
    v = np.asarray(v).ravel()
    body = ", ".join(_num(x, digits) if small else f"{x:.{digits}f}" for x in v[:limit])
    return f"[{body}{', …' if v.size > limit else ''}]"


class TruthLabel(QLabel):
    """'true class: NAME (epoch N)', the name elided in the middle to the label's width (the whole
    name on hover); the label never asks for more width than it has."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(0)
        self.name, self.epoch, self._shown = "", None, ""

    def set_truth(self, name: str, epoch, what: str = "true class"):
        self.name, self.epoch, self.what = str(name), epoch, what
        self.setToolTip(f"{what}: {self.name}")
        self._fit()

    def shown_name(self) -> str:
        """The class name as shown (elided when it does not fit)."""
        return self._shown

    def _fit(self):
        what = getattr(self, "what", "true class")
        after = f" (epoch {self.epoch})" if self.epoch is not None else ""
        plain = QFontMetricsF(self.font())
        bold_font = QFont(self.font())
        bold_font.setBold(True)
        bold = QFontMetricsF(bold_font)
        width = self.contentsRect().width()
        # a long label name ('true disease progression one year after baseline') gives way
        # before the value it introduces: the value is what the walkthrough is about
        room_what = width - bold.horizontalAdvance(self.name) - plain.horizontalAdvance(": " + after) - 4
        if plain.horizontalAdvance(what) > room_what >= plain.horizontalAdvance("true …"):
            what = plain.elidedText(what, Qt.TextElideMode.ElideMiddle, room_what)
        before = f"{what}: "
        room = width - plain.horizontalAdvance(before + after) - 4
        name = self.name
        if bold.horizontalAdvance(name) > room:
            name = bold.elidedText(name, Qt.TextElideMode.ElideMiddle, max(room, 0.0))
            if not name:  # no room even for "…": keep the first letters visible rather than nothing
                name = "…"
        self._shown = name
        self.setText(f"{html.escape(before)}<b>{html.escape(name)}</b>{html.escape(after)}")

    def resizeEvent(self, ev):
        super().resizeEvent(ev)
        if self.name:
            self._fit()


class WalkthroughPanel(QWidget):
    """Stages: x; per layer z then a (softmax at the output); loss; per layer backwards dL/dz and
    dL/dW; the update. Emits what the network view should light at each stage."""

    # scaled x, activations per layer, probabilities, and (label, number) for a regression output
    lightForward = Signal(object, object, object, object)
    highlightLayer = Signal(int)  # weight layer to highlight, -1 for none

    def __init__(self, parent=None):
        super().__init__(parent)
        self.snapshot = self.data = self.config = None
        self.stage = 0
        self.result = None
        self.sample = QSpinBox()
        self.sample.setToolTip("Which training observation to follow through the network")
        self.sample.valueChanged.connect(lambda _: self._recompute())
        self.prev_button = QPushButton("◀ Back")
        self.next_button = QPushButton("Next ▶")
        self.prev_button.setToolTip("Previous stage")
        self.next_button.setToolTip("Next stage: forward layer by layer, then the loss, then "
                                    "backpropagation from the output back to the input, then the update")
        self.prev_button.clicked.connect(lambda: self.set_stage(self.stage - 1))
        self.next_button.clicked.connect(lambda: self.set_stage(self.stage + 1))
        self.stage_label = QLabel()
        self.stage_label.setStyleSheet("font-weight: 600;")
        self.stage_label.setWordWrap(True)
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        self.text.setMinimumWidth(200)
        top = QHBoxLayout()
        top.addWidget(QLabel("Training sample"))
        top.addWidget(self.sample)
        self.truth = TruthLabel()
        top.addStretch(1)
        # with dropout on: follow one training pass (some hidden neurons switched off) instead of
        # the evaluation pass every figure of the window uses
        self.dropout_box = QCheckBox("Training pass (dropout)")
        self.dropout_box.setToolTip(
            "Dropout switches off a random share of the hidden neurons in every training pass "
            "(evaluation, validation and classifying use them all). Tick to follow one training "
            "pass: the neurons it drops are marked ✗ and output 0.")
        self.dropout_box.toggled.connect(lambda _: self._recompute())
        self.redraw_button = QPushButton("Draw again")
        self.redraw_button.setToolTip("Another random choice of the neurons dropped")
        self.redraw_button.clicked.connect(self._draw_again)
        self._draws = 0
        drop_row = QHBoxLayout()
        drop_row.addWidget(self.dropout_box)
        drop_row.addWidget(self.redraw_button)
        drop_row.addStretch(1)
        self.dropout_row = QWidget()
        self.dropout_row.setLayout(drop_row)
        drop_row.setContentsMargins(0, 0, 0, 0)
        self.dropout_row.hide()
        nav = QHBoxLayout()
        nav.addWidget(self.prev_button)
        nav.addWidget(self.stage_label, 1)
        nav.addWidget(self.next_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addLayout(top)
        lay.addWidget(self.truth)  # a line of its own: a long class name has the panel's width
        lay.addWidget(self.dropout_row)
        lay.addLayout(nav)
        lay.addWidget(self.text, 1)
        self._update_buttons()
        self.setMinimumWidth(240)

    def sizeHint(self):
        from PySide6.QtCore import QSize

        return QSize(320, 500)

    # -- context ------------------------------------------------------------------------------
    def set_context(self, snapshot, data, config):
        """The network (a snapshot), its data (a Split) and settings; recomputes the walk."""
        self.snapshot, self.data, self.config = snapshot, data, config
        if data is not None:
            self.sample.blockSignals(True)
            self.sample.setRange(0, max(0, len(data.y_train) - 1))
            self.sample.blockSignals(False)
        self._recompute()

    @property
    def n_layers(self) -> int:
        return len(self.snapshot.weights) if self.snapshot is not None else 0

    def stages(self) -> list[tuple[str, str, int]]:
        """(kind, title, layer) for every stage."""
        L = self.n_layers
        out = [("x", "Forward: the input x", -1)]
        for i in range(L):
            name = "output layer" if i == L - 1 else f"hidden layer {i + 1}"
            out.append(("z", f"Forward: {name}, weighted sums z = W·a + b", i))
            what = ("identity ŷ = z" if self._regression() else "softmax p") if i == L - 1 \
                else "activation a = f(z)"
            out.append(("a", f"Forward: {name}, {what}", i))
        out.append(("loss", "The loss against the true value" if self._regression() else
                    "The loss against the one-hot label", L - 1))
        for i in range(L - 1, -1, -1):
            name = "output layer" if i == L - 1 else f"hidden layer {i + 1}"
            out.append(("dz", f"Backward: {name}, dL/dz", i))
            out.append(("dw", f"Backward: {name}, dL/dW = dL/dz · aᵀ", i))
        out.append(("update", "The update w ← w − lr · dL/dw", -1))
        return out

    def _regression(self) -> bool:
        return getattr(self.data, "task", "") == "regression"

    def _recompute(self):
        s, d, c = self.snapshot, self.data, self.config
        if s is None or d is None or c is None or len(d.y_train) == 0:
            self.result = None
            self.text.setHtml("<i>Waiting for a network…</i>")
            return
        k = self.sample.value()
        p = float(getattr(c, "dropout", 0.0) or 0.0)
        self.dropout_row.setVisible(p > 0 and len(s.weights) > 1)
        keep = None
        if p > 0 and self.dropout_box.isChecked():
            keep = dropout_keep([w.shape[0] for w in s.weights[:-1]], p,
                                seed=(int(s.epoch), int(k), self._draws))
        self.redraw_button.setEnabled(keep is not None)
        if self._regression():  # the true number, standardised as the trainer's target
            t = (float(d.y_train[k]) - float(d.label_mean)) / float(d.label_std)
            self.result = walk(s.weights, s.biases, c.activation, d.X_train[k], 0, c.loss,
                               c.learning_rate, keep=keep, dropout=p, target=t)
            self.truth.set_truth(f"{float(d.y_train[k]):.6g}", s.epoch, f"true {d.label_name}")
        else:
            self.result = walk(s.weights, s.biases, c.activation, d.X_train[k], int(d.y_train[k]),
                               c.loss, c.learning_rate, keep=keep, dropout=p)
            self.truth.set_truth(d.class_names[int(d.y_train[k])], s.epoch)
        self.set_stage(min(self.stage, len(self.stages()) - 1))

    def _draw_again(self):
        self._draws += 1
        self._recompute()

    def _dropout_words(self, layer: int) -> str:
        """What this pass's dropout did to a hidden layer (empty for the evaluation pass)."""
        r = self.result
        if r.keep is None or layer >= self.n_layers - 1:
            return ""
        dropped = r.dropped(layer)
        if not dropped:
            return (f"<p><b>Dropout</b> (p = {r.dropout:g}) kept every neuron of this layer in this "
                    f"pass; each output is scaled by 1/(1 − p) = {1 / (1 - r.dropout):.3g}.</p>")
        names = ", ".join(f"{j + 1} ✗" for j in dropped)
        return (f"<p><b>Dropout</b> (p = {r.dropout:g}) switched off neuron{'s' if len(dropped) > 1 else ''} "
                f"{names} in this training pass: {'they output' if len(dropped) > 1 else 'it outputs'} "
                f"0 and send no gradient back. The others are scaled by 1/(1 − p) = "
                f"{1 / (1 - r.dropout):.3g}, so that evaluation (every neuron on, no scaling) sees "
                f"the same sums on average.</p>")

    def set_stage(self, i: int):
        st = self.stages()
        if not st:
            return
        self.stage = max(0, min(len(st) - 1, i))
        self._update_buttons()
        if self.result is None:
            return
        kind, title, layer = st[self.stage]
        self.stage_label.setText(f"{self.stage + 1}/{len(st)} · {title}")
        self.text.setHtml(self._explain(kind, layer))
        self._emit_light(kind, layer)

    def _update_buttons(self):
        n = len(self.stages()) if self.snapshot is not None else 1
        self.prev_button.setEnabled(self.stage > 0)
        self.next_button.setEnabled(self.stage < n - 1)

    def _emit_light(self, kind: str, layer: int):
        r = self.result
        L = self.n_layers
        if kind == "x":
            upto = -1
        elif kind in ("z", "a"):
            upto = layer if kind == "a" else layer - 1
        else:
            upto = L - 1
        acts = [r.a[i] if i <= upto else np.zeros_like(r.a[i]) for i in range(L)]
        probs = r.probabilities if upto == L - 1 and r.target is None else None
        value = None
        if upto == L - 1 and r.target is not None:  # the predicted number, in the label's units
            d = self.data
            value = (d.label_name, float(r.probabilities[0]) * float(d.label_std) + float(d.label_mean))
        self.lightForward.emit(r.x, acts, probs, value)
        self.highlightLayer.emit(layer if kind in ("z", "a", "dz", "dw") else -1)

    def _explain_number(self, kind: str) -> str:
        """A regression network's output and loss: a number, not class probabilities."""
        r, d, c = self.result, self.data, self.config
        mean, sd = float(d.label_mean), float(d.label_std)
        yhat, t = float(r.probabilities[0]), float(r.target)
        units = f"{yhat:+.4f} × {sd:.4g} + {mean:.4g} = <b>{yhat * sd + mean:.6g}</b>"
        if kind == "a":
            return (f"<p>The output neuron of a network that predicts a number has no activation "
                    f"(the <b>identity</b>): ŷ = z = <b>{yhat:+.4f}</b>.</p><p>The network learns the "
                    f"label standardised with the training rows' mean ({mean:.4g}) and standard "
                    f"deviation ({sd:.4g}), so in {html.escape(d.label_name)}'s units ŷ = {units}.</p>")
        diff = yhat - t
        words = {"mse": f"the <b>squared error</b> (ŷ − t)² = ({diff:+.4f})² = <b>{r.loss:.4f}</b>",
                 "mae": f"the <b>absolute error</b> |ŷ − t| = <b>{r.loss:.4f}</b>",
                 "huber": (f"<b>Huber</b>: ½(ŷ − t)² within 1 of the target, |ŷ − t| − ½ beyond: "
                           f"<b>{r.loss:.4f}</b>")}.get(c.loss, f"L = <b>{r.loss:.4f}</b>")
        return (f"<p>The true value, standardised: t = ({t * sd + mean:.6g} − {mean:.4g}) / "
                f"{sd:.4g} = <b>{t:+.4f}</b>; the network says ŷ = {yhat:+.4f}, an error ŷ − t = "
                f"{diff:+.4f} ({diff * sd:+.5g} in {html.escape(d.label_name)}'s units).</p>"
                f"<p>This network trains on {words}.</p>")

    # -- the words and numbers ------------------------------------------------------------------
    def _explain(self, kind: str, layer: int) -> str:
        r, d, c = self.result, self.data, self.config
        names = d.feature_names
        if kind == "x":
            rows = "".join(f"<tr><td>x{j + 1} {n}</td><td align=right>{r.x[j]:+.3f}</td></tr>"
                           for j, n in enumerate(names))
            return ("<p>The observation enters as the vector <b>x</b>: each feature standardised "
                    "with the training rows' mean and standard deviation.</p>"
                    f"<table>{rows}</table>")
        a_in = r.x if layer <= 0 else r.a[layer - 1]  # (layer -1: the update stage, no input)
        if kind == "z":
            W, b = self.snapshot.weights[layer], self.snapshot.biases[layer]
            j = 0
            terms = " + ".join(f"({W[j, i]:+.3f}×{a_in[i]:+.3f})" for i in range(min(len(a_in), 6)))
            return (f"<p>Each neuron multiplies every input by its connection's weight, adds them up "
                    f"and adds its bias: <b>z = W·a + b</b>.</p><p>Neuron 1: z = {terms}"
                    f"{' + …' if len(a_in) > 6 else ''} + ({b[j]:+.3f}) = <b>{r.z[layer][j]:+.4f}</b></p>"
                    f"<p>All of this layer: z = {_vec(r.z[layer])}</p>")
        if r.target is not None and kind in ("a", "loss") and layer == self.n_layers - 1:
            return self._explain_number(kind)
        if kind == "a":
            if layer == self.n_layers - 1:
                classes = "".join(f"<tr><td>{n}</td><td align=right>{p:.4f}</td></tr>"
                                  for n, p in zip(d.class_names, r.probabilities, strict=False))
                return ("<p><b>Softmax</b> turns the output sums into probabilities that add up to "
                        "1: p<sub>k</sub> = e<sup>z<sub>k</sub></sup> / Σ e<sup>z<sub>j</sub></sup>."
                        f"</p><table>{classes}</table><p>Predicted: <b>"
                        f"{d.class_names[int(np.argmax(r.probabilities))]}</b></p>")
            return (f"<p>The activation function <b>{c.activation}</b> turns each weighted sum into the "
                    f"neuron's output a = f(z).</p><p>z = {_vec(r.z[layer])}<br>a = "
                    f"{_vec(r.a[layer])}</p>" + self._dropout_words(layer))
        if kind == "loss":
            diff = r.abs_error
            mse = float(np.mean(diff ** 2))
            ce = float(-np.log(max(r.probabilities[r.label], 1e-300)))
            return (f"<p>The true class as a <b>one-hot label</b>: {_vec(r.one_hot, 0)}.<br>The network "
                    f"says p = {_vec(r.probabilities)}.</p><p>Absolute differences |p − y| = "
                    f"{_vec(diff)}; mean squared error = {mse:.4f}.<br>Cross-entropy −log p(true) = "
                    f"{ce:.4f}.</p><p>This network trains on <b>{c.loss}</b>: L = <b>{r.loss:.4f}</b>."
                    f"</p><p><i>The texts' example: output [0.4, 0.3, 0.3] against [1, 0, 0] gives "
                    f"differences [0.6, 0.3, 0.3] and mean squared error 0.18.</i></p>")
        if kind == "dz":
            if layer == self.n_layers - 1 and r.target is not None:
                how = {"mse": "for the squared error (ŷ − t)² it is 2(ŷ − t)",
                       "mae": "for the absolute error |ŷ − t| it is the sign of ŷ − t, ±1",
                       "huber": "for Huber it is ŷ − t within 1 of the target, its sign beyond"
                       }.get(c.loss, "")
            elif layer == self.n_layers - 1:
                how = ("for softmax with cross-entropy this is simply p − y" if c.loss == "cross-entropy"
                       else "the softmax Jacobian applied to dL/dp = 2(p − y)/classes")
            else:
                how = (f"the next layer's dL/dz sent back through its weights (Wᵀ·dL/dz), times the "
                       f"slope of {c.activation} at z")
            return (f"<p><b>Backpropagation</b> starts at the output and runs back to the input. "
                    f"dL/dz says how the loss changes with each neuron's weighted sum: {how}.</p>"
                    f"<p>dL/dz = {_vec(r.dz[layer], 4, small=True)}</p>" + self._dropout_words(layer))
        if kind == "dw":
            g = r.dW[layer]
            head = ("<p>Each weight's gradient is its neuron's dL/dz times the input it multiplies: "
                    "<b>dL/dw = dL/dz · a</b>.</p>")
            norm = f"<p>‖dL/dW‖ for this layer = {np.linalg.norm(g):.4g}</p>"
            if not np.any(np.abs(g) > GRAD_ZERO):
                why = ("every dL/dz of this layer is 0" if not np.any(np.abs(r.dz[layer]) > GRAD_ZERO)
                       else "every input it multiplies is 0")
                return (head + f"<p>For this sample every gradient of this layer is 0 ({why}): "
                        f"this sample does not move these weights.</p>" + norm)
            o, i = np.unravel_index(int(np.argmax(np.abs(g))), g.shape)
            w = float(self.snapshot.weights[layer][o, i])
            return (head + f"<p>Largest here: neuron {o + 1} ← input {i + 1}: "
                    f"{r.dz[layer][o]:+.4g} × {a_in[i]:+.4g} = <b>{format_gradient(g[o, i])}</b>. "
                    f"Its sign says which way the weight moves to lower the loss: w = {w:+.5f}; "
                    f"{step_words(w, g[o, i], r.lr)}.</p>" + norm)
        # update
        W0, W1 = self.snapshot.weights[0], r.W_new[0]
        return (f"<p>Plain SGD on this one sample: <b>w ← w − lr · dL/dw</b> with learning rate "
                f"{r.lr:g}.</p><p>First weight: {W0[0, 0]:+.5f} − {r.lr:g} × {_num(r.dW[0][0, 0], 5)} = "
                f"<b>{W1[0, 0]:+.5f}</b>.</p><p>Training averages these gradients over a mini-batch of "
                f"{c.batch_size} rows before each step, and uses the <b>{c.optimizer}</b> optimizer, "
                f"so the real update differs; an <b>epoch</b> is one pass over all training rows.</p>")
