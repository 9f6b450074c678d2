"""The confusion matrix of the network shown, on its training or validation rows, with the per-class
precision, recall, F1 and support, and the rows of a chosen cell.

Predictions come from a numpy forward pass of the snapshot's weights over the split's (scaled) rows,
the arithmetic the network view lights (core.network.forward); the counts and figures are
core.metrics'. This module draws; it computes nothing that is not on screen.
"""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from core.metrics import ClassReport, classification_report
from core.network import forward
from gui import theme
from gui.elided import ElidedLabel, ElidingComboBox

SPLITS = {"validation": "Validation rows", "train": "Training rows"}
# multiply-adds of one forward pass over the rows (rows x connections) computed in the window's
# thread; past it the first rows that fit are used, and the summary says how many
MAX_PRODUCTS = 30_000_000
MIN_ROWS = 200
MAX_LISTED = 500  # rows listed for one cell (the count says how many there are)


def rows_within_budget(n_rows: int, n_edges: int, budget: int = MAX_PRODUCTS) -> int:
    return min(n_rows, max(MIN_ROWS, budget // max(1, n_edges)))


REGRESSION_NOTE = ("Applies to classification; this network predicts a number (see the Predicted vs "
                   "true tab for its errors).")


class MatrixWidget(QWidget):
    """The matrix drawn as cells: rows = true class, columns = predicted, in class order. The
    diagonal (right) is blue, the rest (wrong) orange, each as strong as its share of the true
    class's rows. Class names are elided in the middle; hover any name or cell for the whole."""

    cellClicked = Signal(int, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.confusion = np.zeros((0, 0), dtype=np.int64)
        self.class_names: tuple[str, ...] = ()
        self.shares = False
        self.selected: tuple[int, int] | None = None
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def set_matrix(self, confusion, class_names, shares: bool):
        self.confusion = np.asarray(confusion, dtype=np.int64)
        self.class_names = tuple(str(c) for c in class_names)
        self.shares = shares
        if self.selected is not None and max(self.selected) >= len(self.class_names):
            self.selected = None
        self.updateGeometry()
        self.update()

    # -- geometry ----------------------------------------------------------------------------
    def _k(self) -> int:
        return len(self.class_names)

    def _row_height(self) -> int:
        return self.fontMetrics().height() + 8

    def _header_width(self) -> int:
        """Width of the true-class names on the left: what the longest needs, at most 40 %."""
        fm = self.fontMetrics()
        need = max((fm.horizontalAdvance(c) for c in self.class_names), default=0) + 10
        need = max(need, fm.horizontalAdvance("true ↓") + 10)
        return min(need, int(self.width() * 0.4))

    def _cells(self) -> QRect:
        top = self._row_height() * 2  # the caption line, then the predicted classes' names
        left = self._header_width()
        return QRect(left, top, max(1, self.width() - left - 2), max(1, self.height() - top - 2))

    def cell_rect(self, i: int, j: int) -> QRect:
        c, k = self._cells(), max(1, self._k())
        x0 = c.left() + c.width() * j // k
        x1 = c.left() + c.width() * (j + 1) // k
        y0 = c.top() + c.height() * i // k
        y1 = c.top() + c.height() * (i + 1) // k
        return QRect(x0, y0, x1 - x0, y1 - y0)

    def cell_at(self, pos: QPoint) -> tuple[int, int] | None:
        c, k = self._cells(), self._k()
        if k == 0 or not c.contains(pos):
            return None
        j = min(k - 1, (pos.x() - c.left()) * k // c.width())
        i = min(k - 1, (pos.y() - c.top()) * k // c.height())
        return int(i), int(j)

    def minimumSizeHint(self):
        k = max(1, self._k())
        return QSize(120, self._row_height() * 2 + k * max(14, self.fontMetrics().height() + 2) + 4)

    def sizeHint(self):
        k = max(1, self._k())
        return QSize(260, self._row_height() * (2 + k) + 4)

    def hasHeightForWidth(self):
        return False

    # -- what a cell says ----------------------------------------------------------------------
    def _shares(self) -> np.ndarray:
        c = self.confusion.astype(np.float64)
        total = c.sum(axis=1, keepdims=True)
        return np.divide(c, total, out=np.zeros_like(c), where=total > 0)

    def cell_text(self, i: int, j: int) -> str:
        if self.shares:
            return f"{100 * self._shares()[i, j]:.0f}%"
        return f"{int(self.confusion[i, j]):,}"

    def cell_tooltip(self, i: int, j: int) -> str:
        n = int(self.confusion[i, j])
        row = int(self.confusion[i].sum())
        share = f" ({100 * n / row:.1f}% of the {row:,} rows of this class)" if row else ""
        what = "right" if i == j else "wrong"
        return (f"<b>true {html.escape(self.class_names[i])}</b>, predicted "
                f"<b>{html.escape(self.class_names[j])}</b> ({what}): {n:,} row{'s' * (n != 1)}"
                f"{share}.<br>Click to list them.")

    def _colour(self, i: int, j: int) -> QColor:
        share = self._shares()[i, j] if self.confusion.size else 0.0
        base = theme.POSITIVE if i == j else theme.NEGATIVE
        if share <= 0:
            return QColor(*theme.BACKGROUND)
        return QColor(*theme.faded(base, 0.12 + 0.88 * share))

    # -- painting and the mouse -----------------------------------------------------------------
    def paintEvent(self, _ev):
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        fm = self.fontMetrics()
        k = self._k()
        text = QColor(*theme.TEXT)
        grey = QColor(110, 110, 110)
        rh = self._row_height()
        cells = self._cells()
        left = self._header_width()
        p.setPen(grey)
        p.drawText(QRect(left, 0, cells.width(), rh), Qt.AlignmentFlag.AlignCenter,
                   fm.elidedText("predicted →", Qt.TextElideMode.ElideRight, cells.width()))
        p.drawText(QRect(0, rh, left - 4, rh), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                   fm.elidedText("true ↓", Qt.TextElideMode.ElideRight, left - 4))
        if k == 0:
            p.end()
            return
        p.setPen(text)
        for j, name in enumerate(self.class_names):
            r = self.cell_rect(0, j)
            box = QRect(r.left() + 2, rh, r.width() - 4, rh)
            p.drawText(box, Qt.AlignmentFlag.AlignCenter,
                       fm.elidedText(name, Qt.TextElideMode.ElideMiddle, box.width()))
        for i, name in enumerate(self.class_names):
            r = self.cell_rect(i, 0)
            box = QRect(2, r.top(), left - 8, r.height())
            p.drawText(box, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       fm.elidedText(name, Qt.TextElideMode.ElideMiddle, box.width()))
        # the counts: a smaller font where they do not fit; none where even that does not
        small = QFont(self.font())
        small.setPointSizeF(max(6.0, self.font().pointSizeF() * 0.8))
        grid = QColor(225, 222, 216)
        for i in range(k):
            for j in range(k):
                r = self.cell_rect(i, j)
                colour = self._colour(i, j)
                p.fillRect(r, colour)
                p.setPen(grid)
                p.drawRect(r.adjusted(0, 0, -1, -1))
                label = self.cell_text(i, j)
                font = self.font()
                if self.fontMetrics().horizontalAdvance(label) > r.width() - 2 or \
                        self.fontMetrics().height() > r.height():
                    font = small
                p.setFont(font)
                if p.fontMetrics().horizontalAdvance(label) <= r.width() - 2 and \
                        p.fontMetrics().height() <= r.height() + 2:
                    dark = colour.lightness() < 140
                    p.setPen(QColor(255, 255, 255) if dark else text)
                    p.drawText(r, Qt.AlignmentFlag.AlignCenter, label)
                p.setFont(self.font())
        if self.selected is not None:
            i, j = self.selected
            p.setPen(QPen(QColor(*theme.ACCENT), 3))
            p.drawRect(self.cell_rect(i, j).adjusted(1, 1, -2, -2))
        p.end()

    def name_at(self, pos: QPoint) -> str | None:
        """The class name under pos (a column or row heading), if any."""
        k, rh, cells = self._k(), self._row_height(), self._cells()
        if k == 0:
            return None
        if rh <= pos.y() < 2 * rh and cells.left() <= pos.x() < cells.right():
            return self.class_names[min(k - 1, (pos.x() - cells.left()) * k // cells.width())]
        if pos.x() < cells.left() and cells.top() <= pos.y() < cells.bottom():
            return self.class_names[min(k - 1, (pos.y() - cells.top()) * k // cells.height())]
        return None

    def mouseMoveEvent(self, ev):
        pos = ev.position().toPoint()
        cell = self.cell_at(pos)
        name = self.name_at(pos)
        if cell is not None:
            QToolTip.showText(ev.globalPosition().toPoint(), self.cell_tooltip(*cell), self)
        elif name is not None:
            QToolTip.showText(ev.globalPosition().toPoint(), html.escape(name), self)
        else:
            QToolTip.hideText()

    def mousePressEvent(self, ev):
        cell = self.cell_at(ev.position().toPoint())
        if cell is not None and ev.button() == Qt.MouseButton.LeftButton:
            self.select(*cell)

    def select(self, i: int, j: int):
        self.selected = (i, j)
        self.update()
        self.cellClicked.emit(i, j)


def _item(text: str, tip: str | None = None, align_right: bool = False) -> QTableWidgetItem:
    it = QTableWidgetItem(text)
    it.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if tip:
        it.setToolTip(tip)
    if align_right:
        it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return it


def _header(table: QTableWidget, labels: list[str], tips: list[str]):
    table.setColumnCount(len(labels))
    for c, (label, tip) in enumerate(zip(labels, tips, strict=True)):
        it = QTableWidgetItem(label)
        it.setToolTip(tip)
        table.setHorizontalHeaderItem(c, it)


def _num(v: float) -> str:
    return f"{v:.4g}"


class ConfusionView(QWidget):
    """The dock's widget: which rows, counts or shares, the matrix, the per-class figures and the
    rows of the cell clicked. `observationSelected` carries a listed row's raw feature values."""

    observationSelected = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.data = None  # core.split.Split
        self.activation = "relu"
        self.snapshot = None
        self.split = "validation"
        self._cache: dict = {}  # split -> (snapshot, rows used, probabilities)
        self.report: ClassReport | None = None
        self.y_true = np.zeros(0, dtype=np.int64)
        self.y_pred = np.zeros(0, dtype=np.int64)
        self.probabilities = np.zeros((0, 0))
        self.listed: np.ndarray = np.zeros(0, dtype=np.int64)  # row positions in the split

        self.which = ElidingComboBox("Which rows the matrix counts: the validation rows (held out "
                                     "from training) or the training rows.")
        for key, text in SPLITS.items():
            self.which.addItem(text, key)
        self.which.currentIndexChanged.connect(self._which_changed)
        self.share_box = QCheckBox("Row %")
        self.share_box.setToolTip("Show each cell as a share of its true class's rows (each row of "
                                  "the matrix sums to 100%) instead of counts.")
        self.share_box.toggled.connect(lambda _on: self._draw())
        self.summary = ElidedLabel("", auto_tooltip=True)
        self.summary.setStyleSheet("color: #444;")
        self.matrix = MatrixWidget()
        self.matrix.cellClicked.connect(self._cell_clicked)

        self.per_class = QTableWidget(0, 5)
        _header(self.per_class, ["Class", "Precision", "Recall", "F1", "Support"],
                ["The true class (hover a name for the whole of it)",
                 "Precision: of the rows predicted as this class, the share truly in it "
                 "(0 when none is predicted as it)",
                 "Recall: of the rows truly in this class, the share predicted as it "
                 "(0 when it has no rows)",
                 "F1: the harmonic mean of precision and recall, 2·P·R / (P + R) (0 when both are 0)",
                 "Support: how many of the rows are truly in this class"])
        self._table_style(self.per_class)
        h = self.per_class.horizontalHeader()
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in range(1, 5):
            h.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)

        self.rows_caption = ElidedLabel("Click a cell of the matrix to list its rows.",
                                        auto_tooltip=True)
        self.rows_caption.setStyleSheet("color: #444;")
        self.rows = QTableWidget(0, 0)
        self._table_style(self.rows)
        self.rows.horizontalHeader().setMaximumSectionSize(110)
        self.rows.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.rows.setMinimumHeight(90)
        self.rows.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.rows.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.rows.itemSelectionChanged.connect(self._row_selected)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.which, 1)
        top.addWidget(self.share_box)
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(6, 4, 6, 4)
        lay.setSpacing(4)
        lay.addLayout(top)
        lay.addWidget(self.summary)
        lay.addWidget(self.matrix, 1)
        lay.addWidget(self.per_class)
        lay.addWidget(self.rows_caption)
        lay.addWidget(self.rows, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        self.scroll = scroll
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    @staticmethod
    def _table_style(t: QTableWidget):
        t.verticalHeader().setVisible(False)
        t.verticalHeader().setDefaultSectionSize(t.fontMetrics().height() + 6)
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.setWordWrap(False)
        t.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        t.horizontalHeader().setTextElideMode(Qt.TextElideMode.ElideMiddle)
        t.setAlternatingRowColors(True)

    def minimumSizeHint(self):
        return QSize(160, 120)

    def sizeHint(self):
        return QSize(300, 360)

    # -- inputs ---------------------------------------------------------------------------------
    def set_data(self, data, activation: str):
        """A new network on `data` (core.split.Split): forget the old classes, rows and cell."""
        self.data = data
        self.activation = activation
        self.snapshot = None
        self._cache.clear()
        self.report = None
        self._forget_cell()

    def set_snapshot(self, snap):
        self.snapshot = snap
        self._compute()
        self._draw()

    def set_split(self, split: str):
        i = self.which.findData(split)
        if i >= 0:
            self.which.setCurrentIndex(i)

    def _which_changed(self, _index: int):
        self.split = self.which.currentData()
        self._forget_cell()
        self._compute()
        self._draw()

    def _forget_cell(self):
        self.matrix.selected = None
        self.listed = np.zeros(0, dtype=np.int64)
        self.rows_caption.setText("Click a cell of the matrix to list its rows.")
        self._fill_rows()

    # -- the computation --------------------------------------------------------------------------
    def split_arrays(self, split: str | None = None):
        """(X scaled, y, dataset row index) of the training or validation rows."""
        d = self.data
        if (split or self.split) == "train":
            return d.X_train, d.y_train, d.train_index
        return d.X_val, d.y_val, d.val_index

    def _compute(self):
        snap, d = self.snapshot, self.data
        if snap is None or d is None:
            return
        if getattr(d, "task", "") == "regression":  # no classes: _draw says so
            self.report = None
            return
        X, y, _ = self.split_arrays()
        cached = self._cache.get(self.split)
        if cached is not None and cached[0] is snap:
            probs = cached[2]
        else:
            n_edges = sum(int(np.asarray(w).size) for w in snap.weights)
            n = rows_within_budget(len(X), n_edges)
            probs = forward(snap.weights, snap.biases, self.activation, X[:n]).probabilities \
                if n else np.zeros((0, len(d.class_names)))
            self._cache[self.split] = (snap, n, probs)
        n = len(probs)
        self.probabilities = probs
        self.y_true = np.asarray(y[:n], dtype=np.int64)
        self.y_pred = probs.argmax(axis=1).astype(np.int64) if n else np.zeros(0, dtype=np.int64)
        self.report = classification_report(self.y_true, self.y_pred, len(d.class_names))

    def rows_in_cell(self, i: int, j: int) -> np.ndarray:
        """Positions, within the split's rows, of the rows of true class i predicted as j."""
        return np.flatnonzero((self.y_true == i) & (self.y_pred == j))

    # -- drawing ----------------------------------------------------------------------------------
    def _draw(self):
        r, d = self.report, self.data
        if r is None or d is None:
            self.summary.setText(REGRESSION_NOTE if getattr(d, "task", "") == "regression" else "")
            self.matrix.set_matrix(np.zeros((0, 0)), (), False)
            return
        names = d.class_names
        self.matrix.set_matrix(r.confusion, names, self.share_box.isChecked())
        X, _, _ = self.split_arrays()
        which = "validation" if self.split == "validation" else "training"
        epoch = f"epoch {self.snapshot.epoch}: " if self.snapshot is not None else ""
        if len(X) == 0:
            self.summary.setText(f"{epoch}no {which} rows (the validation share is 0)")
        else:
            part = f"first {r.total:,} of {len(X):,}" if r.total < len(X) else f"{r.total:,}"
            self.summary.setText(f"{epoch}accuracy {r.accuracy:.3f} on {part} {which} rows")
        t = self.per_class
        t.setRowCount(len(names))
        for i, c in enumerate(names):
            t.setItem(i, 0, _item(c, c))
            for col, v in enumerate((r.precision[i], r.recall[i], r.f1[i]), start=1):
                t.setItem(i, col, _item(f"{v:.3f}", align_right=True))
            t.setItem(i, 4, _item(f"{int(r.support[i]):,}", align_right=True))
        shown = min(len(names), 8)
        t.setFixedHeight(t.horizontalHeader().sizeHint().height() +
                         shown * t.verticalHeader().defaultSectionSize() + 2 * t.frameWidth() + 2)
        if self.matrix.selected is not None:
            self._list(*self.matrix.selected)

    def _cell_clicked(self, i: int, j: int):
        self._list(i, j)

    def _list(self, i: int, j: int):
        if self.report is None:
            return
        self.listed = self.rows_in_cell(i, j)
        names = self.data.class_names
        n = len(self.listed)
        right = "right" if i == j else "wrong"
        more = f", the first {MAX_LISTED:,} listed" if n > MAX_LISTED else ""
        self.rows_caption.setText(f"{n:,} row{'s' * (n != 1)} of true {names[i]} predicted "
                                  f"{names[j]} ({right}){more}")
        self._fill_rows()

    def _fill_rows(self):
        t = self.rows
        t.blockSignals(True)
        t.clearContents()
        d = self.data
        if d is None or self.report is None:
            t.setRowCount(0)
            t.blockSignals(False)
            return
        names, feats = d.class_names, d.feature_names
        labels = ["Row", "True", "Predicted", *[f"P({c})" for c in names], *feats]
        tips = ["Row: its place among the data's usable rows (1 = the first)",
                "True: its true class", "Predicted: the class the network predicts",
                *[f"P({c}): the network's probability of this class" for c in names], *feats]
        _header(t, labels, tips)
        X, _, index = self.split_arrays()
        rows = self.listed[:MAX_LISTED]
        t.setRowCount(len(rows))
        raw = d.scaler.inverse(X[rows]) if len(rows) else np.zeros((0, len(feats)))
        for r, pos in enumerate(rows):
            t.setItem(r, 0, _item(str(int(index[pos]) + 1), align_right=True))
            t.setItem(r, 1, _item(names[self.y_true[pos]], names[self.y_true[pos]]))
            t.setItem(r, 2, _item(names[self.y_pred[pos]], names[self.y_pred[pos]]))
            for c in range(len(names)):
                t.setItem(r, 3 + c, _item(f"{self.probabilities[pos, c]:.3f}", align_right=True))
            for f in range(len(feats)):
                t.setItem(r, 3 + len(names) + f, _item(_num(raw[r, f]), align_right=True))
        t.blockSignals(False)

    def _row_selected(self):
        sel = self.rows.selectionModel().selectedRows()
        if not sel or self.data is None:
            return
        r = sel[0].row()
        if r >= len(self.listed):
            return
        X, _, _ = self.split_arrays()
        self.observationSelected.emit(self.data.scaler.inverse(X[self.listed[r]][None, :])[0])

    def listed_positions(self) -> np.ndarray:
        return self.listed[:MAX_LISTED]
