"""The real window, offscreen: step, play, pause, reset, modes, layers, shortcuts, close."""

import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from conftest import ROOT
from gui_helpers import make_window, ready, wait_ms, wait_until


@pytest.fixture
def win(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    yield w
    w.close()


def shown_edges(w):
    w.view.finish_animation()
    return w.view._shown[0].copy()


def test_opens_on_penguins_with_4_5_5_3(win):
    assert win.view.sizes == (4, 5, 5, 3)
    assert win.session.data.feature_names[0] == "bill_length_mm"
    assert win.session.data.class_names == ("Adelie", "Chinstrap", "Gentoo")
    assert win.session.epoch == 0 and "penguins.csv" in win.windowTitle()
    assert "CPU" in win.status.device.text() or "CUDA" in win.status.device.text()
    assert win.view.n_edges == 4 * 5 + 5 * 5 + 5 * 3


def test_step_three_times_changes_edges(win):
    before = shown_edges(win)
    for _ in range(3):
        win.step()
    assert wait_until(lambda: win.session.epoch == 3, 30)
    win._draw()
    after = shown_edges(win)
    assert not np.allclose(before, after)
    assert np.allclose(after, np.concatenate([w.ravel() for w in win.session.latest.weights]))
    assert win.status.epoch.text() == "epoch 3"
    assert len(win.session.history) == 4  # epoch 0 and three epochs


def test_play_then_pause_holds(win):
    win.session.play()
    assert wait_until(lambda: win.session.epoch >= 5, 30)
    win.session.pause()
    assert wait_until(lambda: win.session._runs == 0, 10)
    held = win.session.epoch
    wait_ms(400)
    assert win.session.epoch == held and not win.session.playing
    assert win.controls.play_button.text().startswith("Play")


def test_panels_update_between_network_frames(win):
    """While playing, a panel never updates in the same event-loop pass as the network view."""
    import gc

    assert gc.get_freeze_count() > 0  # start-up objects are out of the collector's sight
    calls = []
    win._panel_queue = [lambda snap: calls.append(snap)]
    win._panel_snap = win.session.latest
    win._frame_tick()
    assert calls == [] and win._panel_tick.isActive()
    assert wait_until(lambda: calls == [win.session.latest], 5)


def test_step_while_playing_pauses_first(win):
    win.session.play()
    assert wait_until(lambda: win.session.epoch >= 2, 30)
    win.step()
    assert not win.session.playing
    assert wait_until(lambda: win.session._runs == 0, 10)
    held = win.session.epoch
    wait_ms(300)
    assert win.session.epoch == held


def test_reset_gives_new_weights_at_epoch_zero(win):
    for _ in range(3):
        win.step()
    assert wait_until(lambda: win.session.epoch == 3, 30)
    trained = win.session.latest.weights[0].copy()
    win.controls.seed.setValue(7)
    win.reset()
    assert wait_until(lambda: ready(win) and win.session.epoch == 0, 30)
    assert not np.array_equal(trained, win.session.latest.weights[0])
    assert len(win.session.history) == 1 and win.session.config.seed == 7


def test_reset_while_playing_is_safe(win):
    win.session.play()
    assert wait_until(lambda: win.session.epoch >= 3, 30)
    gen = win.session.generation
    win.reset()
    assert wait_until(lambda: ready(win) and win.session.generation == gen + 1, 30)
    assert wait_until(lambda: win.session._runs == 0, 10)
    wait_ms(200)
    assert win.session.epoch == 0 and not win.session.playing


def test_switch_edge_mode(win):
    win.step()
    assert wait_until(lambda: win.session.epoch == 1, 30)
    win._draw()
    win.network.set_mode("gradients")
    assert win.view.mode == "gradients" and win.mode_actions["gradients"].isChecked()
    grads = np.concatenate([g.ravel() for g in win.session.latest.grad_weights])
    assert np.allclose(shown_edges(win), grads)
    win.network.set_mode("updates")
    deltas = np.concatenate([d.ravel() for d in win.session.latest.delta_weights])
    assert np.allclose(shown_edges(win), deltas)
    assert "Δw" in win.network.legend.text()


def test_change_layers_rebuilds(win):
    win.step()
    assert wait_until(lambda: win.session.epoch == 1, 30)
    asked = []
    win.confirm = lambda text: asked.append(text) or True
    win.controls.add_layer.click()  # 4-5-5-5-3
    assert asked and "discarded" in asked[0]
    assert wait_until(lambda: ready(win) and win.view.sizes == (4, 5, 5, 5, 3), 30)
    win.controls.layer_spins[0].setValue(8)
    assert wait_until(lambda: ready(win) and win.view.sizes == (4, 8, 5, 5, 3), 30)
    win.controls.remove_layer.click()
    assert wait_until(lambda: ready(win) and win.view.sizes == (4, 8, 5, 3), 30)
    assert win.controls.shape_label.text() == "4-8-5-3"


def test_declining_the_rebuild_keeps_the_trained_network(win):
    win.step()
    assert wait_until(lambda: win.session.epoch == 1, 30)
    win.confirm = lambda text: False
    gen = win.session.generation
    win.controls.add_layer.click()
    wait_ms(100)
    assert win.session.generation == gen and win.controls.hidden() == (5, 5) and win.session.epoch == 1


def test_learning_rate_change_applies_to_the_next_epoch(win):
    win.controls.optimizer.setCurrentIndex(0)  # SGD
    win.controls.lr_spin.setValue(0.5)
    assert win.session.config.optimizer == "sgd" and win.session.config.learning_rate == 0.5
    win.step()
    assert wait_until(lambda: win.session.epoch == 1, 30)
    assert win.session.latest.learning_rate == 0.5


def test_divergence_pauses_with_a_message_and_keeps_weights(win):
    win.step()
    assert wait_until(lambda: win.session.epoch == 1, 30)
    good = win.session.latest.weights[0].copy()
    win.controls.optimizer.setCurrentIndex(0)
    win.controls.lr_spin.setValue(100.0)
    win.session.play()
    assert wait_until(lambda: "diverged" in win.last_error, 30)
    assert not win.session.playing and win.session.epoch == 1
    assert np.array_equal(win.session.latest.weights[0], good)
    assert np.isfinite(win.session.history.metrics()[:, 1]).all()


def test_worker_exception_reaches_the_user_and_training_goes_on(win):
    from faults import boom  # runs in the engine process, so it must be importable there

    win.session.call(boom)
    assert wait_until(lambda: "injected fault" in win.last_error, 10)
    win.step()
    assert wait_until(lambda: win.session.epoch == 1, 30)


def test_keyboard_shortcuts(win):
    win.activateWindow()
    win.setFocus()
    QTest.keyClick(win, Qt.Key.Key_Right)
    assert wait_until(lambda: win.session.epoch == 1, 30)
    QTest.keyClick(win, Qt.Key.Key_Space)
    assert wait_until(lambda: win.session.epoch >= 3, 30)
    QTest.keyClick(win, Qt.Key.Key_Space)
    assert wait_until(lambda: not win.session.playing and win.session._runs == 0, 10)
    QTest.keyClick(win, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert wait_until(lambda: ready(win) and win.session.epoch == 0, 30)


def test_hover_texts_name_the_numbers(win):
    win.step()
    assert wait_until(lambda: win.session.epoch == 1, 30)
    win._draw()
    text = win.view.describe_edge(0, 2, 1)
    w = win.session.latest.weights[0][2, 1]
    assert f"{w:+.5f}" in text and "bill_depth_mm" in text and "dL/dw" in text
    assert "bias b" in win.view.describe_node(1, 0)
    edge = win.view._edge_at(win.view.scene_pos_of_edge(0, 2, 1))
    assert edge == (0, 2, 1)


def test_settings_persist(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    w.controls.set_values(dict(learning_rate=0.003, batch_size=32, seed=5))
    w.network.set_mode("gradients")
    w.close()
    w2 = make_window(qtbot, tmp_path)
    v = w2.controls.values()
    assert v["learning_rate"] == 0.003 and v["batch_size"] == 32 and v["seed"] == 5
    assert w2.view.mode == "gradients" and w2.session.config.batch_size == 32
    w2.close()


def test_closing_before_the_controls_exist_keeps_the_saved_settings(qtbot, tmp_path):
    """The first frame has no controls yet (they are built after it paints): a window closed that
    early must not overwrite the saved ones."""
    from PySide6.QtCore import QSettings

    from gui.main_window import MainWindow

    path = str(tmp_path / "early.ini")
    saved = '{"learning_rate": 0.003, "batch_size": 32}'
    s = QSettings(path, QSettings.Format.IniFormat)
    s.setValue("controls", saved)
    s.sync()
    w = MainWindow(settings=QSettings(path, QSettings.Format.IniFormat))
    assert w.controls is None and not w.built
    w._started = True  # as if the second stage had not come yet
    w.close()
    assert QSettings(path, QSettings.Format.IniFormat).value("controls") == saved


def _visible_tab_groups(w):
    from PySide6.QtWidgets import QTabBar

    return sorted(tuple(b.tabText(i) for i in range(b.count()))
                  for b in w.findChildren(QTabBar) if b.isVisible())


def test_start_up_layout_holds_still_and_says_what_it_waits_for(qtbot, tmp_path):
    """From the first frame to the first network the docks keep their widths (they jumped to half
    the window and back), the view says what the wait is for, and no stray tab bar shows."""
    from PySide6.QtCore import QEvent, QObject, QSettings

    from gui.main_window import CONTROLS_WIDTH, MainWindow

    w = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    w.confirm_close = lambda: True
    qtbot.addWidget(w)
    widths, messages = set(), []

    class Painted(QObject):
        def eventFilter(self, obj, ev):
            if obj is w and ev.type() == QEvent.Type.Paint:
                widths.add((w.docks["controls"].width(), w.docks["loss"].width()))
                if w.built and not ready(w):
                    messages.append(w.view.message)
            return False

    f = Painted()
    w.installEventFilter(f)
    w.resize(1400, 860)
    w.show()
    assert wait_until(lambda: ready(w), 60)
    wait_ms(100)
    assert widths == {(CONTROLS_WIDTH, 400)}, widths
    assert w.view.message == ""
    # (none when an engine left by an earlier window answers before the next paint)
    assert all(m.startswith("Starting PyTorch") for m in messages), messages
    for k in range(8):  # and while it trains (the classify form's prediction line widened it)
        w.step()
        assert wait_until(lambda k=k: w.session.epoch == k + 1, 30)
    wait_ms(100)
    assert w.docks["controls"].width() == CONTROLS_WIDTH
    groups = [("Classify", "Forward and backward pass", "Training"),
              ("Confusion matrix", "Loss and accuracy", "Predicted vs true"),
              ("Decision regions", "Gradients", "Loss vs one weight")]
    assert sorted(tuple(sorted(g)) for g in _visible_tab_groups(w)) == groups
    w.resize(1200, 800)
    w.restore_layout()
    wait_ms(50)
    assert sorted(tuple(sorted(g)) for g in _visible_tab_groups(w)) == groups
    w.close()


def test_verbose_logs_each_epoch(qtbot, tmp_path, capsys):
    w = make_window(qtbot, tmp_path, verbose=True)
    w.step()
    w.step()
    assert wait_until(lambda: w.session.epoch == 2, 30)
    err = capsys.readouterr().err
    assert "epoch 1:" in err and "epoch 2:" in err and "loss" in err
    w.close()


def test_screenshot(win, tmp_path):
    win.session.play()
    assert wait_until(lambda: win.session.epoch >= 20, 60)
    win.session.pause()
    wait_ms(500)
    path = tmp_path / "window.png"
    img = win.grab()
    assert img.save(str(path))
    assert img.width() >= 1000 and path.stat().st_size > 20_000
    # the picture is not blank: many distinct colours (edges, nodes, plots)
    qimg = img.toImage().scaled(200, 120)
    colours = {qimg.pixel(x, y) for x in range(200) for y in range(120)}
    assert len(colours) > 100


CLOSE_SCRIPT = r"""
import sys
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from gui.main_window import MainWindow
w = MainWindow(settings=QSettings(sys.argv[1], QSettings.Format.IniFormat))
w.confirm_close = lambda: True
w.show()
def tick():
    if w.session.active_generation == w.session.generation and not w.session.playing:
        w.session.play()
    elif w.session.playing and w.session.epoch >= 3:
        w.close()
        app.quit()
t = QTimer(); t.timeout.connect(tick); t.start(20)
QTimer.singleShot(60000, lambda: (print("timeout", file=sys.stderr), app.exit(3)))
sys.exit(app.exec())
"""


def test_close_mid_play_exits_cleanly(tmp_path):
    env = {**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-c", CLOSE_SCRIPT, str(tmp_path / "s.ini")], cwd=ROOT,
                       capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stderr
    assert "QThread: Destroyed" not in r.stderr and "Traceback" not in r.stderr


def test_timeline_scrub_shows_exact_snapshot_and_continue_branches(win):
    for _ in range(5):
        win.step()
    assert wait_until(lambda: win.session.epoch == 5, 30)
    win._draw()
    assert win.timeline.slider.maximum() == 5 and "live" in win.timeline.label.text()
    win.timeline.slider.setValue(2)  # epoch 2
    assert win.session.viewing == 2
    snap2 = win.session.history.snapshot(2)
    assert np.allclose(shown_edges(win), np.concatenate([w.ravel() for w in snap2.weights]))
    assert "viewing epoch 2 of 5" in win.timeline.label.text()
    win.timeline.scrub(+1)
    assert win.session.viewing == 3
    win.timeline.scrub(-2)
    assert win.session.viewing == 1
    win.timeline.slider.setValue(3)
    win.session.continue_from_here()
    assert wait_until(lambda: ready(win) and win.session.viewing is None and win.session.epoch == 3, 30)
    assert np.array_equal(win.session.latest.weights[0], snap2.weights[0]) is False
    assert np.allclose(win.session.latest.weights[0], win.session.history.snapshot(3).weights[0])
    assert len(win.widgets["loss"].branches) == 1 and len(win.session.history) == 4
    win.step()
    assert wait_until(lambda: win.session.epoch == 4, 30)


def test_observation_lights_the_forward_pass(win):
    win.step()
    assert wait_until(lambda: win.session.epoch == 1, 30)
    win.session.set_observation([37.3, 16.8, 192.0, 3000.0])
    fp = win.forward_pass
    assert np.isclose(fp.probabilities[0].sum(), 1.0)
    assert win.view._activations is not None and len(win.view._activations) == 4
    assert "p = " in win.view._prob_labels[0].text()
    win.session.set_observation(None)
    assert win.view._activations is None


def test_walkthrough_steps_forward_and_backward(win):
    win.step()
    assert wait_until(lambda: win.session.epoch == 1, 30)
    win._draw()
    wt = win.widgets["walkthrough"]
    wt.set_context(win.session.latest, win.session.data, win.session.config)
    stages = wt.stages()
    assert [k for k, _, _ in stages][:3] == ["x", "z", "a"] and stages[-1][0] == "update"
    lit = []
    wt.lightForward.connect(lambda x, a, p, v: lit.append(p))
    for _ in range(len(stages)):
        wt.next_button.click()
    assert wt.stage == len(stages) - 1 and not wt.next_button.isEnabled()
    assert "w ← w − lr · dL/dw" in wt.text.toPlainText()
    assert any(p is not None and np.isclose(p.sum(), 1) for p in lit)
    wt.set_stage([k for k, _, _ in stages].index("loss"))
    assert "0.18" in wt.text.toPlainText() and "one-hot" in wt.text.toPlainText()


def test_decision_regions_follow_the_network(win):
    from gui.regions import region_image

    for _ in range(20):
        win.step()
    assert wait_until(lambda: win.session.epoch == 20, 60)
    r = win.widgets["regions"]
    assert r.rgb is None  # a hidden tab is not drawn
    win.docks["regions"].raise_()
    wait_ms(100)
    assert r.rgb is not None  # drawn when its tab comes up, with no new epoch (it stayed empty)
    win._draw(force=True)
    wait_ms(100)
    r.fx.setCurrentIndex(0)
    r.fy.setCurrentIndex(2)
    assert r.rgb is not None and r.rgb.shape == (140, 140, 3)
    rgb, ext, pred, conf = region_image(win.session.latest, "relu", win.session.data.scaler, r.X_raw, 0, 2)
    assert len(np.unique(pred)) == 3  # all three species have a region after 20 epochs
    assert ((conf >= 1 / 3 - 1e-9) & (conf <= 1)).all()


def test_learning_rate_demonstration(win):
    win.learning_rate_demo()
    assert wait_until(lambda: getattr(win, "lr_demo_window", None) is not None, 90)
    curves = win.lr_demo_window.curves
    assert set(curves) == {"too low", "good", "too high"}
    low = curves["too low"].getData()[1]
    good = curves["good"].getData()[1]
    assert np.nanmin(good) < np.nanmin(low)  # the good rate learns more in the same epochs
    win.lr_demo_window.close()


def test_click_an_edge_to_study_the_loss_against_that_weight(win):
    from PySide6.QtCore import QPoint

    win.controls.optimizer.setCurrentIndex(0)  # SGD: the step is lr x slope
    win.controls.lr_spin.setValue(0.1)
    win.step()
    assert wait_until(lambda: win.session.epoch == 1, 30)
    win._draw()
    win.view.finish_animation()
    pos = win.view.mapFromScene(win.view.scene_pos_of_edge(1, 2, 3))
    QTest.mouseClick(win.view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(pos.x(), pos.y()))
    assert wait_until(lambda: win.panel("weight").slice is not None, 20)
    s = win.panel("weight").slice
    assert (s.layer, s.out, s.inp) == (1, 2, 3) and s.epoch == 1
    assert s.w0 == pytest.approx(float(win.session.latest.weights[1][2, 3]))
    # the tangent's slope is the curve's derivative at the current point
    k = len(s.values) // 2
    fd = (s.losses[k + 1] - s.losses[k - 1]) / (s.values[k + 1] - s.values[k - 1])
    assert s.grad == pytest.approx(fd, rel=0.05, abs=1e-4)
    # training on updates the curve; the trail grows
    win.step()
    assert wait_until(lambda: win.panel("weight").slice.epoch == 2, 20)
    assert len(win.widgets["weight"].trail_points) == 2
