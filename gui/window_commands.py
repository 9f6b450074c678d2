"""MainWindow's commands on data and demonstrations: train on another CSV (asking first when the
network has unsaved epochs), the import dialog, cancelling a read, and the Teach menu's
demonstrations run in the engine with the windows that show their results.

A mixin of MainWindow (gui/main_window.py), which provides `session`, `controls`, `status`,
`confirm`, `show_error` and `rebuild`.
"""

from __future__ import annotations

import functools
from pathlib import Path

from PySide6.QtCore import Qt


class WindowCommands:
    """Loading data and running demonstrations, for MainWindow."""

    def load_data(self, path: str, label=None, features=None, dataset=None) -> bool:
        """Train on another CSV (or a Dataset already built from it by the import dialog).

        If it cannot be used, a dialog says why and the current data and network stay."""
        s = self.session
        if s.unsaved_epochs > 0 and not self.confirm(
                f"Open {Path(path).name}? The network trained for {s.epoch} epochs on the "
                f"current data will be replaced (save it first with Ctrl+S if you want it)."):
            return False
        self.rebuild(dict(path=str(path), label=label, features=features, dataset=dataset,
                          extra=dict(remember=str(path), warnings_seen=dataset is not None)))
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

    def cancel_loading(self):
        if self.status.load.isVisible():
            self.session.cancel_loading()

    def is_loading(self) -> bool:
        return self.status.load.isVisible()

    def learning_rate_demo(self):
        """Run the demonstration in the engine; a window shows the three curves."""
        from core.engine_server import lr_demo_job

        self.run_demo(lr_demo_job, "Training three copies of the network at three learning rates…")

    def run_demo(self, job, message: str):
        """Pause and run a Teach-menu demonstration job(config) in the engine; `_on_result` shows it."""
        s = self.session
        if not s.ready or s.data is None:
            return
        s.pause()
        self.statusBar().showMessage(message)
        s.call(functools.partial(job, s.config))

    def _on_result(self, kind: str, payload):
        if kind == "lr_demo":
            from gui.lr_demo import LearningRateDemo

            self.lr_demo_window = LearningRateDemo(payload, self.session.config.optimizer, self)
            self.lr_demo_window.show()
            self.statusBar().clearMessage()
        elif kind == "overfit_demo":
            from gui.overfit_demo import OverfittingDemo

            self.overfit_demo_window = OverfittingDemo(payload, self)
            self.overfit_demo_window.show()
            self.statusBar().clearMessage()
