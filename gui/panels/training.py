"""The Training dock: architecture, optimizer, learning rate, batch, loss, device, speed."""

from __future__ import annotations

from PySide6.QtCore import Qt

from gui.panels.base import LEFT, Panel


class TrainingPanel(Panel):
    name, title, area, raised = "controls", "Training", LEFT, True

    def create(self):
        from PySide6.QtWidgets import QScrollArea

        from gui.controls import ControlsPanel

        self.widget = c = ControlsPanel()
        for b, tip in ((c.step_button, "Train one epoch (Right arrow)"),
                       (c.play_button, "Train continuously, or pause (Space)"),
                       (c.reset_button, "New random weights with the current settings (Ctrl+R)")):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setToolTip(tip)
        # scrolls up and down in a short window (never sideways: the dock keeps the controls' width)
        scroll = QScrollArea()
        scroll.setWidget(c)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(c.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width())
        return scroll

    def bind(self):
        c, s, w = self.widget, self.session, self.window
        c.step_button.clicked.connect(w.step)
        c.play_button.clicked.connect(w.toggle_play)
        c.reset_button.clicked.connect(w.reset)
        c.architectureChanged.connect(self._architecture_changed)
        c.optimizerChanged.connect(self._optimizer_changed)
        c.rebuildSettingChanged.connect(
            lambda: w.statusBar().showMessage("This setting applies on Reset (Ctrl+R).", 4000))
        c.speedChanged.connect(s.set_speed)
        s.set_speed(c.epochs_per_second())
        s.playingChanged.connect(c.set_playing)
        s.setupFailed.connect(self._setup_failed)

    def network_ready(self, snap, info):
        c, cfg, data = self.widget, self.session.config, self.session.data
        c.set_cuda(*self.session.cuda)
        c.set_io(data.X_train.shape[1], len(data.class_names))
        if getattr(data, "task", "classification") != c.values()["task"] or \
                c.values()["loss"] != cfg.loss:  # the losses of the data's task, the trainer's one
            c.set_values(dict(task=getattr(data, "task", "classification"), loss=cfg.loss))
        c.set_raw_inputs(len(self.session.dataset.feature_names) if self.session.dataset else None)
        if c.hidden() != tuple(cfg.hidden) or c.values()["activation"] != cfg.activation or \
                c.derived() != tuple(cfg.derived):
            c.set_values(dict(hidden=tuple(cfg.hidden), activation=cfg.activation,
                              derived=cfg.derived))

    def _setup_failed(self, message: str, cancelled: bool):
        cfg = self.session.config
        if cfg is not None:  # the network in charge stays, and so do its settings
            self.widget.set_values(dict(hidden=cfg.hidden, activation=cfg.activation,
                                        derived=cfg.derived))

    def _architecture_changed(self):
        cfg, s = self.session.config, self.session
        if cfg is None:
            return
        v = self.widget.values()
        if tuple(v["hidden"]) == tuple(cfg.hidden) and v["activation"] == cfg.activation and \
                tuple(v["derived"]) == tuple(cfg.derived):
            return
        if s.unsaved_epochs > 0 and not self.window.confirm(
                f"Rebuild the network as {self.widget.shape_label.text()}? The weights trained "
                f"for {s.epoch} epochs will be discarded."):
            self.widget.set_values(dict(hidden=cfg.hidden, activation=cfg.activation,
                                        derived=cfg.derived))
            return
        self.window.rebuild()

    def _optimizer_changed(self):
        cfg = self.session.config
        if cfg is None:
            return
        v = self.widget.values()
        changes = {k: v[k] for k in ("optimizer", "learning_rate", "momentum", "batch_size", "l2", "l1",
                                     "dropout", "early_stopping") if v[k] != getattr(cfg, k)}
        if not changes:
            return
        if "optimizer" in changes or "momentum" in changes:
            changes.setdefault("learning_rate", v["learning_rate"])
            changes["optimizer"] = v["optimizer"]
            changes["momentum"] = v["momentum"]
        if self.session.apply_settings(changes):
            what = ", ".join(f"{k.replace('_', ' ')} {val}" for k, val in changes.items())
            self.window.statusBar().showMessage(f"{what}: applies from the next epoch.", 4000)
