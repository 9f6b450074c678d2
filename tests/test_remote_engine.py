"""Training on another machine: `main.py engine --listen` serves the engine, `main.py --engine`
opens the window on it. Every server here is a real subprocess on loopback, every client a real
multiprocessing.connection client or a real (offscreen) window. Select with `pytest -k remote`."""

import os
import pickle
import signal
import socket
import struct
import subprocess
import sys
import textwrap
import time
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from gui_helpers import ready, wait_until

ROOT = Path(__file__).resolve().parent.parent
KEY = b"0123456789abcdef-remote-test-key"


class Server:
    """`python main.py engine --listen 127.0.0.1:PORT --key-file KEY` as a subprocess."""

    def __init__(self, key_file: Path, log: Path, port: int = 0, **env):
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, "main.py", "engine", "--listen", f"127.0.0.1:{port}",
             "--key-file", str(key_file)], cwd=ROOT, stdout=subprocess.PIPE,
            stderr=open(log, "ab"), text=True, env=dict(os.environ, OMP_NUM_THREADS="1", **env))
        line = self.proc.stdout.readline()  # printed once it listens (port 0: the port chosen)
        assert "listening on" in line, f"server did not start: {line!r} {log.read_text()[-2000:]}"
        host, port = line.split()[-1].rsplit(":", 1)
        self.address = (host, int(port))

    def stderr(self) -> str:
        return self.log.read_text()

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc.stdout.close()


@pytest.fixture
def key_file(tmp_path):
    p = tmp_path / "neurowatch.key"
    p.write_bytes(KEY + b"\n")
    return p


@pytest.fixture
def server(key_file, tmp_path):
    s = Server(key_file, tmp_path / "server.log")
    yield s
    s.stop()


def _poll(condition, timeout: float) -> bool:
    """For the tests without a window (no event loop to wait in)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return bool(condition())
        time.sleep(0.05)
    return True


def _release(conn, token=1):
    conn.send(("release", token))
    assert conn.recv() == ("released", token)


def _window(qtbot, tmp_path, address, key=KEY, key_file="neurowatch.key", wait_ready=True):
    from gui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings=settings, engine=(address, key, str(key_file)))
    qtbot.addWidget(w)
    w.confirm = lambda text: True
    w.confirm_close = lambda: True
    w.resize(1400, 860)
    w.show()
    if wait_ready and not wait_until(lambda: ready(w), 90):
        pytest.fail(f"the window did not become ready over the remote engine: {w.last_error}")
    return w


# -- the handshake ------------------------------------------------------------------------------
def test_remote_wrong_key_is_refused_and_the_server_then_accepts_the_right_key(server):
    with pytest.raises(AuthenticationError):
        Client(server.address, authkey=b"not the key")
    assert _poll(lambda: "wrong key" in server.stderr(), 30), server.stderr()
    conn = Client(server.address, authkey=KEY)  # the server lives on and takes the right key
    _release(conn)
    conn.close()
    conn = Client(server.address, authkey=KEY)  # and, after a disconnect, the next client
    _release(conn, 2)
    conn.close()
    assert server.proc.poll() is None


class _Marker:
    """Unpickled, this creates a file: the proof that a pickle ran."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return open, (self.path, "w")


def test_remote_raw_pickle_bytes_without_the_handshake_are_never_unpickled(server, tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps(("setup", 1, _Marker(marker)))
    probe = tmp_path / "probe"
    pickle.loads(pickle.dumps(_Marker(probe)))  # the payload is live: unpickling it writes a file
    assert probe.exists()
    for framed in (struct.pack("!i", len(payload)) + payload,  # as a Connection would frame it
                   payload,  # bare
                   struct.pack("!i", len(payload)) + payload * 50):  # and a flood of it
        with socket.create_connection(server.address, timeout=10) as s:
            s.sendall(framed)
            s.shutdown(socket.SHUT_WR)
            try:
                while s.recv(4096):  # the server's challenge, then it hangs up on us
                    pass
            except OSError:
                pass
    assert _poll(lambda: server.stderr().count("before the handshake ended") +
                 server.stderr().count("wrong key") >= 3, 30), server.stderr()
    assert not marker.exists()
    conn = Client(server.address, authkey=KEY)  # still serving the rightful window
    _release(conn)
    conn.close()
    assert not marker.exists() and server.proc.poll() is None


def test_remote_a_silent_peer_is_hung_up_on_and_the_window_gets_in(key_file, tmp_path):
    """A peer that connects and never answers the challenge does not hold the one-client server."""
    s = Server(key_file, tmp_path / "server.log", NEUROWATCH_HANDSHAKE_S="1")
    try:
        with socket.create_connection(s.address, timeout=60) as silent:
            silent.recv(4096)  # the challenge; no answer, and the socket stays open
            conn = Client(s.address, authkey=KEY)  # let in once the silent one is hung up on
            _release(conn)
            conn.close()
            assert "hung up on" in s.stderr() and "within 1 s" in s.stderr(), s.stderr()
            assert silent.recv(4096) == b""  # the server closed the silent peer's connection
        assert s.proc.poll() is None
    finally:
        s.stop()


def test_remote_key_file_and_address_errors_are_one_line_exit_2(tmp_path):
    empty = tmp_path / "empty.key"
    empty.write_text("\n")
    cases = ([("engine", "--listen", "127.0.0.1:0", "--key-file", str(tmp_path / "missing.key")),
              "does not exist"],
             [("engine", "--listen", "127.0.0.1:0", "--key-file", str(empty)), "is empty"],
             [("engine", "--listen", "nowhere", "--key-file", str(empty)), "not an address"],
             [("--engine", "127.0.0.1:1", "--key-file", str(empty)), "is empty"],
             [("--engine", "127.0.0.1:99999", "--key-file", str(empty)), "out of range"])
    for args, words in cases:
        out = subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, capture_output=True,
                             text=True, timeout=60, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
        assert out.returncode == 2, (args, out.stderr)
        assert words in out.stderr and len(out.stderr.strip().splitlines()) == 1, (args, out.stderr)
        assert "Traceback" not in out.stderr


# -- the window over a loopback server -------------------------------------------------------------
def test_remote_window_trains_over_a_loopback_server(qtbot, tmp_path, server, key_file):
    from core.engine_link import RemoteEngine

    w = _window(qtbot, tmp_path, server.address, key_file=key_file)
    s = w.session
    assert isinstance(s.worker.engine, RemoteEngine) and s.worker.pid is None  # no local engine
    assert f" on 127.0.0.1:{server.address[1]}" in s.device_text  # e.g. "CPU on 127.0.0.1:6006 (...)"
    assert s.dataset.source.endswith("penguins.csv") and s.dataset.source.startswith(str(ROOT))
    before = s.latest.weights[0].copy()
    for n in (1, 2, 3):
        w.step()
        assert wait_until(lambda n=n: s.epoch == n, 30), w.last_error
    assert not np.array_equal(s.latest.weights[0], before)
    s.play()  # play and pause travel as messages
    assert wait_until(lambda: s.epoch >= 8, 30), w.last_error
    s.pause()
    assert wait_until(lambda: s._runs == 0, 30), w.last_error
    w.panel("weight").study(0, 0, 0)  # a loss-vs-weight study: a "call" answered with a result
    assert wait_until(lambda: w.panel("weight").slice is not None, 30), w.last_error
    epochs = s.history.metrics()[:, 0]
    assert epochs[0] == 0 and epochs[-1] == s.epoch and np.all(np.diff(epochs) > 0)
    # a CSV of the window's machine travels with the setup; the dataset keeps the window's path
    csv = tmp_path / "two moons with a long file name.csv"
    rng = np.random.default_rng(0)
    rows = "\n".join(f"{x:.3f},{y:.3f},{'upper' if y > 0 else 'lower'}"
                     for x, y in rng.normal(size=(120, 2)))
    csv.write_text("first coordinate,second coordinate,half\n" + rows + "\n")
    w.load_data(str(csv))
    assert wait_until(lambda: ready(w) and s.dataset.source == str(csv), 60), w.last_error
    assert s.dataset.feature_names == ("first coordinate", "second coordinate")
    w.step()
    assert wait_until(lambda: s.epoch == 1, 30), w.last_error
    assert w.last_error == ""
    w.grab().save("/tmp/remote2-window.png")
    w.close()
    assert server.proc.poll() is None  # closing the window leaves the server serving
    conn = Client(server.address, authkey=KEY)
    _release(conn)
    conn.close()


def test_remote_window_process_never_imports_torch(tmp_path, server, key_file):
    """The window on a remote engine, in a fresh process: trains, and never loads torch."""
    script = tmp_path / "probe.py"
    script.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from PySide6.QtCore import QSettings
        from PySide6.QtWidgets import QApplication
        from gui.main_window import MainWindow
        from gui.waiting import wait_until

        def main():
            app = QApplication([])
            w = MainWindow(settings=QSettings({str(tmp_path / 's.ini')!r}, QSettings.Format.IniFormat),
                           engine=({server.address!r}, {KEY!r}, {str(key_file)!r}))
            w.confirm_close = lambda: True
            w.show()
            ok = wait_until(lambda: w.session.ready, 90)
            w.step()
            ok = ok and wait_until(lambda: w.session.epoch == 1, 30)
            print("ok" if ok else "not ready: " + w.last_error,
                  sorted(m for m in sys.modules if m == "torch"))
            w.close()

        if __name__ == "__main__":
            main()
    """))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=180,
                         env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split("\n")[-2] == "ok []", out.stdout + out.stderr[-2000:]


def test_remote_wrong_key_in_the_window_says_so_and_starts_no_local_engine(qtbot, tmp_path, server):
    import multiprocessing

    before = {p.pid for p in multiprocessing.active_children()}
    w = _window(qtbot, tmp_path, server.address, key=b"a wrong key", wait_ready=False)
    assert wait_until(lambda: "refused the key" in w.last_error, 30), w.last_error
    assert "Reconnect" in w.last_error
    assert not ready(w) and w.session.worker.pid is None
    assert {p.pid for p in multiprocessing.active_children()} <= before  # no local fallback
    w.close()


def test_remote_server_killed_mid_run_keeps_the_last_snapshot_and_reconnects(qtbot, tmp_path,
                                                                              key_file):
    server = Server(key_file, tmp_path / "first.log")
    port = server.address[1]
    try:
        w = _window(qtbot, tmp_path, server.address, key_file=key_file)
        s = w.session
        s.play()
        assert wait_until(lambda: s.epoch >= 5, 30), w.last_error
        server.kill()
        assert wait_until(lambda: "was lost" in w.last_error, 30), w.last_error
        assert "kept" in w.last_error and "Reconnect" in w.last_error
        assert not s.playing and s.worker.pid is None  # no local engine took over
        kept = s.latest
        assert kept is not None and kept.epoch >= 5 and s.epoch == kept.epoch
        epochs = s.history.metrics()[:, 0]
        assert epochs[-1] == kept.epoch and np.all(np.diff(epochs) > 0)
        assert "Ctrl+Shift+R reconnects" in w.statusBar().currentMessage()  # whole, and it stays
        w.grab().save("/tmp/remote2-lost.png")
        w.last_error = ""
        w.step()  # a step asked of a lost engine: told again, not silently dropped
        assert "was lost" in w.last_error and s.epoch == kept.epoch
        w.act_reconnect.trigger()  # nobody listens: said again, nothing lost
        assert wait_until(lambda: "connection refused" in w.last_error, 30), w.last_error
        assert s.latest is kept
        server = Server(key_file, tmp_path / "second.log", port=port)
        w.last_error = ""
        box = w.reconnect_box  # the message offers Reconnect: a new server on the same address,
        assert box.isVisible() and "refused" in box.text()  # trained on from the kept epoch
        next(b for b in box.buttons() if "Reconnect" in b.text()).click()
        assert wait_until(lambda: ready(w) and s.worker.engine_alive(), 60), w.last_error
        assert s.epoch == kept.epoch and np.array_equal(s.latest.weights[0], kept.weights[0])
        w.step()
        assert wait_until(lambda: s.epoch == kept.epoch + 1, 30), w.last_error
        assert np.abs(s.latest.weights[0] - kept.weights[0]).max() < 1.0  # a step, not a new network
        w.close()
    finally:
        server.stop()


def test_remote_window_opens_a_pytorch_file_of_its_own_machine(qtbot, tmp_path, server, key_file):
    """A job naming a file of the window's machine (File → Open network on a .pt, read by the
    engine) gets the file sent along; a refusal names the window's path, not the engine's copy."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3))
    pt = tmp_path / "my penguins.pt"
    torch.save(model.state_dict(), pt)
    whole = tmp_path / "whole model.pt"
    torch.save(model, whole)  # a pickled module, not a state_dict: refused
    w = _window(qtbot, tmp_path, server.address, key_file=key_file)
    assert w.files.open_network(str(whole))
    assert wait_until(lambda: "state_dict()" in w.last_error, 60), w.last_error
    assert str(whole) in w.last_error and "neurowatch-" not in w.last_error
    w.import_network_dialog = None
    assert w.files.open_network(str(pt))
    assert wait_until(lambda: getattr(w, "import_network_dialog", None) is not None
                      and w.import_network_dialog.isVisible(), 60), w.last_error
    dlg = w.import_network_dialog
    dlg.set_values(activation="tanh")
    dlg.accept()
    s = w.session
    assert wait_until(lambda: ready(w) and s.latest.layer_sizes == (4, 6, 3), 60), w.last_error
    assert np.allclose(s.latest.weights[0], model[0].weight.detach().numpy())
    w.close()


def test_remote_files_named_by_the_window_travel_with_the_command(tmp_path):
    """The window's own file (a job's path argument, a setup's CSV) reaches the engine as a copy,
    even where the engine's machine has no such path; its messages name the window's path."""
    import functools
    from multiprocessing import Pipe

    from core.config import TrainConfig
    from core.engine_link import ConnectionLink, RemoteEngine, ShippedFile, ship_files
    from core.engine_server import SetupRequest

    mine = tmp_path / "mine.pt"
    mine.write_bytes(b"weights")
    job = ship_files(functools.partial(print, str(mine), "species", sep="|"))
    assert isinstance(job.args[0], ShippedFile) and job.args[1:] == ("species",)
    window_end, engine_end = Pipe()
    link = ConnectionLink(engine_end)
    remote = RemoteEngine(("127.0.0.1", 0), KEY)
    csv = tmp_path / "data.csv"
    csv.write_text("a,b\n1,x\n")
    setup = remote._with_file(("setup", 3, SetupRequest(config=TrainConfig(), path=str(csv))))
    mine.unlink()
    csv.unlink()  # gone from "this machine": the engine reads its copies
    window_end.send(("call", 1, job))
    window_end.send(setup)
    kind, gen, got = link.recv()
    copy = Path(got.args[0])
    assert copy.read_bytes() == b"weights" and copy.name == "mine.pt" and copy != mine
    _, _, req = link.recv()
    assert Path(req.path).read_text() == "a,b\n1,x\n" and not req.extra
    link.send(("failed", 1, f"{copy}: not a state_dict"))
    assert window_end.recv() == ("failed", 1, f"{mine}: not a state_dict")
    window_end.close()
    link.close()
    assert not copy.exists()  # the copies go with the connection


def test_remote_window_closed_while_the_server_is_busy_closes_at_once(qtbot, tmp_path, server,
                                                                      key_file, capfd):
    """The server serves one window at a time: a second one waits; closed meanwhile, it gives up
    waiting (no 'did not stop' kill), and the server then serves the next."""
    first = Client(server.address, authkey=KEY)
    w = _window(qtbot, tmp_path, server.address, key_file=key_file, wait_ready=False)
    assert wait_until(lambda: w.session.worker is not None and w.session.worker.reader.isRunning(), 30)
    assert not ready(w) and w.last_error == ""
    assert wait_until(lambda: "Connecting to the training engine at 127.0.0.1:"
                      in w.statusBar().currentMessage(), 30), w.statusBar().currentMessage()
    w.close()
    assert not w.session.worker.reader.isRunning()
    assert "did not stop" not in capfd.readouterr().err
    _release(first)
    first.close()
    conn = Client(server.address, authkey=KEY)
    _release(conn)
    conn.close()


def test_remote_a_silent_peer_does_not_hold_a_watched_loop(key_file, monkeypatch):
    """The watched loop (neurowatch.watch) listens with the same handshake and the same deadline."""
    from torch import nn

    import neurowatch

    monkeypatch.setenv("NEUROWATCH_HANDSHAKE_S", "1")
    with neurowatch.watch(nn.Sequential(nn.Linear(3, 2)), listen="127.0.0.1:0",
                          key_file=str(key_file), window=False) as w:
        host, port = w.address.rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=60) as silent:
            silent.recv(4096)  # the challenge; no answer
            with pytest.raises(AuthenticationError):
                Client((host, int(port)), authkey=b"not the key")
            conn = Client((host, int(port)), authkey=KEY)  # in, once the silent one is hung up on
            assert silent.recv(4096) == b""
            conn.close()


def test_remote_only_loopback_addresses_count_as_this_machine_only():
    from core.engine_link import is_loopback

    assert all(map(is_loopback, ("127.0.0.1", "127.1.2.3", "::1", "localhost", "LOCALHOST")))
    assert not any(map(is_loopback, ("0.0.0.0", "::", "192.168.1.5", "gpuhost", "10.0.0.1")))
