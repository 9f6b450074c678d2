"""The main window: the network view in the centre, the dock panels around it, menus, toolbar,
timeline and status bar. It holds no session state: that is `self.session` (gui/session.py); the
docks are the panels listed in gui/panels/__init__.py."""

from __future__ import annotations

import functools
import gc
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QMainWindow, QMessageBox

from gui import dialogs, menus
from gui.dialogs import APP_NAME, open_warning
from gui.files import FileCommands
from gui.panels import LEFT, PANELS
from gui.session import Session
from gui.window_commands import WindowCommands

# Only Qt and light modules above: the window paints its frame (menus, toolbar, dock frames, status
# bar) before the controls, the engine, numpy, pyqtgraph and the views load (see _start), so it
# appears at once.

FRAME_MS = 16
PANEL_MS = 250  # plots, panels, status and timeline: at most 4 updates a second while playing
PLAY_FRAME_MS = 50  # frame timer while playing: 20 frames a second leave the GIL to the worker
# the left docks' width, from the first frame on: the Classify panel's narrowest (401 px with the
# penguins' features) and the three tab titles in full, so the column does not jump when it fills
CONTROLS_WIDTH = 402
RIGHT_WIDTH = 400  # the right docks' default width
CENTRE_ROOM = 500  # the network's least width when docks widen again with the window


def _placeholder(text: str) -> QLabel:
    lbl = QLabel(text)
    lbl.setAlignment(Qt.AlignmentFlag.AlignCenter)
    lbl.setEnabled(False)
    return lbl


def default_settings() -> QSettings:
    return QSettings(APP_NAME, APP_NAME)


class MainWindow(WindowCommands, QMainWindow):
    snapshotShown = Signal(object)  # the snapshot the views now show (live or from the timeline)

    def __init__(self, data_path=None, verbose: bool = False, settings: QSettings | None = None,
                 engine=None):
        super().__init__()
        self.setWindowTitle(APP_NAME)
        self.resize(1400, 860)
        self.settings = settings if settings is not None else default_settings()
        self.session = Session(data_path, verbose, self)
        self.session.remote = engine  # (address, key, key_name): main.py --engine; None: local
        self.files = FileCommands(self)
        self.built = False  # _build_views has run
        self.last_error = ""
        self.confirm = self._confirm_dialog  # (text) -> bool; tests replace it
        self.confirm_close = self._confirm_close_dialog  # () -> bool: may the window close?
        self.forward_pass = None  # the lit observation's forward pass (core.network.ForwardPass)
        self.lr_demo_window = None
        self.overfit_demo_window = None
        self._dialogs: list = []
        self._drawn = None
        self._panels_for = None
        self._panels_at = 0.0
        self._panel_queue: list = []
        self._panel_snap = None
        # while playing, a queued panel updates half a frame after the network: Qt paints everything
        # a slot marks dirty in one go, so network and panel in one tick held the GUI thread 15-45 ms
        self._panel_tick = QTimer(self)
        self._panel_tick.setSingleShot(True)
        self._panel_tick.setInterval(PLAY_FRAME_MS // 2)
        self._panel_tick.timeout.connect(self._run_panel_queue)
        self._shown_once = False
        self._started = False

        self.panels = [cls(self) for cls in PANELS]
        self.widgets: dict = {}  # panel name -> its widget, once built
        self.controls = None  # the Training panel's widget, built right after the first paint
        self.setCentralWidget(_placeholder("Loading the network view…"))
        self._build_docks()
        menus.build_actions(self)
        from gui.statusbar import FittingStatusBar, StatusFields

        self.setStatusBar(FittingStatusBar(self))
        from gui.timeline import TimelineBar

        self.status = StatusFields(self.statusBar(), self.session, self.cancel_loading)
        self.timeline = TimelineBar(self.session, self)
        self.addToolBar(Qt.ToolBarArea.BottomToolBarArea, self.timeline)
        self.timeline.cont.clicked.connect(self.session.continue_from_here)
        self._default_state = self.saveState()
        self._hide_stale_tab_bars()
        self._connect_session()

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
        # The engine is started, the views are built, and then the first network, once the window
        # has painted (see paintEvent): the window appears before multiprocessing, numpy and
        # pyqtgraph load, and the engine imports torch in its own process while the views build.
        QTimer.singleShot(2000, self._start)  # in case no paint comes (a hidden window)

    @property
    def docks(self) -> dict:
        return self._docks

    def _build_docks(self):
        self._docks = {}
        for p in self.panels:
            d = QDockWidget(p.title, self)
            d.setObjectName(f"dock_{p.name}")
            holder = _placeholder("Loading…")
            if p.area == LEFT:
                holder.setMinimumWidth(CONTROLS_WIDTH)  # the dock keeps its width when they come
            d.setWidget(holder)
            area = Qt.DockWidgetArea.LeftDockWidgetArea if p.area == LEFT else \
                Qt.DockWidgetArea.RightDockWidgetArea
            self.addDockWidget(area, d)
            self._docks[p.name] = d
        for p in self.panels:
            if p.below:
                self.splitDockWidget(self._docks[p.below], self._docks[p.name], Qt.Orientation.Vertical)
        for p in self.panels:
            if p.tab_with:
                self.tabifyDockWidget(self._docks[p.tab_with], self._docks[p.name])
        for p in self.panels:
            if p.raised:
                self._docks[p.name].raise_()
        self._size_docks()

    def _build_views(self):
        """The second stage of start-up: the network view and the panels replace the placeholders."""
        from gui.network_panel import NetworkPanel

        self.network = NetworkPanel(self)
        self.view = self.network.view
        self.setCentralWidget(self.network)
        for p in self.panels:
            holder = p.create()  # the panel's widget, or a frame around it (a scroll area)
            self.widgets[p.name] = p.widget
            old = p.dock.widget()
            p.dock.setWidget(holder)
            old.deleteLater()
        self.controls = self.widgets["controls"]
        for p in self.panels:
            p.bind()
            # drawn when its tab comes up: a widget's own showEvent does not come then (it was shown
            # once, inside the dock, before the dock became a hidden tab)
            p.dock.visibilityChanged.connect(p.shown)
        self.controls.animationChanged.connect(lambda s: setattr(self.view, "duration", s))
        self.network.modeChanged.connect(self._mode_changed)
        self._frame.timeout.connect(self._frame_tick)
        self._frame.start()
        menus.restore_settings(self)
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

    def _connect_session(self):
        s = self.session
        s.networkReady.connect(self._on_network_ready)
        s.building.connect(self._on_building)
        s.setupFailed.connect(self._on_setup_failed)
        s.viewChanged.connect(self._on_view_changed)
        s.observationChanged.connect(lambda _x: self.light_observation())
        s.playingChanged.connect(
            lambda playing: self._frame.setInterval(PLAY_FRAME_MS if playing else FRAME_MS))
        s.result.connect(self._on_result)
        s.error.connect(self.show_error)
        s.fileRefused.connect(lambda path, message: dialogs.offer_columns(self, path, message))
        s.stoppedEarly.connect(functools.partial(dialogs.offer_best_epoch, self))
        s.message.connect(self.statusBar().showMessage)

    # -- menus and toolbar ---------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        return menus.recent_files(self)

    def save_settings(self):
        menus.save_settings(self)

    def panel(self, name: str):
        """The dock panel (gui/panels) of that name."""
        return next(p for p in self.panels if p.name == name)

    def show_dock(self, name: str):
        self.docks[name].show()
        self.docks[name].raise_()

    def _size_docks(self):
        self.resizeDocks([self.docks["controls"], self.docks["loss"]], [CONTROLS_WIDTH, RIGHT_WIDTH],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["loss"], self.docks["gradients"]], [1, 1], Qt.Orientation.Vertical)

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
            self.session.start_engine()  # torch loads in the engine while the views are built
            self._build_views()
            self.rebuild()
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

    def resizeEvent(self, ev):
        super().resizeEvent(ev)
        if self.built:  # the status fields take fewer words in a narrow window
            self.status.set_device()
            self.status.update()
            if 0 < ev.oldSize().width() < ev.size().width():
                QTimer.singleShot(0, self._widen_docks)

    def _widen_docks(self):
        """A window made wider: docks squeezed in a small window get their default widths back
        while the network keeps at least CENTRE_ROOM (Qt gives all the new room to the centre)."""
        left, right = self.docks["controls"], self.docks["loss"]
        lw, rw = left.width(), right.width()
        want_l, want_r = max(lw, CONTROLS_WIDTH), max(rw, RIGHT_WIDTH)
        if (want_l, want_r) != (lw, rw) and \
                self.centralWidget().width() - (want_l - lw) - (want_r - rw) >= CENTRE_ROOM:
            self.resizeDocks([left, right], [want_l, want_r], Qt.Orientation.Horizontal)

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

    # -- commands (the window asks first where something would be lost) -----------------------
    def step(self):
        self.session.step()

    def toggle_play(self):
        self.session.toggle_play()

    def reset(self) -> bool:
        """New random weights with the current settings (Ctrl+R); asks first if training would be lost."""
        s = self.session
        if s.unsaved_epochs > 0 and not self.confirm(
                f"Reset the network? The weights trained for {s.epoch} epochs and their timeline "
                f"will be discarded (save them first with Ctrl+S if you want them)."):
            return False
        self.rebuild()
        return True

    def rebuild(self, source: dict | None = None):
        """A new network with the Training dock's settings (on `source`, or the current data)."""
        from core.config import config_from_values

        self.session.rebuild(source, config_from_values(self.controls.values()))

    def _mode_changed(self, mode: str):
        for m, a in self.mode_actions.items():
            a.setChecked(m == mode)

    # -- the session's news ---------------------------------------------------------------------
    def _on_building(self, first: bool):
        self.statusBar().showMessage("Building the network…")
        if not self.view.sizes:  # nothing drawn yet: say what the wait is for
            self.view.set_message("Starting PyTorch in the training process and building the "
                                  "network…" if first else "Building the network…")

    def _on_network_ready(self, snap, info: dict):
        s = self.session
        self.status.show_loading(False)
        self.view.set_message("")
        self.view.set_structure(snap.layer_sizes, s.data.feature_names, s.data.class_names,
                                s.config.activation)
        self.network.set_data(s.data, s.config)  # the inputs the pictures in the neurons may use
        for p in self.panels:
            p.network_ready(snap, info)
        self._drawn = None
        remember = info["extra"].get("remember")
        if remember:
            menus.remember(self, remember)
        name = Path(s.dataset.source).name if s.dataset.source else "data"
        self.setWindowTitle(f"{APP_NAME} — {name}")
        self.status.set_device(s.device_text)
        dropped = f", {s.dataset.rows_dropped:,} dropped" if s.dataset.rows_dropped else ""
        self.statusBar().showMessage(  # (the file's name is in the title bar; more on hover)
            f"{len(s.data.X_train):,} training + {len(s.data.X_val):,} validation rows{dropped}", 10000)
        warnings = getattr(s.dataset, "warnings", ())
        self.statusBar().setToolTip("<br>".join([
            f"{s.dataset.drop_note()}. Network {'-'.join(map(str, snap.layer_sizes))} on "
            f"{s.device_text}.", *(f"<b>Warning:</b> {w}" for w in warnings)]))
        extra = info["extra"]
        if warnings and "continue_from" not in extra and not extra.get("warnings_seen"):
            # read without the import dialog (the command line, a recent file): say it once here
            self.show_error("About this data", "\n\n".join(warnings))
        self._draw(force=True)

    def _on_setup_failed(self, message: str, cancelled: bool):
        self.status.show_loading(False)
        self.statusBar().clearMessage()
        if not self.view.sizes:
            self.view.set_message("No network yet: open a CSV file to train on (File → Open data…, "
                                  "Ctrl+O), or drop one here.")
        if cancelled:  # the person asked for it: no dialog
            self.statusBar().showMessage(message, 8000)
        else:
            self.show_error("Cannot use this data", message)

    def _on_view_changed(self, epoch):
        self._drawn = None
        self._draw(force=epoch is not None)

    # -- drawing ------------------------------------------------------------------------------
    def light_observation(self, snap=None):
        """Light the session's observation's forward pass in the network view (or clear it)."""
        from core.network import forward

        s = self.session
        snap = snap if snap is not None else s.displayed_snapshot()
        x = s.observation
        if x is not None and s.config is not None and s.config.derived and s.dataset is not None \
                and x.size == len(s.dataset.feature_names):  # raw features: add the derived inputs
            from core.derived import network_inputs

            x = network_inputs(x, s.config.derived)[0].astype("float64")
        if x is None or snap is None or s.data is None or x.size != len(s.data.feature_names):
            self.view.set_forward_pass(None, None)
            return
        z = s.data.scaler.transform(x[None, :])
        fp = forward(snap.weights, snap.biases, s.config.activation, z)
        if getattr(s.data, "task", "") == "regression":  # one identity output: the number predicted
            out = fp.z[-1][0]
            value = float(out[0]) * float(s.data.label_std) + float(s.data.label_mean)
            self.view.set_forward_pass(z[0], [a[0] for a in fp.a[:-1]] + [out], None,
                                       value=(s.data.label_name, value))
        else:
            self.view.set_forward_pass(z[0], [a[0] for a in fp.a], fp.probabilities[0])
        self.forward_pass = fp

    def _draw(self, force: bool = False):
        s = self.session
        snap = s.displayed_snapshot()
        if snap is None:
            return
        if snap is not self._drawn or force:
            self._drawn = snap
            # epochs faster than the animation can follow: jump (one render per frame, no 16 ms timer)
            fast = s.playing and s.epochs_per_second() * self.view.duration > 2
            self.view.show_snapshot(snap, animate=not force and not fast)
        # everything else follows at most PANEL_MS apart while training plays (and at once otherwise)
        now = time.perf_counter()
        if self._panels_for is snap or not (force or not s.playing or
                                            now - self._panels_at >= PANEL_MS / 1000):
            return
        self._panels_for, self._panels_at = snap, now
        steps = [self._refresh_chrome]
        for p in self.panels:
            if p.visible() and (p.follows_playing or not s.playing):
                steps.extend(p.steps())
        if s.playing and not force:
            # one step per frame tick while playing: no single tick holds the GUI thread long; a step
            # not yet run stays queued (it draws the newest snapshot when its turn comes)
            self._panel_queue += [f for f in steps if f not in self._panel_queue]
            self._panel_snap = snap
        else:
            self._panel_queue = []
            for update in steps:
                update(snap)
        self.snapshotShown.emit(snap)

    def _refresh_chrome(self, snap):
        """The status bar, the timeline and the lit observation."""
        self.status.update()
        self.timeline.sync()
        if self.session.observation is not None:
            self.light_observation(snap)

    def _frame_tick(self):
        self._draw()
        if self._panel_queue and not self._panel_tick.isActive():
            self._panel_tick.start()

    def _run_panel_queue(self):
        if self._panel_queue:
            self._panel_queue.pop(0)(self._panel_snap)

    # -- dialogs --------------------------------------------------------------------------------
    def show_error(self, title: str, message: str):
        """A window-modal message that does not block the event loop (training goes on drawing)."""
        self.last_error = message
        open_warning(self, title, message, self._dialogs)
        self.statusBar().showMessage(message.split(". ")[0], 8000)  # elided to fit, whole on hover

    def _confirm_dialog(self, text: str) -> bool:
        r = QMessageBox.question(self, APP_NAME, text,
                                 QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                 QMessageBox.StandardButton.No)
        return r == QMessageBox.StandardButton.Yes

    def show_about(self):
        dialogs.about(self)

    def show_concepts(self):
        dialogs.concepts(self)

    def _confirm_close_dialog(self) -> bool:
        """Quit with a network trained since it was last saved: Save, Discard, or Cancel."""
        n = self.session.unsaved_epochs
        if n == 0 or not self.built:
            return True
        B = QMessageBox.StandardButton
        r = QMessageBox.question(self, APP_NAME, f"The network has trained {n} epochs since it was "
                                 f"last saved. Save it before quitting?",
                                 B.Save | B.Discard | B.Cancel, B.Save)
        if r == B.Save:
            return self.files.save_network_dialog()
        return r == B.Discard

    # -- drag and drop ------------------------------------------------------------------------
    def dragEnterEvent(self, ev):
        if self.built and ev.mimeData().hasUrls() and any(u.isLocalFile() for u in ev.mimeData().urls()):
            ev.acceptProposedAction()

    def dropEvent(self, ev):
        files = [u.toLocalFile() for u in ev.mimeData().urls() if u.isLocalFile()]
        if files:
            if files[0].lower().endswith((".safetensors", ".pt", ".pth")):
                self.files.open_network(files[0])
            elif files[0].lower().endswith(".lesson.json"):
                self.lessons.open_lesson(files[0])
            else:
                self.import_file(files[0])

    # -- shutdown -----------------------------------------------------------------------------
    def shutdown(self):
        """Stop training and hand the engine back; safe to call twice."""
        if self.session.worker is None or not self.session.worker.is_running():
            return
        self._frame.stop()
        if self.built:
            for p in self.panels:
                p.shutdown()
        self.session.shutdown()

    def closeEvent(self, ev):
        if not self.confirm_close():
            ev.ignore()
            return
        try:
            self.save_settings()
        finally:
            self.shutdown()
        ev.accept()
