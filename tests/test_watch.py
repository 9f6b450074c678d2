"""Watch your own loop (`neurowatch.watch`): a user's plain PyTorch script streams its model to the
window over the engine's protocol. The scripts are real subprocesses; the windows real (offscreen).
Select with `pytest -k watch`."""

import os
import select
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from gui_helpers import ready, wait_ms, wait_until

ROOT = Path(__file__).resolve().parent.parent
KEY = b"a-watch-test-key-0123456789abcdef"

SCRIPT = """
import sys
import numpy as np
import torch
from torch import nn

import neurowatch

torch.manual_seed(0)
rng = np.random.default_rng(0)
X = torch.tensor(rng.normal(size=(90, 3)), dtype=torch.float32)
y = torch.tensor((X[:, 0] + X[:, 1] > 0).long() + (X[:, 2] > 1).long())
model = nn.Sequential(nn.Linear(3, 7), nn.Tanh(), nn.Linear(7, 4), nn.Tanh(), nn.Linear(4, 3))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
loss_fn = nn.CrossEntropyLoss()
with neurowatch.watch(model, feature_names=["bill length of the penguin (mm)", "b", "c"],
                      class_names=["Adelie", "Chinstrap", "Gentoo"], sample=(X, y),
                      listen="127.0.0.1:0", key_file=sys.argv[1], window=False) as w:
    for epoch in range(EPOCHS):
        grads = [torch.zeros_like(p) for p in model.parameters()]
        for i in range(0, 90, 30):
            opt.zero_grad()
            loss = loss_fn(model(X[i:i + 30]), y[i:i + 30])
            loss.backward()
            grads = [g + p.grad / 3 for g, p in zip(grads, model.parameters())]
            opt.step()
        w.epoch(loss=loss, val_loss=loss.item() * 1.1)
        print("epoch", epoch + 1, flush=True)
np.savez(sys.argv[2], *[p.detach().numpy() for p in model.parameters()],
         *[g.numpy() for g in grads])
print("done", flush=True)
"""


@pytest.fixture
def key_file(tmp_path):
    p = tmp_path / "watch.key"
    p.write_bytes(KEY)
    p.chmod(0o600)
    return p


def _script(tmp_path, key_file, epochs):
    path = tmp_path / "my_loop.py"
    path.write_text(textwrap.dedent(SCRIPT).replace("EPOCHS", str(epochs)))
    proc = subprocess.Popen([sys.executable, str(path), str(key_file), str(tmp_path / "final.npz")],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1"))
    line = proc.stdout.readline()
    assert "listening on" in line, (line, proc.stderr.read())
    host, port = line.split()[-1].rsplit(":", 1)
    return proc, (host, int(port))


def _window(qtbot, tmp_path, address):
    from gui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings=settings, engine=(address, KEY, "watch.key"))
    qtbot.addWidget(w)
    w.confirm = lambda text: True
    w.confirm_close = lambda: True
    w.resize(1400, 860)
    w.show()
    if not wait_until(lambda: ready(w), 90):
        pytest.fail(f"the window did not become ready on the watched loop: {w.last_error}")
    return w


def test_watch_unsupported_layers_are_named():
    import torch
    from torch import nn

    import neurowatch

    with pytest.raises(ValueError, match=r"layer '1' \(Conv1d\)"):
        neurowatch.watch(nn.Sequential(nn.Linear(3, 4), nn.Conv1d(1, 1, 1)), window=False)
    with pytest.raises(ValueError, match=r"layer '3' \(Tanh\).*relu"):
        neurowatch.watch(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 4), nn.Tanh(),
                                       nn.Linear(4, 2)), window=False)
    with pytest.raises(ValueError, match="feature_names has 2 names but the model has 3 inputs"):
        neurowatch.watch(nn.Sequential(nn.Linear(3, 2)), feature_names=["a", "b"], window=False)
    model = nn.Sequential(nn.Linear(3, 2))
    with pytest.raises(ValueError, match="key file .* does not exist"):
        neurowatch.watch(model, listen="127.0.0.1:0", key_file="/nonexistent/watch.key", window=False)
    assert not model[0].weight._backward_hooks  # no hook left on the user's model
    del torch


def test_watch_a_user_loop_streams_to_the_window_and_waits_while_paused(qtbot, tmp_path, key_file):
    proc, address = _script(tmp_path, key_file, epochs=4)
    try:
        w = _window(qtbot, tmp_path, address)
        s = w.session
        assert s.dataset.feature_names[0] == "bill length of the penguin (mm)"
        assert s.dataset.class_names == ("Adelie", "Chinstrap", "Gentoo")
        assert s.latest.layer_sizes == (3, 7, 4, 3) and s.config.activation == "tanh"
        assert s.epoch == 0
        # paused: the user's loop waits in w.epoch() (its first epoch is trained, not yet let through)
        w.step()
        assert wait_until(lambda: s.epoch == 1, 60), w.last_error
        assert proc.stdout.readline().strip() == "epoch 1"
        wait_ms(500)  # paused: the loop trains its second epoch, then waits in w.epoch()
        assert select.select([proc.stdout], [], [], 0)[0] == [] and s.epoch == 1
        first = s.latest
        assert np.all(np.isfinite(first.train_loss)) and first.val_loss == pytest.approx(
            first.train_loss * 1.1, rel=1e-5)
        assert any(np.abs(g).sum() > 0 for g in first.grad_weights)  # the user's backward's gradients
        errors = []
        w.show_error = lambda title, text: errors.append(text)
        w.rebuild(dict(path=str(ROOT / "resources" / "penguins.csv")))  # another file: refused
        assert wait_until(lambda: errors, 30)
        assert "your own training loop's (3-7-4-3, tanh)" in errors[0] and s.epoch == 1
        assert s.dataset.class_names == ("Adelie", "Chinstrap", "Gentoo")  # kept, with its history
        s.play()
        assert wait_until(lambda: s.epoch == 4, 60), w.last_error
        assert wait_until(lambda: proc.poll() is not None, 60)
        assert proc.returncode == 0, proc.stderr.read()
        final = np.load(tmp_path / "final.npz")
        params = [final[f"arr_{i}"] for i in range(6)]
        for i in range(3):  # the window's network is the model's, to the last bit
            np.testing.assert_array_equal(s.latest.weights[i], params[2 * i])
            np.testing.assert_array_equal(s.latest.biases[i], params[2 * i + 1])
            # the gradients: the mean of the last epoch's three batches' .grad
            np.testing.assert_allclose(s.latest.grad_weights[i], final[f"arr_{6 + 2 * i}"],
                                       rtol=1e-5, atol=1e-7)
            np.testing.assert_allclose(s.latest.grad_biases[i], final[f"arr_{7 + 2 * i}"],
                                       rtol=1e-5, atol=1e-7)
        # the script's end is said in the status bar, not as a lost connection
        assert wait_until(lambda: "training loop has finished" in w.statusBar().currentMessage(), 30)
        assert w.last_error == ""
        assert s.latest.epoch == 4 and len(s.history.metrics()) == 5
        w.grab().save("/tmp/remote-watch-1400.png")
        w.resize(900, 600)
        w.grab().save("/tmp/remote-watch-900.png")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


def test_watch_closing_the_window_lets_the_script_run_on(qtbot, tmp_path, key_file):
    proc, address = _script(tmp_path, key_file, epochs=30)
    try:
        w = _window(qtbot, tmp_path, address)
        w.step()
        assert wait_until(lambda: w.session.epoch == 1, 60), w.last_error
        w.close()  # while the loop waits in its second w.epoch()
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert out.strip().endswith("epoch 30\ndone")
        assert "the window was closed; your training goes on" in err
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


RECONNECT_SCRIPT = """
import os, sys
import torch
from torch import nn

import neurowatch

model = nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.05)
X, y = torch.randn(40, 2), torch.randint(0, 2, (40,))
with neurowatch.watch(model, listen="127.0.0.1:0", key_file=sys.argv[1], window=False) as w:
    epoch = 0
    while not os.path.exists(sys.argv[2]):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(X), y)
        loss.backward()
        opt.step()
        epoch += 1
        w.epoch(loss=loss)
print("done", epoch, flush=True)
"""


def test_watch_a_second_window_connects_after_the_first_closed(qtbot, tmp_path, key_file):
    path, stop = tmp_path / "endless.py", tmp_path / "stop"
    path.write_text(RECONNECT_SCRIPT)
    proc = subprocess.Popen([sys.executable, str(path), str(key_file), str(stop)], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1"))
    try:
        host, port = proc.stdout.readline().split()[-1].rsplit(":", 1)
        w = _window(qtbot, tmp_path, (host, int(port)))
        assert w.session.dataset.feature_names == ("x1", "x2")  # default names
        w.step()
        assert wait_until(lambda: w.session.epoch == 1, 60), w.last_error
        w.close()  # the loop runs on freely, then a second window gates it again
        w2 = _window(qtbot, tmp_path, (host, int(port)))
        s = w2.session
        first = s.epoch
        assert first >= 1 and s.config.activation == "sigmoid"
        w2.step()
        assert wait_until(lambda: s.epoch == first + 1, 60), w2.last_error
        stop.write_text("")
        w2.step()  # lets the waiting epoch() return; the loop sees the stop file and ends
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0 and out.split() == ["done", str(first + 2)], (out, err)
        assert wait_until(lambda: "training loop has finished" in w2.statusBar().currentMessage(), 30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


WINDOW_SCRIPT = """
import os, signal, sys, time
import torch
from torch import nn

import neurowatch

model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2))
w = neurowatch.watch(model, feature_names=["a", "b"], class_names=["no", "yes"])
if True:  # no with block, no close(): atexit closes it
    window = w._loop._window
    print("window", window.pid, " ".join(window.args[1:]), flush=True)
    start = time.monotonic()
    while not w.connected and time.monotonic() - start < 120:
        time.sleep(0.05)
    print("connected", w.connected, flush=True)
    os.kill(window.pid, signal.SIGKILL)  # the window goes away while the loop waits in epoch()
    for epoch in range(3):
        w.epoch(loss=1.0 / (epoch + 1))
print("done", flush=True)
"""


def test_watch_opens_its_own_window_process_and_survives_it(tmp_path):
    path = tmp_path / "watched.py"
    path.write_text(WINDOW_SCRIPT)
    proc = subprocess.run([sys.executable, str(path)], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, env=dict(os.environ, PYTHONPATH=str(ROOT),
                                                QT_QPA_PLATFORM="offscreen", OMP_NUM_THREADS="1"))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("window ") and "main.py --engine 127.0.0.1:" in lines[0]
    assert "--key-file" in lines[0]
    assert lines[1] == "connected True", proc.stderr  # the window connected with the random key
    assert lines[-1] == "done"
    assert "the window was closed; your training goes on" in proc.stderr


def test_watch_the_readme_penguins_example_trains_in_the_window(qtbot, tmp_path, key_file):
    """The README's plain-PyTorch example as written, shortened to 6 epochs and pointed at a window
    this test opens (watch's listen/key_file/window=False, set through functools.partial)."""
    import re

    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Watching your own training loop"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert "range(200)" in code and "import neurowatch\n" in code
    code = code.replace("range(200)", "range(6)").replace("import neurowatch\n", (
        "import functools, sys\nimport neurowatch\nneurowatch.watch = functools.partial("
        "neurowatch.watch, listen='127.0.0.1:0', key_file=sys.argv[1], window=False)\n"))
    path = tmp_path / "penguins_loop.py"
    path.write_text(code)
    proc = subprocess.Popen([sys.executable, str(path), str(key_file)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1"))
    try:
        line = proc.stdout.readline()
        assert "listening on" in line, (line, proc.stderr.read())
        host, port = line.split()[-1].rsplit(":", 1)
        w = _window(qtbot, tmp_path, (host, int(port)))
        s = w.session
        assert s.dataset.class_names == ("Adelie", "Chinstrap", "Gentoo")
        assert s.latest.layer_sizes == (4, 8, 5, 3) and s.config.activation == "relu"
        s.play()
        assert wait_until(lambda: s.epoch == 6, 120), w.last_error
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert out.strip().endswith("trained 6 epochs")
        m = s.history.metrics()
        assert len(m) == 7 and list(m[:, 0]) == [0, 1, 2, 3, 4, 5, 6]
        assert m[6, 1] < m[1, 1] < m[0, 1]  # the loss falls (epoch 0: the loss on the sample)
        assert 0.0 <= s.latest.train_accuracy <= 1.0 and np.isfinite(s.latest.val_loss)
        assert 0.0 <= s.latest.val_accuracy <= 1.0 and np.isnan(m[0, 4])  # as the loop gave it
        assert wait_until(lambda: "training loop has finished" in w.statusBar().currentMessage(), 30)
        wait_ms(600)  # the views repaint at most 4 times a second
        w.grab().save("/tmp/remote-watch-penguins.png")
        w.resize(900, 600)
        wait_ms(300)
        w.grab().save("/tmp/remote-watch-penguins-900.png")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


def test_watch_messages_unpickle_without_torch(tmp_path, key_file):
    """What a watched loop sends is what the window (which never imports torch) can read."""
    import pickle

    import torch
    from torch import nn

    from core.watched_loop import WatchedLoop

    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    X = torch.randn(10, 3)
    loop = WatchedLoop(model, sample=(X, torch.randint(0, 2, (10,))), listen="127.0.0.1:0",
                       key_file=str(key_file), window=False, announce=lambda *a, **k: None)
    try:
        model(X).sum().backward()
        data = pickle.dumps([("ready", 0, loop._shown, loop.info()), ("snapshots", 0, [loop.snapshot()])])
    finally:
        loop.close()
    probe = ("import pickle, sys; msgs = pickle.loads(sys.stdin.buffer.read()); "
             "assert 'torch' not in sys.modules, 'torch imported'; "
             "print(msgs[1][2][0].grad_weights[0].shape, msgs[0][3]['data'].X_train.shape)")
    out = subprocess.run([sys.executable, "-c", probe], input=data, capture_output=True, cwd=ROOT,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120)
    assert out.returncode == 0, out.stderr.decode()
    assert out.stdout.decode().split() == ["(4,", "3)", "(10,", "3)"]
