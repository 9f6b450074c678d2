"""How the window reaches its training engine: one protocol (core/engine_server.py), two transports.

Local (the default): the window starts the engine as its own process (gui/worker.py EngineProcess):
two one-way pipes, and pause / cancel as multiprocessing Events the engine checks between batches.

Remote (`python main.py engine --listen HOST:PORT --key-file FILE`, then `python main.py --engine
HOST:PORT --key-file FILE`): the same Engine, served over one socket by a
multiprocessing.connection.Listener. Its HMAC challenge (`authenticate`: the one Listener(address,
authkey=key) runs, with a deadline) runs both ways on raw bytes before a single message is
unpickled, so a peer without the key never gets a pickle read; a wrong key is refused, a peer that
does not answer is hung up on after HANDSHAKE_S, and the server waits for the next client (one at
a time).

Events cannot cross machines, so the remote window sends ("pause",), ("clear_pause",) and
("cancel",) as messages. On the engine's side ConnectionLink's reader thread turns them into local
Events the moment they arrive (ahead of queued commands, as a shared Event would be), and queues every
other command for the Engine, which reads ConnectionLink exactly as it reads its pipes. A file the
window names by path (the CSV of a "setup", an absolute path among a job's arguments, e.g. a .pt to
import) is read on the window's machine and travels with the command as a ShippedFile; the engine
writes it to a private temporary folder, and its messages name the window's path, not the copy.

Both window-side engines (EngineProcess, RemoteEngine) offer: open(), send(msg), recv(), set_pause(),
clear_pause(), set_cancel(), alive(), lost_text(), stop(), kill(), pid, poolable.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import pickle
import queue
import shutil
import sys
import tempfile
import threading
from collections import deque

from core.errors import UserError

DEFAULT_HOST = "127.0.0.1"
CONTROL_MESSAGES = ("pause", "clear_pause", "cancel")
FINISHED = "engine_finished"  # ("result", gen, FINISHED, text): the engine ends, nothing is wrong
HANDSHAKE_S = 10.0  # seconds a connecting peer has to answer the key challenge
FILE_KEY = "_csv_file"  # SetupRequest.extra key: the ShippedFile of a CSV read by the window


@dataclasses.dataclass(frozen=True)
class ShippedFile:
    """A file of the window's machine sent along with a command: its path there and its bytes."""

    origin: str
    data: bytes

    @classmethod
    def read(cls, path):
        with open(path, "rb") as f:
            return cls(str(path), f.read())


def ship_files(fn):
    """A job (functools.partial) with each absolute path of an existing file among its arguments
    replaced by a ShippedFile; anything else unchanged."""
    if not isinstance(fn, functools.partial):
        return fn

    def ship(a):
        if isinstance(a, (str, os.PathLike)) and os.path.isabs(a) and os.path.isfile(a):
            try:
                return ShippedFile.read(a)
            except OSError:
                return a
        return a

    args, kw = tuple(ship(a) for a in fn.args), {k: ship(v) for k, v in fn.keywords.items()}
    if not any(isinstance(a, ShippedFile) for a in (*args, *kw.values())):
        return fn
    return functools.partial(fn.func, *args, **kw)


# -- addresses and keys ---------------------------------------------------------------------------
def parse_address(text: str, default_host: str = DEFAULT_HOST) -> tuple[str, int]:
    """'HOST:PORT', ':PORT' or 'PORT' -> (host, port); a UserError naming what is wrong."""
    text = (text or "").strip()
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = "", text
    host = host.strip("[]") or default_host
    try:
        number = int(port)
    except ValueError:
        raise UserError(f"'{text}' is not an address: write HOST:PORT, e.g. 127.0.0.1:6006") from None
    if not 0 <= number <= 65535:
        raise UserError(f"port {number} in '{text}' is out of range: use 1-65535 (0: any free port)")
    return host, number


def read_key(path) -> bytes:
    """The shared secret: the key file's bytes (surrounding whitespace dropped); never empty."""
    if not path:
        raise UserError("no key file given: pass --key-file FILE (the same file on both machines; "
                        "make one with e.g. `openssl rand -hex 32 > neurowatch.key`)")
    try:
        with open(path, "rb") as f:
            key = f.read().strip()
    except FileNotFoundError:
        raise UserError(f"key file {path} does not exist: create it (e.g. `openssl rand -hex 32 > "
                        f"{path}`) and copy it to the other machine") from None
    except IsADirectoryError:
        raise UserError(f"key file {path} is a folder: name the file holding the key") from None
    except OSError as e:
        raise UserError(f"cannot read key file {path}: {e.strerror or e}") from None
    if not key:
        raise UserError(f"key file {path} is empty: put a long random secret in it (e.g. "
                        f"`openssl rand -hex 32 > {path}`)")
    return key


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine only (127.x, ::1, localhost): the safe default."""
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name or an interface's address: other machines may reach it


def format_address(address) -> str:
    host, port = address
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


# -- the engine's side ----------------------------------------------------------------------------
class ConnectionLink:
    """An authenticated Connection seen by the Engine as its command pipe, answer pipe and Events."""

    def __init__(self, conn, log=None):
        self.conn = conn
        self.log = log or (lambda text: None)
        self.pause, self.cancel = threading.Event(), threading.Event()
        self._inbox: deque = deque()
        self._arrived = threading.Condition()
        self._closed = False
        self._send_lock = threading.Lock()
        self._tmp: str | None = None
        self._origins: dict = {}  # the temporary copy's path -> the window's path of the file
        self._reader = threading.Thread(target=self._read, name="engine-link-reader", daemon=True)
        self._reader.start()

    def _read(self):
        while True:
            try:
                msg = self.conn.recv()
            except (EOFError, OSError):
                break
            except Exception as e:  # from an authenticated peer, yet unreadable: say so, read on
                self.log(f"ignored a message that could not be read: {type(e).__name__}: {e}")
                continue
            if not isinstance(msg, tuple) or not msg:
                continue
            kind = msg[0]
            if kind == "pause":
                self.pause.set()
            elif kind == "clear_pause":
                self.pause.clear()
            elif kind == "cancel":
                self.cancel.set()
                self.pause.set()
            else:
                try:
                    msg = self._unship(msg)
                except OSError as e:  # no room for the copy: the command fails, and says why
                    gen = msg[1] if len(msg) > 1 and isinstance(msg[1], int) else -1
                    self.send(("setup_failed" if kind == "setup" else "failed", gen,
                               f"the engine could not store the file it was sent: {e}"))
                    continue
                with self._arrived:
                    self._inbox.append(msg)
                    self._arrived.notify()
        with self._arrived:
            self._closed = True
            self._arrived.notify_all()
        self.cancel.set()  # the window is gone: stop the epoch under way
        self.pause.set()

    def _store(self, shipped: ShippedFile) -> str:
        """Write a shipped file to the private temporary folder, under its own name."""
        if self._tmp is None:
            self._tmp = tempfile.mkdtemp(prefix="neurowatch-")
        folder = tempfile.mkdtemp(dir=self._tmp)
        name = os.path.basename(shipped.origin.replace("\\", "/"))  # (a Windows window's path too)
        path = os.path.join(folder, name if name not in ("", ".", "..") else "file")
        with open(path, "wb") as f:
            f.write(shipped.data)
        self._origins[path] = shipped.origin
        return path

    def _unship(self, msg):
        """Files the window sent along: stored here, the command given their paths here."""
        if msg[0] == "setup" and len(msg) > 2:
            req = msg[2]
            extra = getattr(req, "extra", None) or {}
            if isinstance(extra.get(FILE_KEY), ShippedFile):
                rest = {k: v for k, v in extra.items() if k != FILE_KEY}
                path = self._store(extra[FILE_KEY])
                return (msg[0], msg[1], dataclasses.replace(req, path=path, extra=rest))
        elif msg[0] == "call" and len(msg) > 2 and isinstance(msg[2], functools.partial):
            fn = msg[2]

            def here(a):
                return self._store(a) if isinstance(a, ShippedFile) else a

            args, kw = tuple(here(a) for a in fn.args), {k: here(v) for k, v in fn.keywords.items()}
            return (msg[0], msg[1], functools.partial(fn.func, *args, **kw))
        return msg

    def _window_paths(self, msg):
        """A message naming a temporary copy names the window's file instead."""
        if not self._origins or msg[0] not in ("failed", "setup_failed", "result"):
            return msg
        out = list(msg)
        for i, part in enumerate(out):
            if isinstance(part, str):
                for copy, origin in self._origins.items():
                    part = part.replace(copy, origin)
                out[i] = part
        return tuple(out)

    # what the Engine calls: commands.recv() / commands.poll() / answers.send()
    def recv(self):
        with self._arrived:
            while not self._inbox and not self._closed:
                self._arrived.wait()
            if self._inbox:
                return self._inbox.popleft()
        raise EOFError("the window disconnected")

    def poll(self, timeout: float = 0.0) -> bool:
        with self._arrived:
            return bool(self._inbox)

    def send(self, msg):
        msg = self._window_paths(msg)
        with self._send_lock:
            try:
                self.conn.send(msg)
            except (OSError, ValueError) as e:  # closed, reset: the Engine ends this session
                raise ConnectionError(str(e)) from None

    def close(self):
        try:
            self.conn.close()
        except OSError:
            pass
        self._reader.join(5.0)
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)


def serve_connection(conn, log=None):
    """Run one Engine for one authenticated client until it disconnects (or sends quit)."""
    from core.engine_server import Engine

    link = ConnectionLink(conn, log)
    try:
        Engine(link, link, link.pause, link.cancel).loop()
    finally:
        link.close()


def handshake_seconds() -> float:
    """How long a peer has to pass the key challenge (NEUROWATCH_HANDSHAKE_S, default 10 s)."""
    try:
        return max(0.1, float(os.environ.get("NEUROWATCH_HANDSHAKE_S", HANDSHAKE_S)))
    except ValueError:
        return HANDSHAKE_S


def authenticate(conn, key: bytes, timeout: float):
    """multiprocessing.connection's challenge, both ways (what Listener(authkey=key).accept()
    runs: raw bytes, nothing unpickled), with a deadline: a peer that neither answers nor hangs
    up is hung up on after `timeout` seconds instead of holding the one-client server for ever."""
    from multiprocessing.connection import answer_challenge, deliver_challenge

    lock, state = threading.Lock(), {"done": False, "timed_out": False}

    def hang_up():
        with lock:
            if state["done"]:
                return
            state["timed_out"] = True
        _shutdown(conn)

    watchdog = threading.Timer(timeout, hang_up)
    watchdog.daemon = True
    watchdog.start()
    try:
        deliver_challenge(conn, key)
        answer_challenge(conn, key)
    except (EOFError, OSError) as e:
        if state["timed_out"]:
            raise TimeoutError(f"no answer to the key challenge within {timeout:g} s") from None
        raise e
    finally:
        with lock:
            state["done"] = True
        watchdog.cancel()
    if state["timed_out"]:  # (answered just as the deadline passed: the socket is shut anyway)
        raise TimeoutError(f"no answer to the key challenge within {timeout:g} s")


def _shutdown(conn):
    """Wake whoever is blocked reading `conn` (closing the descriptor alone does not)."""
    import socket

    try:
        s = socket.socket(fileno=os.dup(conn.fileno()))
        s.shutdown(socket.SHUT_RDWR)
        s.close()
    except (OSError, ValueError):
        pass


def listen(address, key: bytes, announce=print, log=None, max_clients: int | None = None):
    """Serve the engine on `address` to one authenticated client at a time, for ever (or for
    `max_clients` sessions). Prints the address listened on (port 0: the port chosen)."""
    from multiprocessing import AuthenticationError
    from multiprocessing.connection import Listener

    log = log or (lambda text: print(f"engine: {text}", file=sys.stderr, flush=True))
    timeout = handshake_seconds()
    try:
        # authkey=None: accept() reads nothing; authenticate() then runs the same challenge
        # Listener(authkey=key) would, with a deadline, before anything is read from the peer
        listener = Listener(tuple(address), authkey=None)
    except OSError as e:
        raise UserError(f"cannot listen on {format_address(address)}: {e.strerror or e}") from None
    import torch  # noqa: F401  (once, now, rather than while the first client waits)

    served = 0
    with listener:
        announce(f"NeuroWatch engine listening on {format_address(listener.address[:2])}")
        if not is_loopback(address[0]):
            log(f"warning: {address[0]} is reachable from other machines and the traffic is not "
                f"encrypted; prefer --listen 127.0.0.1:PORT and an SSH tunnel (see the README)")
        while max_clients is None or served < max_clients:
            try:
                conn = listener.accept()
            except OSError as e:
                log(f"a connection failed before the handshake began: {type(e).__name__}: {e}")
                continue
            try:
                authenticate(conn, key, timeout)
            except AuthenticationError:
                conn.close()
                log(f"refused a connection from {_peer(listener)}: wrong key (nothing of it was read)")
                continue
            except TimeoutError as e:
                conn.close()
                log(f"hung up on {_peer(listener)}: {e} (nothing of it was read)")
                continue
            except (EOFError, OSError) as e:
                conn.close()
                log(f"a connection from {_peer(listener)} failed before the handshake ended: "
                    f"{type(e).__name__}: {e}")
                continue
            served += 1
            log(f"window connected from {_peer(listener)}")
            try:
                serve_connection(conn, log)
            except Exception as e:  # never let one session end the server
                log(f"session ended by an internal error: {type(e).__name__}: {e}")
            log("window disconnected; waiting for the next")


def _peer(listener) -> str:
    try:
        return format_address(listener.last_accepted[:2])
    except Exception:
        return "a peer"


# -- the window's side ----------------------------------------------------------------------------
class RemoteEngine:
    """The window's handle on an engine served by `main.py engine --listen`: same commands and
    answers as EngineProcess; pause/cancel travel as messages. Connects in open() (the reader
    thread), so a slow network never blocks the window; writes in its own thread, in order."""

    poolable = False
    pid = None
    finished: str | None = None  # said by an engine that ends on purpose (core/watched_loop.py)

    def __init__(self, address, key: bytes, key_name: str = "the key file"):
        self.address, self.key, self.key_name = tuple(address), key, key_name
        self.where = format_address(self.address)
        self.conn = None
        self.error: str | None = None
        self._done = threading.Event()  # connect attempt finished, or stop() was called
        self._closed = False
        self._lock = threading.Lock()
        self._outbox: queue.SimpleQueue = queue.SimpleQueue()
        self._paths: dict = {}  # generation -> the window's own path of the CSV it sent

    def open(self):
        """Connect and authenticate (blocking; the reader thread calls it). ConnectionError: why not."""
        box: dict = {}

        def attempt():
            from multiprocessing import AuthenticationError
            from multiprocessing.connection import Client

            try:
                box["conn"] = Client(self.address, authkey=self.key)
            except AuthenticationError:
                box["error"] = (f"The training engine at {self.where} refused the key in "
                                f"{self.key_name} (wrong key): use the same key file on both "
                                f"machines.")
            except ConnectionRefusedError:
                box["error"] = (f"Could not connect to the training engine at {self.where}: "
                                f"connection refused. Is `python main.py engine --listen ...` "
                                f"running there (and the SSH tunnel open)?")
            except (OSError, EOFError) as e:
                box["error"] = (f"Could not connect to the training engine at {self.where}: "
                                f"{getattr(e, 'strerror', None) or e or type(e).__name__}.")
            self._done.set()

        threading.Thread(target=attempt, name="engine-connect", daemon=True).start()
        self._done.wait()
        with self._lock:
            conn = box.get("conn")
            if self._closed:
                if conn is not None:
                    conn.close()
                raise ConnectionError("closed")
            if conn is None:
                self.error = box.get("error", f"Could not connect to {self.where}.")
                raise ConnectionError(self.error)
            self.conn = conn
        threading.Thread(target=self._write_loop, name="engine-writer", daemon=True).start()

    def _write_loop(self):
        while (data := self._outbox.get()) is not None:
            try:
                self.conn.send_bytes(data)
            except (OSError, ValueError):
                return  # the reader reports the lost connection

    def send(self, msg):
        """Queue a command (pickled here, so a payload that cannot be pickled raises here)."""
        if msg[0] == "setup":
            msg = self._with_file(msg)
        elif msg[0] == "call":
            msg = (msg[0], msg[1], ship_files(msg[2]))
        self._outbox.put(pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL))

    def _with_file(self, msg):
        req = msg[2]
        if req.dataset is not None or not req.path:
            return msg
        try:
            shipped = ShippedFile.read(req.path)
        except OSError:
            return msg  # the engine reports the missing file by its name
        self._paths[msg[1]] = str(req.path)
        extra = dict(req.extra or {}, **{FILE_KEY: shipped})
        return (msg[0], msg[1], dataclasses.replace(req, extra=extra))

    def recv(self):
        if self.conn is None:
            raise EOFError("not connected")
        msg = self.conn.recv()
        if msg and msg[0] == "result" and msg[2] == FINISHED:  # a watched loop ended: no error
            self.finished = str(msg[3])
        if msg and msg[0] == "ready" and msg[1] in self._paths:
            info = msg[3]  # the dataset read from the copy: name the window's own file
            ds = info.get("dataset")
            if ds is not None and getattr(ds, "source", None) is not None:
                info["dataset"] = dataclasses.replace(ds, source=self._paths.pop(msg[1]))
        return msg

    def set_pause(self):
        self.send(("pause",))

    def clear_pause(self):
        self.send(("clear_pause",))

    def set_cancel(self):
        self.send(("cancel",))

    def alive(self) -> bool:
        """Connected, or still connecting; False once stopped, refused or closed."""
        if self._closed or self.error is not None:
            return False
        return self.conn is None or not self.conn.closed

    def lost_text(self) -> str:
        if self.finished:
            return self.finished
        if self.error:
            return self.error
        return (f"The connection to the training engine at {self.where} was lost (the server "
                f"stopped, or the network or SSH tunnel dropped).")

    def stop(self, timeout: float = 2.0):
        with self._lock:
            self._closed = True
            self._done.set()
        self._outbox.put(None)
        conn = self.conn
        if conn is not None and not conn.closed:
            import socket

            try:  # wake a reader blocked in recv (closing the descriptor alone does not)
                s = socket.socket(fileno=os.dup(conn.fileno()))
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
            try:
                conn.close()
            except OSError:
                pass

    kill = stop
