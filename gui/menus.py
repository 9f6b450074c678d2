"""The window's menus, toolbar and actions, the recent-files menu, and the settings kept between
sessions (layout, controls, edge mode, log axis). Functions of the window, split out of
gui/main_window.py so that the window class stays readable."""

from __future__ import annotations

import functools
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QToolBar

from gui.theme import MODE_LABELS, MODES

MAX_RECENT = 8


def action(w, text, slot, shortcut=None, tip=None, checkable=False):
    a = QAction(text, w)
    if shortcut:
        a.setShortcut(QKeySequence(shortcut))
        a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    if tip:
        a.setStatusTip(tip)
        a.setToolTip(f"{tip} ({QKeySequence(shortcut).toString()})" if shortcut else tip)
    a.setCheckable(checkable)
    a.triggered.connect(slot)
    w.addAction(a)
    return a


def build_actions(w):
    A, f_ = functools.partial(action, w), w.files
    w.act_open = A("&Open data…", f_.open_data_dialog, "Ctrl+O", "Open a CSV file and train on it")
    w.act_new_example = A("New &example…", functools.partial(_new_example, w), None,
                          "Generate a 2-D problem (circle, xor, gauss, spiral, moons) and train on it")
    w.act_save_net = A("&Save network…", f_.save_network_dialog, "Ctrl+S",
                          "Save the trained network (safetensors)")
    w.act_open_net = A("Open &network…", f_.open_network_dialog, "Ctrl+Shift+O",
                          "Open a saved network, or a PyTorch state_dict (.pt/.pth) of Linear layers")
    from gui.lessons import LessonCommands

    w.lessons = LessonCommands(w)
    w.act_open_lesson = A("Open &lesson…", w.lessons.open_lesson_dialog, None,
                          "Open a lesson: data, settings, docks and the teacher's notes")
    w.act_save_lesson = A("Save lesson…", w.lessons.save_lesson_dialog, None,
                          "Save the data, settings and docks shown, with a title and notes, as a "
                          "lesson students can open")
    exports = (A("Export view as PNG…", lambda: f_.export_view_dialog("png")),
               A("Export view as SVG…", lambda: f_.export_view_dialog("svg")),
               A("Export loss history as CSV…", f_.export_loss_dialog))
    w.act_quit = A("&Quit", w.close, "Ctrl+Q", "Quit")
    w.act_step = A("&Step one epoch", w.step, "Right",
                      "Train exactly one epoch (on a past epoch: the next kept one)")
    w.act_play = A("&Play / pause", w.toggle_play, "Space", "Train continuously, or pause")
    w.act_reset = A("&Reset", w.reset, "Ctrl+R", "New random weights with the current settings")
    m = w.menuBar()
    f = m.addMenu("&File")
    f.addAction(w.act_open)
    f.addAction(w.act_new_example)
    w.recent_menu = f.addMenu("Open &recent")
    f.addSeparator()
    f.addAction(w.act_open_net)
    f.addAction(w.act_save_net)
    f.addSeparator()
    f.addAction(w.act_open_lesson)
    f.addAction(w.act_save_lesson)
    f.addSeparator()
    for a in exports:
        f.addAction(a)
    f.addSeparator()
    f.addAction(w.act_quit)
    t = m.addMenu("&Training")
    for a in (w.act_step, w.act_play, w.act_reset):
        t.addAction(a)
    if w.session.remote is not None:  # main.py --engine: the engine runs on another machine
        from core.engine_link import format_address

        w.act_reconnect = A("Re&connect to engine", w.session.reconnect, "Ctrl+Shift+R",
                            f"Connect again to the training engine at "
                            f"{format_address(w.session.remote[0])} and train on from the network shown")
        t.addSeparator()
        t.addAction(w.act_reconnect)
        from gui.remote_dialog import note_connecting, offer_reconnect

        w.session.disconnected.connect(functools.partial(offer_reconnect, w))
        w.session.building.connect(functools.partial(note_connecting, w))
    v = m.addMenu("&View")
    w.mode_actions = {}
    for i, mode in enumerate(MODES):
        a = A(f"Edges show {MODE_LABELS[mode]}", lambda _=False, md=mode: w.network.set_mode(md),
              f"Ctrl+{i + 1}", checkable=True)
        v.addAction(a)
        w.mode_actions[mode] = a
    w.mode_actions["weights"].setChecked(True)
    v.addSeparator()
    w.act_log = A("Log-scale loss axis", lambda on: w.widgets["loss"].set_log(on), checkable=True)
    v.addAction(w.act_log)
    w.act_pictures = A("Pictures in neurons", lambda on: w.network.set_pictures(on), None,
                       "Show in every neuron its value over two inputs (others at their median)",
                       checkable=True)
    v.addAction(w.act_pictures)
    v.addSeparator()
    for d in w.docks.values():
        v.addAction(d.toggleViewAction())
    v.addAction(A("Restore default layout", w.restore_layout))
    teach = m.addMenu("T&each")
    teach.addAction(A("Learning-rate demonstration…", w.learning_rate_demo, None,
                      "Train the same network at a too-low, a good and a too-high learning rate"))
    teach.addAction(A("Overfitting demonstration…", functools.partial(_overfit_demo, w), None,
                      "Train one network on a small training share with no cure, L2, dropout "
                      "and early stopping"))
    for name in ("walkthrough", "regions"):
        teach.addAction(A(w.docks[name].windowTitle(), functools.partial(w.show_dock, name)))
    teach.addSeparator()
    w.lessons_menu = teach.addMenu("&Lessons")
    w.lessons_menu.setToolTipsVisible(True)
    w.lessons_menu.aboutToShow.connect(functools.partial(_fill_lessons, w))
    h = m.addMenu("&Help")
    h.addAction(A("What am I looking at?", w.show_concepts, "F1"))
    h.addAction(A("About", w.show_about))
    action(w, "Back in history", lambda: w.timeline.scrub(-1), "Ctrl+Left")
    action(w, "Forward in history", lambda: w.timeline.scrub(+1), "Ctrl+Right")
    action(w, "Cancel reading", w.cancel_loading, "Esc")

    tb = QToolBar("Training")
    tb.setObjectName("toolbar_training")
    tb.setMovable(False)
    for a in (w.act_step, w.act_play, w.act_reset):
        tb.addAction(a)
    tb.addSeparator()
    tb.addAction(w.act_open)
    w.addToolBar(tb)

def _new_example(w, *_):
    from gui import example_dialog  # (pyqtgraph and pandas: not before the first frame)

    example_dialog.start(w)


def _overfit_demo(w, *_):
    from gui import overfit_demo  # (pyqtgraph and numpy: not before the first frame)

    overfit_demo.start(w)


# -- settings and layout --------------------------------------------------------------------

def restore_settings(w):
    s = w.settings
    raw = s.value("controls")
    if raw:
        import json

        try:
            w.controls.set_values(json.loads(raw))
        except (ValueError, TypeError):
            pass
    w.session.set_speed(w.controls.epochs_per_second())
    w.view.duration = w.controls.values()["animation"]
    mode = s.value("edge_mode", "weights")
    if mode in MODES:
        w.network.set_mode(mode)
    if str(s.value("log_loss", "false")).lower() == "true":
        w.act_log.setChecked(True)
        w.widgets["loss"].set_log(True)
    w.network.picturesToggled.connect(w.act_pictures.setChecked)
    if str(s.value("neuron_pictures", "false")).lower() == "true":
        w.network.set_pictures(True)
    rebuild_recent(w)


def save_settings(w):
    s = w.settings
    s.setValue("geometry", w.saveGeometry())
    s.setValue("windowState", w.saveState())
    if w.controls is not None:
        import json

        s.setValue("controls", json.dumps(w.controls.values()))
    if w.built:
        s.setValue("edge_mode", w.view.mode)
        s.setValue("log_loss", w.widgets["loss"].log_box.isChecked())
        s.setValue("neuron_pictures", w.network.pictures.enabled)
    s.sync()


def recent_files(w) -> list[str]:
    v = w.settings.value("recent", [])
    if isinstance(v, str):
        v = [v]
    return [str(p) for p in (v or [])]


def remember(w, path: str):
    rec = [p for p in recent_files(w) if p != path]
    w.settings.setValue("recent", [path, *rec][:MAX_RECENT])
    rebuild_recent(w)


def rebuild_recent(w):
    w.recent_menu.clear()
    rec = recent_files(w)
    for p in rec:
        w.recent_menu.addAction(Path(p).name, lambda _=False, q=p: w.import_file(q)) \
            .setStatusTip(p)
    w.recent_menu.setEnabled(bool(rec))


def _fill_lessons(w):
    """Teach → Lessons: the lessons shipped in resources/lessons (read when the menu opens)."""
    from core.example_lessons import shipped

    menu = w.lessons_menu
    menu.clear()
    for title, path in shipped():
        a = menu.addAction(title)
        a.setToolTip(f"Open the lesson {path.name}: its data, settings, docks and notes")
        a.triggered.connect(functools.partial(w.lessons.open_lesson, str(path)))
    if not menu.actions():
        menu.addAction("(no lessons found)").setEnabled(False)
