"""The training worker: a QObject living in its own QThread for the window's whole life.

Commands arrive as queued signals (setup, step, play); pause and cancel are threading.Events that
the GUI sets directly, because the play loop blocks the worker's own event loop. Results leave as
signals carrying immutable numpy snapshots, tagged with the generation (one per reset), so the GUI
can drop anything from before its last reset. torch is imported here, on first setup, so the window
paints before the 1-2 s torch import.
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal, Slot

from core.errors import EpochCancelled, UserError

EMIT_INTERVAL = 0.012  # seconds: snapshots are sent in batches at most ~80 times a second


@dataclass(frozen=True)
class SetupRequest:
    """What to build: a dataset (or a CSV path to load), the settings, optional starting weights."""

    config: object  # core.trainer.TrainConfig
    dataset: object = None  # core.dataset.Dataset
    path: str | None = None
    label: str | None = None
    features: tuple | None = None
    initial: tuple | None = None  # (weights, biases) to start from, e.g. a loaded network
    initial_epoch: int = 0
    extra: dict = field(default_factory=dict)


class TrainingWorker(QObject):
    ready = Signal(int, object, object)  # generation, epoch-0 snapshot, info dict
    setup_failed = Signal(int, str)  # generation, message
    snapshots = Signal(int, object)  # generation, list of EpochSnapshot (oldest first)
    diverged = Signal(int, str, object)  # generation, message, snapshot of the restored weights
    failed = Signal(int, str)  # generation, message: training stopped, the worker lives on
    stopped = Signal(int, int)  # generation, epoch: a step or a play run has ended
    result = Signal(int, str, object)  # generation, kind, payload: answers to call()

    def __init__(self):
        super().__init__()
        self.pause_event = threading.Event()
        self.cancel_event = threading.Event()
        self._lock = threading.Lock()
        self._pending: dict = {}
        self._speed = 0.0  # epochs per second; 0 = as fast as possible
        self._trainer = None
        self._generation = -1
        self._torch_ready = False
        self._study = None  # (layer, out, in) of the weight whose loss curve is being studied
        self._last_study = 0.0

    # -- called directly from the GUI thread (thread-safe) ------------------------------------
    def request_pause(self):
        self.pause_event.set()

    def request_cancel(self):
        """Abandon the current epoch (reset, close): restores its starting weights."""
        self.cancel_event.set()
        self.pause_event.set()

    def set_speed(self, epochs_per_second: float):
        self._speed = max(0.0, float(epochs_per_second))

    def set_study(self, key):
        """Follow the loss as a function of one weight (layer, out, in) while training; None stops."""
        self._study = tuple(key) if key is not None else None
        self._last_study = 0.0

    def _study_slice(self, generation: int, snap, now: float):
        key = self._study
        if key is None or now - self._last_study < 0.2:  # at most five curves a second
            return
        self._last_study = now
        from core.teaching import loss_slice

        try:
            s = loss_slice(self._trainer, *key, snapshot=snap)
        except UserError:  # the weight no longer exists (the network was rebuilt)
            self._study = None
            return
        self.result.emit(generation, "loss_slice", s)

    def update_settings(self, **settings):
        """learning_rate / optimizer / momentum / batch_size: applied before the next epoch."""
        with self._lock:
            self._pending.update(settings)

    # -- queued slots, run in the worker thread -----------------------------------------------
    @Slot(int, object)
    def setup(self, generation: int, req: SetupRequest):
        self.cancel_event.clear()
        try:
            import torch

            from core.dataset import load_csv, split
            from core.trainer import Trainer, configure_threads

            if not self._torch_ready:
                torch.set_grad_enabled(True)  # grad mode is per thread
                self._torch_ready = True
            ds = req.dataset if req.dataset is not None else load_csv(
                req.path, label=req.label, features=list(req.features) if req.features else None)
            data = split(ds, req.config.val_fraction, req.config.seed)
            trainer = Trainer(data, req.config, initial=req.initial)
            trainer.epoch = int(req.initial_epoch)
            threads = configure_threads(trainer.spec, len(data.X_train))
            snap = trainer.snapshot()
        except UserError as e:
            self.setup_failed.emit(generation, str(e))
            return
        except Exception as e:  # a bug: say so, keep the worker and the old network alive
            traceback.print_exc()
            self.setup_failed.emit(generation, f"internal error while setting up: "
                                               f"{type(e).__name__}: {e}")
            return
        with self._lock:
            self._pending.clear()
        self._trainer, self._generation = trainer, generation
        info = dict(dataset=ds, data=data, config=req.config, device=trainer.device,
                    device_reason=trainer.device_reason, cuda=torch.cuda.is_available(),
                    cuda_name=torch.cuda.get_device_name(0) if torch.cuda.is_available() else "",
                    threads=threads, extra=req.extra)
        self.ready.emit(generation, snap, info)

    @Slot(int)
    def step(self, generation: int):
        if generation == self._generation and self._trainer is not None:
            self._run(generation, max_epochs=1)

    @Slot(int)
    def play(self, generation: int):
        if generation == self._generation and self._trainer is not None:
            self._run(generation, max_epochs=None)

    @Slot(int, object)
    def call(self, generation: int, fn):
        """Run fn(trainer) in this thread; a (kind, payload) it returns is emitted as `result`."""
        if generation == self._generation and self._trainer is not None:
            try:
                out = fn(self._trainer)
            except UserError as e:
                self.failed.emit(generation, str(e))
                return
            except Exception as e:  # reported, never a dead thread
                traceback.print_exc()
                self.failed.emit(generation, f"{type(e).__name__}: {e}")
                return
            if isinstance(out, tuple) and len(out) == 2 and isinstance(out[0], str):
                self.result.emit(generation, out[0], out[1])

    # -- the loop -----------------------------------------------------------------------------
    def _apply_pending(self):
        with self._lock:
            pending, self._pending = self._pending, {}
        if not pending:
            return
        t = self._trainer
        if "optimizer" in pending or "momentum" in pending:
            t.set_optimizer(pending.get("optimizer", t.config.optimizer),
                            lr=pending.get("learning_rate"), momentum=pending.get("momentum"))
        elif "learning_rate" in pending:
            t.set_learning_rate(pending["learning_rate"])
        if "batch_size" in pending:
            t.set_batch_size(pending["batch_size"])

    def _run(self, generation: int, max_epochs: int | None):
        from core.errors import DivergenceError

        t = self._trainer
        batch: list = []
        last_emit = time.perf_counter()
        done = 0
        next_due = time.perf_counter()
        try:
            while True:
                if self.cancel_event.is_set():
                    break
                self._apply_pending()
                try:
                    snap = t.train_epoch(snapshot=True, cancel=self.cancel_event)
                except EpochCancelled:
                    break
                except DivergenceError as e:
                    self._flush(generation, batch)
                    self.diverged.emit(generation, str(e), t.snapshot())
                    break
                batch.append(snap)
                done += 1
                now = time.perf_counter()
                self._study_slice(generation, snap, now)
                if now - last_emit >= EMIT_INTERVAL:
                    self._flush(generation, batch)
                    last_emit = now
                if max_epochs is not None and done >= max_epochs:
                    break
                if self.pause_event.is_set():
                    break
                speed = self._speed
                if speed > 0:
                    next_due = max(next_due + 1.0 / speed, now - 0.5)
                    wait = next_due - time.perf_counter()
                    if wait > 0 and self.pause_event.wait(wait):
                        break
        except UserError as e:
            self.failed.emit(generation, str(e))
        except Exception as e:
            traceback.print_exc()
            self.failed.emit(generation, f"training stopped by an internal error: "
                                         f"{type(e).__name__}: {e}")
        finally:
            self._flush(generation, batch)
            self.stopped.emit(generation, t.epoch)

    def _flush(self, generation: int, batch: list):
        if batch:
            self.snapshots.emit(generation, list(batch))
            batch.clear()
