"""The window's side of the training engine, which runs in its own process (core/engine_server.py).

`TrainingWorker` keeps the interface of a worker thread — commands as method calls, results as Qt
signals tagged with the generation (one per reset), so the window can drop anything from before its
last reset — but the Trainer lives in a child process started with multiprocessing's spawn method.
Commands go out through a sender thread (a big dataset never blocks the GUI thread on a full pipe);
a reader QThread turns the engine's answers into signals. pause and cancel are shared Events.

Engine processes are pooled: a closed window hands its engine back (after a "release" handshake
that guarantees none of its messages reach the next window), so a second window, or a test suite
opening fifty, does not pay the 1-2 s torch import again. The window starts its engine right after
its first paint, so torch loads on the second core while the views are built. If the engine dies
(killed, out of memory), `lost` says so; the window starts a new engine from its last snapshot.

With `remote=(address, key, key_name)` (`main.py --engine HOST:PORT --key-file FILE`) the engine is
core.engine_link.RemoteEngine instead, a server on another machine: same commands and answers, pause
and cancel as messages, never pooled, and never replaced by a local engine when the connection fails.
"""

from __future__ import annotations

import atexit
import queue
import sys
import threading

from PySide6.QtCore import QObject, QThread, Signal

from core.engine_server import SetupRequest, serve

__all__ = ["SetupRequest", "TrainingWorker"]

SHUTDOWN_S = 10.0  # how long a closing window waits for its engine to finish the current batch

_idle: list[EngineProcess] = []  # started engines no window is using
_started: list[EngineProcess] = []


class EngineProcess:
    """One child process running core.engine_server.serve, with its two pipes and two Events."""

    def __init__(self):
        import multiprocessing as mp  # here: ~50 ms the window's first paint does not wait for

        ctx = mp.get_context("spawn")  # never fork a process that runs Qt threads
        commands_in, self.commands = ctx.Pipe(duplex=False)
        self.answers, answers_out = ctx.Pipe(duplex=False)
        self.pause = ctx.Event()
        self.cancel = ctx.Event()
        self.process = ctx.Process(target=serve, name="neurowatch-engine", daemon=True,
                                   args=(commands_in, answers_out, self.pause, self.cancel))
        self.process.start()
        commands_in.close()  # the child holds these ends; closing ours lets EOF reach us if it dies
        answers_out.close()
        _started.append(self)

    poolable = True

    @property
    def pid(self) -> int | None:
        return self.process.pid

    # the window-side engine interface shared with core.engine_link.RemoteEngine
    def open(self):
        pass

    def send(self, msg):
        self.commands.send(msg)

    def recv(self):
        return self.answers.recv()

    def set_pause(self):
        self.pause.set()

    def clear_pause(self):
        self.pause.clear()

    def set_cancel(self):
        self.cancel.set()

    def kill(self):
        self.process.kill()

    def lost_text(self) -> str:
        return f"The training engine stopped unexpectedly: {self.exit_text()}."

    def alive(self) -> bool:
        return self.process.is_alive()

    def exit_text(self) -> str:
        self.process.join(1.0)
        code = self.process.exitcode
        if code is None:
            return "it stopped answering"
        if code < 0:
            import signal

            try:
                return f"it was killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"it was killed by signal {-code}"
        return f"it exited with code {code}"

    def stop(self, timeout: float = 2.0):
        if self.process.is_alive():
            try:
                self.commands.send(("quit",))
            except (OSError, ValueError):
                pass
            self.process.join(timeout)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(2.0)
        for c in (self.commands, self.answers):
            c.close()
        if self in _started:
            _started.remove(self)


def _acquire() -> EngineProcess:
    while _idle:
        e = _idle.pop()
        if e.alive():
            e.pause.clear()
            e.cancel.clear()
            return e
        e.stop()
    return EngineProcess()


@atexit.register
def _stop_all():
    for e in list(_started):
        e.stop(timeout=1.0)


class _Reader(QThread):
    """Reads the engine's answers and emits them as the worker's signals."""

    def __init__(self, worker: TrainingWorker):
        super().__init__()
        self.setObjectName("engine-reader")
        self.worker = worker
        self.released = False

    def run(self):
        w = self.worker
        engine, token = w.engine, w._token
        try:
            engine.open()  # a remote engine connects here, off the GUI thread
        except (ConnectionError, OSError):
            if not w._closing:
                w.lost.emit(engine.lost_text())
            return
        while True:
            try:
                msg = engine.recv()
            except (EOFError, OSError):
                if not w._closing:
                    w.lost.emit(engine.lost_text())
                return
            except Exception as e:  # an answer that cannot be unpickled: report, read on
                w.failed.emit(w.generation, f"could not read the engine's answer: "
                                            f"{type(e).__name__}: {e}")
                continue
            kind, args = msg[0], msg[1:]
            if kind == "released":
                if args[0] == token:
                    self.released = True
                    return
            elif kind == "ready":
                gen, snap, info = args
                dataset, extra = w._requests.pop(gen, (None, {}))
                if info.get("dataset") is None:
                    info["dataset"] = dataset
                info["extra"] = extra
                w.ready.emit(gen, snap, info)
            elif kind == "setup_failed":
                w._requests.pop(args[0], None)
                w.setup_failed.emit(*args)
            else:
                getattr(w, kind).emit(*args)


class TrainingWorker(QObject):
    ready = Signal(int, object, object)  # generation, epoch-0 snapshot, info dict
    setup_failed = Signal(int, str)  # generation, message
    progress = Signal(int, float)  # generation, fraction of the CSV read
    snapshots = Signal(int, object)  # generation, list of EpochSnapshot (oldest first)
    diverged = Signal(int, str, object)  # generation, message, snapshot of the restored weights
    failed = Signal(int, str)  # generation, message: training stopped, the engine lives on
    stopped = Signal(int, int)  # generation, epoch: a step or a play run has ended
    result = Signal(int, str, object)  # generation, kind, payload: answers to call()
    lost = Signal(str)  # the engine process died (message); restart() starts a new one

    def __init__(self, parent=None, remote=None):
        super().__init__(parent)
        self.remote = remote  # (address, key, key_name) of a remote engine, or None: a local one
        self.engine: EngineProcess | None = None
        self.generation = -1
        self._token = 0
        self._closing = False
        self._requests: dict = {}  # generation -> (dataset, extra) kept here, not sent round trip
        self._outbox: queue.SimpleQueue = queue.SimpleQueue()
        self._sender: threading.Thread | None = None
        self.reader = _Reader(self)
        self._start()

    # -- the engine's life --------------------------------------------------------------------
    def _start(self):
        if self.remote is not None:
            from core.engine_link import RemoteEngine

            self.engine = RemoteEngine(*self.remote)
        else:
            self.engine = _acquire()
        self._closing = False
        self._token += 1
        self._outbox = queue.SimpleQueue()
        self._sender = threading.Thread(target=self._send_loop, args=(self.engine, self._outbox),
                                        name="engine-sender", daemon=True)
        self._sender.start()
        self.reader.released = False
        self.reader.start()

    def _send_loop(self, engine: EngineProcess, outbox: queue.SimpleQueue):
        while (msg := outbox.get()) is not None:
            try:
                engine.send(msg)
            except (OSError, ValueError):
                return  # the engine is gone; the reader reports it
            except Exception as e:  # e.g. a job that cannot be pickled
                gen = msg[1] if len(msg) > 1 and isinstance(msg[1], int) else self.generation
                self.failed.emit(gen, f"could not send {msg[0]!r} to the training engine: "
                                      f"{type(e).__name__}: {e}")

    def _post(self, *msg):
        if self.engine is not None:
            self._outbox.put(msg)

    def is_running(self) -> bool:
        return self.engine is not None

    def engine_alive(self) -> bool:
        return self.engine is not None and self.engine.alive() and self.reader.isRunning()

    def restart(self):
        """After `lost`: a new engine (the caller sets its network up again)."""
        self.shutdown()
        self._start()

    def shutdown(self, timeout: float = SHUTDOWN_S):
        """Cancel what runs, hand the engine back to the pool (or stop it); safe to call twice."""
        e = self.engine
        if e is None:
            return
        self._closing = True
        if e.alive():
            e.set_cancel()
            e.set_pause()
        # (not for a dead engine: killed inside pause.wait(), the throttle between epochs, it left
        # the Event's condition counting a sleeper that never wakes, and set() blocked for ever)
        self._post("release", self._token)
        self._outbox.put(None)  # the sender ends after the release
        if self.remote is not None and e.conn is None:
            e.stop()  # a remote engine still connecting (a busy or silent server): give up now
        if not self.reader.wait(int(timeout * 1000)):
            print(f"warning: the training engine did not stop within {timeout:g} s; killing it",
                  file=sys.stderr)
            e.kill()
            self.reader.wait()
        self._sender.join(timeout)
        if self.reader.released and e.alive() and e.poolable:
            _idle.append(e)
        else:
            e.stop()
        self.engine = None
        self._requests.clear()

    @property
    def pid(self) -> int | None:
        """The engine process's id (None when there is none)."""
        return self.engine.pid if self.engine is not None else None

    # -- commands (GUI thread) ----------------------------------------------------------------
    def setup(self, generation: int, req: SetupRequest):
        self.generation = generation
        self._requests = {generation: (req.dataset, dict(req.extra))}
        self._post("setup", generation, SetupRequest(
            config=req.config, dataset=req.dataset, path=req.path, label=req.label,
            features=req.features, initial=req.initial, initial_epoch=req.initial_epoch,
            scaler=req.scaler))

    def step(self, generation: int):
        if not self._remote_gone():
            self._post("step", generation)

    def play(self, generation: int):
        if not self._remote_gone():
            self._post("play", generation)

    def _remote_gone(self) -> bool:
        """A remote engine whose connection was lost: say so again (the window offers Reconnect)."""
        if self.remote is None or self.engine is None or self.reader.isRunning():
            return False
        self.lost.emit(self.engine.lost_text())
        return True

    def call(self, generation: int, fn):
        """Run fn(trainer) in the engine; fn must be picklable (a module-level function or a
        functools.partial of one). A (kind, payload) it returns comes back as `result`."""
        self._post("call", generation, fn)

    def clear_pause(self):
        """Before play: a pause requested earlier must not stop the new run."""
        if self.engine is not None:
            self.engine.clear_pause()

    def request_pause(self):
        if self.engine is not None and self.engine.alive():  # (see shutdown: a dead one can hang set())
            self.engine.set_pause()

    def request_cancel(self):
        """Abandon the current epoch (reset, close): restores its starting weights."""
        if self.engine is not None and self.engine.alive():
            self.engine.set_cancel()
            self.engine.set_pause()

    def set_speed(self, epochs_per_second: float):
        self._post("speed", max(0.0, float(epochs_per_second)))

    def set_study(self, key):
        """Follow the loss as a function of one weight (layer, out, in) while training; None stops."""
        self._post("study", tuple(key) if key is not None else None)

    def update_settings(self, **settings):
        """learning_rate / optimizer / momentum / batch_size: applied before the next epoch."""
        self._post("settings", settings)
