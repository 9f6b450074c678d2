"""File → Open data…: look at a CSV, choose the label and the feature columns, then train on it.

The dialog reads the file once (core.table.read_table) and keeps the table; every change of the
label or of a feature tick rebuilds the Dataset with core.dataset.dataset_from_frame, so the summary
(usable rows, dropped rows, classes, network shape) and any error are exactly what training will see.

A file over BACKGROUND_BYTES opens at once on its first HEAD_ROWS rows (the preview and a first
guess at the column kinds) while a thread reads the whole of it, with a progress bar; the dialog's
Cancel stops that read halfway. Training needs the whole table, so OK waits for it.
"""

from __future__ import annotations

import html
import math
import threading
from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.columns import ColumnInfo, default_label, describe_columns, numeric_column, suggest_features
from core.dataset import Dataset, dataset_from_frame
from core.errors import DataError, LoadCancelled, UserError
from core.table import CsvFormat, read_table
from gui import theme

PREVIEW_ROWS = 50
BACKGROUND_BYTES = 8 * 2**20  # bigger files: the head at once, the whole file in a thread
HEAD_ROWS = 2000  # rows read at once from such a file: the preview and a first guess at column kinds
POLL_MS = 100  # how often the dialog looks at a background read
BIG_TABLE_ROWS = 200_000  # above this, recompute the summary on a short debounce, not on every click
DEBOUNCE_MS = 250
MAX_CLASSES_SHOWN = 12
MAX_FITTED_COLUMNS = 200  # preview columns sized to their contents; wider tables keep the default width
OK_TEXT = "Train on this data"

_GREY = QColor(150, 150, 150)
_MISSING = QColor(185, 185, 185)
_ERROR = "#b00020"
_WARNING = "#8a5300"  # dark amber: trains, but deserves a look (Dataset.warnings)
_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
_DECIMALS = {".": "point (.)", ",": "comma (,)"}


def _tint(rgb, amount: float) -> QColor:
    """rgb blended towards white: amount 0 is white, 1 the colour itself."""
    return QColor(*(int(round(255 + (c - 255) * amount)) for c in rgb))


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def describe_format(fmt: CsvFormat) -> str:
    """How the file was read, in words: 'comma-separated · decimal point (.) · UTF-8 · header line'."""
    sep = _DELIMITERS.get(fmt.delimiter, repr(fmt.delimiter))
    enc = {"utf-8": "UTF-8", "latin-1": "Latin-1"}.get(fmt.encoding.lower(), fmt.encoding.upper())
    head = "first line is the header" if fmt.header else "no header line (columns numbered)"
    return f"{sep}-separated · decimal {_DECIMALS.get(fmt.decimal, repr(fmt.decimal))} · {enc} · {head}"


def network_text(n_inputs: int, n_outputs: int, hidden=None) -> str:
    """'network: 4 inputs → … → 3 outputs', or with the hidden sizes when they are known."""
    middle = " → ".join(str(h) for h in hidden) if hidden else "…"
    return (f"network: {_plural(n_inputs, 'input')} → {middle} → {_plural(n_outputs, 'output')}")


class PreviewModel(QAbstractTableModel):
    """The first rows of the table as read; the label column tinted, unused columns grey."""

    def __init__(self, df: pd.DataFrame, infos: list[ColumnInfo], decimal: str, parent=None):
        super().__init__(parent)
        self._df = df.head(PREVIEW_ROWS)
        self._infos = infos
        self._decimal = decimal
        self._columns = [str(c) for c in df.columns]
        # whole numbers read as floats (a column with a gap) show as in the file: 3750, not 3750.0
        self._whole = [self._all_whole(self._df.iloc[:, j]) for j in range(self._df.shape[1])]
        self._label = ""
        self._used: set[str] = set()
        self._label_brush = QBrush(_tint(theme.ACCENT, 0.22))
        self._bold = QFont()
        self._bold.setBold(True)

    def set_choice(self, label: str, features):
        self._label, self._used = label, set(features)
        if self.rowCount() and self.columnCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))
        if self.columnCount():
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.columnCount() - 1)

    def rowCount(self, parent=QModelIndex()):  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._df)

    def columnCount(self, parent=QModelIndex()):  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    @staticmethod
    def _all_whole(col: pd.Series) -> bool:
        if not pd.api.types.is_float_dtype(col.dtype):
            return False
        v = col.to_numpy(dtype=np.float64)
        v = v[np.isfinite(v)]
        return bool(np.all((np.mod(v, 1) == 0) & (np.abs(v) < 1e15)))

    def _text(self, value, column: int = 0) -> str | None:
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
            return None
        if isinstance(value, (float, np.floating)):
            v = float(value)
            text = str(int(v)) if self._whole[column] and v.is_integer() else repr(v)
            return text.replace(".", ",") if self._decimal == "," else text
        return str(value)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        col = self._columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            text = self._text(self._df.iat[index.row(), index.column()], index.column())
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{col}, row {index.row() + 1}: " + (text if text is not None else
                                                           "missing (this row is dropped if used)")
            return "—" if text is None else text
        if role == Qt.ItemDataRole.BackgroundRole and col == self._label:
            return self._label_brush
        if role == Qt.ItemDataRole.ForegroundRole:
            if self._text(self._df.iat[index.row(), index.column()], index.column()) is None:
                return QBrush(_MISSING)
            if col != self._label and col not in self._used:
                return QBrush(_GREY)
            return None
        if role == Qt.ItemDataRole.FontRole and col == self._label:
            return self._bold
        if role == Qt.ItemDataRole.TextAlignmentRole:
            numeric = self._infos[index.column()].numeric
            h = Qt.AlignmentFlag.AlignRight if numeric else Qt.AlignmentFlag.AlignLeft
            return int(h | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Vertical:
            if role == Qt.ItemDataRole.DisplayRole:
                return str(section + 1)
            return None
        col = self._columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{col}  (label)" if col == self._label else col
        if role == Qt.ItemDataRole.FontRole and col == self._label:
            return self._bold
        if role == Qt.ItemDataRole.TextAlignmentRole:  # over the values: numbers sit on the right
            h = Qt.AlignmentFlag.AlignRight if self._infos[section].numeric else Qt.AlignmentFlag.AlignLeft
            return int(h | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and col != self._label and col not in self._used:
            return QBrush(_GREY)
        if role == Qt.ItemDataRole.ToolTipRole:
            return column_tooltip(self._infos[section], label=col == self._label,
                                  used=col in self._used)
        return None


def column_tooltip(info: ColumnInfo, label: bool = False, used: bool = False) -> str:
    kind = "numbers" if info.numeric else "empty" if info.distinct == 0 else "text"
    parts = [f"{info.name}: {kind}"]
    if info.distinct >= 0:
        parts.append(f"{info.distinct:,} distinct values")
    parts.append(f"{info.missing:,} missing" if info.missing else "none missing")
    role = ("the label: what the network learns to predict" if label
            else "a feature: an input of the network" if used else "not used")
    return f"{', '.join(parts)}. Now {role}."


class _WholeRead:
    """A big file read whole in a thread (core only, no Qt): progress, then the table or an error.

    The default choice's Dataset is built there too, so the dialog's first summary costs the GUI
    thread nothing. `cancel` stops it between blocks of the file (core.table.READ_BLOCK)."""

    def __init__(self, path: Path):
        self.path = path
        self.cancel = threading.Event()
        self.fraction = 0.0
        self.result: tuple | None = None
        self.error: str | None = None
        self.thread = threading.Thread(target=self._run, name="import-read", daemon=True)
        self.thread.start()

    def finished(self) -> bool:
        return not self.thread.is_alive()

    def _progress(self, fraction: float):
        self.fraction = fraction

    def _run(self):
        try:
            df, fmt = read_table(self.path, progress=self._progress, cancel=self.cancel)
            infos = describe_columns(df, fmt.decimal, distinct=len(df) <= BIG_TABLE_ROWS, cancel=self.cancel)
            label = str(default_label(list(df.columns)))
            features = [c.name for c in infos if c.name != label and c.numeric and not c.id_like]
            if not features:  # as core.columns.choose_features: the ID-like ones rather than none
                features = [c.name for c in infos if c.name != label and c.numeric]
            dataset, error = None, None
            if features:
                try:
                    dataset = dataset_from_frame(df, label, features, self.path, decimal=fmt.decimal,
                                                 cancel=self.cancel)
                except LoadCancelled:
                    raise
                except DataError as e:
                    error = str(e)
            self.result = (df, fmt, infos, label, features, dataset, error)
        except LoadCancelled:
            pass
        except UserError as e:
            self.error = str(e)
        except Exception as e:  # a bug: a message in the dialog, never a crash
            self.error = f"{self.path}: {type(e).__name__}: {e}"


class ImportDialog(QDialog):
    """Preview a CSV, pick the label and features, and see what training on it would mean.

    ImportDialog(path) reads the file (or, over BACKGROUND_BYTES, its first HEAD_ROWS rows) at once;
    a DataError (unreadable file) propagates to the caller. A bigger file is then read whole in a
    thread, with a progress bar in the summary; OK waits for it, Cancel stops it (reading()).
    After exec(): label(), features() and dataset() give the choice; dataset() is None when invalid.
    `hidden`, if given, are the hidden layer sizes shown in the network line of the summary.
    """

    def __init__(self, path, parent=None, hidden=None):
        super().__init__(parent)
        self._read(path, hidden)
        self.setWindowTitle(f"Open data: {self.path.name}")
        self.setMinimumSize(900, 600)
        self.resize(1120, 720)
        self.setSizeGripEnabled(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 12, 12, 10)
        lay.setSpacing(8)
        self._build_header()
        lay.addWidget(self.file_label)
        lay.addWidget(self.format_label)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        lay.addWidget(split, 1)
        split.addWidget(self._build_preview())
        side = QWidget()  # the choice: label and features
        sl = QVBoxLayout(side)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(self._build_label_box())
        sl.addWidget(self._build_feature_box(), 1)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([680, 400])
        lay.addWidget(self._build_summary())
        lay.addWidget(self._build_buttons())
        self._start_timers()
        self._choose_defaults()

    def _read(self, path, hidden):
        """Read the file (its head when big, then the whole in a thread) and describe its columns."""
        self.path = Path(path)
        try:
            big = self.path.is_file() and self.path.stat().st_size > BACKGROUND_BYTES
        except OSError:
            big = False  # read_table says what is wrong
        self.df, self.fmt = read_table(path, rows=HEAD_ROWS if big else None)
        self._job = _WholeRead(self.path) if big and len(self.df) >= HEAD_ROWS else None
        self._touched = False  # the person changed the label or the ticks
        self.hidden = tuple(hidden) if hidden else None
        self.columns = [str(c) for c in self.df.columns]
        self.infos = describe_columns(self.df, self.fmt.decimal, distinct=len(self.df) <= BIG_TABLE_ROWS)
        self._info = dict(zip(self.columns, self.infos, strict=True))
        self._dataset: Dataset | None = None
        self._error: str | None = None
        self._dirty = False
        self._quiet = False

    def _build_header(self):
        """The file's name and how it was read."""
        self.file_label = QLabel(f"<span style='font-size:14pt; font-weight:600'>"
                                 f"{html.escape(self.path.name)}</span>")
        self.file_label.setToolTip(str(self.path.resolve()))
        self.format_label = QLabel(self._format_text())
        self.format_label.setStyleSheet("color: #555;")
        self.format_label.setWordWrap(True)
        self.format_label.setToolTip(
            "How the file was read, detected from its first lines. If this looks wrong (e.g. one single "
            "column, or numbers shown as text), save the file again as a comma-separated UTF-8 CSV.")

    def _build_preview(self) -> QGroupBox:
        """The table as read, the label column tinted and unused columns greyed."""
        pbox = self.preview_box = QGroupBox(self._preview_title())
        pl = QVBoxLayout(pbox)
        pl.setContentsMargins(6, 12, 6, 6)
        self.preview_model = PreviewModel(self.df, self.infos, self.fmt.decimal, self)
        self.preview = QTableView()
        self.preview.setModel(self.preview_model)
        self.preview.setAlternatingRowColors(True)
        self.preview.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.setWordWrap(False)
        self.preview.verticalHeader().setDefaultSectionSize(22)
        self.preview.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.preview.setToolTip("The table as read from the file. The label column is tinted; greyed "
                                "columns are not used as features. — marks a missing value.")
        pl.addWidget(self.preview)
        return pbox

    def _build_label_box(self) -> QGroupBox:
        """The label column's combo box."""
        lbox = QGroupBox("Label: what to predict")
        lf = QFormLayout(lbox)
        lf.setContentsMargins(8, 14, 8, 8)
        self.label_combo = QComboBox()
        self.label_combo.setToolTip("The column holding the class of each row: the network learns to "
                                    "predict it from the feature columns.")
        for i, c in enumerate(self.columns):
            self.label_combo.addItem(c)
            self.label_combo.setItemData(i, column_tooltip(self.infos[i]), Qt.ItemDataRole.ToolTipRole)
        self.label_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.label_combo.setMinimumContentsLength(16)
        lf.addRow("Column:", self.label_combo)
        # regression: the task the label asks for, decided by core.task's rule unless chosen here
        self.task_combo = QComboBox()
        for text, key in (("Automatic (from the label)", None), ("Classification: classes", "classification"),
                          ("Regression: a number", "regression")):
            self.task_combo.addItem(text, key)
        self.task_combo.setToolTip("Classification sorts rows into the label's classes; regression "
                                   "predicts the label as a number. Automatic: text or a handful of "
                                   "whole-number codes are classes, other numbers are predicted.")
        self.task_combo.currentIndexChanged.connect(lambda _i: self._recompute())
        lf.addRow("Task:", self.task_combo)
        return lbox

    def _build_feature_box(self) -> QGroupBox:
        """A check box and a hint per column, and the all/none buttons with the count."""
        fbox = QGroupBox("Features: the network's inputs")
        fl = QVBoxLayout(fbox)
        fl.setContentsMargins(8, 14, 8, 8)
        self.feature_boxes: dict[str, QCheckBox] = {}
        self._hints: dict[str, QLabel] = {}
        inner = QWidget()
        grid = QGridLayout(inner)
        grid.setContentsMargins(2, 2, 2, 2)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(3)
        for row, c in enumerate(self.columns):
            info = self._info[c]
            box = QCheckBox(c)
            hint = QLabel(self._hint(info))
            hint.setStyleSheet("color: #888;")
            tip = self._feature_tip(info)
            box.setToolTip(tip)
            hint.setToolTip(tip)
            if not info.numeric:
                box.setEnabled(False)
            box.toggled.connect(self._changed)
            grid.addWidget(box, row, 0)
            grid.addWidget(hint, row, 1)
            self.feature_boxes[c] = box
            self._hints[c] = hint
        grid.setColumnStretch(2, 1)
        grid.setRowStretch(len(self.columns), 1)
        scroll = QScrollArea()
        scroll.setWidget(inner)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setToolTip("Tick the columns the network uses as inputs. Only numeric columns can be "
                          "ticked.")
        fl.addWidget(scroll, 1)
        buttons = QHBoxLayout()
        self.all_button = QPushButton("Select all numeric")
        self.all_button.setToolTip("Tick every numeric column except the label (ID-like ones too)")
        self.none_button = QPushButton("None")
        self.none_button.setToolTip("Untick every feature column")
        self.all_button.clicked.connect(self.select_all_numeric)
        self.none_button.clicked.connect(self.select_none)
        self.count_label = QLabel()
        self.count_label.setStyleSheet("color: #666;")
        self.count_label.setToolTip("How many columns are ticked as features")
        buttons.addWidget(self.all_button)
        buttons.addWidget(self.none_button)
        buttons.addStretch(1)
        buttons.addWidget(self.count_label)
        fl.addLayout(buttons)
        return fbox

    def _build_summary(self) -> QGroupBox:
        """What training will use, and the progress of reading the whole file."""
        sbox = QGroupBox("What training will use")
        sb = QVBoxLayout(sbox)
        sb.setContentsMargins(10, 14, 10, 8)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.summary.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.summary.setMinimumHeight(self.fontMetrics().lineSpacing() * 4)
        self.summary.setToolTip("Computed from the current label and features, exactly as training "
                                "will read the data")
        sb.addWidget(self.summary)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.progress.setFormat("%p %")
        self.progress.setToolTip("Reading the whole file: training needs every row. Cancel stops it.")
        self.progress.setVisible(self._job is not None)
        sb.addWidget(self.progress)
        return sbox

    def _build_buttons(self) -> QDialogButtonBox:
        """OK (build a network for this data) and Cancel (keep the current data)."""
        self.button_box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                           | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.button_box.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(OK_TEXT)
        self.ok_button.setToolTip("Build a new network for this data and start over with it")
        self.cancel_button = self.button_box.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setToolTip("Keep the current data")
        self.button_box.accepted.connect(self.accept)
        self.button_box.rejected.connect(self.reject)
        return self.button_box

    def _start_timers(self):
        """The debounce of recomputing the summary, and the poll of the whole file's reading."""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._recompute)
        self._debounce = len(self.df) > BIG_TABLE_ROWS
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._poll_read)
        if self._job is not None:
            self._poll.start()

    def _choose_defaults(self):
        """Defaults: the engine's label and suggested features."""
        label = str(default_label(list(self.df.columns)))
        ticked = set(map(str, suggest_features(self.df, label, self.fmt.decimal)))
        self._quiet = True
        self.label_combo.setCurrentIndex(self.columns.index(label))
        for c, box in self.feature_boxes.items():
            box.setChecked(c in ticked)
        self._quiet = False
        self._label = label
        self._show_label_row(label)
        self.label_combo.currentIndexChanged.connect(self._label_changed)
        self._recompute()
        self.label_combo.setFocus()  # not the table: it would draw a focus frame on its first cell

    # ------------------------------------------------------------------ the choice
    def label(self) -> str:
        return self.label_combo.currentText()

    def features(self) -> list[str]:
        """Ticked feature columns, in the file's column order."""
        lab = self.label()
        return [c for c, b in self.feature_boxes.items() if c != lab and b.isEnabled() and b.isChecked()]

    def dataset(self) -> Dataset | None:
        """The Dataset for the current choice (as summarised), or None when it cannot be used."""
        self._flush()
        return self._dataset

    def error(self) -> str | None:
        """Why the current choice cannot be used, or None."""
        self._flush()
        return self._error

    def select_all_numeric(self):
        self._set_ticks(lambda c: self._info[c].numeric)

    def select_none(self):
        self._set_ticks(lambda c: False)

    def reading(self) -> bool:
        """Whether the whole file is still being read in the background."""
        return self._job is not None

    def accept(self):
        if self.reading():
            return
        self._flush()
        if self._dataset is not None:
            super().accept()

    def done(self, result: int):
        """Closing in any way stops a background read (within one block of the file)."""
        if self._job is not None:
            self._job.cancel.set()
            self._job = None
            self._poll.stop()
        super().done(result)

    # ------------------------------------------------------------------ internals
    def _format_text(self) -> str:
        rows = ("reading all rows…" if self._job is not None else _plural(len(self.df), "row"))
        return f"Read as {describe_format(self.fmt)} · {rows} × {_plural(len(self.columns), 'column')}"

    def _preview_title(self) -> str:
        n_rows = len(self.df)
        if self._job is not None:
            return f"Preview: first {min(PREVIEW_ROWS, n_rows):,} rows"
        shown = min(PREVIEW_ROWS, n_rows)
        return (f"Preview: first {shown:,} of {_plural(n_rows, 'row')}" if n_rows > shown
                else f"Preview: all {_plural(n_rows, 'row')}")

    def _poll_read(self):
        job = self._job
        if job is None:
            return
        self.progress.setValue(int(job.fraction * 1000))
        if not job.finished():
            self.summary.setText(self._summary_html())
            return
        self._poll.stop()
        self._job = None
        self.progress.setVisible(False)
        self.format_label.setText(self._format_text())
        self.preview_box.setTitle(self._preview_title())
        if job.result is None:  # a DataError past the first rows (e.g. a ragged line)
            self._dataset, self._error = None, job.error or f"{self.path}: reading stopped."
            self.ok_button.setEnabled(False)
            self.summary.setText(self._summary_html())
            return
        self._install(*job.result)

    def _install(self, df, fmt, infos, label, features, dataset, error):
        """The whole table has arrived: it replaces the head, and the column kinds are final."""
        if [str(c) for c in df.columns] != self.columns:  # a trailing column empty only at the top
            self._dataset, self._error = None, (
                f"{self.path}: its later rows have other columns than its first {len(self.df):,} "
                f"({len(df.columns):,} instead of {len(self.columns):,}). Check the file's layout.")
            self.ok_button.setEnabled(False)
            self.summary.setText(self._summary_html())
            return
        self.df, self.fmt, self.infos = df, fmt, infos
        self._info = dict(zip(self.columns, infos, strict=True))
        self.format_label.setText(self._format_text())
        self.preview_box.setTitle(self._preview_title())
        old = self.preview_model
        self.preview_model = PreviewModel(df, infos, fmt.decimal, self)
        self.preview.setModel(self.preview_model)
        old.deleteLater()
        for i, c in enumerate(self.columns):
            info, box = self._info[c], self.feature_boxes[c]
            self.label_combo.setItemData(i, column_tooltip(info), Qt.ItemDataRole.ToolTipRole)
            self._hints[c].setText(self._hint(info))
            tip = self._feature_tip(info)
            box.setToolTip(tip)
            self._hints[c].setToolTip(tip)
            box.setEnabled(info.numeric)
        self._quiet = True
        if not self._touched:  # the defaults, now from every row
            self.label_combo.blockSignals(True)
            self.label_combo.setCurrentIndex(self.columns.index(label))
            self.label_combo.blockSignals(False)
            self._label = label
            self._show_label_row(label)
            for c, box in self.feature_boxes.items():
                box.setChecked(c in features)
        self._quiet = False
        self._debounce = len(df) > BIG_TABLE_ROWS
        if features and self.label() == label and self.features() == list(features):
            self._dirty = False  # built in the reading thread
            self._timer.stop()
            self._dataset, self._error = dataset, error
            self._show_choice(label, features)
        else:
            self._recompute()

    def _hint(self, info: ColumnInfo) -> str:
        if not info.numeric:
            return "empty" if info.distinct == 0 or info.missing == len(self.df) else "text"
        if info.id_like:
            return "looks like an ID"
        return f"{info.missing:,} missing" if info.missing else ""

    def _feature_tip(self, info: ColumnInfo) -> str:
        if not info.numeric:
            if info.distinct == 0 or info.missing == len(self.df):
                return f"'{info.name}' is empty: it has no values to use as an input."
            example = self._example(info.name)
            return (f"'{info.name}' is not numeric{f' (e.g. {example!r})' if example else ''}: a network "
                    f"needs numbers as input, so it cannot be a feature. It can be the label.")
        if info.id_like:
            return (f"'{info.name}' looks like an ID (a row number or identifier), so it is unticked "
                    f"(unless no other column holds numbers): it says nothing about the class. Tick it "
                    f"to use it anyway.")
        missing = (f" {info.missing:,} rows have no value here and are dropped if it is ticked."
                   if info.missing else "")
        return f"Use '{info.name}' as an input of the network.{missing}"

    def _example(self, name: str) -> str:
        col = self.df[name]
        bad = col[col.notna() & numeric_column(col, self.fmt.decimal).isna()]
        return str(bad.iloc[0])[:40] if len(bad) else ""

    def _set_ticks(self, want):
        self._quiet = True
        for c, box in self.feature_boxes.items():
            if box.isEnabled() and c != self.label():
                box.setChecked(bool(want(c)))
        self._quiet = False
        self._changed()

    def _show_label_row(self, label: str):
        for c, box in self.feature_boxes.items():
            box.setVisible(c != label)
            self._hints[c].setVisible(c != label)

    def _label_changed(self, _index: int):
        old, new = self._label, self.label()
        self._label = new
        self._quiet = True
        if old in self.feature_boxes:  # the old label becomes a feature if it would be suggested
            info = self._info[old]
            self.feature_boxes[old].setChecked(info.numeric and not info.id_like)
        self._quiet = False
        self._show_label_row(new)
        self._changed()

    def _changed(self, *_):
        if self._quiet:
            return
        self._touched = True
        self._dirty = True
        self.preview_model.set_choice(self.label(), self.features())
        if self._debounce:
            self.ok_button.setEnabled(False)
            self._timer.start()
        else:
            self._recompute()

    def _flush(self):
        if self._dirty or self._timer.isActive():
            self._timer.stop()
            self._recompute()

    def _fit_columns(self):
        """Columns as wide as their header and values (the label's header grows by '(label)')."""
        if len(self.columns) <= MAX_FITTED_COLUMNS:
            self.preview.resizeColumnsToContents()
            label = self.label()
            # the label's header carries '  (label)' in bold beyond its name: room for it too
            suffix = self.preview.horizontalHeader().fontMetrics().horizontalAdvance("  (label)") + 8
            for j, col in enumerate(self.columns):
                width = self.preview.columnWidth(j)
                cap = 320 + (suffix if col == label else 0)
                self.preview.setColumnWidth(j, min(width + 12, cap))

    def _recompute(self):
        self._dirty = False
        label, features = self.label(), self.features()
        self._dataset, self._error = None, None
        if self._job is not None:  # the summary waits for the whole table
            self._show_choice(label, features)
            return
        if not features:  # dataset_from_frame takes an empty list as "suggest features for me"
            self._error = (f"{self.path.name}: no feature column is ticked. Tick at least one numeric "
                           f"column: a network needs numbers as input.")
        else:
            try:
                self._dataset = dataset_from_frame(self.df, label, features, self.path,
                                                   decimal=self.fmt.decimal,
                                                   task=self.task_combo.currentData())
            except DataError as e:
                self._error = str(e)
        self._show_choice(label, features)

    def _show_choice(self, label: str, features: list[str]):
        self.preview_model.set_choice(label, features)
        self._fit_columns()
        numeric = sum(1 for c in self.columns if c != label and self._info[c].numeric)
        self.count_label.setText(f"{len(features):,} of {numeric:,} numeric ticked")
        self.ok_button.setEnabled(self._dataset is not None)
        self.summary.setText(self._summary_html())

    def _summary_html(self) -> str:
        if self._job is not None:
            size = self.path.stat().st_size / 2**20 if self.path.exists() else 0
            return (f"<p style='margin:0'><b>Reading the whole file</b> ({size:,.0f} MB, "
                    f"{self._job.fraction:.0%} so far) to count its usable rows and classes: "
                    f"training needs every row. The preview shows the first rows; you can choose "
                    f"the label and features meanwhile. Cancel stops the reading.</p>")
        if self._dataset is None:
            return (f"<p style='color:{_ERROR}'><b>Cannot train on this choice.</b> "
                    f"{html.escape(self._error or '')}</p>")
        return _dataset_summary_html(self._dataset, self.hidden)


def _dataset_summary_html(ds, hidden) -> str:
    """What training on the dialog's choice will use: rows, classes (or the number to predict, and
    why), the network, and the data's warnings."""
    if ds.task == "regression":
        return _regression_summary_html(ds, hidden)
    usable = ds.rows_total - ds.rows_dropped
    counts = ds.class_counts()
    shown = list(counts.items())[:MAX_CLASSES_SHOWN]
    classes = " · ".join(f"{html.escape(c)} <span style='color:#666'>{k:,}</span>" for c, k in shown)
    if len(counts) > len(shown):
        classes += f" · … and {len(counts) - len(shown):,} more"
    drop = html.escape(ds.drop_note())
    drop_style = "" if ds.rows_dropped else " style='color:#666'"
    net = html.escape(network_text(ds.n_features, ds.n_classes, hidden))
    lines = (f"<b>{usable:,}</b> usable {'row' if usable == 1 else 'rows'} of {ds.rows_total:,} · "
             f"<span{drop_style}>{drop}</span>",
             f"<b>{_plural(ds.n_classes, 'class', 'classes')}</b> in "
             f"'{html.escape(ds.label_name)}': {classes}",
             f"<b>{net}</b>",
             *(f"<span style='color:{_WARNING}'><b>Warning:</b> {html.escape(w)}</span>"
               for w in ds.warnings))
    return "".join(f"<p style='margin:0 0 4px 0'>{line}</p>" for line in lines)


def _regression_summary_html(ds, hidden) -> str:
    """The summary for a label that is a number to predict: the task, why, and the rows."""
    import numpy as np

    usable = ds.rows_total - ds.rows_dropped
    y = np.asarray(ds.y, dtype=np.float64)
    net = html.escape(network_text(ds.n_features, 1, hidden))
    lines = (f"<b>{usable:,}</b> usable {'row' if usable == 1 else 'rows'} of {ds.rows_total:,} · "
             f"{html.escape(ds.drop_note())}",
             f"<b>Regression</b>: predicting '{html.escape(ds.label_name)}' as a number "
             f"({y.min():.4g} to {y.max():.4g}, mean {y.mean():.4g}) — "
             f"{html.escape(ds.task_reason)}. Change it under Task.",
             f"<b>{net}</b> (one output, identity)",
             *(f"<span style='color:{_WARNING}'><b>Warning:</b> {html.escape(w)}</span>"
               for w in ds.warnings))
    return "".join(f"<p style='margin:0 0 4px 0'>{line}</p>" for line in lines)
