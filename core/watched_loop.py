"""The user's own training loop seen as a training engine (`neurowatch.watch`, a module beside main.py).

The window talks to it exactly as to a remote engine (core/engine_link.py): the user's process listens
on 127.0.0.1 with a random key, the window (`main.py --engine ADDRESS --key-file FILE`, started as its
own process) connects and authenticates, then sends the same commands and reads the same answers
(core/engine_server.py's protocol). What differs is who trains: not a Trainer but the user's loop,
which calls `epoch()`; each call turns the model's Linear layers into an EpochSnapshot and, while the
window is paused, waits for its Right (step) or Space (play).

    setup   -> ("ready", gen, the model's last snapshot shown, info: the names, an identity scaling);
               a later one (rebuild, reset, another file) -> ("setup_failed", gen, why)
    step    -> the next epoch() is let through, its snapshot sent, then ("stopped", gen, epoch)
    play    -> every epoch() is let through until ("pause",) / ("cancel",), then ("stopped", ...)
    call    -> ("failed", gen, why): studies that retrain the network need the program's own trainer
    speed   -> paces epoch() while playing, as the engine paces its own epochs
    study, settings: ignored (the user's loop sets its own settings)
    release -> ("released", token)

torch is imported here only inside functions: the window's process never imports this module.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import threading
import time

import numpy as np

from core.errors import UserError

ACTIVATION_NAMES = {"ReLU": "relu", "Tanh": "tanh", "Sigmoid": "sigmoid"}
SKIPPED = ("Identity", "Dropout", "Flatten")  # no change to what the window draws
OUTPUTS = ("Softmax", "LogSoftmax")  # the window draws softmax outputs anyway
EMIT_INTERVAL = 0.012  # seconds, as core/engine_server.py: snapshots are sent in batches
CONNECT_TIMEOUT = 120.0  # seconds the first epoch() waits for the window to open


# -- the model ------------------------------------------------------------------------------------
def _leaves(module, prefix=""):
    children = list(module.named_children())
    if not children:
        yield prefix or type(module).__name__, module
        return
    for name, child in children:
        yield from _leaves(child, f"{prefix}.{name}" if prefix else name)


def linear_chain(model):
    """(Linear layers in order, the hidden activation) of a chain the window can draw; a UserError
    naming the first layer it cannot."""
    kinds = []
    for name, layer in _leaves(model):
        kind = type(layer).__name__
        if kind == "Linear" or kind in ACTIVATION_NAMES or kind in OUTPUTS:
            kinds.append((name, kind, layer))
        elif kind in SKIPPED:
            continue
        else:
            raise UserError(f"neurowatch cannot draw layer '{name}' ({kind}): the window shows chains "
                            f"of Linear layers with ReLU, Tanh or Sigmoid between them.")
    linears = [(n, lay) for n, k, lay in kinds if k == "Linear"]
    if not linears:
        raise UserError("neurowatch found no Linear layer in the model: it draws chains of Linear "
                        "layers.")
    activation, seen_linear = None, 0
    for i, (name, kind, layer) in enumerate(kinds):
        if kind == "Linear":
            if seen_linear and linears[seen_linear - 1][1].out_features != layer.in_features:
                raise UserError(f"neurowatch cannot draw layer '{name}': it takes "
                                f"{layer.in_features} inputs but the layer before gives "
                                f"{linears[seen_linear - 1][1].out_features}.")
            if seen_linear and kinds[i - 1][1] == "Linear":
                raise UserError(f"neurowatch cannot draw layer '{name}': two Linear layers without "
                                f"an activation between them.")
            seen_linear += 1
        elif kind in OUTPUTS:
            if seen_linear < len(linears) or i != len(kinds) - 1:
                raise UserError(f"neurowatch cannot draw layer '{name}' ({kind}): it can only be the "
                                f"last layer.")
        else:
            if seen_linear == len(linears):
                raise UserError(f"neurowatch cannot draw layer '{name}' ({kind}) after the last "
                                f"Linear layer: the window shows the outputs as softmax.")
            act = ACTIVATION_NAMES[kind]
            if activation not in (None, act):
                raise UserError(f"neurowatch cannot draw layer '{name}' ({kind}): the window shows "
                                f"one activation for every hidden layer, and an earlier one is "
                                f"{activation}.")
            activation = act
    return [lay for _, lay in linears], activation or "relu"


def _numpy(a, dtype=np.float32):
    if hasattr(a, "detach"):
        a = a.detach().cpu().numpy()
    return np.array(a, dtype=dtype, copy=True)


# -- the window's protocol, served from the user's process ----------------------------------------
class WatchedLoop:
    """What neurowatch.watch returns' engine: the model, the gate, and the connection to the window."""

    def __init__(self, model, feature_names=None, class_names=None, sample=None, listen=None,
                 key_file=None, window=True, announce=print):
        from core.engine_link import format_address, parse_address, read_key

        self.model = model
        self.layers, self.activation = linear_chain(model)
        n_in, n_out = self.layers[0].in_features, self.layers[-1].out_features
        self.feature_names = _names(feature_names, n_in, "feature_names", "x")
        self.class_names = _names(class_names, n_out, "class_names", "class ")
        self.sample = self._sample(sample)
        self.n_epoch = 0
        self.losses = (math.nan, math.nan)
        self._grad_sum: dict = {}  # id(parameter) -> (sum of its gradients this epoch, batches)
        self._hooks = [p.register_hook(self._hook(id(p))) for lay in self.layers
                       for p in (lay.weight, lay.bias) if p is not None and p.requires_grad]
        self._previous = self._params()
        self.accuracies = (None, math.nan)  # None: the sample's accuracy
        self.losses = (self._sample_loss(), math.nan)  # epoch 0: the loss on the sample, if any
        self._shown = self.snapshot()  # what the window last got: epoch 0 until an epoch is let through
        self._lock = threading.Condition()
        self._conn = None
        self._gone = False  # the window closed (or never came): epoch() no longer waits
        self._generation = -1
        self._mode = None  # None (paused), "step" or "play"
        self._closed = False
        self._batch: list = []  # snapshots not yet sent (a fast loop's, sent every EMIT_INTERVAL)
        self._last_emit = 0.0
        self._timer = None
        self.speed = 0.0  # epochs per second while the window plays (0: as fast as the loop goes)
        self._due = 0.0
        self._window = None
        self._tmp = None
        if listen is None:
            import secrets

            self.key = secrets.token_hex(32).encode()
            self._tmp = tempfile.mkdtemp(prefix="neurowatch-")
            key_path = os.path.join(self._tmp, "key")
            fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(self.key)
            address = ("127.0.0.1", 0)
        else:
            try:
                address, self.key, key_path = parse_address(listen), read_key(key_file), key_file
            except UserError:
                for h in self._hooks:
                    h.remove()
                raise
        from multiprocessing.connection import Listener

        try:
            # authkey=None: _serve runs the key challenge itself, with a deadline (engine_link)
            self._listener = Listener(tuple(address), authkey=None)
        except OSError as e:
            for h in self._hooks:  # the user's model as it was
                h.remove()
            raise UserError(f"neurowatch cannot listen on {format_address(address)}: "
                            f"{e.strerror or e}") from None
        self.address = format_address(self._listener.address[:2])
        if window:
            self._window = _open_window(self.address, key_path)
        else:
            announce(f"NeuroWatch engine listening on {self.address}", flush=True)
        threading.Thread(target=self._serve, name="neurowatch-window", daemon=True).start()
        import atexit

        atexit.register(self.close)  # a script that never calls close(): the window still hears

    # the model's numbers
    def _hook(self, key):
        def add(grad):  # summed over the epoch's batches; the snapshot holds their mean
            g = grad.detach()
            total, count = self._grad_sum.get(key, (0, 0))
            self._grad_sum[key] = (g.clone() if count == 0 else total + g, count + 1)
            return None
        return add

    def _params(self):
        return ([_numpy(lay.weight) for lay in self.layers],
                [_numpy(lay.bias) if lay.bias is not None else np.zeros(lay.out_features, np.float32)
                 for lay in self.layers])

    def _sample(self, sample):
        if sample is None:
            return None
        X, y = sample if isinstance(sample, (tuple, list)) and len(sample) == 2 else (sample, None)
        X = _numpy(X)
        if X.ndim != 2 or X.shape[1] != len(self.feature_names):
            raise UserError(f"neurowatch: the sample must be a batch of shape (rows, "
                            f"{len(self.feature_names)}), not {tuple(X.shape)}.")
        y = _numpy(y, np.int64).reshape(-1) if y is not None else None
        if y is not None and len(y) != len(X):
            raise UserError(f"neurowatch: the sample has {len(X)} rows but {len(y)} labels.")
        return X, y

    def snapshot(self):
        from core.snapshot import EpochSnapshot

        w, b = self._params()
        grads_w, grads_b = [], []
        for lay, wi, bi in zip(self.layers, w, b, strict=True):
            for p, ref, out in ((lay.weight, wi, grads_w), (lay.bias, bi, grads_b)):
                total, count = self._grad_sum.get(id(p), (None, 0)) if p is not None else (None, 0)
                g = total / count if count else None
                if g is None and p is not None and p.grad is not None:
                    g = p.grad
                out.append(_numpy(g) if g is not None else np.zeros_like(ref))
        self._grad_sum.clear()
        dw = [a - c for a, c in zip(w, self._previous[0], strict=True)]
        db = [a - c for a, c in zip(b, self._previous[1], strict=True)]
        self._previous = (w, b)
        given, val_accuracy = self.accuracies
        accuracy = self._accuracy() if given is None else given
        return EpochSnapshot(
            epoch=self.n_epoch, train_loss=self.losses[0], train_accuracy=accuracy,
            val_loss=self.losses[1], val_accuracy=val_accuracy, weights=tuple(w), biases=tuple(b),
            grad_weights=tuple(grads_w), grad_biases=tuple(grads_b), delta_weights=tuple(dw),
            delta_biases=tuple(db), device=str(self.layers[0].weight.device))

    def _sample_outputs(self):
        """The model's outputs on the labelled sample batch, without gradients; None without one."""
        if self.sample is None or self.sample[1] is None:
            return None
        import torch

        p = self.layers[0].weight
        with torch.no_grad():
            return self.model(torch.as_tensor(self.sample[0], device=p.device, dtype=p.dtype))

    def _accuracy(self) -> float:
        out = self._sample_outputs()
        if out is None:
            return math.nan
        return float((out.argmax(1).cpu().numpy() == self.sample[1]).mean())

    def _sample_loss(self) -> float:
        out = self._sample_outputs()
        if out is None:
            return math.nan
        import torch

        y = torch.as_tensor(self.sample[1], device=out.device)
        return float(torch.nn.functional.cross_entropy(out, y))

    def info(self):
        from core.config import TrainConfig
        from core.dataset import Dataset
        from core.split import Scaler, Split

        if self.sample is not None:
            X = self.sample[0]
            y = self.sample[1] if self.sample[1] is not None else self._predicted(X)
        else:  # no rows given: one row of zeros per class, so the views have something to show
            X = np.zeros((len(self.class_names), len(self.feature_names)), np.float32)
            y = np.arange(len(self.class_names), dtype=np.int64)
        ro = _read_only
        n = len(X)
        ds = Dataset(X=ro(X), y=ro(y), feature_names=self.feature_names,
                     class_names=self.class_names, label_name="label", rows_total=n, rows_dropped=0)
        f = len(self.feature_names)
        data = Split(X_train=ro(X), y_train=ro(y), X_val=ro(X[:0]), y_val=ro(y[:0]),
                     scaler=Scaler(mean=np.zeros(f, np.float32), std=np.ones(f, np.float32)),
                     feature_names=self.feature_names, class_names=self.class_names,
                     train_index=ro(np.arange(n)), val_index=ro(np.arange(0)))
        hidden = tuple(lay.out_features for lay in self.layers[:-1])
        config = TrainConfig(hidden=hidden, activation=self.activation, val_fraction=0.0)
        return dict(dataset=ds, data=data, config=config, device="cpu",
                    device_reason="your loop (your own PyTorch training loop, neurowatch.watch)", cuda=False,
                    cuda_name="", threads=1)

    def _predicted(self, X):
        import torch

        p = self.layers[0].weight
        with torch.no_grad():
            return self.model(torch.as_tensor(X, device=p.device, dtype=p.dtype)).argmax(1).cpu().numpy()

    # the connection
    def _send(self, *msg):
        conn = self._conn
        if conn is None:
            return
        try:
            conn.send(msg)
        except (OSError, ValueError):
            self._lost()

    def _lost(self):
        with self._lock:
            if not self._gone and not self._closed:
                print("neurowatch: the window was closed; your training goes on.", file=sys.stderr,
                      flush=True)
            self._gone, self._conn = True, None
            self._lock.notify_all()

    def _serve(self):
        """One window at a time; after one disconnects, the next may connect (Reconnect, or
        `main.py --engine` again): it gets the model as last shown, and gates the loop again."""
        from multiprocessing import AuthenticationError

        from core.engine_link import authenticate, handshake_seconds

        while True:
            try:
                conn = self._listener.accept()
                try:
                    authenticate(conn, self.key, handshake_seconds())
                except BaseException:
                    conn.close()
                    raise
            except AuthenticationError:
                continue  # a peer without the key: nothing of it was read
            except (OSError, EOFError):  # (a silent peer's TimeoutError too)
                if self._closed:
                    self._lost()
                    return
                continue  # a handshake that failed half-way
            with self._lock:
                self._conn, self._gone, self._generation, self._mode = conn, False, -1, None
                self._lock.notify_all()
            while True:
                try:
                    msg = conn.recv()
                except (EOFError, OSError):
                    self._lost()
                    break
                except Exception:  # an authenticated but unreadable message: ignore it
                    continue
                if isinstance(msg, tuple) and msg:
                    self._handle(msg)

    def _handle(self, msg):
        kind = msg[0]
        with self._lock:
            if kind == "setup":
                if self._generation >= 0:  # a rebuild, reset or other file: would drop the history
                    sizes = "-".join(map(str, self._shown.layer_sizes))
                    self._send("setup_failed", msg[1], (
                        f"The network here is your own training loop's ({sizes}, "
                        f"{self.activation}): the window cannot rebuild, reset or retrain it on "
                        f"other data. Change it in your script; its history here is kept."))
                    return
                self._generation, self._mode = msg[1], None
                self._send("ready", msg[1], self._shown, self.info())
            elif kind in ("step", "play"):
                if msg[1] != self._generation:
                    return
                if self._closed:  # the loop has finished: nothing more will come
                    self._send("stopped", msg[1], self._shown.epoch)
                    return
                self._mode = kind
            elif kind in ("pause", "cancel"):
                if self._mode is not None:
                    self._mode = None
                    self._flush()
                    self._send("stopped", self._generation, self._shown.epoch)
            elif kind == "speed":
                self.speed = max(0.0, float(msg[1]))
            elif kind == "call":
                self._send("failed", msg[1], "This needs the program's own trainer: it is not "
                                             "available while watching your own training loop.")
            elif kind == "release":
                self._send("released", msg[1])
            elif kind == "quit":
                return
            self._lock.notify_all()

    def _wait_for_window(self):
        end = time.monotonic() + CONNECT_TIMEOUT
        while self._conn is None and not self._gone and time.monotonic() < end:
            self._lock.wait(0.25)
            if self._window is not None and self._window.poll() is not None and self._conn is None:
                break  # the window closed (or failed to start) before it connected
        if self._conn is None and not self._gone:
            print("neurowatch: the window did not connect; your training goes on without it.",
                  file=sys.stderr, flush=True)
            self._gone = True

    @property
    def connected(self) -> bool:
        return self._conn is not None

    # what the user's loop calls
    def epoch(self, loss=None, val_loss=None, accuracy=None, val_accuracy=None):
        self.n_epoch += 1
        self.losses = (_float(loss), _float(val_loss))
        self.accuracies = (None if accuracy is None else _float(accuracy), _float(val_accuracy))
        with self._lock:
            if self._conn is None and not self._gone and not self._closed:  # the window is opening
                self._wait_for_window()
            self._lock.wait_for(lambda: self._gone or self._closed or self._mode is not None)
            if self._gone or self._closed:  # no window: kept up to date for the next one
                self._shown = self.snapshot()
                return
            self._shown = snap = self.snapshot()
            self._batch.append(snap)
            if self._mode == "step":
                self._mode = None
                self._flush()
                self._send("stopped", self._generation, self.n_epoch)
                return
            now = time.perf_counter()
            if now - self._last_emit >= EMIT_INTERVAL:  # faster loops: sent in batches, as the engine
                self._flush()
            elif self._timer is None:
                self._timer = threading.Timer(EMIT_INTERVAL, self._flush_later)
                self._timer.daemon = True
                self._timer.start()
            if self.speed > 0:  # the window's play speed paces the loop, as it paces its own engine
                self._due = due = max(self._due + 1.0 / self.speed, now - 0.5)
                while (left := due - time.perf_counter()) > 0 and self._mode == "play" \
                        and not self._gone and not self._closed and self.speed > 0:
                    self._lock.wait(left)

    def _flush(self):
        if self._batch:
            batch, self._batch = self._batch, []
            self._send("snapshots", self._generation, batch)
        self._last_emit = time.perf_counter()

    def _flush_later(self):
        with self._lock:
            self._timer = None
            self._flush()

    def close(self):
        """Stop streaming (the window stays open for a look); the script never waits for it."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._flush()
            if self._mode is not None:
                self._mode = None
                self._send("stopped", self._generation, self._shown.epoch)
            from core.engine_link import FINISHED

            self._send("result", self._generation, FINISHED,
                       f"Your training loop has finished (epoch {self._shown.epoch} shown); the "
                       f"network stays here: save it with Ctrl+S.")
            self._lock.notify_all()
        for h in self._hooks:
            h.remove()
        try:
            self._listener.close()
        except OSError:
            pass
        if self._tmp is not None:
            import shutil

            shutil.rmtree(self._tmp, ignore_errors=True)


def _float(value) -> float:
    if value is None:
        return math.nan
    if hasattr(value, "detach"):
        value = value.detach().cpu().item()
    return float(value)


def _read_only(a):
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


def _names(names, n, what, prefix):
    if names is None:
        return tuple(f"{prefix}{i + 1}" for i in range(n))
    names = tuple(str(x) for x in names)
    if len(names) != n:
        raise UserError(f"neurowatch: {what} has {len(names)} names but the model has {n} "
                        f"{'inputs' if what == 'feature_names' else 'outputs'}.")
    return names


def _open_window(address: str, key_path: str):
    """The window as its own process (not a child that dies with the script, nor one it waits for)."""
    import subprocess
    from pathlib import Path

    main = Path(__file__).resolve().parent.parent / "main.py"
    cmd = [sys.executable, str(main)] if main.exists() else [sys.executable, "-m", "main"]
    return subprocess.Popen(cmd + ["--engine", address, "--key-file", key_path],
                            stdin=subprocess.DEVNULL, start_new_session=True)
