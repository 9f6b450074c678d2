"""The window under abuse: rapid commands during play, many open/play/close cycles."""

import multiprocessing
import random
import threading

import numpy as np
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest

from gui_helpers import make_window, ready, wait_ms, wait_until


def test_rapid_keys_and_architecture_changes_never_deadlock(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    rng = random.Random(0)
    keys = [Qt.Key.Key_Right, Qt.Key.Key_Space, Qt.Key.Key_Space]
    for _ in range(120):
        r = rng.random()
        if r < 0.6:
            QTest.keyClick(w, rng.choice(keys))
        elif r < 0.7:
            QTest.keyClick(w, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
        elif r < 0.8:
            w.controls.layer_spins[0].setValue(rng.randint(2, 9))
        elif r < 0.9:
            w.controls.lr_spin.setValue(rng.choice([0.001, 0.01, 0.05]))
        else:
            w.network.set_mode(rng.choice(["weights", "gradients", "updates"]))
        wait_ms(rng.choice([0, 1, 5, 20]))
    # it settles: ready, and still responds to a step
    w.session.pause()
    assert wait_until(lambda: ready(w) and w.session._runs == 0, 30)
    e = w.session.epoch
    w.step()
    assert wait_until(lambda: w.session.epoch == e + 1, 30)
    assert w.view.sizes == w.session.latest.layer_sizes
    assert np.isfinite(w.session.history.metrics()[:, 1]).all()
    w.close()


def test_fifty_open_play_close_cycles_leak_no_thread(qtbot, tmp_path):
    from gui.main_window import MainWindow

    baseline = threading.active_count()
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    for i in range(50):
        w = MainWindow(settings=settings)
        w.confirm = lambda text: True
        w.confirm_close = lambda: True
        w.show()
        assert wait_until(lambda w=w: ready(w), 30), w.last_error
        w.session.play()
        wait_until(lambda w=w: w.session.epoch >= 1, 10)
        wait_ms(i % 7)  # close at varying points of an epoch
        w.close()
        assert not w.session.worker.reader.isRunning()
        w.deleteLater()
    wait_ms(50)
    assert threading.active_count() <= baseline + 1
    # one engine process, handed from window to window; none left over
    assert len([p for p in multiprocessing.active_children() if p.is_alive()]) <= 1
