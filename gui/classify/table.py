"""The Classify dock's table of predictions: a virtual model over core.classify.Predictions, a proxy
that passes sorting to it, and a delegate that draws probabilities as bars.

The table is virtual: a QAbstractTableModel reads the Predictions arrays on demand, so 200k rows cost
no widgets or items. Sorting is done with numpy in the model (a permutation of the rows): the proxy
in front of it passes sort() through, because QSortFilterProxyModel's own sort would call back into
Python millions of times for a big table.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QRectF,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QStyle, QStyledItemDelegate, QTableView

from gui import theme
from gui.classify.bars import class_colour

if TYPE_CHECKING:
    from core.classify import Predictions
    from core.metrics import LabelScore

PROB_ROLE = int(Qt.ItemDataRole.UserRole) + 1  # float probability (NaN: unclassified)
COLOUR_ROLE = int(Qt.ItemDataRole.UserRole) + 2  # QColor of the column's class
FLOAT32_MAX = float(np.finfo(np.float32).max)
FLAG_TINT = QColor(255, 232, 208)  # light orange (theme.NEGATIVE, faint): a row left unclassified
FLAG_TEXT = QColor(*theme.NEGATIVE).darker(130)
WRONG_TINT = QColor(250, 200, 196)  # light red: the predicted class is not the file's label
WRONG_TEXT = QColor(150, 20, 20)
UNSCORED_TEXT = QColor(130, 130, 130)  # a label the network does not know, or none: not scored
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ROLES = frozenset({_DISPLAY, _ALIGN, _BACKGROUND, _FOREGROUND, _TOOLTIP, PROB_ROLE, COLOUR_ROLE})
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_NO_PARENT = QModelIndex()


def two_lines(name: str, longer_than: int = 9) -> str:
    """A long column name broken after the '_' or space that makes its longer line shortest."""
    if len(name) <= longer_than:
        return name
    cuts = [k + 1 for k, ch in enumerate(name[:-1]) if ch in "_ " and 0 < k]
    if not cuts:
        return name
    k = min(cuts, key=lambda k: max(k, len(name) - k))
    return name[:k].rstrip() + "\n" + name[k:]


def _column_positions(columns, names) -> list[int]:
    """Where each name is among the columns: exact name, else the same name ignoring case and spaces
    (how core.classify matches them)."""
    columns = list(columns)
    low = [str(c).strip().lower() for c in columns]
    out = []
    for n in names:
        out.append(columns.index(n) if n in columns else low.index(n.strip().lower()))
    return out


def _isna(cell) -> bool:
    import pandas as pd

    return bool(pd.isna(cell))


class PredictionTableModel(QAbstractTableModel):
    """Columns: line, the model's features, predicted class, the file's label ("true", only when the
    file has the model's label column), one probability per class."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.pred: Predictions | None = None
        self.feature_names: tuple[str, ...] = ()
        self._order: np.ndarray | None = None  # view row -> table row (None: file order)
        self._positions: list[int] = []
        self._titles: list[str] = []
        self._shown: dict[int, str] = {}  # column -> its title as fitted to the column's width
        self._colours: list[QColor] = []
        self._sort = (-1, Qt.SortOrder.AscendingOrder)
        self._sorted = None  # the predictions _order was made for
        self._n_rows = self._n_columns = 0
        self.score: LabelScore | None = None  # the file's labels scored (core.classify.score_predictions)
        self._label_position = -1  # the label column among the table's columns
        # a regression network's table (pred.values): the file's label as numbers, when it has one;
        # its columns are then predicted, true and error (predicted − true)
        self.truth: np.ndarray | None = None

    # layout of the columns
    @property
    def first_prob_column(self) -> int:
        return 2 + len(self.feature_names) + (self.score is not None)

    @property
    def true_column(self) -> int | None:
        """The column of the file's labels, or None when the file has none."""
        return 2 + len(self.feature_names) if self.score is not None else None

    @property
    def predicted_column(self) -> int:
        return 1 + len(self.feature_names)

    @property
    def regression(self) -> bool:
        return self.pred is not None and self.pred.values is not None

    def set_predictions(self, pred: Predictions | None, feature_names=(), score: LabelScore | None = None,
                        truth: tuple[str, np.ndarray] | None = None):
        """truth (a regression network's table): (the file's label column, its numbers)."""
        self.beginResetModel()
        self.pred = pred
        regression = pred is not None and pred.values is not None
        self.truth = truth[1] if regression and truth is not None else None
        if regression:
            score = None  # (a number's score is the panel's: R², RMSE, MAE)
        self.score = score if pred is not None else None
        self._label_position = list(pred.table.columns).index(score.label) \
            if self.score is not None else -1
        if self.truth is not None:
            self._label_position = list(pred.table.columns).index(truth[0])
        self.feature_names = tuple(feature_names) if pred is not None else ()
        self._positions = _column_positions(pred.table.columns, self.feature_names) if pred else []
        self._titles = [two_lines(n) for n in self.feature_names]
        self._shown = {}
        self._colours = [class_colour(j) for j in range(len(pred.class_names))] if pred else []
        self._order = None
        self._sorted = None
        self._n_rows = len(pred.valid) if pred is not None else 0
        self._n_columns = self.first_prob_column + len(pred.class_names) if pred is not None else 0
        if self.regression:
            self._n_columns = len(self.feature_names) + 2 + (2 if self.truth is not None else 0)
        self.endResetModel()
        if pred is not None and self._sort[0] >= 0:
            self.sort(*self._sort)  # a new table keeps the order the header shows

    def table_row(self, view_row: int) -> int:
        return int(self._order[view_row]) if self._order is not None else int(view_row)

    def line(self, table_row: int) -> int:
        return self.pred.line(table_row)

    def rowCount(self, parent=_NO_PARENT):  # asked ~1000 times a paint: cached numbers
        return 0 if parent.isValid() else self._n_rows

    def columnCount(self, parent=_NO_PARENT):
        return 0 if parent.isValid() else self._n_columns

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or self.pred is None:
            return None
        f = len(self.feature_names)
        if role == Qt.ItemDataRole.DisplayRole:
            if section in self._shown:
                return self._shown[section]
            return self.title(section)
        if role == Qt.ItemDataRole.ToolTipRole:
            if section == 0:
                return "Line in the file (its first line is 1)"
            if section <= f:
                return f"Feature {self.feature_names[section - 1]}, as read from the file"
            if self.regression and section > f:
                return ("The network's predicted number, in the label's units",
                        "The file's own value of the label",
                        "Error: predicted − true (positive: the network predicts too much)")[section - f - 1]
            if section == self.true_column:
                return (f"The class the file gives in its '{self.score.label}' column; where the network "
                        f"predicted another, the predicted cell is red")
            if section >= self.first_prob_column:
                name = self.pred.class_names[section - self.first_prob_column]
                return f"The network's probability that the observation is {name}"
        return None

    def title(self, section: int) -> str:
        """A column's whole title (a long feature name on two lines)."""
        f = len(self.feature_names)
        if section == 0:
            return "line"
        if section <= f:
            return self._titles[section - 1]
        if section == f + 1:
            return "predicted"
        if self.regression:
            return ("true", "error")[section - f - 2]
        if section == self.true_column:
            return "true"
        return f"P({self.pred.class_names[section - self.first_prob_column]})"

    def set_shown_title(self, section: int, text: str):
        """Show `text` (the title elided to fit the column) as the column's title."""
        if self._shown.get(section, self.title(section)) != text:
            self._shown[section] = text
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, section, section)

    def reason(self, i: int) -> tuple[str, str]:
        """Why table row i was not classified: (short, long)."""
        x = self.pred.features[i]
        for j, name in enumerate(self.feature_names):
            if math.isnan(x[j]):
                cell = self.pred.table.iat[i, self._positions[j]]
                if _isna(cell) or not str(cell).strip():
                    return "— missing value", f"{name} is missing"
                return "— not a number", f"{name} is '{str(cell)[:40]}', not a number"
        for j, name in enumerate(self.feature_names):
            if not abs(x[j]) <= FLOAT32_MAX:
                return "— out of range", f"{name} = {x[j]:g} is beyond what the network can compute"
        return "— out of range", "a value is too far outside the training data to compute"

    def data(self, index, role=_DISPLAY):
        pred = self.pred
        if role not in _ROLES or pred is None:  # the view asks for ~10 roles per cell: be quick
            return None
        r = index.row()
        i = int(self._order[r]) if self._order is not None else r
        c = index.column()
        f = len(self.feature_names)
        p0 = f + 2 if self.score is None else f + 3  # the first probability column
        if c > f + 1 and self.truth is not None:  # a regression table's true and error columns
            return self._value_data(i, c - f - 2, role)
        if c == f + 2 and self.score is not None:
            return self._true_data(i, role)
        if role == _DISPLAY:
            if c == 0:
                return str(self.pred.line(i))
            if c <= f:
                v = float(pred.features[i, c - 1])
                if v != v:  # NaN: show what the file holds
                    cell = pred.table.iat[i, self._positions[c - 1]]
                    return "" if _isna(cell) else str(cell)
                return f"{v:.10g}"
            if c == f + 1:
                return pred.predicted[i] if pred.valid[i] else self.reason(i)[0]
            v = float(pred.probabilities[i, c - p0])
            return "" if v != v else f"{v:.3f}"
        if role == _ALIGN:
            return _LEFT if c == f + 1 else _RIGHT
        if role == _BACKGROUND:
            if not pred.valid[i]:
                return FLAG_TINT
            return WRONG_TINT if c == f + 1 and self._wrong(i) else None
        if role == PROB_ROLE:
            return float(pred.probabilities[i, c - p0]) if c >= p0 else None
        if role == COLOUR_ROLE:
            return self._colours[c - p0] if c >= p0 else None
        if role == _FOREGROUND:
            if c == f + 1:
                if not pred.valid[i]:
                    return FLAG_TEXT
                return WRONG_TEXT if self._wrong(i) else None
            return None
        if role == _TOOLTIP:
            if not pred.valid[i]:
                return f"Line {self.pred.line(i)} was not classified: {self.reason(i)[1]}."
            if c == f + 1:  # the class name, whole (the cell may elide it)
                if self._wrong(i):
                    return f"Wrong: predicted {pred.predicted[i]}, true: {self.true_text(i)}"
                return str(pred.predicted[i])
        return None

    def _value_data(self, i: int, which: int, role: int):
        """Regression: the file's value (which 0) or the error predicted − true (which 1)."""
        t = float(self.truth[i])
        v = t if which == 0 else float(self.pred.values[i]) - t
        if role == _DISPLAY:
            if t != t:
                cell = self.pred.table.iat[i, self._label_position] if which == 0 else None
                return "" if cell is None or _isna(cell) else str(cell)
            return "" if v != v else f"{v:.6g}"
        if role == _ALIGN:
            return _RIGHT
        if role == _BACKGROUND:
            return FLAG_TINT if not self.pred.valid[i] else None
        if role == _FOREGROUND:
            return UNSCORED_TEXT if t != t else None
        if role == _TOOLTIP and t != t:
            return "No numeric label on this line: the row is not scored."
        return None

    def _wrong(self, i: int) -> bool:
        return self.score is not None and self.score.correct[i] == 0

    def true_text(self, i: int) -> str:
        """The file's label of table row i: the class's name where it names one, else as written."""
        t = int(self.score.truth[i])
        if t >= 0:
            return str(self.pred.class_names[t])
        cell = self.pred.table.iat[i, self._label_position]
        return "" if _isna(cell) else str(cell).strip()

    def _true_data(self, i: int, role: int):
        t = int(self.score.truth[i])
        if role == _DISPLAY:
            return self.true_text(i)
        if role == _ALIGN:
            return _LEFT
        if role == _BACKGROUND:
            if not self.pred.valid[i]:
                return FLAG_TINT
            return WRONG_TINT if self.score.correct[i] == 0 else None
        if role == _FOREGROUND:
            if t < 0:
                return UNSCORED_TEXT
            return WRONG_TEXT if self.score.correct[i] == 0 else None
        if role == _TOOLTIP:
            text = self.true_text(i)
            if t == -2:
                return f"'{text}' is a class this network does not know: the row is not scored."
            if t == -1:
                return "No label on this line: the row is not scored."
            if not self.pred.valid[i]:
                return f"true: {text}; the row was not classified ({self.reason(i)[1]}), so not scored."
            if self.score.correct[i] == 0:
                return f"Wrong: predicted {self.pred.predicted[i]}, true: {text}"
            return f"true: {text} (predicted right)"
        return None

    def sort_key(self, column: int) -> np.ndarray | None:
        """A float key per table row for a column (NaN sorts last), or None for file order."""
        pred = self.pred
        f = len(self.feature_names)
        if column <= 0 or column >= self.columnCount():
            return None
        if column <= f:
            return pred.features[:, column - 1].astype(np.float64)
        if pred.values is not None:  # predicted, true, error
            if column == f + 1:
                return pred.values.astype(np.float64)
            return self.truth.astype(np.float64) if column == f + 2 else \
                (pred.values - self.truth).astype(np.float64)
        rank = np.argsort(np.argsort(np.array(pred.class_names, dtype=object)))
        if column == f + 1:
            key = np.full(len(pred.valid), np.nan)
            if pred.valid.any():
                key[pred.valid] = rank[np.nanargmax(pred.probabilities[pred.valid], axis=1)]
            return key
        if column == self.true_column:  # by class name; wrong rows first within a class; unscored last
            t = self.score.truth
            key = np.full(len(t), np.nan)
            known = t >= 0
            key[known] = rank[t[known]] * 2 + (self.score.correct[known] != 0)
            return key
        return pred.probabilities[:, column - self.first_prob_column].astype(np.float64)

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder):
        if (column, order) == self._sort and self._sorted is self.pred:
            return  # QTableView.sortByColumn asks twice (itself, and through the header)
        self._sort = (column, order)
        self._sorted = self.pred
        if self.pred is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        key = self.sort_key(column)
        n = len(self.pred.valid)
        if key is None:  # the line column: file order
            new = np.arange(n)[::-1].copy() if descending and column == 0 else None
        else:
            nan = np.isnan(key)
            ok = np.flatnonzero(~nan)
            k = key[ok]
            ok = ok[np.argsort(-k if descending else k, kind="stable")]  # ties keep file order
            new = np.concatenate([ok, np.flatnonzero(nan)])  # unclassified rows last, either way
        self.layoutAboutToBeChanged.emit()
        old = self._order
        persistent = self.persistentIndexList()
        old_rows = [self._table_row_with(old, p.row()) for p in persistent]
        self._order = new
        if persistent:
            inverse = np.empty(n, dtype=np.int64)
            inverse[new if new is not None else np.arange(n)] = np.arange(n)
            self.changePersistentIndexList(
                persistent, [self.index(int(inverse[r]), p.column()) for p, r in zip(persistent, old_rows,
                                                                                      strict=True)])
        self.layoutChanged.emit()

    @staticmethod
    def _table_row_with(order, view_row: int) -> int:
        return int(order[view_row]) if order is not None else int(view_row)


class SortPassingProxy(QSortFilterProxyModel):
    """Passes sort() to the source model, which sorts 200k rows with numpy in milliseconds."""

    def sort(self, column, order=Qt.SortOrder.AscendingOrder):
        src = self.sourceModel()
        if src is not None:
            src.sort(column, order)


class ProbabilityDelegate(QStyledItemDelegate):
    """A probability as a horizontal bar in its class's colour, with the number on it.

    Paints the cell itself (one data() call, no style machinery): a table view paints ~100 of these
    at a time, each a round trip into Python."""

    def __init__(self, model: PredictionTableModel, parent=None):
        super().__init__(parent)
        self.model = model
        self._grey = QColor(150, 150, 150)
        self._text = QColor(*theme.TEXT)
        self._white = QColor(255, 255, 255)

    def paint(self, painter: QPainter, option, index):
        p = index.data(PROB_ROLE)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        rect = option.rect
        if selected:
            painter.fillRect(rect, option.palette.highlight())
        elif p is None or p != p:
            painter.fillRect(rect, FLAG_TINT)  # an unclassified row
        r = QRectF(rect).adjusted(3, 3, -3, -3)
        if p is None or p != p:
            painter.setPen(self._white if selected else self._grey)
            painter.drawText(r, Qt.AlignmentFlag.AlignCenter, "—")
            return
        j = index.column() - self.model.first_prob_column
        colours = self.model._colours
        colour = QColor(colours[j]) if 0 <= j < len(colours) else QColor(*theme.ACCENT)
        track = QColor(colour)
        track.setAlpha(28)
        painter.fillRect(r, track)
        colour.setAlpha(200 if selected else 150)
        painter.fillRect(QRectF(r.x(), r.y(), r.width() * max(0.0, min(1.0, p)), r.height()), colour)
        painter.setPen(self._white if selected else self._text)
        painter.drawText(r.adjusted(0, 0, -3, 0), _RIGHT, f"{p:.3f}")


class PredictionTable(QTableView):
    """The table of predictions: PredictionTableModel behind a SortPassingProxy, probabilities drawn
    by ProbabilityDelegate, one row selected at a time."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.table_model = PredictionTableModel(self)
        self.proxy = SortPassingProxy(self)
        self.proxy.setSourceModel(self.table_model)
        self.setModel(self.proxy)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(False)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        vh = self.verticalHeader()
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(self.fontMetrics().height() + 8)
        hh = self.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.setHighlightSections(False)
        hh.setTextElideMode(Qt.TextElideMode.ElideNone)  # eliding would join two-line names
        hh.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.setSortingEnabled(True)
        self.delegate = ProbabilityDelegate(self.table_model, self)
        hh.sectionResized.connect(self._fit_title)  # the person widens or narrows a column

    def size_columns(self):
        """Widths from the header texts (never from the cells: that would visit every row)."""
        hh = self.horizontalHeader()
        fm = hh.fontMetrics()
        m = self.table_model
        digits = fm.horizontalAdvance("0" * max(4, len(str(m.rowCount() + 1)))) + 14
        for c in range(m.columnCount()):
            title = m.title(c)
            w = max(fm.horizontalAdvance(t) for t in title.split("\n")) + 10  # margins
            if c == 0:
                w = max(w, digits)
            elif c == m.predicted_column:
                w = max(w, fm.horizontalAdvance("— missing value") + 10)
            elif c == m.true_column:
                w = max(w, min(130, max((fm.horizontalAdvance(str(n)) for n in m.pred.class_names),
                                        default=0) + 12))
            elif c >= m.first_prob_column:
                w = max(min(w, 130), 68)
            else:  # long names are on two lines, cut past 130 px (the tooltip has them whole)
                w = max(min(w, 130), fm.horizontalAdvance("0000.00") + 14)
            hh.resizeSection(c, w)
            self._fit_title(c)
        for c in range(m.columnCount()):
            self.setItemDelegateForColumn(c, self.delegate if c >= m.first_prob_column else None)

    def _fit_title(self, c: int, *_):
        """A title wider than its column is elided in the middle, line by line (the header's tooltip
        has it whole): QHeaderView would show its middle, cut at both ends."""
        m = self.table_model
        if not 0 <= c < m.columnCount():
            return
        hh = self.horizontalHeader()
        fm = hh.fontMetrics()
        room = hh.sectionSize(c) - 2 * hh.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, hh)
        m.set_shown_title(c, "\n".join(fm.elidedText(t, Qt.TextElideMode.ElideMiddle, room)
                                       for t in m.title(c).split("\n")))

    def selected_table_row(self) -> int | None:
        rows = self.selectionModel().selectedRows()
        if not rows:
            return None
        return self.table_model.table_row(self.proxy.mapToSource(rows[0]).row())

    def select_table_row(self, table_row: int):
        """Select the row showing table row `table_row` (0-based, file order)."""
        m = self.table_model
        order = m._order
        view_row = int(np.flatnonzero(order == table_row)[0]) if order is not None else int(table_row)
        idx = self.proxy.mapFromSource(m.index(view_row, 0))
        self.selectionModel().select(
            idx, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.scrollTo(idx)
