"""Classify observations with the current network: a whole file in a table, or one typed in by hand.

Files are read and classified in a worker thread (a QObject in its own QThread, as in gui/worker.py),
in chunks of CHUNK_ROWS rows so the progress bar moves and Cancel (a threading.Event checked between
chunks) answers within one chunk. Each load is a job with a number; the GUI ignores whatever arrives
from a job it no longer waits for (cancelled, or replaced by a newer one).

The table is virtual: a QAbstractTableModel reads the Predictions arrays on demand, so 200k rows cost
no widgets or items. Sorting is done with numpy in the model (a permutation of the rows): the proxy
in front of it passes sort() through, because QSortFilterProxyModel's own sort would call back into
Python millions of times for a big table.

Exports (pred.to_frame()) are written atomically: a temporary file in the same folder, then
os.replace. export_csv writes at once in the calling thread; the Export button's start_export writes
in the worker, chunk by chunk, with progress and Cancel (200k rows take seconds to format).

set_model is called on every network change while training (up to ~60 times a second): it stores
the model, re-evaluates the one hand-entered observation and updates the banners; it never
re-classifies the table, which says instead which epoch its predictions came from.
"""

from __future__ import annotations

import atexit
import functools
import math
import os
import re
import sys
import tempfile
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QRectF,
    QSortFilterProxyModel,
    Qt,
    QThread,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor, QFont, QPainter, QValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.errors import DataError, LoadCancelled, UserError
from gui import theme
from gui.dialogs import open_warning

if TYPE_CHECKING:  # pandas and the classify engine load on first use, not with the window (0.35 s)
    import pandas as pd

    from core.classify import Predictions

CHUNK_ROWS = 20_000
STOP_WAIT_MS = 30_000  # how long shutdown waits for a read in progress (a chunk takes milliseconds)
PROB_ROLE = int(Qt.ItemDataRole.UserRole) + 1  # float probability (NaN: unclassified)
COLOUR_ROLE = int(Qt.ItemDataRole.UserRole) + 2  # QColor of the column's class
_FLOAT32_MAX = float(np.finfo(np.float32).max)
PENGUIN_FEATURES = ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g")
PENGUIN_EXAMPLE = {"bill_length_mm": 37.3, "bill_depth_mm": 16.8, "flipper_length_mm": 192.0,
                   "body_mass_g": 3000.0}
FLAG_TINT = QColor(255, 232, 208)  # light orange (theme.NEGATIVE, faint): a row left unclassified
FLAG_TEXT = QColor(*theme.NEGATIVE).darker(130)
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ROLES = frozenset({_DISPLAY, _ALIGN, _BACKGROUND, _FOREGROUND, _TOOLTIP, PROB_ROLE, COLOUR_ROLE})
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
UNTRAINED_TEXT = "The network is untrained (epoch 0): its predictions are noise. Train it first."
_NO_PARENT = QModelIndex()
_ORPHANS: list = []  # threads that would not stop in time: kept so they are never destroyed running
_RUNNING: dict = {}  # id(state) -> (thread, worker, state) for every started thread, until it is stopped


_CLASS_RGB = [c for c in theme.LAYER_COLOURS if sum(c) > 60]  # not black: a number must show on it


def class_colour(j: int) -> QColor:
    return QColor(*_CLASS_RGB[j % len(_CLASS_RGB)])


def _fmt(v: float) -> str:
    """Shortest text that reads back as the same float: 37.3, 3000, 1e-07."""
    r = repr(float(v))
    return r[:-2] if r.endswith(".0") else r


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


# -- the worker ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Job:
    number: int
    model: object  # core.model.TrainedModel
    epoch: int
    cancel: threading.Event
    path: str | None = None  # read this file...
    frame: pd.DataFrame | None = None  # ...or classify this table again
    decimal: str = "."
    header: bool = True
    lines: np.ndarray | None = None  # the frame's rows' file lines, when not consecutive
    chunk_rows: int = CHUNK_ROWS
    export_to: str | None = None  # an export job: write these predictions there
    predictions: Predictions | None = None


@dataclass(frozen=True)
class _Result:
    predictions: Predictions
    counts: dict  # predicted class -> rows (computed in the worker: 200k argmaxes are not free)
    epoch: int
    model: object
    path: str | None
    decimal: str
    header: bool


class ClassifyWorker(QObject):
    """Reads and classifies in its own thread; every answer carries the job's number."""

    # job, phase ("read": thousandths of the file; "classify" or "export": rows done, rows in all)
    progress = Signal(int, str, int, int)
    done = Signal(int, object)  # job, _Result
    written = Signal(int, str)  # job, path: an export is complete
    failed = Signal(int, str)  # job, message for the person
    cancelled = Signal(int)  # job

    _niced = False

    @Slot(object)
    def run(self, job: _Job):
        if not self._niced:
            self._niced = True
            _lower_this_thread_priority()
        if job.export_to is not None:
            self._export(job)
            return
        try:
            result = self._classify(job)
        except UserError as e:
            self.failed.emit(job.number, str(e))
            return
        except MemoryError:
            self.failed.emit(job.number, "There is not enough memory to classify this file: use a "
                                         "sample of its rows.")
            return
        except Exception as e:  # a bug: said, never a dead thread
            traceback.print_exc()
            self.failed.emit(job.number, f"internal error while classifying: {type(e).__name__}: {e}")
            return
        if result is None:
            self.cancelled.emit(job.number)
        else:
            self.done.emit(job.number, result)

    def _export(self, job: _Job):
        def progress(done, total):
            self.progress.emit(job.number, "export", done, total)

        try:
            ok = write_predictions_csv(job.predictions, job.export_to, job.cancel, progress, job.chunk_rows)
        except OSError as e:
            self.failed.emit(job.number, _write_error(job.export_to, e))
            return
        except Exception as e:  # a bug: said, never a dead thread
            traceback.print_exc()
            self.failed.emit(job.number, f"internal error while exporting: {type(e).__name__}: {e}")
            return
        if ok:
            self.written.emit(job.number, str(job.export_to))
        else:
            self.cancelled.emit(job.number)

    def _classify(self, job: _Job) -> _Result | None:
        from core.classify import Predictions, classify_frame
        from core.table import read_observations

        if job.cancel.is_set():
            return None
        decimal, header, fmt = job.decimal, job.header, None
        if job.frame is None:  # progress in thousandths of the file; Cancel stops the read too
            def read_progress(fraction: float):
                self.progress.emit(job.number, "read", int(fraction * 1000), 1000)

            try:
                df, fmt = read_observations(job.path, progress=read_progress, cancel=job.cancel)
            except LoadCancelled:
                return None
            decimal, header = fmt.decimal, fmt.header
            _check_header(job.model, df, header, job.path)
        else:
            df = job.frame
        n = len(df)
        parts = []
        for a in range(0, max(n, 1), job.chunk_rows):
            if job.cancel.is_set():
                return None
            # classify_frame is row by row: chunks give the same answer as the whole table at once
            parts.append(classify_frame(job.model, df.iloc[a:a + job.chunk_rows], path=job.path,
                                        decimal=decimal))
            self.progress.emit(job.number, "classify", min(a + job.chunk_rows, n), n)
        if job.cancel.is_set():
            return None
        pred = Predictions(table=df,
                           predicted=np.concatenate([p.predicted for p in parts]),
                           probabilities=np.concatenate([p.probabilities for p in parts]),
                           valid=np.concatenate([p.valid for p in parts]),
                           class_names=tuple(job.model.class_names),
                           features=np.concatenate([p.features for p in parts]),
                           first_line=2 if header else 1, lines=job.lines)
        if fmt is not None:
            pred = pred.located(fmt, job.path)  # blank lines in the file: each row's own line
        return _Result(pred, pred.counts(), job.epoch, job.model, job.path, decimal, header)


def _isna(cell) -> bool:
    import pandas as pd

    return bool(pd.isna(cell))


def _check_header(model, df: pd.DataFrame, header: bool, path):
    """As core.classify.classify_file: a file without a header line is told so, not that it lacks
    the feature columns (they are named column_1, column_2... then)."""
    if header:
        return
    low = {str(c).strip().lower() for c in df.columns}
    if not all(f in df.columns or f.strip().lower() in low for f in model.feature_names):
        raise DataError(f"{path} has no header line (its first line holds values, not column names): "
                        f"add one naming the columns the network needs, "
                        f"{', '.join(model.feature_names)}.")


def write_predictions_csv(pred: Predictions, path, cancel: threading.Event | None = None, progress=None,
                          chunk_rows: int = CHUNK_ROWS) -> bool:
    """Write pred.to_frame() as CSV atomically (a temporary file in the same folder, flushed, then
    renamed over `path`), chunk by chunk: True when written, False when cancelled (nothing changed).
    Raises OSError."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    frame = pred.to_frame()
    n = len(frame)
    mode = path.stat().st_mode & 0o777 if path.is_file() else 0o666 & ~_UMASK
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            for a in range(0, max(n, 1), chunk_rows):
                if cancel is not None and cancel.is_set():
                    return False
                frame.iloc[a:a + chunk_rows].to_csv(f, header=a == 0, index=False)
                if progress is not None:
                    progress(min(a + chunk_rows, n), n)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)  # mkstemp makes it private (0600): give it a new file's usual mode
        os.replace(tmp, path)
        tmp = None
        return True
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _write_error(path, e: OSError) -> str:
    return f"{path} cannot be written ({e.strerror or e}). The previous file, if any, is untouched."


def _read_umask() -> int:
    try:  # Linux: read it (setting it to read it back would race with other threads)
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


_UMASK = _read_umask()


def _lower_this_thread_priority(step: int = 5):
    """Let the GUI thread win the CPU on a busy machine. QThread.LowPriority does this on Windows and
    macOS; on Linux it has no effect, but a thread has its own nice value there."""
    if not sys.platform.startswith("linux"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + step))
    except (OSError, AttributeError):
        pass


class _ThreadState:
    """What the destruction hook needs, with no reference to the panel."""

    def __init__(self):
        self.cancel: threading.Event | None = None
        self.closed = False


def _stop_thread(thread: QThread, worker: QObject, state: _ThreadState, *_):
    """Cancel the job in flight and stop the thread; safe to call twice (shutdown, then destroyed)."""
    state.closed = True
    if state.cancel is not None:
        state.cancel.set()
    try:
        running = thread.isRunning()
    except RuntimeError:  # the C++ thread is already gone (Qt's teardown at interpreter exit)
        running = False
    if running:
        thread.quit()
        if not thread.wait(STOP_WAIT_MS):
            print("warning: the classification thread did not stop within "
                  f"{STOP_WAIT_MS // 1000} s (a long read); it is left to finish", file=sys.stderr)
            _ORPHANS.append((thread, worker))
    _RUNNING.pop(id(state), None)


@atexit.register
def _stop_all():
    """At interpreter exit, before Qt objects are torn down in no particular order: a panel never
    shut down (a script, an exception) must not leave its thread to be destroyed while running."""
    for thread, worker, state in list(_RUNNING.values()):
        _stop_thread(thread, worker, state)


# -- the table ----------------------------------------------------------------------------------

class PredictionTableModel(QAbstractTableModel):
    """Columns: line, the model's features, predicted class, one probability per class."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.pred: Predictions | None = None
        self.feature_names: tuple[str, ...] = ()
        self._order: np.ndarray | None = None  # view row -> table row (None: file order)
        self._positions: list[int] = []
        self._titles: list[str] = []
        self._colours: list[QColor] = []
        self._sort = (-1, Qt.SortOrder.AscendingOrder)
        self._sorted = None  # the predictions _order was made for
        self._n_rows = self._n_columns = 0

    # layout of the columns
    @property
    def first_prob_column(self) -> int:
        return 2 + len(self.feature_names)

    @property
    def predicted_column(self) -> int:
        return 1 + len(self.feature_names)

    def set_predictions(self, pred: Predictions | None, feature_names=()):
        self.beginResetModel()
        self.pred = pred
        self.feature_names = tuple(feature_names) if pred is not None else ()
        self._positions = _column_positions(pred.table.columns, self.feature_names) if pred else []
        self._titles = [two_lines(n) for n in self.feature_names]
        self._colours = [class_colour(j) for j in range(len(pred.class_names))] if pred else []
        self._order = None
        self._sorted = None
        self._n_rows = len(pred.valid) if pred is not None else 0
        self._n_columns = 2 + len(self.feature_names) + len(pred.class_names) if pred is not None else 0
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
            if section == 0:
                return "line"
            if section <= f:
                return self._titles[section - 1]
            if section == f + 1:
                return "predicted"
            return f"P({self.pred.class_names[section - f - 2]})"
        if role == Qt.ItemDataRole.ToolTipRole:
            if section == 0:
                return "Line in the file (its first line is 1)"
            if section <= f:
                return f"Feature {self.feature_names[section - 1]}, as read from the file"
            if section > f + 1:
                name = self.pred.class_names[section - f - 2]
                return f"The network's probability that the observation is {name}"
        return None

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
            if not abs(x[j]) <= _FLOAT32_MAX:
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
            v = float(pred.probabilities[i, c - f - 2])
            return "" if v != v else f"{v:.3f}"
        if role == _ALIGN:
            return _LEFT if c == f + 1 else _RIGHT
        if role == _BACKGROUND:
            return None if pred.valid[i] else FLAG_TINT
        if role == PROB_ROLE:
            return float(pred.probabilities[i, c - f - 2]) if c > f + 1 else None
        if role == COLOUR_ROLE:
            return self._colours[c - f - 2] if c > f + 1 else None
        if role == _FOREGROUND:
            return FLAG_TEXT if c == f + 1 and not pred.valid[i] else None
        if role == _TOOLTIP and not pred.valid[i]:
            return f"Line {self.pred.line(i)} was not classified: {self.reason(i)[1]}."
        return None

    def sort_key(self, column: int) -> np.ndarray | None:
        """A float key per table row for a column (NaN sorts last), or None for file order."""
        pred = self.pred
        f = len(self.feature_names)
        if column <= 0 or column >= self.columnCount():
            return None
        if column <= f:
            return pred.features[:, column - 1].astype(np.float64)
        if column == f + 1:
            rank = np.argsort(np.argsort(np.array(pred.class_names, dtype=object)))
            key = np.full(len(pred.valid), np.nan)
            if pred.valid.any():
                key[pred.valid] = rank[np.nanargmax(pred.probabilities[pred.valid], axis=1)]
            return key
        return pred.probabilities[:, column - f - 2].astype(np.float64)

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


# -- the hand-entered observation -----------------------------------------------------------------

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


class ProbabilityBars(QWidget):
    """One bar per class (the 10 most likely when there are more), the predicted class in bold."""

    MAX_SHOWN = 10

    def __init__(self, parent=None):
        super().__init__(parent)
        self.class_names: tuple[str, ...] = ()
        self.probabilities: np.ndarray | None = None
        self.message = "No network yet."
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def set_values(self, class_names, probabilities, message: str = ""):
        class_names = tuple(class_names)
        same = (class_names == self.class_names and message == self.message and (
            (probabilities is None and self.probabilities is None) or (
                probabilities is not None and self.probabilities is not None
                and np.array_equal(probabilities, self.probabilities))))
        if same:
            return
        resize = len(class_names) != len(self.class_names)
        self.class_names = class_names
        self.probabilities = None if probabilities is None else np.array(probabilities, dtype=np.float64)
        self.message = message
        if resize:
            self.setMinimumHeight(self.sizeHint().height())
            self.updateGeometry()
        self.update()

    def _rows(self) -> list[int]:
        n = len(self.class_names)
        if n <= self.MAX_SHOWN or self.probabilities is None:
            return list(range(min(n, self.MAX_SHOWN)))
        return list(np.argsort(-self.probabilities, kind="stable")[:self.MAX_SHOWN])

    def sizeHint(self):
        from PySide6.QtCore import QSize

        h = self.fontMetrics().height() + 8
        return QSize(240, max(2, min(len(self.class_names), self.MAX_SHOWN) + 1) * h + 6)

    def minimumSizeHint(self):
        from PySide6.QtCore import QSize

        return QSize(160, self.fontMetrics().height() * 3)

    def paintEvent(self, _ev):
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        fm = self.fontMetrics()
        h = fm.height() + 8
        w = self.width()
        text = QColor(*theme.TEXT)
        rows = self._rows()
        name_w = min(max([fm.horizontalAdvance(c) for c in self.class_names] + [40]) + 12, int(w * 0.45))
        num_w = fm.horizontalAdvance("0.000") + 10
        best = -1
        if self.probabilities is not None and len(self.probabilities):
            best = int(np.argmax(self.probabilities))
        y = 2
        bold = QFont(self.font())
        bold.setBold(True)
        for j in rows:
            p.setFont(bold if j == best else self.font())
            p.setPen(text)
            p.drawText(QRectF(0, y, name_w - 6, h),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       fm.elidedText(self.class_names[j], Qt.TextElideMode.ElideRight, name_w - 6))
            bar = QRectF(name_w, y + 4, max(10, w - name_w - num_w), h - 8)
            c = class_colour(j)
            track = QColor(c)
            track.setAlpha(30)
            p.fillRect(bar, track)
            if self.probabilities is not None:
                v = float(self.probabilities[j])
                c.setAlpha(210 if j == best else 140)
                p.fillRect(QRectF(bar.x(), bar.y(), bar.width() * max(0.0, min(1.0, v)), bar.height()), c)
                p.setPen(text)
                p.drawText(QRectF(bar.right() + 4, y, num_w - 4, h),
                           Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f"{v:.3f}")
            y += h
        p.setFont(self.font())
        if self.message:
            p.setPen(QColor(120, 120, 120))
            p.drawText(QRectF(4, y, w - 8, h), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                       fm.elidedText(self.message, Qt.TextElideMode.ElideRight, w - 8))
        elif len(self.class_names) > len(rows):
            p.setPen(QColor(120, 120, 120))
            p.drawText(QRectF(name_w, y, w - name_w, h), Qt.AlignmentFlag.AlignVCenter,
                       f"… {len(self.class_names) - len(rows)} less likely classes")
        p.end()


# -- the panel ------------------------------------------------------------------------------------

class ClassifyPanel(QWidget):
    """Classify a file of observations, or one typed in, with the network of the moment."""

    observationSelected = Signal(object)  # 1-D array of raw feature values (model order), or None
    exported = Signal(str)  # the path predictions were written to
    _run_job = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model = None  # core.model.TrainedModel
        self.epoch = 0
        self.predictions: Predictions | None = None
        self.predictions_epoch: int | None = None
        self.busy = False
        self.last_error: str | None = None
        self.chunk_rows = CHUNK_ROWS
        self.source: str | None = None  # the file the table came from
        self.last_export: str | None = None
        self._pred_model = None
        self._source_decimal = "."
        self._source_header = True
        self._job_number = 0
        self._job: _Job | None = None
        self._dialogs: list = []
        self._features: tuple[str, ...] = ()
        self._form_values: np.ndarray | None = None
        self._last_from_table = False

        # no parent: stopped by shutdown() or the destroyed hook, so never deleted while running
        self._thread = QThread()
        self._thread.setObjectName("classify")
        self._worker = ClassifyWorker()
        self._worker.moveToThread(self._thread)
        self._state = _ThreadState()
        self._run_job.connect(self._worker.run)
        self._worker.progress.connect(self._on_progress)
        self._worker.done.connect(self._on_done)
        self._worker.failed.connect(self._on_failed)
        self._worker.cancelled.connect(self._on_cancelled)
        self._worker.written.connect(self._on_written)
        self.destroyed.connect(functools.partial(_stop_thread, self._thread, self._worker, self._state))

        self._build()
        self.set_model(None, 0)

    # -- building ---------------------------------------------------------------------------------
    def _build(self):
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(5)

        self.banner = QLabel(UNTRAINED_TEXT)
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background: #fdf0d5; color: #6b3d00; border: 1px solid #e6b35c; "
                                  "border-radius: 3px; padding: 4px 6px;")
        self.banner.hide()
        lay.addWidget(self.banner)

        self.stale_banner = QWidget()
        self.stale_banner.setObjectName("stale")
        self.stale_banner.setStyleSheet("#stale { background: #e8f0f8; border: 1px solid #a9c2dc; "
                                        "border-radius: 3px; }")
        sl = QHBoxLayout(self.stale_banner)
        sl.setContentsMargins(6, 2, 2, 2)
        self.stale_label = QLabel("")
        self.stale_label.setStyleSheet("color: #1f3f60;")
        self.reclassify_button = QPushButton("Re-classify")
        self.reclassify_button.setToolTip("Classify the table again with the network as it is now")
        self.reclassify_button.clicked.connect(self.reclassify)
        sl.addWidget(self.stale_label, 1)
        sl.addWidget(self.reclassify_button)
        self.stale_banner.hide()
        lay.addWidget(self.stale_banner)

        row = QHBoxLayout()
        self.load_button = QPushButton("Load observations…")
        self.load_button.setToolTip("Classify every row of a CSV file; columns are matched by name")
        self.load_button.clicked.connect(self.open_file_dialog)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip("Save the observations with the predicted class and probabilities")
        self.export_button.clicked.connect(self.export_dialog)
        self.export_button.setEnabled(False)
        row.addWidget(self.load_button)
        row.addWidget(self.export_button)
        # progress in the same row: showing and hiding it never resizes the table
        self.progress_row = QWidget()
        pl = QHBoxLayout(self.progress_row)
        pl.setContentsMargins(6, 0, 0, 0)
        self.progress_label = QLabel("")
        self.progress_label.setStyleSheet("color: #444;")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop classifying; the table keeps what it showed before")
        self.cancel_button.clicked.connect(self.cancel)
        pl.addWidget(self.progress_label)
        pl.addWidget(self.progress, 1)
        pl.addWidget(self.cancel_button)
        self.progress_row.hide()
        row.addWidget(self.progress_row, 1)
        row.addStretch(0)
        lay.addLayout(row)

        self.summary = QLabel("Load a CSV file of observations to classify them all at once.")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setStyleSheet("color: #333;")
        lay.addWidget(self.summary)

        self.table_model = PredictionTableModel(self)
        self.proxy = SortPassingProxy(self)
        self.proxy.setSourceModel(self.table_model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        vh = self.table.verticalHeader()
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(self.fontMetrics().height() + 8)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.setHighlightSections(False)
        hh.setTextElideMode(Qt.TextElideMode.ElideNone)  # eliding would join two-line names
        hh.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.delegate = ProbabilityDelegate(self.table_model, self.table)
        self.table.selectionModel().selectionChanged.connect(self._table_selection_changed)

        form_box = QGroupBox("One observation")
        fl = QHBoxLayout(form_box)
        fl.setContentsMargins(8, 8, 8, 8)
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
        self.form_prediction = QLabel("")
        self.form_prediction.setTextFormat(Qt.TextFormat.RichText)
        # wraps rather than widening the dock (a longer class name or 45.3% grew it by 16 px)
        self.form_prediction.setWordWrap(True)
        self.bars = ProbabilityBars()
        right.addWidget(self.form_prediction)
        right.addWidget(self.bars, 1)
        left.addLayout(buttons)
        fl.addLayout(left, 4)
        fl.addSpacing(10)
        fl.addLayout(right, 5)
        self.inputs: list[QLineEdit] = []

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(form_box)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)  # the form keeps its natural height
        self.splitter.setChildrenCollapsible(False)
        lay.addWidget(self.splitter, 1)

    # -- the network --------------------------------------------------------------------------------
    def set_model(self, model, epoch: int):
        """The network changed: store it, refresh the hand-entered observation and the banners.

        Cheap (one forward pass of one row): the table is never re-classified here."""
        self.model = model
        self.epoch = int(epoch)
        features = tuple(model.feature_names) if model is not None else ()
        if features != self._features:
            self._rebuild_form(model)
            self._last_from_table = False
            self.observationSelected.emit(None)  # what was shown belongs to other features
        self._update_banners()
        self._evaluate_form(emit=False)
        self.load_button.setEnabled(model is not None and not self._state.closed)

    def _update_banners(self):
        untrained = self.model is not None and self.epoch == 0
        if untrained != self.banner.isVisible():
            self.banner.setVisible(untrained)
        text = self._stale_text()
        if text:
            if self.stale_label.text() != text:
                self.stale_label.setText(text)
            button = f"Re-classify with epoch {self.epoch}"
            if self.reclassify_button.text() != button:
                self.reclassify_button.setText(button)
            self.reclassify_button.setEnabled(not self.busy and self.model is not None)
        if bool(text) != self.stale_banner.isVisible():
            self.stale_banner.setVisible(bool(text))

    def _stale_text(self) -> str:
        """'' when the table's predictions come from the current network, else what they came from."""
        if self.predictions is None or self.model is None:
            return ""
        old = self._pred_model
        k = self.predictions_epoch
        if tuple(old.feature_names) != tuple(self.model.feature_names) or \
                tuple(old.class_names) != tuple(self.model.class_names):
            return f"Predictions from another network (epoch {k}, other features or classes)"
        if k != self.epoch:
            return f"Predictions from epoch {k}"
        if not _same_weights(old, self.model):
            return f"Predictions from an earlier network at epoch {k}"
        return ""

    # -- loading a file ---------------------------------------------------------------------------
    def open_file_dialog(self):
        start = str(Path(self.source).parent) if self.source else ""
        path, _ = QFileDialog.getOpenFileName(self, "Load observations", start,
                                              "CSV files (*.csv *.tsv *.txt);;All files (*)")
        if path:
            self.load_file(path)

    def load_file(self, path) -> bool:
        """Read and classify a CSV in the worker thread; the table changes when it is done."""
        return self._start(path=str(path))

    def reclassify(self) -> bool:
        """Classify the table's observations again with the current network."""
        if self.predictions is None:
            return False
        return self._start(frame=self.predictions.table, decimal=self._source_decimal,
                           header=self._source_header, path=self.source, lines=self.predictions.lines)

    def _start(self, path=None, frame=None, decimal=".", header=True, lines=None) -> bool:
        if self._state.closed:
            return False
        if self.model is None:
            self._show_error("No network yet", "There is no network to classify with yet: open data "
                                               "and let the network be built first.")
            return False
        job = _Job(number=self._job_number + 1, model=self.model, epoch=self.epoch,
                   cancel=threading.Event(), path=path, frame=frame, decimal=decimal, header=header,
                   lines=lines, chunk_rows=max(1, int(self.chunk_rows)))
        name = Path(path).name if path else "the table"
        self._begin(job, f"Reading {name}…" if frame is None else "Classifying…")
        return True

    def _begin(self, job: _Job, text: str):
        if self._job is not None:
            self._job.cancel.set()  # a newer request replaces the one in flight
        self._job_number = job.number
        self._job = job
        self._state.cancel = job.cancel
        if not self._thread.isRunning():
            _RUNNING[id(self._state)] = (self._thread, self._worker, self._state)
            self._thread.start(QThread.Priority.LowPriority)
        self._set_busy(True)
        self.progress_label.setText(text)
        self.progress.setRange(0, 0)  # no progress to tell until the first chunk
        self._run_job.emit(job)

    def cancel(self):
        """Stop the load in progress (at the next chunk); the table stays as it was."""
        if self._job is None:
            return
        self._job.cancel.set()
        self._finish_job()
        self.progress_label.setText("")

    def _finish_job(self):
        self._job = None
        self._set_busy(False)

    def _set_busy(self, busy: bool):
        self.busy = busy
        self.progress_row.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        self.export_button.setEnabled(not busy and self.predictions is not None)
        self.reclassify_button.setEnabled(not busy and self.model is not None)
        if not busy:
            self.progress.setRange(0, 1)
            self.progress.setValue(0)

    def _current(self, number: int) -> bool:
        return self._job is not None and self._job.number == number

    @Slot(int, str, int, int)
    def _on_progress(self, number: int, phase: str, done: int, total: int):
        if not self._current(number):
            return
        if self.progress.maximum() != total:
            self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        if phase == "read":
            name = Path(self._job.path).name if self._job is not None and self._job.path else "the file"
            self.progress_label.setText(f"Reading {name}… {done / max(total, 1):.0%}")
            return
        verb = "Writing" if phase == "export" else "Classifying"
        self.progress_label.setText(f"{verb} {done:,} / {total:,} rows")

    @Slot(int, object)
    def _on_done(self, number: int, result: _Result):
        if not self._current(number):
            return
        self._finish_job()
        self.predictions = result.predictions
        self.predictions_epoch = result.epoch
        self._pred_model = result.model
        self.source = result.path
        self._source_decimal = result.decimal
        self._source_header = result.header
        self.last_error = None
        self.table_model.set_predictions(result.predictions, result.model.feature_names)
        self._size_columns()
        self._update_summary(result.counts)
        self._update_banners()
        self.export_button.setEnabled(True)
        if self._last_from_table:
            self._last_from_table = False
            self.observationSelected.emit(None)

    @Slot(int, str)
    def _on_failed(self, number: int, message: str):
        if not self._current(number):
            return
        exporting = self._job.export_to is not None
        self._finish_job()
        self._show_error("Cannot export the predictions" if exporting else
                         "Cannot classify the observations", message)

    @Slot(int)
    def _on_cancelled(self, number: int):
        if self._current(number):
            self._finish_job()

    def _size_columns(self):
        """Widths from the header texts (never from the cells: that would visit every row)."""
        hh = self.table.horizontalHeader()
        fm = hh.fontMetrics()
        m = self.table_model
        digits = fm.horizontalAdvance("0" * max(4, len(str(m.rowCount() + 1)))) + 14
        for c in range(m.columnCount()):
            title = m.headerData(c, Qt.Orientation.Horizontal) or ""
            w = max(fm.horizontalAdvance(t) for t in title.split("\n")) + 10  # margins
            if c == 0:
                w = max(w, digits)
            elif c == m.predicted_column:
                w = max(w, fm.horizontalAdvance("— missing value") + 10)
            elif c >= m.first_prob_column:
                w = max(min(w, 130), 68)
            else:  # long names are on two lines, cut past 130 px (the tooltip has them whole)
                w = max(min(w, 130), fm.horizontalAdvance("0000.00") + 14)
            hh.resizeSection(c, w)
        for c in range(m.columnCount()):
            self.table.setItemDelegateForColumn(c, self.delegate if c >= m.first_prob_column else None)

    def _update_summary(self, counts: dict):
        pred = self.predictions
        if pred is None:
            return
        parts = []
        for j, (c, k) in enumerate(counts.items()):
            col = class_colour(j).name()
            parts.append(f"<span style='color:{col}'>■</span>&nbsp;{_html(c)}&nbsp;<b>{k:,}</b>")
        text = " &nbsp; ".join(parts if len(parts) <= 12 else parts[:12] + ["…"])
        flagged = pred.n_invalid
        name = Path(self.source).name if self.source else "the table"
        flag = (f" &nbsp; <span style='background:{FLAG_TINT.name()}'>&nbsp;{flagged:,} flagged&nbsp;</span> "
                f"(missing or invalid values, not classified)") if flagged else " &nbsp; none flagged"
        self.summary.setText(f"<b>{len(pred.valid):,}</b> rows from {_html(name)}, epoch "
                             f"{self.predictions_epoch}: &nbsp; {text}{flag}")

    # -- selection -----------------------------------------------------------------------------------
    def selected_table_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.table_model.table_row(self.proxy.mapToSource(rows[0]).row())

    def select_table_row(self, table_row: int):
        """Select the row showing table row `table_row` (0-based, file order)."""
        m = self.table_model
        order = m._order
        view_row = int(np.flatnonzero(order == table_row)[0]) if order is not None else int(table_row)
        idx = self.proxy.mapFromSource(m.index(view_row, 0))
        self.table.selectionModel().select(
            idx, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(idx)

    def _table_selection_changed(self, *_):
        i = self.selected_table_row()
        self._last_from_table = True
        if i is None or self.predictions is None or not self.predictions.valid[i] or self.model is None \
                or tuple(self.model.feature_names) != tuple(self._pred_model.feature_names):
            self.observationSelected.emit(None)
        else:
            self.observationSelected.emit(np.array(self.predictions.features[i], dtype=np.float64))

    # -- the hand-entered observation ----------------------------------------------------------------
    def _rebuild_form(self, model):
        while self.form_grid.count():
            item = self.form_grid.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()
                item.widget().deleteLater()
        self.inputs = []
        self._features = tuple(model.feature_names) if model is not None else ()
        self._form_values = None
        self.form_area.setMinimumHeight(0)
        if model is None:
            note = QLabel("No network yet.")
            note.setStyleSheet("color: #777;")
            self.form_grid.addWidget(note, 0, 0)
        else:
            mean = np.asarray(model.scaler.mean, dtype=np.float64)
            cols = 1
            validator = NumberValidator(self)
            for k, name in enumerate(self._features):
                label = QLabel(name)
                label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                edit = QLineEdit(f"{mean[k]:.5g}")
                edit.setValidator(validator)
                edit.setAlignment(Qt.AlignmentFlag.AlignRight)
                edit.setMinimumWidth(60)
                edit.setToolTip(f"{name} (training mean {mean[k]:.5g})")
                edit.textChanged.connect(self._form_changed)
                label.setBuddy(edit)
                r, c = divmod(k, cols)
                self.form_grid.addWidget(label, r, 2 * c)
                self.form_grid.addWidget(edit, r, 2 * c + 1)
                self.inputs.append(edit)
            for c in range(cols):
                self.form_grid.setColumnStretch(2 * c + 1, 1)
            self.form_grid.setRowStretch(self.form_grid.rowCount(), 1)
            shown = min(len(self.inputs), 6)  # more features scroll
            row_h = self.inputs[0].sizeHint().height() if self.inputs else 0
            self.form_area.setMinimumHeight(shown * row_h + max(0, shown - 1) * 4)
        self.mean_button.setEnabled(model is not None)
        self.example_button.setVisible(set(PENGUIN_FEATURES) == set(self._features))

    def fill_mean(self):
        if self.model is not None:
            self.set_observation(list(np.asarray(self.model.scaler.mean, dtype=np.float64)))

    def fill_example(self):
        """The teaching example: a penguin with bill 37.3 mm, depth 16.8 mm, flipper 192 mm, 3000 g."""
        if set(PENGUIN_FEATURES) == set(self._features):
            self.set_observation([PENGUIN_EXAMPLE[f] for f in self._features])

    def set_observation(self, values):
        """Fill the form with raw feature values in the model's order (emits once)."""
        values = list(values)
        if len(values) != len(self.inputs):
            raise ValueError(f"{len(self.inputs)} values expected (one per feature), not {len(values)}")
        for edit, v in zip(self.inputs, values, strict=True):
            edit.blockSignals(True)
            edit.setText(_fmt(v))
            edit.blockSignals(False)
        self._form_changed()

    def form_values(self) -> np.ndarray | None:
        """The typed values as raw features (model order), or None while one is not a number."""
        if not self.inputs:
            return None
        vals = [parse_number(e.text()) for e in self.inputs]
        for e, v in zip(self.inputs, vals, strict=True):
            bad = v is None
            if bool(e.property("bad")) != bad:
                e.setProperty("bad", bad)
                e.setStyleSheet("background: #fde2cc;" if bad else "")
        if any(v is None for v in vals):
            return None
        return np.array(vals, dtype=np.float64)

    def _form_changed(self, *_):
        self._last_from_table = False
        self._evaluate_form(emit=True)

    def _evaluate_form(self, emit: bool):
        """Probabilities for the typed observation; emits observationSelected when asked."""
        model = self.model
        x = self.form_values() if model is not None else None
        probs, message = None, ""
        if model is None:
            message = "No network yet."
        elif x is None:
            message = "Type a number in every field."
        elif not (np.abs(x) <= _FLOAT32_MAX).all():
            message = "A value is too large for the network."
            x = None
        else:
            with np.errstate(over="ignore", invalid="ignore"):
                probs = model.probabilities(x[None, :])[0]
            if not np.isfinite(probs).all():
                probs, x = None, None
                message = "A value is too far outside the training data to compute."
        self._form_values = x
        names = model.class_names if model is not None else ()
        self.bars.set_values(names, probs, message)
        if probs is not None:
            j = int(np.argmax(probs))
            text = (f"Predicted: <b style='color:{class_colour(j).name()}'>{_html(names[j])}</b> "
                    f"({probs[j]:.1%})")
        else:
            text = "Predicted: —"
        if self.form_prediction.text() != text:
            self.form_prediction.setText(text)
        if emit:
            self.observationSelected.emit(None if x is None else x.copy())
        return x

    @property
    def form_probabilities(self) -> np.ndarray | None:
        return None if self.bars.probabilities is None else self.bars.probabilities.copy()

    # -- export --------------------------------------------------------------------------------------
    def export_dialog(self):
        if self.predictions is None:
            return
        start = Path(self.source).with_name(Path(self.source).stem + "_predictions.csv") \
            if self.source else Path("predictions.csv")
        path, _ = QFileDialog.getSaveFileName(self, "Export predictions", str(start), "CSV (*.csv)")
        if path:
            self.start_export(path)

    def export_csv(self, path) -> bool:
        """Write the observations with the predicted class and probabilities, atomically, now (in
        this thread: 200k rows take seconds; the Export button uses start_export)."""
        if self.predictions is None:
            self._show_error("Nothing to export", "Load observations to classify first.")
            return False
        try:
            write_predictions_csv(self.predictions, path)
        except OSError as e:
            self._show_error("Cannot export the predictions", _write_error(path, e))
            return False
        self.last_export = str(path)
        self.exported.emit(str(path))
        return True

    def start_export(self, path) -> bool:
        """Write the predictions in the worker thread, with progress and Cancel; `exported` says
        when it is done, a message box if it cannot be."""
        if self.predictions is None or self._state.closed:
            return False
        self._begin(_Job(number=self._job_number + 1, model=self.model, epoch=self.epoch,
                         cancel=threading.Event(), chunk_rows=max(1, int(self.chunk_rows)),
                         export_to=str(path), predictions=self.predictions),
                    f"Writing {Path(path).name}…")
        return True

    @Slot(int, str)
    def _on_written(self, number: int, path: str):
        if not self._current(number):
            return
        self._finish_job()
        self.last_export = path
        self.exported.emit(path)

    # -- errors and shutdown ------------------------------------------------------------------------
    def _show_error(self, title: str, message: str):
        """A message box that does not block the event loop; the text is kept in last_error."""
        self.last_error = message
        open_warning(self, title, message, self._dialogs)

    @property
    def thread_running(self) -> bool:
        return self._thread.isRunning()

    def shutdown(self):
        """Cancel any load and stop the worker thread; safe to call twice. Loads are refused after."""
        if self._job is not None:
            self._job.cancel.set()
            self._finish_job()
        _stop_thread(self._thread, self._worker, self._state)
        self.load_button.setEnabled(False)
        self.reclassify_button.setEnabled(False)


def _same_weights(a, b) -> bool:
    if a is b:
        return True
    if a.spec != b.spec:
        return False
    return all(x is y or np.array_equal(x, y) for x, y in zip(a.weights + a.biases, b.weights + b.biases,
                                                              strict=True))


def _html(text) -> str:
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
