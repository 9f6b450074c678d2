"""The main window: network view in the centre; controls, loss and gradients in docks."""

from __future__ import annotations

import functools
import gc
import math
import sys
import time
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QToolBar,
)

from gui.dialogs import open_warning
from gui.theme import MODE_LABELS, MODES

if TYPE_CHECKING:
    from gui.controls import ControlsPanel
    from gui.worker import TrainingWorker

# Only Qt and light modules above: the window paints its frame (menus, toolbar, dock frames, status
# bar) before the controls, the engine, numpy, pyqtgraph and the views load (see _start), so it
# appears at once.

APP_NAME = "NeuroWatch"
FRAME_MS = 16
PANEL_MS = 250  # plots, panels, status and timeline: at most 4 updates a second while playing
PLAY_FRAME_MS = 50  # frame timer while playing: 20 frames a second leave the GIL to the worker
MAX_RECENT = 8
# the left docks' width, from the first frame on: the Classify panel's narrowest (401 px with the
# penguins' features) and the three tab titles in full, so the column does not jump when it fills
CONTROLS_WIDTH = 402
ENGINE_RETRY_S = 30  # an engine lost again within this many seconds is not restarted automatically


def _placeholder(text: str) -> QLabel:
    lbl = QLabel(text)
    lbl.setAlignment(Qt.AlignmentFlag.AlignCenter)
    lbl.setEnabled(False)
    return lbl


def default_settings() -> QSettings:
    return QSettings(APP_NAME, APP_NAME)


class MainWindow(QMainWindow):
    # commands to the worker (queued: the worker lives in another thread)
    _setup = Signal(int, object)
    _step = Signal(int)
    _play = Signal(int)
    _call = Signal(int, object)
    snapshotShown = Signal(object)  # the snapshot the views now show (live or from the timeline)

    def __init__(self, data_path=None, verbose: bool = False, settings: QSettings | None = None):
        super().__init__()
        self.setWindowTitle(APP_NAME)
        self.resize(1400, 860)
        self.settings = settings if settings is not None else default_settings()
        self.verbose = verbose
        self.generation = 0
        self.active_generation = -1
        self.history = None  # a core.history.History, once the views are built
        self.built = False  # _build_views has run
        self.latest = None
        self._drawn = None
        self._panels_for = None
        self._panels_at = 0.0
        self._panel_queue: list = []
        # while playing, a queued panel updates half a frame after the network: Qt paints everything
        # a slot marks dirty in one go, so network and panel in one tick held the GUI thread 15-45 ms
        self._panel_tick = QTimer(self)
        self._panel_tick.setSingleShot(True)
        self._panel_tick.setInterval(PLAY_FRAME_MS // 2)
        self._panel_tick.timeout.connect(self._run_panel_queue)
        self._panel_snap = None
        self.dataset = None
        self.data = None
        self.config = None
        self.playing = False
        self._runs = 0
        self._rates: deque = deque(maxlen=64)
        self.last_error = ""
        self._engine_lost_at = -1e9
        self._dialogs: list = []
        self.confirm = self._confirm_dialog
        self.device_text = "starting…"
        self._pending_source = None  # what the next setup loads
        self._shown_once = False
        self.viewing: int | None = None  # a past epoch chosen on the timeline; None = follow live
        self.observation = None  # raw feature vector whose forward pass is lit, or None

        self.controls: ControlsPanel | None = None  # built right after the first paint
        self._study = None
        self._study_names = None
        self.docks = {}
        loading = "Loading…"
        self.setCentralWidget(_placeholder("Loading the network view…"))
        controls_placeholder = _placeholder(loading)
        controls_placeholder.setMinimumWidth(CONTROLS_WIDTH)  # the dock keeps its width when they come
        for name, title, widget, area in [
            ("controls", "Training", controls_placeholder, Qt.DockWidgetArea.LeftDockWidgetArea),
            ("loss", "Loss and accuracy", _placeholder(loading), Qt.DockWidgetArea.RightDockWidgetArea),
            ("gradients", "Gradients", _placeholder(loading), Qt.DockWidgetArea.RightDockWidgetArea),
            ("walkthrough", "Forward and backward pass", _placeholder(loading),
             Qt.DockWidgetArea.LeftDockWidgetArea),
            ("regions", "Decision regions", _placeholder(loading), Qt.DockWidgetArea.RightDockWidgetArea),
            ("weight", "Loss vs one weight", _placeholder(loading),
             Qt.DockWidgetArea.RightDockWidgetArea),
            ("classify", "Classify", _placeholder(loading), Qt.DockWidgetArea.LeftDockWidgetArea),
        ]:
            d = QDockWidget(title, self)
            d.setObjectName(f"dock_{name}")
            d.setWidget(widget)
            self.addDockWidget(area, d)
            self.docks[name] = d
        self.splitDockWidget(self.docks["loss"], self.docks["gradients"], Qt.Orientation.Vertical)
        self.tabifyDockWidget(self.docks["controls"], self.docks["walkthrough"])
        self.tabifyDockWidget(self.docks["controls"], self.docks["classify"])
        self.tabifyDockWidget(self.docks["gradients"], self.docks["regions"])
        self.tabifyDockWidget(self.docks["gradients"], self.docks["weight"])
        self.docks["controls"].raise_()
        self.docks["gradients"].raise_()
        self._size_docks()
        self._build_actions()
        self._build_status()
        self._build_timeline()
        self._default_state = self.saveState()
        self._hide_stale_tab_bars()

        self.worker: TrainingWorker | None = None  # started with the views (see _start)
        self.thread = None

        self._frame = QTimer(self)
        self._frame.setInterval(FRAME_MS)
        self.setAcceptDrops(True)
        geo = self.settings.value("geometry")
        if geo is not None:
            self.restoreGeometry(geo)
        state = self.settings.value("windowState")
        if state is not None:
            self.restoreState(state)
        for a in self.actions():  # until the views exist; Quit works throughout
            a.setEnabled(a is self.act_quit)
        self.statusBar().showMessage("Loading the views…")
        self._pending_source = dict(path=str(data_path) if data_path else None)
        # The engine is started, the views are built, and then the first network, once the window
        # has painted (see paintEvent): the window appears before multiprocessing, numpy and
        # pyqtgraph load, and the engine imports torch in its own process while the views build.
        self._started = False
        QTimer.singleShot(2000, self._start)  # in case no paint comes (a hidden window)

    def _start_engine(self):
        from gui.worker import TrainingWorker

        self.worker = TrainingWorker(self)  # the trainer runs in its own process
        self.thread = self.worker.reader  # the thread that turns its answers into signals
        self._setup.connect(self.worker.setup)
        self._step.connect(self.worker.step)
        self._play.connect(self.worker.play)
        self._call.connect(self.worker.call)
        self.worker.ready.connect(self._on_ready)
        self.worker.setup_failed.connect(self._on_setup_failed)
        self.worker.snapshots.connect(self._on_snapshots)
        self.worker.diverged.connect(self._on_diverged)
        self.worker.failed.connect(self._on_failed)
        self.worker.stopped.connect(self._on_stopped)
        self.worker.result.connect(self._on_result)
        self.worker.progress.connect(self._on_progress)
        self.worker.lost.connect(self._on_engine_lost)

    def _build_views(self):
        """The second stage of start-up: the network view, plots and panels replace the placeholders."""
        from core.history import History
        from gui.classify import ClassifyPanel
        from gui.network_view import NetworkPanel
        from gui.plots import GradientView, LossPlot
        from gui.regions import RegionsView
        from gui.walkthrough_panel import WalkthroughPanel
        from gui.weight_study import WeightStudyPanel

        self.history = History()
        self.panel = NetworkPanel(self)
        self.view = self.panel.view
        self.setCentralWidget(self.panel)
        self.loss_plot = LossPlot()
        self.grad_view = GradientView()
        self.walkthrough = WalkthroughPanel()
        self.regions = RegionsView()
        self.weight_study = WeightStudyPanel()
        self.classify_panel = ClassifyPanel()
        for name, widget in [("loss", self.loss_plot), ("gradients", self.grad_view),
                             ("walkthrough", self.walkthrough), ("regions", self.regions),
                             ("weight", self.weight_study), ("classify", self.classify_panel)]:
            old = self.docks[name].widget()
            self.docks[name].setWidget(widget)
            old.deleteLater()

        c = self.controls
        c.step_button.clicked.connect(self.step)
        c.play_button.clicked.connect(self.toggle_play)
        c.reset_button.clicked.connect(self.reset)
        c.architectureChanged.connect(self._architecture_changed)
        c.optimizerChanged.connect(self._optimizer_changed)
        c.rebuildSettingChanged.connect(
            lambda: self.statusBar().showMessage("This setting applies on Reset (Ctrl+R).", 4000))
        c.speedChanged.connect(self.worker.set_speed)
        c.animationChanged.connect(self._set_animation)
        self.panel.modeChanged.connect(self._mode_changed)
        self.view.edgeClicked.connect(self._edge_clicked)
        self.walkthrough.lightForward.connect(
            lambda x, acts, p: self.view.set_forward_pass(x, acts, p))
        self.walkthrough.highlightLayer.connect(self.view.highlight_layer)
        self.classify_panel.observationSelected.connect(self.show_observation)
        self.classify_panel.exported.connect(
            lambda path: self.statusBar().showMessage(f"Exported the predictions to {path}", 6000))
        self.docks["walkthrough"].visibilityChanged.connect(self._walkthrough_visible)
        # drawn when its tab comes up: the widget's own showEvent does not come then (it was shown
        # once, inside the dock, before the dock became a hidden tab), so the regions stayed empty
        self.docks["regions"].visibilityChanged.connect(self._regions_visible)

        self._frame.timeout.connect(self._frame_tick)
        self._frame.start()
        self._restore_settings()
        if self.settings.value("windowState") is None:  # the default layout, sized for the views
            QTimer.singleShot(0, self._size_docks)  # once the new widgets' layouts have settled
        for a in self.actions():
            a.setEnabled(True)
        self.built = True
        # everything loaded so far (modules, Qt wrappers, pyqtgraph items) lives as long as the app:
        # out of the collector's sight, a full collection while training plays took ~70 ms of the
        # GUI thread, now a few ms (cycles among these objects are not collected; there are none
        # worth the pause)
        gc.collect()
        gc.freeze()
        self.statusBar().clearMessage()

    # -- menus, toolbar, status ---------------------------------------------------------------
    def _action(self, text, slot, shortcut=None, tip=None, checkable=False):
        a = QAction(text, self)
        if shortcut:
            a.setShortcut(QKeySequence(shortcut))
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if tip:
            a.setStatusTip(tip)
            a.setToolTip(f"{tip} ({QKeySequence(shortcut).toString()})" if shortcut else tip)
        a.setCheckable(checkable)
        a.triggered.connect(slot)
        self.addAction(a)
        return a

    def _build_actions(self):
        A = self._action
        self.act_open = A("&Open data…", self.open_data_dialog, "Ctrl+O",
                          "Open a CSV file and train on it")
        self.act_save_net = A("&Save network…", self.save_network_dialog, "Ctrl+S",
                              "Save the trained network (safetensors)")
        self.act_open_net = A("Open &network…", self.open_network_dialog, "Ctrl+Shift+O",
                              "Open a saved network")
        self.act_export_png = A("Export view as PNG…", lambda: self.export_view_dialog("png"))
        self.act_export_svg = A("Export view as SVG…", lambda: self.export_view_dialog("svg"))
        self.act_export_loss = A("Export loss history as CSV…", self.export_loss_dialog)
        self.act_quit = A("&Quit", self.close, "Ctrl+Q", "Quit")
        self.act_step = A("&Step one epoch", self.step, "Right", "Train exactly one epoch")
        self.act_play = A("&Play / pause", self.toggle_play, "Space", "Train continuously, or pause")
        self.act_reset = A("&Reset", self.reset, "Ctrl+R",
                           "New random weights with the current settings")
        m = self.menuBar()
        f = m.addMenu("&File")
        f.addAction(self.act_open)
        self.recent_menu = f.addMenu("Open &recent")
        f.addSeparator()
        f.addAction(self.act_open_net)
        f.addAction(self.act_save_net)
        f.addSeparator()
        for a in (self.act_export_png, self.act_export_svg, self.act_export_loss):
            f.addAction(a)
        f.addSeparator()
        f.addAction(self.act_quit)
        t = m.addMenu("&Training")
        for a in (self.act_step, self.act_play, self.act_reset):
            t.addAction(a)
        v = m.addMenu("&View")
        self.mode_actions = {}
        for i, mode in enumerate(MODES):
            a = A(f"Edges show {MODE_LABELS[mode]}", lambda _=False, md=mode: self.panel.set_mode(md),
                  f"Ctrl+{i + 1}", checkable=True)
            v.addAction(a)
            self.mode_actions[mode] = a
        self.mode_actions["weights"].setChecked(True)
        v.addSeparator()
        self.act_log = A("Log-scale loss axis", lambda on: self.loss_plot.set_log(on), checkable=True)
        v.addAction(self.act_log)
        v.addSeparator()
        for d in self.docks.values():
            v.addAction(d.toggleViewAction())
        v.addAction(A("Restore default layout", self.restore_layout))
        teach = m.addMenu("T&each")
        teach.addAction(A("Learning-rate demonstration…", self.learning_rate_demo, None,
                          "Train the same network at a too-low, a good and a too-high learning rate"))
        teach.addAction(A("Forward and backward pass", lambda: (
            self.docks["walkthrough"].show(), self.docks["walkthrough"].raise_())))
        teach.addAction(A("Decision regions", lambda: (
            self.docks["regions"].show(), self.docks["regions"].raise_())))
        h = m.addMenu("&Help")
        h.addAction(A("What am I looking at?", self.show_concepts, "F1"))
        h.addAction(A("About", self.show_about))

        tb = QToolBar("Training")
        tb.setObjectName("toolbar_training")
        tb.setMovable(False)
        for a in (self.act_step, self.act_play, self.act_reset):
            tb.addAction(a)
        tb.addSeparator()
        tb.addAction(self.act_open)
        self.addToolBar(tb)

    def _build_controls(self):
        """The Training dock's controls (first thing after the first paint)."""
        from gui.controls import ControlsPanel

        self.controls = c = ControlsPanel()
        old = self.docks["controls"].widget()
        self.docks["controls"].setWidget(c)
        old.deleteLater()
        for b in (c.step_button, c.play_button, c.reset_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        c.step_button.setToolTip("Train one epoch (Right arrow)")
        c.play_button.setToolTip("Train continuously, or pause (Space)")
        c.reset_button.setToolTip("New random weights with the current settings (Ctrl+R)")

    def _build_status(self):
        sb = self.statusBar()
        self.st_device = QLabel("device: starting…")
        self.st_epoch = QLabel("epoch 0")
        self.st_train = QLabel("train: –")
        self.st_val = QLabel("validation: –")
        self.st_rate = QLabel("")
        self.st_device.setToolTip("Where the network trains, and why auto picked it")
        for w in (self.st_device, self.st_epoch, self.st_train, self.st_val, self.st_rate):
            sb.addPermanentWidget(w)
        # reading a CSV in the engine: a progress bar and Cancel (Esc), shown only meanwhile
        from PySide6.QtWidgets import QProgressBar, QToolButton

        self.st_load = QProgressBar()
        self.st_load.setRange(0, 1000)
        self.st_load.setFixedWidth(160)
        self.st_load.setFormat("reading %p%")
        self.st_load_cancel = QToolButton()
        self.st_load_cancel.setText("Cancel")
        self.st_load_cancel.setToolTip("Stop reading this file; the current data and network stay "
                                       "(Esc)")
        self.st_load_cancel.clicked.connect(self.cancel_loading)
        for w in (self.st_load, self.st_load_cancel):
            sb.addWidget(w)
            w.hide()
        self.act_cancel_load = self._action("Cancel reading", self.cancel_loading, "Esc")
        self._load_cancelled = False

    def _build_timeline(self):
        from PySide6.QtWidgets import QSlider, QToolButton

        tb = QToolBar("Timeline")
        tb.setObjectName("toolbar_timeline")
        tb.setMovable(False)
        self.addToolBar(Qt.ToolBarArea.BottomToolBarArea, tb)
        tb.addWidget(QLabel(" Timeline "))
        self.tl_back = QToolButton(text="◀")
        self.tl_back.setToolTip("One kept epoch back (Ctrl+Left)")
        self.tl_fwd = QToolButton(text="▶")
        self.tl_fwd.setToolTip("One kept epoch forward (Ctrl+Right)")
        self.tl_slider = QSlider(Qt.Orientation.Horizontal)
        self.tl_slider.setToolTip("Scrub through training history: the network view, plots and "
                                  "panels show the chosen epoch. The right end follows training live.")
        self.tl_slider.setRange(0, 0)
        self.tl_label = QLabel("live")
        self.tl_label.setMinimumWidth(200)
        self.tl_continue = QToolButton(text="Continue from here")
        self.tl_continue.setToolTip("Branch training from the chosen epoch's weights (the old branch "
                                    "stays on the loss plot, in grey). The optimizer's state restarts.")
        self.tl_continue.setEnabled(False)
        for wdg in (self.tl_back, self.tl_slider, self.tl_fwd, self.tl_label, self.tl_continue):
            tb.addWidget(wdg)
        self.tl_slider.valueChanged.connect(self._timeline_moved)
        self.tl_back.clicked.connect(lambda: self.scrub(-1))
        self.tl_fwd.clicked.connect(lambda: self.scrub(+1))
        self.tl_continue.clicked.connect(self.continue_from_here)
        self._action("Back in history", lambda: self.scrub(-1), "Ctrl+Left")
        self._action("Forward in history", lambda: self.scrub(+1), "Ctrl+Right")

    def _kept_epochs(self) -> list[int]:
        return self.history.epochs_with_snapshots()

    def _sync_timeline(self):
        kept = self._kept_epochs()
        s = self.tl_slider
        s.blockSignals(True)
        s.setRange(0, max(0, len(kept) - 1))
        if self.viewing is None:
            s.setValue(s.maximum())
        else:
            import numpy as np

            s.setValue(int(np.searchsorted(kept, self.viewing)))
        s.blockSignals(False)
        live = self.viewing is None
        self.tl_label.setText(f"live: epoch {self.epoch}" if live else
                              f"viewing epoch {self.viewing} of {self.epoch}")
        self.tl_continue.setEnabled(not live and not self.playing)

    def _timeline_moved(self, i: int):
        kept = self._kept_epochs()
        if not kept:
            return
        self.view_epoch(None if i >= len(kept) - 1 else kept[i])

    def scrub(self, delta: int):
        s = self.tl_slider
        s.setValue(max(0, min(s.maximum(), s.value() + delta)))

    def view_epoch(self, epoch: int | None):
        """Show a past epoch (None: follow training live). Pauses a running training."""
        if epoch is not None and self.playing:
            self.pause()
        self.viewing = epoch
        self.loss_plot.set_marker(epoch)
        self._drawn = None
        self._draw(force=epoch is not None)

    def displayed_snapshot(self):
        if self.viewing is not None:
            return self.history.nearest(self.viewing)
        return self.latest

    def continue_from_here(self):
        snap = self.displayed_snapshot()
        if snap is None or self.viewing is None:
            return
        branch = self.history.metrics()
        branch = branch[branch[:, 0] >= snap.epoch]
        self.rebuild(dict(dataset=self.dataset, initial=(snap.weights, snap.biases),
                          initial_epoch=snap.epoch,
                          extra=dict(continue_from=snap.epoch, branch=branch)))

    # -- an observation's forward pass --------------------------------------------------------
    def show_observation(self, x_raw):
        """Light the forward pass of one observation (raw feature values), or clear it (None)."""
        import numpy as np

        self.observation = None if x_raw is None else np.asarray(x_raw, dtype=np.float64).ravel()
        self._light_observation(self.displayed_snapshot())

    def _light_observation(self, snap):
        from core.network import forward

        if self.observation is None or snap is None or self.data is None or \
                self.observation.size != len(self.data.feature_names):
            self.view.set_forward_pass(None, None)
            return
        z = self.data.scaler.transform(self.observation[None, :])
        fp = forward(snap.weights, snap.biases, self.config.activation, z)
        self.view.set_forward_pass(z[0], [a[0] for a in fp.a], fp.probabilities[0])
        self.forward_pass = fp

    # -- settings -----------------------------------------------------------------------------
    def _restore_settings(self):
        s = self.settings
        raw = s.value("controls")
        if raw:
            import json

            try:
                self.controls.set_values(json.loads(raw))
            except (ValueError, TypeError):
                pass
        self.worker.set_speed(self.controls.epochs_per_second())
        self.view.duration = self.controls.values()["animation"]
        mode = s.value("edge_mode", "weights")
        if mode in MODES:
            self.panel.set_mode(mode)
        if str(s.value("log_loss", "false")).lower() == "true":
            self.act_log.setChecked(True)
            self.loss_plot.set_log(True)
        self._rebuild_recent()

    def save_settings(self):
        s = self.settings
        s.setValue("geometry", self.saveGeometry())
        s.setValue("windowState", self.saveState())
        if self.controls is not None:
            import json

            s.setValue("controls", json.dumps(self.controls.values()))
        if not self.built:
            s.sync()
            return
        s.setValue("edge_mode", self.view.mode)
        s.setValue("log_loss", self.loss_plot.log_box.isChecked())
        s.sync()

    def _size_docks(self):
        self.resizeDocks([self.docks["controls"], self.docks["loss"]], [CONTROLS_WIDTH, 400],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["loss"], self.docks["gradients"]], [1, 1],
                         Qt.Orientation.Vertical)

    def restore_layout(self):
        self.restoreState(self._default_state)
        for d in self.docks.values():
            d.show()
        self._size_docks()
        self._hide_stale_tab_bars()

    def _hide_stale_tab_bars(self):
        """Qt (6.11) leaves a tab bar behind when a second dock is tabified into a group that sits
        beside another dock while a group exists in the other dock area: a visible strip with the
        group's first two tabs, stuck where it was made (over the gradients plots). A bar whose
        tabs all belong to a bar with more of them is such a leftover."""
        from PySide6.QtWidgets import QTabBar

        bars = [(b, {b.tabText(i) for i in range(b.count())})
                for b in self.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly)]
        for b, tabs in bars:
            if tabs and any(tabs < other for _, other in bars):
                b.hide()

    def _start(self):
        if not self._started:
            self._started = True
            # nothing paints until the new widgets have settled into the layout: replacing the
            # placeholders painted the docks at their size hints (half the window each), then
            # halfway back, before the default sizes took hold (three jumps in 0.2 s)
            self.setUpdatesEnabled(False)
            self.setAnimated(False)
            self._build_controls()
            self._start_engine()  # torch loads in the engine while the views are built
            self._build_views()
            self.reset()
            self._settle_layout(passes=3)

    def _settle_layout(self, passes: int):
        """A few event-loop passes for the layout to take the new widgets (with the default dock
        sizes each time, unless a saved layout was restored), then paint again."""
        QApplication.instance().sendPostedEvents(None, QEvent.Type.LayoutRequest)
        if self.settings.value("windowState") is None:
            self._size_docks()
        if passes > 1:
            QTimer.singleShot(0, lambda: self._settle_layout(passes - 1))
            return
        self.setAnimated(True)
        self.setUpdatesEnabled(True)
        self.repaint()

    def paintEvent(self, ev):
        super().paintEvent(ev)
        if not self._started:
            QTimer.singleShot(0, self._start)

    def showEvent(self, ev):
        super().showEvent(ev)
        if not self._shown_once:
            self._shown_once = True
            if self.settings.value("windowState") is None:
                QTimer.singleShot(0, self._size_docks)

    def recent_files(self) -> list[str]:
        v = self.settings.value("recent", [])
        if isinstance(v, str):
            v = [v]
        return [str(p) for p in (v or [])]

    def _remember(self, path: str):
        rec = [p for p in self.recent_files() if p != path]
        self.settings.setValue("recent", [path, *rec][:MAX_RECENT])
        self._rebuild_recent()

    def _rebuild_recent(self):
        self.recent_menu.clear()
        rec = self.recent_files()
        for p in rec:
            self.recent_menu.addAction(Path(p).name, lambda _=False, q=p: self.import_file(q)) \
                .setStatusTip(p)
        self.recent_menu.setEnabled(bool(rec))

    # -- commands -----------------------------------------------------------------------------
    @property
    def epoch(self) -> int:
        return self.latest.epoch if self.latest is not None else 0

    def _config_from_controls(self):
        from core.config import config_from_values

        return config_from_values(self.controls.values())

    def step(self):
        if self.active_generation != self.generation:
            return
        if self.playing:
            self.pause()
        if self.viewing is not None:
            self.view_epoch(None)
        self._runs += 1
        self._step.emit(self.generation)

    def play(self):
        if self.playing or self.active_generation != self.generation:
            return
        if self.viewing is not None:
            self.view_epoch(None)
        self.playing = True
        self._frame.setInterval(PLAY_FRAME_MS)
        self.controls.set_playing(True)
        self.worker.clear_pause()
        self._runs += 1
        self._play.emit(self.generation)

    def pause(self):
        if not self.playing:
            return
        self.playing = False
        self._frame.setInterval(FRAME_MS)
        self.controls.set_playing(False)
        self.worker.request_pause()

    def toggle_play(self):
        if self.playing:
            self.pause()
        else:
            self.play()

    def reset(self):
        """New random weights with the current settings (Ctrl+R)."""
        self.rebuild(None)

    def rebuild(self, source: dict | None):
        """Build a new network: on `source` (data/path/initial weights) or the current data."""
        from gui.worker import SetupRequest

        if self.playing:
            self.pause()
        if not self.worker.engine_alive():  # it stopped and was not restarted: try again now
            self.worker.restart()
        self.worker.request_cancel()
        src = source if source is not None else self._pending_source or {}
        self._pending_source = None
        cfg = self._config_from_controls()
        req = SetupRequest(config=cfg, dataset=src.get("dataset", self.dataset),
                           path=src.get("path"), label=src.get("label"),
                           features=src.get("features"), initial=src.get("initial"),
                           initial_epoch=src.get("initial_epoch", 0), extra=src.get("extra", {}))
        if req.path is None and req.dataset is None:
            # (not core.dataset.penguins_path: that imports pandas, a second in the GUI thread)
            penguins = Path(__file__).resolve().parent.parent / "resources" / "penguins.csv"
            req = SetupRequest(config=cfg, path=str(penguins))
        self.generation += 1
        self.statusBar().showMessage("Building the network…")
        if not self.view.sizes:  # nothing drawn yet: say what the wait is for
            self.view.set_message("Starting PyTorch in the training process and building the "
                                  "network…" if self.active_generation < 0 else
                                  "Building the network…")
        self._setup.emit(self.generation, req)

    def load_data(self, path: str, label=None, features=None, dataset=None):
        """Train on another CSV (or a Dataset already built from it by the import dialog).

        If it cannot be used, a dialog says why and the current data and network stay."""
        if self.epoch > 0 and not self.confirm(
                f"Open {Path(path).name}? The network trained for {self.epoch} epochs on the "
                f"current data will be replaced (save it first with Ctrl+S if you want it)."):
            return False
        self.rebuild(dict(path=str(path), label=label, features=features, dataset=dataset,
                          extra=dict(remember=str(path))))
        return True

    def import_file(self, path: str):
        """Show the import dialog for a CSV (label and feature choice, preview, summary)."""
        from core.errors import UserError
        from gui.import_dialog import ImportDialog

        try:
            dlg = ImportDialog(path, self, hidden=self.controls.hidden())
        except UserError as e:
            self.show_error("Cannot open this file", str(e))
            return None
        except Exception as e:  # an unexpected failure to read: a message, never a crash
            self.show_error("Cannot open this file", f"{path}: {type(e).__name__}: {e}")
            return None
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.accepted.connect(lambda d=dlg, p=path: self.load_data(p, dataset=d.dataset()))
        self.import_dialog = dlg
        dlg.open()
        return dlg

    def _architecture_changed(self):
        if self.config is None:
            return
        v = self.controls.values()
        if tuple(v["hidden"]) == tuple(self.config.hidden) and v["activation"] == self.config.activation:
            return
        if self.epoch > 0 and not self.confirm(
                f"Rebuild the network as {self.controls.shape_label.text()}? The weights trained "
                f"for {self.epoch} epochs will be discarded."):
            self.controls.set_values(dict(hidden=self.config.hidden,
                                          activation=self.config.activation))
            return
        self.reset()

    def _optimizer_changed(self):
        if self.config is None:
            return
        v = self.controls.values()
        changes = {k: v[k] for k in ("optimizer", "learning_rate", "momentum", "batch_size")
                   if v[k] != getattr(self.config, k)}
        if not changes:
            return
        if "optimizer" in changes or "momentum" in changes:
            changes.setdefault("learning_rate", v["learning_rate"])
            changes["optimizer"] = v["optimizer"]
            changes["momentum"] = v["momentum"]
        try:
            self.config = self.config.with_(**changes)
        except Exception as e:  # core.errors.UserError: a bad value
            self.show_error("Setting not applied", str(e))
            return
        self.worker.update_settings(**changes)
        what = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in changes.items())
        self.statusBar().showMessage(f"{what}: applies from the next epoch.", 4000)

    def _set_animation(self, seconds: float):
        self.view.duration = seconds

    def _mode_changed(self, mode: str):
        for m, a in self.mode_actions.items():
            a.setChecked(m == mode)

    def learning_rate_demo(self):
        """Run the demonstration in the worker thread; a window shows the three curves."""
        if self.active_generation != self.generation or self.data is None:
            return
        self.pause()
        from core.engine_server import lr_demo_job

        self.statusBar().showMessage("Training three copies of the network at three learning rates…")
        self._call.emit(self.generation, functools.partial(lr_demo_job, self.config))

    def _on_result(self, generation: int, kind: str, payload):
        if generation != self.generation:
            return
        if kind == "loss_slice" and self._study == (payload.layer, payload.out, payload.inp):
            self.weight_study.show_slice(payload, names=self._study_names)
            self.weight_slice = payload
        elif kind == "lr_demo":
            from gui.lr_demo import LearningRateDemo

            self.lr_demo_window = LearningRateDemo(payload, self.config.optimizer, self)
            self.lr_demo_window.show()
            self.statusBar().clearMessage()

    def _regions_visible(self, visible: bool):
        if visible:  # (set_snapshot would refresh only if the panel counted as visible: once)
            self.regions.snapshot = self.displayed_snapshot()
            self.regions.refresh()

    def _walkthrough_visible(self, visible: bool):
        if visible:
            self.walkthrough.set_context(self.displayed_snapshot(), self.data, self.config)
        else:
            self.view.highlight_layer(None)
            self._light_observation(self.displayed_snapshot())

    def _edge_clicked(self, layer: int, o: int, i: int):
        """Study this weight: the loss as a function of it, with the tangent and the last step."""
        self.study_weight(layer, o, i)

    def study_weight(self, layer: int, o: int, i: int):
        self._study = (layer, o, i)
        self._study_names = (self.view.neuron_name(layer, i), self.view.neuron_name(layer + 1, o))
        self.weight_study.clear()
        self.docks["weight"].show()
        self.docks["weight"].raise_()
        self.worker.set_study(self._study)
        from core.engine_server import loss_slice_job

        self._call.emit(self.generation, functools.partial(loss_slice_job, self._study, self.latest))
        self.statusBar().showMessage(f"Studying the weight {self._study_names[0]} → "
                                     f"{self._study_names[1]}", 5000)

    # -- worker answers -----------------------------------------------------------------------
    def _on_ready(self, generation: int, snap, info: dict):
        if generation != self.generation:
            return
        self.active_generation = generation
        self._hide_loading()
        self.view.set_message("")
        self._load_cancelled = False
        self.dataset, self.data, self.config = info["dataset"], info["data"], info["config"]
        self.device_text = info["device_reason"]
        self.controls.set_cuda(info["cuda"], info.get("cuda_name", ""))
        self.controls.set_io(self.data.X_train.shape[1], len(self.data.class_names))
        hidden = tuple(self.config.hidden)
        if self.controls.hidden() != hidden or self.controls.values()["activation"] != \
                self.config.activation:
            self.controls.set_values(dict(hidden=hidden, activation=self.config.activation))
        self.view.set_structure(snap.layer_sizes, self.data.feature_names, self.data.class_names,
                                self.config.activation)
        self.grad_view.set_layers(len(snap.weights))
        if "continue_from" not in info["extra"]:
            self._study = None
            self.worker.set_study(None)
            self.weight_study.clear()
        self.regions.set_data(self.data, self.config)
        extra = info["extra"]
        if "continue_from" in extra:  # from a past epoch, or the last one after an engine restart
            self.history.truncate(extra["continue_from"])
            if "branch" in extra:
                self.loss_plot.add_branch(extra["branch"])
        else:
            self.history.clear()
            self.loss_plot.clear_branches()
        self.history.add(snap)
        self.latest = snap
        self.viewing = None
        self.loss_plot.set_marker(None)
        self._drawn = None
        self._rates.clear()
        remember = extra.get("remember")
        if remember:
            self._remember(remember)
        name = Path(self.dataset.source).name if self.dataset.source else "data"
        self.setWindowTitle(f"{APP_NAME} — {name}")
        self.st_device.setText(f"device: {self.device_text.split(' (')[0]}")
        self.st_device.setToolTip(self.device_text)
        self.statusBar().showMessage(
            f"{name}: {len(self.data.X_train)} training + {len(self.data.X_val)} validation rows, "
            f"{self.dataset.rows_dropped} dropped (missing values).", 10000)
        self.statusBar().setToolTip(f"{self.dataset.drop_note()}. Network "
                                    f"{'-'.join(map(str, snap.layer_sizes))} on {self.device_text}.")
        self._draw(force=True)

    def _on_setup_failed(self, generation: int, message: str):
        if generation != self.generation:
            return
        self.generation = self.active_generation  # the previous network stays in charge
        self._hide_loading()
        self.statusBar().clearMessage()
        if not self.view.sizes:
            self.view.set_message("No network yet: open a CSV file to train on (File → Open data…, "
                                  "Ctrl+O), or drop one here.")
        if self._load_cancelled:  # the person asked for it: no dialog
            self._load_cancelled = False
            self.statusBar().showMessage(message, 8000)
        else:
            self.show_error("Cannot use this data", message)
        if self.config is not None:
            self.controls.set_values(dict(hidden=self.config.hidden, activation=self.config.activation))

    def _on_snapshots(self, generation: int, snaps: list):
        if generation != self.generation or not snaps:
            return
        now = time.perf_counter()
        for s in snaps:
            self.history.add(s)
            if self.verbose:
                print(f"epoch {s.epoch}: train loss {s.train_loss:.4f} accuracy "
                      f"{s.train_accuracy:.3f}, validation loss {s.val_loss:.4f} accuracy "
                      f"{s.val_accuracy:.3f}", file=sys.stderr, flush=True)
        self.latest = snaps[-1]
        self._rates.append((now, self.latest.epoch))

    def _on_diverged(self, generation: int, message: str, snap):
        if generation != self.generation:
            return
        self.playing = False
        self.controls.set_playing(False)
        self.show_error("Training diverged", message)

    def _on_failed(self, generation: int, message: str):
        if generation != self.generation:
            return
        self.playing = False
        self.controls.set_playing(False)
        self.show_error("Training stopped", message)

    def _on_progress(self, generation: int, fraction: float):
        if generation != self.generation or self.active_generation == generation:
            return
        self.st_load.setValue(int(fraction * 1000))
        if fraction < 1.0:
            self.st_load.show()
            self.st_load_cancel.show()
        else:
            self._hide_loading()

    def _hide_loading(self):
        self.st_load.hide()
        self.st_load_cancel.hide()

    def is_loading(self) -> bool:
        return self.st_load.isVisible()

    def cancel_loading(self):
        """Stop reading the CSV the engine is loading; the current data and network stay."""
        if self.active_generation == self.generation or not self.st_load.isVisible():
            return
        self._load_cancelled = True
        self.worker.request_cancel()

    def _on_engine_lost(self, message: str):
        """The engine process died: start a new one from the last snapshot; nothing is lost.

        Not twice within ENGINE_RETRY_S (an engine that cannot start would loop): then the window
        says so and Reset (Ctrl+R) tries again."""
        was = self.latest if self.active_generation == self.generation else None
        self.playing = False
        self.controls.set_playing(False)
        self._runs = 0
        now = time.monotonic()
        again = now - self._engine_lost_at < ENGINE_RETRY_S
        self._engine_lost_at = now
        if again:
            self.show_error("Training engine stopped",
                            f"{message} It stopped twice within {ENGINE_RETRY_S} s, so no new one "
                            f"was started. The network shown is kept: save it with Ctrl+S. Reset "
                            f"(Ctrl+R) starts a new engine.")
            return
        self.worker.restart()
        if was is None or self.dataset is None:
            self.show_error("Training engine stopped", f"{message} A new engine has been started.")
            self.generation = self.active_generation
            self.rebuild(None)
            return
        self.show_error("Training engine stopped",
                        f"{message} A new engine has been started from epoch {was.epoch}; the "
                        f"network and its history are kept (the optimizer's running averages "
                        f"start afresh).")
        self.rebuild(dict(dataset=self.dataset, initial=(was.weights, was.biases),
                          initial_epoch=was.epoch, extra=dict(continue_from=was.epoch)))

    def _on_stopped(self, generation: int, epoch: int):
        self._runs = max(0, self._runs - 1)
        if generation == self.generation and self._runs == 0 and self.playing:
            self.playing = False
            self.controls.set_playing(False)

    # -- drawing ------------------------------------------------------------------------------
    def _draw(self, force: bool = False):
        snap = self.displayed_snapshot()
        if snap is None:
            return
        if snap is not self._drawn or force:
            self._drawn = snap
            # epochs faster than the animation can follow: jump (one render per frame, no 16 ms timer)
            fast = self.playing and self.epochs_per_second() * self.view.duration > 2
            self.view.show_snapshot(snap, animate=not force and not fast)
        # everything else follows at most PANEL_MS apart while training plays (and at once otherwise)
        now = time.perf_counter()
        if self._panels_for is snap or not (force or not self.playing or
                                            now - self._panels_at >= PANEL_MS / 1000):
            return
        self._panels_for, self._panels_at = snap, now
        if self.playing and not force:
            # one panel per frame tick while playing: no single tick holds the GUI thread long
            self._panel_queue = [self._update_loss_panels, self._update_gradient_norms,
                                 self._update_gradient_spread, self._update_other_panels]
            self._panel_snap = snap
        else:
            self._panel_queue = []
            for update in (self._update_loss_panels, self._update_gradient_panels,
                           self._update_other_panels):
                update(snap)
        self.snapshotShown.emit(snap)

    def _frame_tick(self):
        self._draw()
        if self._panel_queue and not self._panel_tick.isActive():
            self._panel_tick.start()

    def _run_panel_queue(self):
        if self._panel_queue:
            self._panel_queue.pop(0)(self._panel_snap)

    def _update_loss_panels(self, snap):
        self.loss_plot.set_metrics(self.history.metrics())
        self._update_status(self.latest)
        self._sync_timeline()

    def _update_gradient_panels(self, snap):
        self._update_gradient_norms(snap)
        self._update_gradient_spread(snap)

    def _update_gradient_norms(self, snap):
        self.grad_view.set_norms(self.history.metrics()[:, 0], self.history.grad_norms())

    def _update_gradient_spread(self, snap):
        self.grad_view.set_snapshot(snap)

    def _update_other_panels(self, snap):
        if not self.docks["regions"].visibleRegion().isEmpty():
            self.regions.set_snapshot(snap, self.config)
        else:
            self.regions.snapshot = snap
        if self.observation is not None:
            self._light_observation(snap)
        self._update_classifier(snap)
        if not self.docks["walkthrough"].visibleRegion().isEmpty() and not self.playing:
            self.walkthrough.set_context(snap, self.data, self.config)

    def _update_classifier(self, snap):
        from core.model import model_from_snapshot

        if self.data is not None and self.config is not None:
            self.classify_panel.set_model(model_from_snapshot(snap, self.data, self.config), snap.epoch)

    def _update_status(self, s):
        self.st_epoch.setText(f"epoch {s.epoch}")
        self.st_train.setText(f"train loss {s.train_loss:.4f} · acc {s.train_accuracy:.3f}")
        if math.isfinite(s.val_loss):
            self.st_val.setText(f"validation loss {s.val_loss:.4f} · acc {s.val_accuracy:.3f}")
        else:
            self.st_val.setText("no validation split")
        self.st_rate.setText(f"{self.epochs_per_second():.1f} epochs/s" if self.playing else "")

    def epochs_per_second(self) -> float:
        r = [x for x in self._rates if x[0] > time.perf_counter() - 2.0]
        if len(r) < 2 or r[-1][0] <= r[0][0]:
            return 0.0
        return (r[-1][1] - r[0][1]) / (r[-1][0] - r[0][0])

    # -- dialogs --------------------------------------------------------------------------------
    def show_error(self, title: str, message: str):
        """A window-modal message that does not block the event loop (training goes on drawing)."""
        self.last_error = message
        open_warning(self, title, message, self._dialogs)
        self.statusBar().showMessage(message.split(". ")[0], 8000)

    def _confirm_dialog(self, text: str) -> bool:
        r = QMessageBox.question(self, APP_NAME, text,
                                 QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                 QMessageBox.StandardButton.No)
        return r == QMessageBox.StandardButton.Yes

    def show_about(self):
        QMessageBox.about(self, f"About {APP_NAME}",
                          f"<b>{APP_NAME}</b><br>Watch a neural network learn: every neuron, weight "
                          f"and gradient, trained live with PyTorch.<br><br>Penguin data: Gorman, "
                          f"Williams &amp; Fraser (2014), Palmer Station LTER, CC0.")

    def show_concepts(self):
        from gui.concepts import concepts_html

        box = QMessageBox(QMessageBox.Icon.Information, "What am I looking at?", "", parent=self)
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(concepts_html(self.latest, self.config))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # -- files ----------------------------------------------------------------------------------
    def open_data_dialog(self):
        start = str(Path(self.recent_files()[0]).parent) if self.recent_files() else ""
        path, _ = QFileDialog.getOpenFileName(self, "Open data", start,
                                              "CSV files (*.csv *.tsv *.txt);;All files (*)")
        if path:
            self.import_file(path)

    def _require_network(self) -> bool:
        if self.latest is None or self.data is None:
            self.show_error("No network yet", "The network is still being built; try again in a moment.")
            return False
        return True

    def save_network_dialog(self):
        if not self._require_network():
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save network", "network.safetensors",
                                              "Networks (*.safetensors)")
        if path:
            self.save_network(path)

    def save_network(self, path: str) -> bool:
        from core.errors import UserError
        from core.model import model_from_snapshot, save_model

        if not path.endswith(".safetensors"):
            path += ".safetensors"
        try:
            save_model(model_from_snapshot(self.latest, self.data, self.config), path)
        except UserError as e:
            self.show_error("Cannot save the network", str(e))
            return False
        self.statusBar().showMessage(f"Saved the network (epoch {self.latest.epoch}) to {path}", 6000)
        return True

    def open_network_dialog(self):
        path, _ = QFileDialog.getOpenFileName(self, "Open network", "", "Networks (*.safetensors)")
        if path:
            self.open_network(path)

    def open_network(self, path: str) -> bool:
        """Load a saved network onto the current data (its features and classes must match)."""
        from core.config import config_from_values
        from core.errors import UserError
        from core.model import load_model

        try:
            model = load_model(path)
        except UserError as e:
            self.show_error("Cannot open the network", str(e))
            return False
        ds = self.dataset
        if ds is not None and (tuple(model.feature_names) != tuple(ds.feature_names)
                               or tuple(model.class_names) != tuple(ds.class_names)):
            self.show_error(
                "Network and data do not match",
                f"{Path(path).name} was trained on features {', '.join(model.feature_names)} and "
                f"classes {', '.join(model.class_names)}, but the open data has features "
                f"{', '.join(ds.feature_names)} and classes {', '.join(ds.class_names)}. Open "
                f"matching data first (Ctrl+O).")
            return False
        if self.epoch > 0 and not self.confirm(
                f"Replace the current network (trained {self.epoch} epochs) with {Path(path).name}?"):
            return False
        values = dict(self.controls.values())
        values.update({k: v for k, v in model.settings.items() if k in values})
        values["hidden"] = model.spec.hidden
        values["activation"] = model.spec.activation
        try:
            config_from_values(values)
        except UserError as e:
            self.show_error("Cannot open the network", str(e))
            return False
        self.controls.set_values(values)
        self.rebuild(dict(dataset=ds, initial=(model.weights, model.biases),
                        initial_epoch=model.epochs_trained))
        self.statusBar().showMessage(f"Opened {path}", 6000)
        return True

    def export_view_dialog(self, kind: str):
        path, _ = QFileDialog.getSaveFileName(self, "Export network view", f"network.{kind}",
                                              f"{kind.upper()} (*.{kind})")
        if path:
            self.export_view(path)

    def export_view(self, path: str) -> bool:
        try:
            if path.lower().endswith(".svg"):
                from PySide6.QtCore import QRect
                from PySide6.QtGui import QPainter
                from PySide6.QtSvg import QSvgGenerator

                gen = QSvgGenerator()
                gen.setFileName(path)
                gen.setSize(self.view.size())
                gen.setViewBox(QRect(0, 0, self.view.width(), self.view.height()))
                gen.setTitle("NeuroWatch network view")
                painter = QPainter(gen)
                nodes = self.view._nodes  # as vector symbols: the cached pixmap atlas would be
                cached = nodes.opts["useCache"]  # written whole into the SVG at every node
                nodes.opts["useCache"] = False
                try:
                    self.view.render(painter)
                finally:
                    nodes.opts["useCache"] = cached
                if not painter.end():
                    raise OSError("the SVG could not be written")
            elif not self.view.grab().save(path):
                raise OSError("the image could not be written")
        except Exception as e:  # any failure to write is reported, never a crash
            self.show_error("Cannot export the view", f"{path}: {e}")
            return False
        self.statusBar().showMessage(f"Exported the network view to {path}", 6000)
        return True

    def export_loss_dialog(self):
        path, _ = QFileDialog.getSaveFileName(self, "Export loss history", "loss.csv", "CSV (*.csv)")
        if path:
            self.export_loss(path)

    def export_loss(self, path: str) -> bool:
        m = self.history.metrics()
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write("epoch,train_loss,train_accuracy,val_loss,val_accuracy\n")
                for row in m:
                    f.write(f"{int(row[0])},{row[1]:.6g},{row[2]:.6g},{row[3]:.6g},{row[4]:.6g}\n")
        except OSError as e:
            self.show_error("Cannot export the loss history", f"{path}: {e.strerror or e}")
            return False
        self.statusBar().showMessage(f"Exported {len(m)} epochs to {path}", 6000)
        return True

    # -- drag and drop ------------------------------------------------------------------------
    def dragEnterEvent(self, ev):
        if self.built and ev.mimeData().hasUrls() and any(u.isLocalFile() for u in ev.mimeData().urls()):
            ev.acceptProposedAction()

    def dropEvent(self, ev):
        files = [u.toLocalFile() for u in ev.mimeData().urls() if u.isLocalFile()]
        if files:
            if files[0].endswith(".safetensors"):
                self.open_network(files[0])
            else:
                self.import_file(files[0])

    # -- shutdown -----------------------------------------------------------------------------
    def shutdown(self):
        """Stop training and hand the engine back; safe to call twice."""
        if self.worker is None or not self.worker.is_running():
            return
        self._frame.stop()
        self.playing = False
        if self.built:
            self.classify_panel.shutdown()
        self.worker.shutdown()

    def closeEvent(self, ev):
        try:
            self.save_settings()
        finally:
            self.shutdown()
        ev.accept()
