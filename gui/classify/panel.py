"""The Classify dock: classify a file of observations in a table, or one typed in by hand.

The pieces live beside it: the table's model, proxy and delegate (table.py), the probability bars
and class colours (bars.py), the one-observation form (form.py), the worker thread that reads,
classifies and exports (worker.py); writing predictions to CSV is core.predictions.

set_model is called on every network change while training (up to ~60 times a second): it stores
the model, re-evaluates the one hand-entered observation and updates the banners; it never
re-classifies the table, which says instead which epoch its predictions came from.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt, QThread, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gui.classify.bars import class_colour, html_escape
from gui.classify.form import ObservationForm
from gui.classify.score import ScoreBox, StaleBanner
from gui.classify.table import FLAG_TINT, PredictionTable
from gui.classify.worker import (
    CHUNK_ROWS,
    ClassifyWorker,
    Job,
    Result,
    ThreadState,
    start_thread,
    stop_thread,
)
from gui.dialogs import open_warning
from gui.elided import ElidedLabel

if TYPE_CHECKING:
    from core.classify import Predictions

# the width the panel asks for: below the left dock's (gui/main_window.py CONTROLS_WIDTH, 402 px),
# which a dock grows to fit its widget's size hint (long class and feature names asked for 470 px)
WIDTH_HINT = 380
UNTRAINED_TEXT = "The network is untrained (epoch 0): its predictions are noise. Train it first."


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
        self._job: Job | None = None
        self._dialogs: list = []
        self._last_from_table = False

        # no parent: stopped by shutdown() or the destroyed hook, so never deleted while running
        self._thread = QThread()
        self._thread.setObjectName("classify")
        self._worker = ClassifyWorker()
        self._worker.moveToThread(self._thread)
        self._state = ThreadState()
        self._run_job.connect(self._worker.run)
        self._worker.progress.connect(self._on_progress)
        self._worker.done.connect(self._on_done)
        self._worker.failed.connect(self._on_failed)
        self._worker.cancelled.connect(self._on_cancelled)
        self._worker.written.connect(self._on_written)
        self.destroyed.connect(functools.partial(stop_thread, self._thread, self._worker, self._state))

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

        self.stale_banner = StaleBanner()
        self.stale_label, self.reclassify_button = self.stale_banner.label, self.stale_banner.button
        self.reclassify_button.clicked.connect(self.reclassify)
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
        self.progress_label = ElidedLabel("", auto_tooltip=True)  # a long file name never widens the dock
        self.progress_label.setStyleSheet("color: #444;")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress.setMinimumWidth(60)
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

        # a file with the model's label column: its accuracy, and the matrix and figures on demand
        self.score = None  # core.metrics.LabelScore of the table, or None (no label column)
        self.value_score = None  # a regression network's table: core.regression_predict.ValueScore
        self.score_box = ScoreBox()
        self.score_label, self.details = self.score_box.label, self.score_box.details
        self.details_button = self.score_box.details_button
        self.score_box.wrongClicked.connect(self.select_next_wrong)
        lay.addWidget(self.score_box)

        self.table = PredictionTable()
        self.table_model, self.proxy = self.table.table_model, self.table.proxy
        self.delegate = self.table.delegate
        self.table.selectionModel().selectionChanged.connect(self._table_selection_changed)

        self.form = ObservationForm()
        self.form.edited.connect(self._form_edited)
        # after the form's layout has taken the hint in
        self.form.hint_shown.connect(lambda _: QTimer.singleShot(0, self._fit_form_height))
        form_box = self.form

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(form_box)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)  # the form keeps its natural height
        self.splitter.setChildrenCollapsible(False)
        lay.addWidget(self.splitter, 1)

    def sizeHint(self):
        hint = super().sizeHint()
        hint.setWidth(min(hint.width(), max(WIDTH_HINT, self.minimumSizeHint().width())))
        return hint

    # -- the network --------------------------------------------------------------------------------
    trained_elsewhere = False  # an imported network at epoch 0 (gui/import_network_dialog.py)

    def set_model(self, model, epoch: int):
        """The network changed: store it, refresh the hand-entered observation and the banners.

        Cheap (one forward pass of one row): the table is never re-classified here."""
        self.model = model
        self.epoch = int(epoch)
        if self.form.set_model(model):  # other features: the form was rebuilt
            self._last_from_table = False
            self.observationSelected.emit(None)  # what was shown belongs to other features
        self._update_banners()
        self.load_button.setEnabled(model is not None and not self._state.closed)

    def _update_banners(self):
        untrained = self.model is not None and self.epoch == 0 and not self.trained_elsewhere
        if untrained != self.banner.isVisible():
            self.banner.setVisible(untrained)
        self.stale_banner.show_text(self._stale_text(), self.epoch,
                                    not self.busy and self.model is not None)

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
        job = Job(number=self._job_number + 1, model=self.model, epoch=self.epoch,
                   cancel=threading.Event(), path=path, frame=frame, decimal=decimal, header=header,
                   lines=lines, chunk_rows=max(1, int(self.chunk_rows)))
        name = Path(path).name if path else "the table"
        self._begin(job, f"Reading {name}…" if frame is None else "Classifying…")
        return True

    def _begin(self, job: Job, text: str):
        if self._job is not None:
            self._job.cancel.set()  # a newer request replaces the one in flight
        self._job_number = job.number
        self._job = job
        self._state.cancel = job.cancel
        start_thread(self._thread, self._worker, self._state)
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
        # the progress takes the Export button's place in the row (it cannot be used meanwhile):
        # the row with both was 476 px wide and widened the dock while a file loaded. Hidden first,
        # so that the row is never both at once, not even for a layout pass.
        if busy:
            self.export_button.setVisible(False)
        self.progress_row.setVisible(busy)
        self.export_button.setVisible(not busy)
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
    def _on_done(self, number: int, result: Result):
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
        from core.classify import score_predictions

        pred, label = result.predictions, getattr(result.model, "label_name", None)
        self.value_score = None  # a regression network's: core.regression_predict.ValueScore
        if pred.values is not None:
            from core.regression_predict import label_values, score_values

            self.score = None
            truth = label_values(pred.table, label, result.decimal)
            self.value_score = score_values(pred, label, result.decimal) if truth else None
            self.table_model.set_predictions(pred, result.model.feature_names, None, truth)
        else:
            self.score = score_predictions(pred, label)
            self.table_model.set_predictions(pred, result.model.feature_names, self.score)
        self.table.size_columns()
        self._update_summary(result.counts)
        self._update_score()
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

    def _update_summary(self, counts: dict):
        pred = self.predictions
        if pred is None:
            return
        parts = []
        for j, (c, k) in enumerate(counts.items()):
            col = class_colour(j).name()
            parts.append(f"<span style='color:{col}'>■</span>&nbsp;{html_escape(c)}&nbsp;<b>{k:,}</b>")
        text = " &nbsp; ".join(parts if len(parts) <= 12 else parts[:12] + ["…"])
        flagged = pred.n_invalid
        name = Path(self.source).name if self.source else "the table"
        if pred.values is not None:  # numbers: their range, not class counts
            v = pred.values[pred.valid]
            label = html_escape(getattr(self._pred_model, "label_name", "") or "value")
            text = (f"predicted {label} from <b>{v.min():.4g}</b> to <b>{v.max():.4g}</b> (mean "
                    f"{v.mean():.4g})" if v.size else "no row predicted")
        flag = (f" &nbsp; <span style='background:{FLAG_TINT.name()}'>&nbsp;{flagged:,} flagged&nbsp;</span> "
                f"(missing or invalid values, not {'predicted' if pred.values is not None else 'classified'})"
                ) if flagged else " &nbsp; none flagged"
        self.summary.setText(f"<b>{len(pred.valid):,}</b> rows from {html_escape(name)}, epoch "
                             f"{self.predictions_epoch}: &nbsp; {text}{flag}")

    def _update_score(self):
        """The accuracy line (and the matrix, when shown) for the table's labels; hidden without."""
        names = self._pred_model.class_names if self._pred_model is not None else ()
        self.score_box.show_scores(self.score, getattr(self, "value_score", None), names)

    def select_next_wrong(self) -> int | None:
        """Select the next wrongly predicted row below the selected one, in the table's order (after
        the last, the first) and show its predicted and true cells; its table row, or None."""
        if self.score is None:
            return None
        m = self.table_model
        wrong = self.score.correct == 0
        view_wrong = np.flatnonzero(wrong[m._order] if m._order is not None else wrong)
        if not len(view_wrong):
            return None
        i = self.selected_table_row()
        current = -1
        if i is not None:
            current = int(np.flatnonzero(m._order == i)[0]) if m._order is not None else i
        later = view_wrong[view_wrong > current]
        view_row = int(later[0] if len(later) else view_wrong[0])
        table_row = m.table_row(view_row)
        self.select_table_row(table_row)
        self.table.scrollTo(self.proxy.mapFromSource(m.index(view_row, m.true_column)))
        return table_row

    # -- selection -----------------------------------------------------------------------------------
    def selected_table_row(self) -> int | None:
        return self.table.selected_table_row()

    def select_table_row(self, table_row: int):
        """Select the row showing table row `table_row` (0-based, file order)."""
        self.table.select_table_row(table_row)

    def _table_selection_changed(self, *_):
        i = self.selected_table_row()
        self._last_from_table = True
        if i is None or self.predictions is None or not self.predictions.valid[i] or self.model is None \
                or tuple(self.model.feature_names) != tuple(self._pred_model.feature_names):
            self.observationSelected.emit(None)
        else:
            x = np.array(self.predictions.features[i], dtype=np.float64)
            # the form takes the row too, so its prediction and the lit network tell the same story
            # (it showed the training mean's while the view lit the row's)
            self.form.set_observation(x)
            self._last_from_table = True
            self.observationSelected.emit(x)

    # -- the hand-entered observation (gui/classify/form.py) -------------------------------------------
    def _form_edited(self, x):
        self._last_from_table = False
        self.observationSelected.emit(x)

    def _fit_form_height(self, *_):
        """The splitter keeps the form's height when the hint line appears: take what it needs from
        the table, so the fields are never squeezed under it."""
        sizes = self.splitter.sizes()
        need = self.form.minimumSizeHint().height()
        if len(sizes) == 2 and sizes[1] < need and sum(sizes) > need:
            self.splitter.setSizes([sum(sizes) - need, need])

    @property
    def inputs(self) -> list:
        return self.form.inputs

    @property
    def form_prediction(self):
        return self.form.prediction

    @property
    def example_button(self):
        return self.form.example_button

    @property
    def mean_button(self):
        return self.form.mean_button

    @property
    def bars(self):
        return self.form.bars

    def fill_mean(self):
        self.form.fill_mean()

    def fill_example(self):
        self.form.fill_example()

    def set_observation(self, values):
        """Fill the form with raw feature values in the model's order (emits once)."""
        self.form.set_observation(values)

    def form_values(self) -> np.ndarray | None:
        return self.form.typed_values()

    @property
    def form_probabilities(self) -> np.ndarray | None:
        return self.form.probabilities

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
        from core.predictions import write_error_message, write_predictions_csv

        try:
            write_predictions_csv(self.predictions, path)
        except OSError as e:
            self._show_error("Cannot export the predictions", write_error_message(path, e))
            return False
        self.last_export = str(path)
        self.exported.emit(str(path))
        return True

    def start_export(self, path) -> bool:
        """Write the predictions in the worker thread, with progress and Cancel; `exported` says
        when it is done, a message box if it cannot be."""
        if self.predictions is None or self._state.closed:
            return False
        self._begin(Job(number=self._job_number + 1, model=self.model, epoch=self.epoch,
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
        stop_thread(self._thread, self._worker, self._state)
        self.load_button.setEnabled(False)
        self.reclassify_button.setEnabled(False)


def _same_weights(a, b) -> bool:
    if a is b:
        return True
    if a.spec != b.spec:
        return False
    return all(x is y or np.array_equal(x, y) for x, y in zip(a.weights + a.biases, b.weights + b.biases,
                                                              strict=True))
