"""The trainer's own process: killed mid-play, the window restarts it and loses nothing; the
window's process never loads torch; closed windows hand their engine on."""

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

from gui_helpers import make_window, ready, wait_until

ROOT = Path(__file__).resolve().parent.parent


def _kill_engine(w):
    pid = w.session.worker.pid
    os.kill(pid, signal.SIGKILL)
    return pid


def test_engine_killed_mid_play_restarts_from_the_last_snapshot(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    w.session.play()
    assert wait_until(lambda: w.session.epoch >= 5, 30)
    pid = _kill_engine(w)
    assert wait_until(lambda: "stopped unexpectedly" in w.last_error, 20), w.last_error
    assert "SIGKILL" in w.last_error and "kept" in w.last_error
    assert wait_until(lambda: ready(w) and w.session.worker.pid != pid, 60), w.last_error
    e = w.session.epoch
    assert e >= 5 and not w.session.playing
    epochs = w.session.history.metrics()[:, 0]
    assert epochs[0] == 0 and epochs[-1] == e and np.all(np.diff(epochs) > 0)  # history kept
    before = w.session.latest.weights[0].copy()
    w.step()  # the new engine trains on from the kept weights
    assert wait_until(lambda: w.session.epoch == e + 1, 30), w.last_error
    assert not np.array_equal(w.session.latest.weights[0], before)
    assert np.abs(w.session.latest.weights[0] - before).max() < 1.0  # a step, not a fresh network
    w.close()


def test_engine_lost_twice_quickly_is_not_restarted_in_a_loop(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    _kill_engine(w)
    assert wait_until(lambda: ready(w) and w.session.worker.engine_alive() and
                      "stopped unexpectedly" in w.last_error, 60), w.last_error
    _kill_engine(w)
    assert wait_until(lambda: "twice" in w.last_error, 20), w.last_error
    assert not w.session.worker.engine_alive()
    assert w.session.latest is not None  # the network shown is kept
    w.reset()  # Ctrl+R starts a new engine
    assert wait_until(lambda: ready(w) and w.session.worker.engine_alive(), 60), w.last_error
    w.step()
    assert wait_until(lambda: w.session.epoch == 1, 30)
    w.close()


def test_closed_windows_hand_their_engine_to_the_next(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    pid = w.session.worker.pid
    w.session.play()
    assert wait_until(lambda: w.session.epoch >= 2, 30)
    w.close()  # mid-play
    w2 = make_window(qtbot, tmp_path, name="second.ini")
    assert w2.session.worker.pid == pid  # reused: no second torch import
    assert w2.session.epoch == 0  # nothing of the first window's run reached it
    assert len([p for p in multiprocessing.active_children() if p.is_alive()]) == 1
    w2.close()


def test_the_window_process_never_imports_torch(tmp_path):
    """Training, the loss-vs-weight study and playing all happen in the engine: the window's
    process stays free of torch (startup time, memory, and the GIL it would contend for)."""
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
            w = MainWindow(settings=QSettings({str(tmp_path / 's.ini')!r},
                                              QSettings.Format.IniFormat))
            w.confirm_close = lambda: True
            w.show()
            ok = wait_until(lambda: w.session.ready, 60)
            w.step()
            ok = ok and wait_until(lambda: w.session.epoch == 1, 30)
            w.panel("weight").study(0, 0, 0)
            ok = ok and wait_until(lambda: w.panel("weight").slice is not None, 30)
            w.session.play()
            ok = ok and wait_until(lambda: w.session.epoch > 10, 30)
            w.session.pause()
            print("ok" if ok else "not ready", sorted(m for m in sys.modules if m == "torch"))
            w.close()

        if __name__ == "__main__":
            main()
    """))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=180, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split("\n")[-2] == "ok []", out.stdout + out.stderr[-2000:]


def _big_csv(path, megabytes: int):
    block = "".join(f"{i % 97 / 10:.3f},{i % 89 / 10:.3f},{i % 83:.2f},{i % 79 * 10:.1f},"
                    f"{('Adelie', 'Chinstrap', 'Gentoo')[i % 3]}\n" for i in range(12000))
    block = "bill,depth,flipper,mass,species\n" + block
    with open(path, "w") as f:
        f.write(block)
        body = block.split("\n", 1)[1]
        for _ in range(megabytes * 2**20 // len(body)):
            f.write(body)


def test_reading_a_big_file_shows_progress_and_can_be_cancelled(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    w.step()
    assert wait_until(lambda: w.session.epoch == 1, 30)
    old = w.session.latest.weights[0].copy()
    big = tmp_path / "big.csv"
    _big_csv(big, 150)
    w.load_data(str(big))
    assert wait_until(lambda: w.is_loading() and w.status.load.value() > 0, 60), w.last_error
    w.cancel_loading()
    assert wait_until(lambda: not w.is_loading() and w.session.generation == w.session.active_generation, 30)
    assert "cancelled" in w.statusBar().currentMessage()
    assert "cancelled" not in w.last_error  # asked for: a status message, no dialog
    assert w.session.dataset.source != str(big) and np.array_equal(w.session.latest.weights[0], old)
    w.step()  # the old network trains on
    assert wait_until(lambda: w.session.epoch == 2, 30), w.last_error
    big.unlink()
    w.close()
