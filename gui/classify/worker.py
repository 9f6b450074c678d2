"""The Classify dock's worker: reads, classifies and exports in its own thread.

Files are read and classified in a worker thread (a QObject in its own QThread, as in gui/worker.py),
in chunks of CHUNK_ROWS rows so the progress bar moves and Cancel (a threading.Event checked between
chunks) answers within one chunk. Each load is a job with a number; the GUI ignores whatever arrives
from a job it no longer waits for (cancelled, or replaced by a newer one).

Exports are written by core.predictions.write_predictions_csv (atomically, chunk by chunk).
A thread that would not stop in time is kept (never destroyed running), and every thread still
running at interpreter exit is stopped first.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import traceback
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from core.errors import LoadCancelled, UserError
from core.predictions import CHUNK_ROWS

if TYPE_CHECKING:  # pandas and the classify engine load on first use, not with the window (0.35 s)
    import pandas as pd

    from core.classify import Predictions

STOP_WAIT_MS = 30_000  # how long shutdown waits for a read in progress (a chunk takes milliseconds)
_ORPHANS: list = []  # threads that would not stop in time: kept so they are never destroyed running
_RUNNING: dict = {}  # id(state) -> (thread, worker, state) for every started thread, until it is stopped

@dataclass(frozen=True)
class Job:
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
class Result:
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
    done = Signal(int, object)  # job, Result
    written = Signal(int, str)  # job, path: an export is complete
    failed = Signal(int, str)  # job, message for the person
    cancelled = Signal(int)  # job

    _niced = False

    @Slot(object)
    def run(self, job: Job):
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

    def _export(self, job: Job):
        def progress(done, total):
            self.progress.emit(job.number, "export", done, total)

        from core.predictions import write_error_message, write_predictions_csv

        try:
            ok = write_predictions_csv(job.predictions, job.export_to, job.cancel, progress, job.chunk_rows)
        except OSError as e:
            self.failed.emit(job.number, write_error_message(job.export_to, e))
            return
        except Exception as e:  # a bug: said, never a dead thread
            traceback.print_exc()
            self.failed.emit(job.number, f"internal error while exporting: {type(e).__name__}: {e}")
            return
        if ok:
            self.written.emit(job.number, str(job.export_to))
        else:
            self.cancelled.emit(job.number)

    def _classify(self, job: Job) -> Result | None:
        from core.classify import Predictions, check_header, classify_frame
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
            check_header(job.model, df, header, job.path)
        else:
            df = job.frame
        n = len(df)
        parts = []
        regression = getattr(job.model, "is_regression", False)
        if regression:
            from core.classify import predict_values_frame
        for a in range(0, max(n, 1), job.chunk_rows):
            if job.cancel.is_set():
                return None
            # classify_frame is row by row: chunks give the same answer as the whole table at once
            part = df.iloc[a:a + job.chunk_rows]
            parts.append(predict_values_frame(job.model, part, path=job.path, decimal=decimal)
                         if regression else
                         classify_frame(job.model, part, path=job.path, decimal=decimal))
            self.progress.emit(job.number, "classify", min(a + job.chunk_rows, n), n)
        if job.cancel.is_set():
            return None
        pred = Predictions(table=df,
                           predicted=np.concatenate([p.predicted for p in parts]),
                           probabilities=np.concatenate([p.probabilities for p in parts]),
                           valid=np.concatenate([p.valid for p in parts]),
                           class_names=() if regression else tuple(job.model.class_names),
                           features=np.concatenate([p.features for p in parts]),
                           first_line=2 if header else 1, lines=job.lines,
                           values=np.concatenate([p.values for p in parts]) if regression else None)
        if fmt is not None:
            pred = pred.located(fmt, job.path)  # blank lines in the file: each row's own line
        return Result(pred, pred.counts(), job.epoch, job.model, job.path, decimal, header)



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


class ThreadState:
    """What the destruction hook needs, with no reference to the panel."""

    def __init__(self):
        self.cancel: threading.Event | None = None
        self.closed = False


def stop_thread(thread: QThread, worker: QObject, state: ThreadState, *_):
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


def start_thread(thread: QThread, worker: QObject, state: ThreadState):
    """Start the worker's thread (at low priority) unless it runs; stop_thread or the exit hook
    stops it."""
    if not thread.isRunning():
        _RUNNING[id(state)] = (thread, worker, state)
        thread.start(QThread.Priority.LowPriority)


@atexit.register
def _stop_all():
    """At interpreter exit, before Qt objects are torn down in no particular order: a panel never
    shut down (a script, an exception) must not leave its thread to be destroyed while running."""
    for thread, worker, state in list(_RUNNING.values()):
        stop_thread(thread, worker, state)
