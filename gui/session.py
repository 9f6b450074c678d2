"""One training session: the data, the settings, the engine, the history, and what is shown.

The window and its panels read this object and listen to its signals; they never talk to the engine
themselves. Commands (step, play, pause, rebuild, view an epoch, light an observation, change a
setting) are methods; the engine's answers come back as signals tagged with a generation (one per
rebuild), and anything from before the last rebuild is dropped here, so no panel needs to check.

The session asks nothing of the person (no dialogs): the window asks first and then commands.
"""

from __future__ import annotations

import functools
import sys
import time
from collections import deque
from pathlib import Path

from PySide6.QtCore import QObject, Signal

ENGINE_RETRY_S = 30  # an engine lost again within this many seconds is not restarted automatically
PENGUINS = Path(__file__).resolve().parent.parent / "resources" / "penguins.csv"


class Session(QObject):
    # a new network is in charge: its epoch-0 (or restored) snapshot and the engine's info dict
    networkReady = Signal(object, object)
    building = Signal(bool)  # a rebuild was asked for (True: the first network, the engine may be starting)
    setupFailed = Signal(str, bool)  # message, and whether the person cancelled it
    epochsAdded = Signal(object)  # list of new snapshots, oldest first
    viewChanged = Signal(object)  # the epoch viewed on the timeline (None: live)
    playingChanged = Signal(bool)
    observationChanged = Signal(object)  # raw feature vector lit in the views, or None
    settingsApplied = Signal(object)  # dict of settings the engine applies from the next epoch
    result = Signal(str, object)  # kind, payload: answers to call()
    loadProgress = Signal(float)  # fraction of a CSV the engine has read
    stoppedEarly = Signal(int, float, int)  # best epoch, its validation loss, the patience
    error = Signal(str, str)  # title, message: something the person must be told
    # a file named on the command line could not be used as it was (path, message); the
    # penguins are open instead, and the window offers to choose the file's columns
    fileRefused = Signal(str, str)
    message = Signal(str, int)  # a passing status message and how long it shows (ms)
    disconnected = Signal(str)  # the remote engine (main.py --engine) is unreachable: the message

    def __init__(self, data_path=None, verbose: bool = False, parent=None):
        super().__init__(parent)
        self.verbose = verbose
        self.worker = None  # gui.worker.TrainingWorker, once start_engine has run
        self.history = None  # core.history.History, likewise
        self.generation = 0  # one per rebuild asked for
        self.active_generation = -1  # the generation whose network is in charge
        self.dataset = None  # core.dataset.Dataset
        self.data = None  # its split and scaled arrays
        self.config = None  # core.config.TrainConfig of the network in charge
        self._config = None  # that of the rebuild asked for last
        self.latest = None  # the newest snapshot
        self.device_text = "starting…"
        self.cuda = (False, "")
        self.playing = False
        self.viewing: int | None = None  # a past epoch chosen on the timeline; None = follow live
        self.observation = None  # raw feature vector whose forward pass is lit, or None
        self.study = None  # (layer, out, in) of the weight whose loss slice is followed
        self.saved_epoch = 0  # the epoch last saved to (or opened from) a file
        self.best_epoch: int | None = None  # the epoch of the lowest validation loss so far
        self.fixed_scaler = None  # an imported network's feature scaling (core.split.Scaler), kept
        self.best_val_loss = float("inf")
        self._runs = 0  # step and play runs the engine has not finished
        self._rates: deque = deque(maxlen=64)
        self._engine_lost_at = -1e9
        self.load_cancelled = False
        self._request_path = None  # the file the pending rebuild reads
        self._queued: str | None = None  # 'step' or 'play' asked for before the network was ready
        self._pending_source = dict(path=str(data_path) if data_path else None)
        self.remote = None  # (address, key, key_name) of a remote engine (main.py --engine), else None

    # -- the engine ---------------------------------------------------------------------------
    def start_engine(self):
        from core.history import History
        from gui.worker import TrainingWorker

        self.history = History()
        self.worker = w = TrainingWorker(self, remote=self.remote)  # the trainer runs in its own process
        w.ready.connect(self._on_ready)
        w.setup_failed.connect(self._on_setup_failed)
        w.snapshots.connect(self._on_snapshots)
        w.diverged.connect(self._on_diverged)
        w.failed.connect(self._on_failed)
        w.stopped.connect(self._on_stopped)
        w.result.connect(self._on_result)
        w.progress.connect(self._on_progress)
        w.lost.connect(self._on_engine_lost)

    def shutdown(self):
        """Stop training and hand the engine back; safe to call twice."""
        if self.worker is None or not self.worker.is_running():
            return
        self._set_playing(False)
        self.worker.shutdown()

    # -- what is shown --------------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        """A network is in charge and no rebuild is pending: commands go to it."""
        return self.active_generation == self.generation and self.latest is not None

    @property
    def epoch(self) -> int:
        return self.latest.epoch if self.latest is not None else 0

    @property
    def unsaved_epochs(self) -> int:
        """Epochs trained since the network was last saved or opened (0: nothing to lose)."""
        return max(0, self.epoch - self.saved_epoch) if self.latest is not None else 0

    def displayed_snapshot(self):
        if self.viewing is not None and self.history is not None:
            return self.history.nearest(self.viewing)
        return self.latest

    def kept_epochs(self) -> list[int]:
        return self.history.epochs_with_snapshots() if self.history is not None else []

    def view_epoch(self, epoch: int | None):
        """Show a past epoch (None: follow training live). Pauses a running training."""
        if epoch is not None and self.playing:
            self.pause()
        if epoch is not None and epoch >= self.epoch:
            epoch = None
        self.viewing = epoch
        self.viewChanged.emit(epoch)

    def set_observation(self, x_raw):
        """Light the forward pass of one observation (raw feature values), or clear it (None)."""
        import numpy as np

        self.observation = None if x_raw is None else np.asarray(x_raw, dtype=np.float64).ravel()
        self.observationChanged.emit(self.observation)

    def epochs_per_second(self) -> float:
        r = [x for x in self._rates if x[0] > time.perf_counter() - 2.0]
        if len(r) < 2 or r[-1][0] <= r[0][0]:
            return 0.0
        return (r[-1][1] - r[0][1]) / (r[-1][0] - r[0][0])

    # -- commands -----------------------------------------------------------------------------
    def step(self):
        """Train one epoch. While viewing a past epoch: move one kept epoch forward instead (the
        timeline's Right); asked before the first network is ready, it runs once it is."""
        if not self.ready:
            self._queue("step")
            return
        if self.playing:
            self.pause()
        elif self.viewing is not None:
            kept = [e for e in self.kept_epochs() if e > self.viewing]
            self.view_epoch(kept[0] if kept else None)
            return
        self._runs += 1
        self.worker.step(self.generation)

    def play(self):
        if self.playing:
            return
        if not self.ready:
            self._queue("play")
            return
        if self.viewing is not None:
            self.view_epoch(None)
        self._set_playing(True)
        self.worker.clear_pause()
        self._runs += 1
        self.worker.play(self.generation)

    def pause(self):
        if self._queued == "play":
            self._queued = None
        if not self.playing:
            return
        self._set_playing(False)
        self.worker.request_pause()

    def toggle_play(self):
        if self.playing or self._queued == "play":
            self.pause()
        else:
            self.play()

    def _queue(self, what: str):
        self._queued = what
        self.message.emit("Step queued: it runs as soon as the network is ready." if what == "step"
                          else "Play queued: training starts as soon as the network is ready.", 4000)

    def _set_playing(self, playing: bool):
        if playing != self.playing:
            self.playing = playing
            self.playingChanged.emit(playing)

    def rebuild(self, source: dict | None = None, config=None):
        """Build a new network: on `source` (dataset / path / initial weights) or the current data,
        with `config` (default: the current one)."""
        from gui.worker import SetupRequest

        if self.playing:
            self.pause()
        if not self.worker.engine_alive():  # it stopped and was not restarted: try again now
            self.worker.restart()
        self.worker.request_cancel()
        src = source if source is not None else self._pending_source or {}
        self._pending_source = None
        cfg = config if config is not None else self.config
        self._config = cfg
        req = SetupRequest(config=cfg, dataset=src.get("dataset", self.dataset),
                           path=src.get("path"), label=src.get("label"),
                           features=src.get("features"), initial=src.get("initial"),
                           initial_epoch=src.get("initial_epoch", 0), extra=src.get("extra", {}),
                           scaler=self._scaler_for(src))
        if req.path is None and req.dataset is None:
            # (not core.dataset.penguins_path: that imports pandas, a second in the GUI thread)
            req = SetupRequest(config=cfg, path=str(PENGUINS), extra=req.extra)
        self._request_path = req.path
        self.generation += 1
        self.building.emit(self.active_generation < 0)
        self.worker.setup(self.generation, req)

    def _scaler_for(self, src: dict):
        """The feature scaling for a rebuild: one given (an imported network's; None: fitted), the
        kept one while going on from weights on the same data, else None (fitted on the training rows)."""
        if "scaler" in src:
            self.fixed_scaler = src["scaler"]
        elif src.get("initial") is None or src.get("dataset", self.dataset) is not self.dataset:
            self.fixed_scaler = None
        return self.fixed_scaler

    def continue_from_here(self):
        """Branch training from the epoch viewed; the old branch stays on the loss plot."""
        snap = self.displayed_snapshot()
        if snap is None or self.viewing is None:
            return
        branch = self.history.metrics()
        branch = branch[branch[:, 0] >= snap.epoch]
        self.rebuild(dict(dataset=self.dataset, initial=(snap.weights, snap.biases),
                          initial_epoch=snap.epoch,
                          extra=dict(continue_from=snap.epoch, branch=branch)))

    def apply_settings(self, changes: dict) -> bool:
        """Optimizer, learning rate, momentum or batch size, from the next epoch (also while playing)."""
        try:
            self.config = self.config.with_(**changes)
        except Exception as e:  # core.errors.UserError: a bad value
            self.error.emit("Setting not applied", str(e))
            return False
        self.worker.update_settings(**changes)
        self.settingsApplied.emit(dict(changes))
        return True

    def set_speed(self, epochs_per_second: float):
        if self.worker is not None:
            self.worker.set_speed(epochs_per_second)

    def call(self, fn):
        """Run a picklable job in the engine against the network in charge; see `result`."""
        self.worker.call(self.generation, fn)

    def set_study(self, key):
        """Follow the loss as a function of one weight (layer, out, in); None stops."""
        from core.engine_server import loss_slice_job

        self.study = tuple(key) if key is not None else None
        self.worker.set_study(self.study)
        if self.study is not None:
            self.call(functools.partial(loss_slice_job, self.study, self.latest))

    def is_loading(self) -> bool:
        return self.generation != self.active_generation

    def cancel_loading(self):
        """Stop reading the CSV the engine is loading; the current data and network stay."""
        if self.active_generation == self.generation:
            return
        self.load_cancelled = True
        self.worker.request_cancel()

    def mark_saved(self):
        self.saved_epoch = self.epoch

    # -- the engine's answers ---------------------------------------------------------------------
    def _on_ready(self, generation: int, snap, info: dict):
        if generation != self.generation:
            return
        self.active_generation = generation
        self.load_cancelled = False
        self.dataset, self.data, self.config = info["dataset"], info["data"], info["config"]
        self.device_text = info["device_reason"]
        if self.remote is not None:
            from core.engine_link import format_address

            head, sep, tail = self.device_text.partition(" (")  # "CPU on gpuhost:6006 (...)"
            self.device_text = f"{head} on {format_address(self.remote[0])}{sep}{tail}"
        self.cuda = (info["cuda"], info.get("cuda_name", ""))
        extra = info["extra"]
        if "continue_from" in extra:  # from a past epoch, or the last one after an engine restart
            self.history.truncate(extra["continue_from"])
        else:
            self.history.clear()
            self.study = None
            self.worker.set_study(None)
            self.saved_epoch = extra.get("saved_epoch", 0)
        self.history.add(snap)
        self.latest = snap
        self.viewing = None
        self._rates.clear()
        self._find_best()
        self.networkReady.emit(snap, info)
        queued, self._queued = self._queued, None
        if queued == "step":
            self.step()
        elif queued == "play":
            self.play()

    def _on_setup_failed(self, generation: int, message: str):
        if generation != self.generation:
            return
        self.generation = self.active_generation  # the previous network stays in charge
        cancelled, self.load_cancelled = self.load_cancelled, False
        self._queued = None
        if self.active_generation < 0 and self._request_path not in (None, str(PENGUINS)):
            # no network at all yet (a bad file named on the command line): the example instead
            self.fileRefused.emit(str(self._request_path),
                                  f"{message} The bundled penguins example is open instead.")
            self.rebuild(dict(path=None), self.config or self._config)
            return
        self.setupFailed.emit(message, cancelled)

    def _on_snapshots(self, generation: int, snaps: list):
        if generation != self.generation or not snaps:
            return
        now = time.perf_counter()
        for s in snaps:
            self.history.add(s)
            if self.verbose:
                print(f"epoch {s.epoch}: train loss {s.train_loss:.4f} accuracy "
                      f"{s.train_accuracy:.3f}, validation loss {s.val_loss:.4f} accuracy "
                      f"{s.val_accuracy:.3f}", file=sys.stderr, flush=True)
        self.latest = snaps[-1]
        self._rates.append((now, self.latest.epoch))
        for snap in snaps:
            if snap.val_loss < self.best_val_loss:
                self.best_epoch, self.best_val_loss = snap.epoch, snap.val_loss
        self.epochsAdded.emit(snaps)
        patience = self.config.early_stopping if self.config is not None else 0
        if patience and self.playing and self.best_epoch is not None and \
                self.latest.epoch - self.best_epoch >= patience:
            self.pause()
            self.stoppedEarly.emit(self.best_epoch, self.best_val_loss, patience)

    def _find_best(self):
        """The lowest validation loss in the history (none without a validation split)."""
        import math

        m = self.history.metrics()
        finite = [row for row in m if math.isfinite(row[3])]
        if finite:
            best = min(finite, key=lambda row: row[3])
            self.best_epoch, self.best_val_loss = int(best[0]), float(best[3])
        else:
            self.best_epoch, self.best_val_loss = None, float("inf")

    def _on_diverged(self, generation: int, message: str, snap):
        if generation == self.generation:
            self._set_playing(False)
            self.error.emit("Training diverged", message)

    def _on_failed(self, generation: int, message: str):
        if generation == self.generation:
            self._set_playing(False)
            self.error.emit("Training stopped", message)

    def _on_stopped(self, generation: int, epoch: int):
        self._runs = max(0, self._runs - 1)
        if generation == self.generation and self._runs == 0:
            self._set_playing(False)

    def _on_result(self, generation: int, kind: str, payload):
        if generation == self.generation:
            self.result.emit(kind, payload)

    def _on_progress(self, generation: int, fraction: float):
        if generation == self.generation and self.active_generation != generation:
            self.loadProgress.emit(fraction)

    def _on_engine_lost(self, message: str):
        """The engine process died: start a new one from the last snapshot; nothing is lost.

        Not twice within ENGINE_RETRY_S (an engine that cannot start would loop): then the window
        says so and Reset (Ctrl+R) tries again. A remote engine (main.py --engine) is never
        replaced, by a local one least of all: see _remote_lost."""
        finished = getattr(self.worker.engine, "finished", None) if self.worker else None
        if finished:  # a watched loop (neurowatch.watch) that ended: the network stays, no error
            self._set_playing(False)
            self._runs = 0
            self.message.emit(finished, 0)
            return
        if self.remote is not None:
            self._remote_lost(message)
            return
        was = self.latest if self.active_generation == self.generation else None
        self._set_playing(False)
        self._runs = 0
        now = time.monotonic()
        again = now - self._engine_lost_at < ENGINE_RETRY_S
        self._engine_lost_at = now
        if again:
            self.error.emit("Training engine stopped",
                            f"{message} It stopped twice within {ENGINE_RETRY_S} s, so no new one "
                            f"was started. The network shown is kept: save it with Ctrl+S. Reset "
                            f"(Ctrl+R) starts a new engine.")
            return
        self.worker.restart()
        if was is None or self.dataset is None:
            self.error.emit("Training engine stopped", f"{message} A new engine has been started.")
            self.generation = self.active_generation
            self.rebuild(None)
            return
        self.error.emit("Training engine stopped",
                        f"{message} A new engine has been started from epoch {was.epoch}; the "
                        f"network and its history are kept (the optimizer's running averages "
                        f"start afresh).")
        self.rebuild(dict(dataset=self.dataset, initial=(was.weights, was.biases),
                          initial_epoch=was.epoch, extra=dict(continue_from=was.epoch)))

    # -- a remote engine (main.py --engine HOST:PORT): never silently replaced by a local one ----
    def _remote_lost(self, message: str):
        """Wrong key, refused or dropped connection, server gone: say so, keep what is shown."""
        self._set_playing(False)
        self._runs = 0
        was = self.latest
        kept = (f" The network shown (epoch {was.epoch}) and its history are kept: save it with "
                f"Ctrl+S." if was is not None else "")
        self.disconnected.emit(f"{message}{kept} Reconnect (Training → Reconnect to engine, "
                               f"Ctrl+Shift+R) connects again"
                               f"{' and trains on from it' if was is not None else ''}.")

    def reconnect(self):
        """Connect to the remote engine again; train on from the network shown, history kept."""
        if self.worker is None:
            return
        was = self.latest if self.dataset is not None else None
        self._set_playing(False)
        self._runs = 0
        self.worker.restart()
        self.message.emit("Connecting to the training engine…", 4000)
        if was is None:  # not one network yet: ask for the first one again
            self.generation = self.active_generation
            self.rebuild(dict(path=self._request_path) if self._request_path else None)
            return
        self.rebuild(dict(dataset=self.dataset, initial=(was.weights, was.biases),
                          initial_epoch=was.epoch, extra=dict(continue_from=was.epoch)))
