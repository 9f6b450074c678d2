"""The window's file commands: open data, save and open a network, export the view and the losses.

Each `*_dialog` asks for a path (starting in the folder last used, else the home folder) and calls
the command of the same name, which tests and scripts can call directly. A failure is a dialog and
a status message; nothing the person has is lost.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDir
from PySide6.QtWidgets import QFileDialog


def with_suffix(path: str, suffix: str) -> str:
    """The path with `suffix` appended unless it already ends so (any case)."""
    return path if path.lower().endswith(suffix) else path + suffix


class FileCommands:
    def __init__(self, window):
        self.window = window
        self.session = window.session

    # -- where dialogs start --------------------------------------------------------------------
    def start_dir(self) -> str:
        d = self.window.settings.value("last_dir", "")
        return str(d) if d and Path(str(d)).is_dir() else QDir.homePath()

    def _remember_dir(self, path: str):
        self.window.settings.setValue("last_dir", str(Path(path).resolve().parent))

    def _ask_open(self, title: str, filters: str) -> str:
        path, _ = QFileDialog.getOpenFileName(self.window, title, self.start_dir(), filters)
        if path:
            self._remember_dir(path)
        return path

    def _ask_save(self, title: str, name: str, filters: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self.window, title, str(Path(self.start_dir()) / name),
                                              filters)
        if path:
            self._remember_dir(path)
        return path

    # -- data -----------------------------------------------------------------------------------
    def open_data_dialog(self):
        path = self._ask_open("Open data", "CSV files (*.csv *.tsv *.txt);;All files (*)")
        if path:
            self.window.import_file(path)

    # -- networks -------------------------------------------------------------------------------
    def _require_network(self) -> bool:
        s = self.session
        if s.latest is None or s.data is None:
            self.window.show_error("No network yet",
                                   "The network is still being built; try again in a moment.")
            return False
        return True

    def save_network_dialog(self) -> bool:
        if not self._require_network():
            return False
        path = self._ask_save("Save network", "network.safetensors", "Networks (*.safetensors)")
        return bool(path) and self.save_network(path)

    def save_network(self, path: str) -> bool:
        """Save the network of the epoch shown (the live one, or one viewed on the timeline)."""
        from core.errors import UserError
        from core.model import model_from_snapshot, save_model

        s = self.session
        snap = s.displayed_snapshot()  # the epoch on screen (a past one chosen on the timeline too)
        path = with_suffix(path, ".safetensors")
        try:
            save_model(model_from_snapshot(snap, s.data, s.config), path)
        except UserError as e:
            self.window.show_error("Cannot save the network", str(e))
            return False
        if snap is s.latest:
            s.mark_saved()
        self.window.statusBar().showMessage(f"Saved the network (epoch {snap.epoch}) to {path}", 6000)
        return True

    def open_network_dialog(self):
        path = self._ask_open("Open network", "Networks (*.safetensors *.pt *.pth);;This program's "
                              "networks (*.safetensors);;PyTorch state_dicts (*.pt *.pth);;All files (*)")
        if path:
            self.open_network(path)

    def open_network(self, path: str) -> bool:
        """Load a saved network onto the current data (its features and classes must match); a
        PyTorch state_dict or another program's safetensors file asks for what it lacks first
        (gui/import_network_dialog.py)."""
        from core.errors import UserError
        from core.model import load_model
        from core.torch_import import is_foreign

        if is_foreign(path):
            from gui.import_network_dialog import import_network

            return import_network(self.window, path)
        try:
            model = load_model(path)
        except UserError as e:
            self.window.show_error("Cannot open the network", str(e))
            return False
        return self.open_model(model, path)

    def open_model(self, model, path: str, scaler=None) -> bool:
        """Show `model` (read from `path`) on the current data and train on from it; `scaler`: the
        feature scaling to keep (an imported network's), None: fitted on the training rows."""
        from core.config import config_from_values
        from core.errors import UserError

        w, s = self.window, self.session
        ds = s.dataset
        if ds is not None and (tuple(model.feature_names) != tuple(ds.feature_names)
                               or tuple(model.class_names) != tuple(ds.class_names)):
            w.show_error(
                "Network and data do not match",
                f"{Path(path).name} was trained on features {', '.join(model.feature_names)} and "
                f"classes {', '.join(model.class_names)}, but the open data has features "
                f"{', '.join(ds.feature_names)} and classes {', '.join(ds.class_names)}. Open "
                f"matching data first (Ctrl+O).")
            return False
        if s.unsaved_epochs > 0 and not w.confirm(
                f"Replace the current network (trained {s.epoch} epochs, not saved) with "
                f"{Path(path).name}?"):
            return False
        controls = w.controls
        values = dict(controls.values())
        values.update({k: v for k, v in model.settings.items() if k in values})
        values["hidden"] = model.spec.hidden
        values["activation"] = model.spec.activation
        values["derived"] = model.derived  # (an older file has none)
        try:
            config = config_from_values(values)
        except UserError as e:
            w.show_error("Cannot open the network", str(e))
            return False
        controls.set_values(values)
        s.rebuild(dict(dataset=ds, initial=(model.weights, model.biases),
                       initial_epoch=model.epochs_trained,
                       extra=dict(saved_epoch=model.epochs_trained), scaler=scaler), config)
        w.statusBar().showMessage(f"Opened {path}", 6000)
        return True

    # -- exports --------------------------------------------------------------------------------
    def export_view_dialog(self, kind: str):
        path = self._ask_save("Export network view", f"network.{kind}", f"{kind.upper()} (*.{kind})")
        if path:
            self.export_view(with_suffix(path, f".{kind}"))

    def export_view(self, path: str) -> bool:
        """The network view as PNG, or as SVG (vector lines and circles) for a .svg path."""
        view = self.window.view
        try:
            if path.lower().endswith(".svg"):
                view.render_svg(path)
            elif not view.grab().save(path):
                raise OSError("the image could not be written (is the name's extension .png?)")
        except Exception as e:  # any failure to write is reported, never a crash
            self.window.show_error("Cannot export the view", f"{path}: {e}")
            return False
        self.window.statusBar().showMessage(f"Exported the network view to {path}", 6000)
        return True

    def export_loss_dialog(self):
        path = self._ask_save("Export loss history", "loss.csv", "CSV (*.csv)")
        if path:
            self.export_loss(with_suffix(path, ".csv"))

    def export_loss(self, path: str) -> bool:
        from core.history import write_metrics_csv

        try:
            history = self.session.history
            n = write_metrics_csv(history.metrics(), path, history.penalties())
        except OSError as e:
            self.window.show_error("Cannot export the loss history", f"{path}: {e.strerror or e}")
            return False
        self.window.statusBar().showMessage(f"Exported {n} epochs to {path}", 6000)
        return True

