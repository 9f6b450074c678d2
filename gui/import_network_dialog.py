"""File → Open network… on a PyTorch state_dict (.pt/.pth) or another program's safetensors file.

Such a file holds weights only, so a dialog asks for what it lacks: the names of its inputs (the
open data's features) and outputs (its classes), the hidden activation and the feature scaling the
network was trained with (none: raw features; or the open data's mean and standard deviation over
all its rows). The window shows a network on the open data, so the names are the data's, in the
network's order: a network that lists them in another order is permuted to the data's (the same
answers). The file is read by core/torch_import.py: a .pt file in the training process (which has
torch; this process never imports it), a safetensors file here with numpy.
"""

from __future__ import annotations

import functools
import html
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
)

from core.config import ACTIVATIONS
from core.errors import UserError
from gui.elided import WrappingLabel

OK_TEXT = "Open network"
MAX_FIELD_WIDTH = 720  # px: the dialog stays within a 900-wide screen
SCALINGS = (("none", "None: the raw features"),
            ("data", "The open data's: (x − mean) / std over all its rows"))


def import_network(window, path: str) -> bool:
    """Read the file (a .pt in the engine, whose answer comes as the session's `result`), then ask.
    True when the reading started (the dialog comes when it is read)."""
    from core import torch_import as ti

    s = window.session
    if Path(path).suffix.lower() == ".safetensors":  # numpy reads it here, at once
        try:
            net = ti.read_network(path)
        except UserError as e:
            window.show_error("Cannot open the network", str(e))
            return False
        return ask(window, net) is not None
    if not s.ready or s.data is None:
        window.show_error("No network yet", "PyTorch is still starting in the training process; "
                          "try again in a moment.")
        return False

    def answered(kind, payload):
        if kind != "imported_network":
            return
        s.result.disconnect(answered)
        window.import_network_reader = None
        if isinstance(payload, str):
            window.show_error("Cannot open the network", payload)
        else:
            ask(window, payload)

    old = getattr(window, "import_network_reader", None)
    if old is not None:  # a read still under way is forgotten
        try:
            s.result.disconnect(old)
        except (RuntimeError, TypeError):
            pass
    window.import_network_reader = answered
    s.result.connect(answered)
    s.pause()  # the engine answers jobs between runs: a playing one would read it only when paused
    window.statusBar().showMessage(f"Reading {Path(path).name} in the training process…")
    s.call(functools.partial(ti.read_network_job, path))
    return True


def ask(window, net):
    """The dialog for an ImportedNetwork on the window's open data; None (and a message) when the
    data cannot take it."""
    ds = window.session.dataset
    if ds is None or len(ds.feature_names) != net.n_inputs or len(ds.class_names) != net.n_outputs \
            or getattr(ds, "task", "classification") != "classification":
        have = ("no data" if ds is None else
                f"{len(ds.feature_names)} features and "
                + (f"{len(ds.class_names)} classes" if ds.task == "classification" else "a number "
                   "to predict"))
        window.show_error(
            "Network and data do not match",
            f"{Path(net.path).name} is a network of {net.describe()}: it takes {net.n_inputs} inputs "
            f"and gives {net.n_outputs} classes, but the open data has {have}. Open data with "
            f"{net.n_inputs} feature columns and {net.n_outputs} classes first (File → Open data), "
            f"then the network again; or name its inputs and outputs with `python main.py import`.")
        return None
    dlg = ImportNetworkDialog(net, ds, window)
    dlg.accepted.connect(lambda: window.files.open_model(dlg.model, net.path, dlg.scaler))
    window.import_network_dialog = dlg
    window.statusBar().clearMessage()
    dlg.open()
    return dlg


class ImportNetworkDialog(QDialog):
    """Asks for names, activation and scaling; after OK, `model` (a TrainedModel in the data's
    order) and `scaler` (core.split.Scaler) are what the window opens."""

    def __init__(self, net, dataset, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Open a PyTorch network")
        self.net, self.dataset = net, dataset
        self.model = self.scaler = None
        name = Path(net.path).name
        layers = ", ".join(net.names)
        bias = (f" No bias in {', '.join(net.missing_bias)}: zeros." if net.missing_bias else "")
        self.intro = WrappingLabel(
            f"<b>{html.escape(name)}</b>: a chain of {len(net.weights)} Linear layers, "
            f"{net.describe()} ({html.escape(layers)}).{html.escape(bias)} The file holds weights "
            f"only: say what its inputs and outputs are and how it was trained. The outputs are "
            f"taken as a softmax over the classes.")
        self.features = QLineEdit(", ".join(dataset.feature_names))
        self.features.setToolTip(f"The names of the network's {net.n_inputs} inputs, in the order it "
                                 f"takes them, comma-separated: the open data's features "
                                 f"({', '.join(dataset.feature_names)}) in any order")
        self.classes = QLineEdit(", ".join(dataset.class_names))
        self.classes.setToolTip(f"The classes of the network's {net.n_outputs} outputs, in order, "
                                f"comma-separated: the open data's classes "
                                f"({', '.join(dataset.class_names)}) in any order")
        self.activation = QComboBox()
        for a in ACTIVATIONS:
            self.activation.addItem(a, a)
        self.activation.setToolTip("The activation between its Linear layers (nn.ReLU, nn.Tanh, "
                                   "nn.Sigmoid); the file does not say")
        self.scaling = QComboBox()
        for key, text in SCALINGS:
            self.scaling.addItem(text, key)
        self.scaling.setToolTip(
            "How the features were scaled before the network saw them. None: the raw values. The "
            "open data's: (x − x.mean(0)) / x.std(0, correction=0) over all its rows (numpy's std; "
            "PyTorch's x.std(0) divides by n − 1 and differs slightly)")
        fm = self.features.fontMetrics()  # the names whole (long species names too), up to a limit
        need = max(fm.horizontalAdvance(e.text()) for e in (self.features, self.classes)) + 24
        for e in (self.features, self.classes):
            e.setMinimumWidth(min(max(need, 360), MAX_FIELD_WIDTH))
        form = QFormLayout()
        form.addRow("Inputs (features):", self.features)
        form.addRow("Outputs (classes):", self.classes)
        form.addRow("Activation:", self.activation)
        form.addRow("Feature scaling:", self.scaling)
        self.problem = WrappingLabel("")
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setStyleSheet("color: #b00020")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(OK_TEXT)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.intro)
        lay.addLayout(form)
        lay.addWidget(self.problem)
        lay.addStretch(1)
        lay.addWidget(self.buttons)
        self.resize(max(620, self.sizeHint().width()), self.sizeHint().height())

    def set_values(self, features=None, classes=None, activation=None, scaling=None):
        """Fill the fields (as a person would type them); tests and scripts use it."""
        if features is not None:
            self.features.setText(", ".join(features))
        if classes is not None:
            self.classes.setText(", ".join(classes))
        if activation is not None:
            self.activation.setCurrentIndex(self.activation.findData(activation))
        if scaling is not None:
            self.scaling.setCurrentIndex(self.scaling.findData(scaling))

    def build(self):
        """(model, scaler) for the fields as they are; a UserError says what is wrong."""
        from core import torch_import as ti

        ds, net = self.dataset, self.net
        features = ti.parse_names(self.features.text())
        classes = ti.parse_names(self.classes.text())
        for names, have, what in ((features, ds.feature_names, "features"),
                                  (classes, ds.class_names, "classes")):
            if len(names) == len(have) and sorted(names) != sorted(have):
                unknown = [n for n in names if n not in have]
                if unknown and len(set(names)) == len(names):
                    raise UserError(f"'{unknown[0]}' is not one of the open data's {what} "
                                    f"({', '.join(have)}): name the network's {what} with these, "
                                    f"in its order.")
        # the checks of the command line (count, empty, twice), then the data's order
        ti.build_model(net, features, classes, self.activation.currentData(),
                       fields=("Inputs", "Outputs"))
        net = ti.reorder(ti.reorder(net, features, ds.feature_names, "inputs"), classes,
                         ds.class_names, "outputs")
        if self.scaling.currentData() == "data":
            mean, std = ti.data_scaling(ds.X)
        else:
            mean, std = np.zeros(net.n_inputs, np.float32), np.ones(net.n_inputs, np.float32)
        model = ti.build_model(net, ds.feature_names, ds.class_names, self.activation.currentData(),
                               (mean, std), label_name=ds.label_name)
        return model, model.scaler

    def accept(self):
        try:
            self.model, self.scaler = self.build()
        except UserError as e:
            self.problem.setText(str(e))
            return
        super().accept()
