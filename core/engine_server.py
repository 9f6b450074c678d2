"""The training engine's own process: the Trainer runs here, away from the window's interpreter.

Why a process and not a thread: PySide6 holds the GIL while Qt paints, and the trainer's Python
between torch ops holds it while the GUI wants to draw. In one process the two took turns on the
GIL and training ran at 0.6-0.7 of headless speed with 40-60 ms hiccups in the GUI; in two processes
each has its own interpreter and core (see BENCHMARKS.md).

The window (gui/worker.py) starts `serve` with multiprocessing's spawn method and talks to it
through two one-way pipes. Everything crossing is plain picklable data: commands in, numpy snapshots
and messages out. torch is imported only here; the window's process never needs it.

Commands (tuples, first item the kind):
    ("setup", generation, SetupRequest)   build a trainer (loading the CSV here if a path is given)
    ("step", generation) / ("play", generation)
    ("call", generation, fn)              run fn(trainer); a (kind, payload) it returns is sent back
    ("speed", epochs_per_second) / ("study", key or None) / ("settings", dict)   applied at once,
                                          also during play (the play loop polls the pipe each epoch)
    ("release", token)                    forget the trainer; answered ("released", token)
    ("quit",)
pause and cancel are multiprocessing Events shared with the window, checked between batches.

Answers: ("ready", generation, snapshot, info), ("setup_failed", generation, message),
("progress", generation, fraction), ("snapshots", generation, [snapshots]),
("diverged", generation, message, snapshot), ("failed", generation, message),
("stopped", generation, epoch), ("result", generation, kind, payload), ("released", token).
"""

from __future__ import annotations

import time
import traceback
from collections import deque
from dataclasses import dataclass, field

from core.errors import EpochCancelled, UserError

EMIT_INTERVAL = 0.012  # seconds: snapshots are sent in batches at most ~80 times a second
STUDY_INTERVAL = 0.2  # seconds: at most five loss-vs-weight curves a second while training
CONTROLS = ("speed", "study", "settings")


@dataclass(frozen=True)
class SetupRequest:
    """What to build: a dataset (or a CSV path to load), the settings, optional starting weights."""

    config: object  # core.config.TrainConfig
    dataset: object = None  # core.dataset.Dataset
    path: str | None = None
    label: str | None = None
    features: tuple | None = None
    initial: tuple | None = None  # (weights, biases) to start from, e.g. a loaded network
    initial_epoch: int = 0
    extra: dict = field(default_factory=dict)  # kept by the window, handed back with `ready`
    scaler: object = None  # core.split.Scaler to use instead of fitting one (an imported network's)


def serve(commands, answers, pause_event, cancel_event):
    """The child process's entry point: answer commands until "quit" or the window goes away."""
    Engine(commands, answers, pause_event, cancel_event).loop()


class Engine:
    def __init__(self, commands, answers, pause_event, cancel_event):
        self.commands, self.answers = commands, answers
        self.pause, self.cancel = pause_event, cancel_event
        self.trainer = None
        self.generation = -1
        self.speed = 0.0  # epochs per second; 0 = as fast as possible
        self.study = None  # (layer, out, in) of the weight whose loss curve is followed
        self.last_study = 0.0
        self.pending: dict = {}
        self.deferred: deque = deque()

    def send(self, *msg):
        try:
            self.answers.send(msg)
        except (BrokenPipeError, EOFError, ConnectionError):
            raise SystemExit(0) from None  # the window is gone: nobody to answer
        except Exception as e:  # e.g. a payload that cannot be pickled: say so instead
            if msg[0] in ("failed", "setup_failed"):
                raise
            self.answers.send(("failed", msg[1] if len(msg) > 1 else -1,
                               f"could not send {msg[0]!r} to the window: {type(e).__name__}: {e}"))

    def loop(self):
        import torch

        torch.set_grad_enabled(True)
        while True:
            if self.deferred:
                msg = self.deferred.popleft()
            else:
                try:
                    msg = self.commands.recv()
                except (EOFError, OSError):
                    return  # the window closed its end
            if msg[0] == "quit":
                return
            try:
                self.handle(msg)
            except SystemExit:
                return
            except Exception as e:  # a bug in a handler: report it, never die
                traceback.print_exc()
                gen = msg[1] if len(msg) > 1 and isinstance(msg[1], int) else self.generation
                self.send("failed", gen, f"internal error in the training engine: "
                                         f"{type(e).__name__}: {e}")

    def handle(self, msg):
        kind = msg[0]
        if kind in CONTROLS:
            self.control(msg)
        elif kind == "setup":
            self.setup(msg[1], msg[2])
        elif kind in ("step", "play"):
            if msg[1] == self.generation and self.trainer is not None:
                self.run(msg[1], max_epochs=1 if kind == "step" else None)
        elif kind == "call":
            self.call(msg[1], msg[2])
        elif kind == "release":
            self.trainer, self.generation, self.study = None, -1, None
            self.pending.clear()
            self.send("released", msg[1])
        else:
            raise ValueError(f"unknown command {kind!r}")

    def control(self, msg):
        kind, value = msg
        if kind == "speed":
            self.speed = max(0.0, float(value))
        elif kind == "study":
            self.study = tuple(value) if value is not None else None
            self.last_study = 0.0
        else:
            self.pending.update(value)

    def poll_controls(self):
        """During play: apply control messages now, keep commands for after the run."""
        while self.commands.poll():
            msg = self.commands.recv()
            if msg[0] in CONTROLS:
                self.control(msg)
            else:
                self.deferred.append(msg)

    # -- commands -----------------------------------------------------------------------------
    def setup(self, generation: int, req: SetupRequest):
        import torch

        from core.dataset import load_csv
        from core.split import split
        from core.trainer import Trainer, configure_threads

        self.cancel.clear()
        try:
            ds = req.dataset if req.dataset is not None else load_csv(
                req.path, label=req.label, features=list(req.features) if req.features else None,
                progress=lambda f: self.send("progress", generation, f), cancel=self.cancel)
            from core.derived import with_derived  # the derived inputs, if any, as features

            data = split(with_derived(ds, req.config.derived), req.config.val_fraction, req.config.seed,
                         scaler=req.scaler)
            trainer = Trainer(data, req.config, initial=req.initial)
            trainer.epoch = int(req.initial_epoch)
            threads = configure_threads(trainer.spec, len(data.X_train))
            snap = trainer.snapshot()
        except UserError as e:  # bad data, or the read was cancelled (that cancel is used up)
            self.cancel.clear()
            self.send("setup_failed", generation, str(e))
            return
        except Exception as e:  # a bug: say so, keep the engine and the old network alive
            traceback.print_exc()
            self.send("setup_failed", generation, f"internal error while setting up: "
                                                  f"{type(e).__name__}: {e}")
            return
        self.pending.clear()
        self.trainer, self.generation = trainer, generation
        cuda = torch.cuda.is_available()
        # trainer.config: the task (and its loss) follow the data
        info = dict(dataset=ds if req.dataset is None else None, data=data, config=trainer.config,
                    device=str(trainer.device), device_reason=trainer.device_reason, cuda=cuda,
                    cuda_name=torch.cuda.get_device_name(0) if cuda else "", threads=threads)
        self.send("ready", generation, snap, info)

    def call(self, generation: int, fn):
        if generation != self.generation or self.trainer is None:
            return
        try:
            out = fn(self.trainer)
        except UserError as e:
            self.send("failed", generation, str(e))
            return
        except Exception as e:  # reported, never a dead engine
            traceback.print_exc()
            self.send("failed", generation, f"{type(e).__name__}: {e}")
            return
        if isinstance(out, tuple) and len(out) == 2 and isinstance(out[0], str):
            self.send("result", generation, out[0], out[1])

    # -- the loop -----------------------------------------------------------------------------
    def apply_pending(self):
        pending, self.pending = self.pending, {}
        if not pending:
            return
        t = self.trainer
        if "optimizer" in pending or "momentum" in pending:
            t.set_optimizer(pending.get("optimizer", t.config.optimizer),
                            lr=pending.get("learning_rate"), momentum=pending.get("momentum"))
        elif "learning_rate" in pending:
            t.set_learning_rate(pending["learning_rate"])
        if "batch_size" in pending:
            t.set_batch_size(pending["batch_size"])
        cures = {k: pending[k] for k in ("l1", "l2", "dropout", "early_stopping") if k in pending}
        if cures:
            t.set_regularisation(**cures)

    def study_slice(self, generation: int, snap, now: float):
        key = self.study
        if key is None or now - self.last_study < STUDY_INTERVAL:
            return
        self.last_study = now
        from core.teaching import loss_slice

        try:
            s = loss_slice(self.trainer, *key, snapshot=snap)
        except UserError:  # the weight no longer exists (the network was rebuilt)
            self.study = None
            return
        self.send("result", generation, "loss_slice", s)

    def run(self, generation: int, max_epochs: int | None):
        from core.errors import DivergenceError

        t = self.trainer
        batch: list = []
        last_emit = time.perf_counter()
        done = 0
        next_due = time.perf_counter()
        try:
            while True:
                self.poll_controls()
                if self.cancel.is_set():
                    break
                self.apply_pending()
                try:
                    snap = t.train_epoch(snapshot=True, cancel=self.cancel)
                except EpochCancelled:
                    break
                except DivergenceError as e:
                    self.flush(generation, batch)
                    self.send("diverged", generation, str(e), t.snapshot())
                    break
                batch.append(snap)
                done += 1
                now = time.perf_counter()
                self.study_slice(generation, snap, now)
                if now - last_emit >= EMIT_INTERVAL:
                    self.flush(generation, batch)
                    last_emit = now
                if max_epochs is not None and done >= max_epochs:
                    break
                if self.pause.is_set():
                    break
                if self.speed > 0:
                    next_due = max(next_due + 1.0 / self.speed, now - 0.5)
                    if self.wait_for_due(next_due):
                        break
        except UserError as e:
            self.send("failed", generation, str(e))
        except Exception as e:
            traceback.print_exc()
            self.send("failed", generation, f"training stopped by an internal error: "
                                            f"{type(e).__name__}: {e}")
        finally:
            self.flush(generation, batch)
            self.send("stopped", generation, t.epoch)

    def wait_for_due(self, due: float) -> bool:
        """Sleep until `due` (slow play), staying responsive; True when paused meanwhile."""
        while (left := due - time.perf_counter()) > 0:
            if self.pause.wait(min(left, 0.05)):
                return True
            self.poll_controls()
            if self.speed == 0:
                return False
        return False

    def flush(self, generation: int, batch: list):
        if batch:
            self.send("snapshots", generation, list(batch))
            batch.clear()


# -- jobs the window sends with ("call", generation, functools.partial(job, ...)) ---------------
def loss_slice_job(key, snapshot, trainer):
    """The loss as a function of one weight (layer, out, in), around `snapshot`'s weights."""
    from core.teaching import loss_slice

    return "loss_slice", loss_slice(trainer, *key, snapshot=snapshot)


def lr_demo_job(config, trainer):
    """Three copies of the network trained at three learning rates, on the engine's data."""
    from core.lr_demo import run_demo

    return "lr_demo", run_demo(trainer.data, config)


def overfit_demo_job(config, trainer):
    """Four copies of one network on a small training share: no cure, L2, dropout, early stopping."""
    from core.overfit_demo import run_demo

    return "overfit_demo", run_demo(trainer.data, config)
