"""The network panel: the network view under its header (the mode toggles, how many connections
are drawn) and its legend."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui import theme
from gui.network_view import NetworkView
from gui.theme import MODE_LABELS, MODE_SYMBOLS, MODES

MODE_SYMBOL = {"weights": "w", "gradients": "dL/dw", "updates": "Δw"}
NODE_SYMBOL = {"weights": "b", "gradients": "dL/db", "updates": "Δb"}


class ModeButton(QToolButton):
    """A checkable button with its words where they fit, else its symbol (the words in the tooltip)."""

    def __init__(self, words: str, symbol: str, parent=None):
        super().__init__(parent)
        self.words, self.symbol = words, symbol
        self.setCheckable(True)
        self.setText(words)
        # (a tool button's policy is Fixed: its layout would never give it less than the words)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def _width_for(self, text: str) -> int:
        pad = super().sizeHint().width() - self.fontMetrics().horizontalAdvance(self.text())
        return self.fontMetrics().horizontalAdvance(text) + pad

    def sizeHint(self):
        return QSize(self._width_for(self.words), super().sizeHint().height())

    def minimumSizeHint(self):
        return QSize(self._width_for(self.symbol), super().minimumSizeHint().height())

    def resizeEvent(self, ev):
        super().resizeEvent(ev)
        text = self.words if self.width() >= self._width_for(self.words) else self.symbol
        if text != self.text():
            self.setText(text)


class NetworkPanel(QWidget):
    """The network view with its header: what edges show, how many are drawn, and a legend."""

    modeChanged = Signal(str)
    picturesToggled = Signal(bool)  # pictures in the neurons on or off (gui/network_maps.py)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.view = NetworkView(self)
        head = QHBoxLayout()
        head.setContentsMargins(8, 4, 8, 0)
        head.addWidget(QLabel("<b>Edges show:</b>"))
        self._group = QButtonGroup(self)
        self.mode_buttons = {}
        tips = {
            "weights": "Each line's colour and width: the weight w it multiplies its input by.",
            "gradients": "dL/dw, the epoch-mean gradient backpropagation computed: how the loss "
                         "changes when this weight grows. Animated from the output layer back to "
                         "the input, the direction backpropagation runs.",
            "updates": "Δw, the change the optimizer made to each weight in the last epoch "
                       "(for plain SGD: −learning rate × dL/dw).",
        }
        for i, m in enumerate(MODES):
            # toggles that show the symbol alone where the words do not fit (three radio buttons
            # kept the view at least 416 px wide, and the window over 1,000 px)
            b = ModeButton(MODE_LABELS[m], MODE_SYMBOLS[m])
            b.setToolTip(f"<b>{MODE_LABELS[m]}</b> (Ctrl+{i + 1}): {tips[m]}")
            self._group.addButton(b, i)
            head.addWidget(b)
            self.mode_buttons[m] = b
        self.mode_buttons["weights"].setChecked(True)
        self._group.idToggled.connect(self._toggled)
        self.pictures_button = ModeButton("Pictures in neurons", "▦")
        self.pictures_button.setToolTip(
            "<b>Pictures in neurons</b>: inside every hidden and output neuron, its value over the "
            "plane of two inputs (the others held at their training median); blue above zero (or a "
            "probability above ½), orange below. Hover a neuron to see its picture large.")
        self.pictures_button.toggled.connect(self.set_pictures)
        head.addStretch(1)
        self.shown_label = QLabel("")
        self.shown_label.setStyleSheet("color: #8a5a00;")
        self.shown_label.setWordWrap(True)
        head.addWidget(self.shown_label)
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setContentsMargins(8, 0, 8, 0)
        self.legend.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(head)
        legend_row = QHBoxLayout()  # (beside the legend, the header keeps its narrow width)
        legend_row.setContentsMargins(0, 0, 8, 0)
        legend_row.addWidget(self.legend, 1)
        legend_row.addWidget(self.pictures_button, 0, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(legend_row)
        from gui.network_maps import NeuronPictures, PictureBar

        self.picture_bar = PictureBar(self)
        lay.addWidget(self.picture_bar)
        self.pictures = NeuronPictures(self.view, self.picture_bar)
        lay.addWidget(self.view, 1)
        self.view.shownChanged.connect(self._shown)
        self.view.healthChanged.connect(self._update_legend)
        self._update_legend()

    def _toggled(self, idx: int, checked: bool):
        if checked:
            mode = MODES[idx]
            self.view.set_mode(mode)
            self._update_legend()
            self.modeChanged.emit(mode)

    def resizeEvent(self, ev):
        super().resizeEvent(ev)
        # a narrow panel: the symbol alone, so that the legend beside it keeps its lines
        b = self.pictures_button
        b.setMaximumWidth(b.sizeHint().width() if self.width() >= 560 else b.minimumSizeHint().width())

    def set_pictures(self, on: bool):
        """Pictures in the neurons on or off (the toolbar button and View → Pictures in neurons)."""
        on = bool(on)
        if self.pictures_button.isChecked() != on:
            self.pictures_button.setChecked(on)  # comes back here through toggled
            return
        self.pictures.set_enabled(on)
        self.picturesToggled.emit(on)

    def set_data(self, data, config):
        """A new network's data: the inputs the pictures may be drawn over."""
        self.pictures.set_data(data, config)
        if self.view.snapshot is not None:
            self.pictures.snapshot_shown(self.view.snapshot, now=True)

    def set_mode(self, mode: str):
        self.mode_buttons[mode].setChecked(True)

    def _shown(self, k: int, m: int):
        self.shown_label.setText(f"showing the {k:,} strongest of {m:,} connections" if k < m else "")
        self._update_legend()

    def _update_legend(self):
        pos, neg = theme.hex_colour(theme.POSITIVE), theme.hex_colour(theme.NEGATIVE)
        sym = MODE_SYMBOL[self.view.mode]
        scale = self.view._scale
        self.legend.setText(
            f"<span style='color:{pos}'>━━</span> {sym} &gt; 0 &nbsp; "
            f"<span style='color:{neg}'>━━</span> {sym} &lt; 0 &nbsp; width ∝ |{sym}| "
            f"(full at {scale:.3g}) &nbsp; fill = {NODE_SYMBOL[self.view.mode]}"
            + (" &nbsp; grey&nbsp;dashed&nbsp;=&nbsp;dead" if self.view.n_dead_shown() else ""))
