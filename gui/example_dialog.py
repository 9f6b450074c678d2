"""File → New example…: a generated 2-D problem (core/generators.py) to train on.

Choose the problem, the number of rows, the noise and the seed; the scatter shows the points as
they will be trained on (every change redraws it; Regenerate takes the next seed). OK builds the
Dataset with core.dataset.dataset_from_frame, exactly as a CSV of the same rows would give, and the
window trains on it like on an opened file (the title bar names the example, not a file).
"""

from __future__ import annotations

import functools
import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.dataset import Dataset, dataset_from_frame
from core.errors import UserError
from core.generators import (
    MAX_NOISE,
    MIN_ROWS,
    PROBLEMS,
    classes,
    describe,
    example_name,
    generate,
    is_regression,
)
from gui import theme
from gui.elided import WrappingLabel

MAX_ROWS_HERE = 100_000  # the window's limit (the command line allows more)
PREVIEW_POINTS = 5_000  # the scatter shows at most this many (the rows are shuffled: a fair sample)
MAX_SEED = 2**31 - 1
OK_TEXT = "Train on this example"


def class_colours(names) -> dict[str, tuple]:
    """Each class's colour as the decision-regions dock gives it (the classes in the Dataset's
    sorted order, coloured by gui.theme.LAYER_COLOURS)."""
    base = theme.LAYER_COLOURS
    return {c: base[i % len(base)] for i, c in enumerate(sorted(names))}


class ExampleDialog(QDialog):
    """The settings, a live preview, and the generated frame; `dataset()` after OK."""

    def __init__(self, parent=None, name: str = "circle", rows: int = 200, noise: float = 0.1,
                 seed: int = 0):
        super().__init__(parent)
        self.setWindowTitle("New example")
        self.frame = None  # the pandas DataFrame shown
        self.error = ""  # why the settings cannot be used ('' when they can)

        self.problem = QComboBox()
        for p in PROBLEMS:
            self.problem.addItem(p, p)
            self.problem.setItemData(self.problem.count() - 1, describe(p), Qt.ItemDataRole.ToolTipRole)
        self.problem.setToolTip("The problem: how the two classes lie in the plane of x1 and x2 "
                                "(plane and bump: a number to predict)")
        self.rows = QSpinBox()
        self.rows.setRange(MIN_ROWS, MAX_ROWS_HERE)
        self.rows.setSingleStep(50)
        self.rows.setGroupSeparatorShown(True)
        self.rows.setToolTip(f"Number of points, half per class ({MIN_ROWS:,} to {MAX_ROWS_HERE:,}); "
                             f"the validation share set in the Training dock is taken from them")
        self.noise = QDoubleSpinBox()
        self.noise.setRange(0.0, MAX_NOISE)
        self.noise.setDecimals(2)
        self.noise.setSingleStep(0.05)
        self.noise.setToolTip("How far each point is jittered at random (standard deviation, in "
                              "units of 2.5 on a plane about 10 wide): 0 keeps the classes apart; "
                              "0.5 and more makes them overlap, so no network can get every point")
        self.seed = QSpinBox()
        self.seed.setRange(0, MAX_SEED)
        self.seed.setToolTip("Random seed: the same problem, rows, noise and seed always give the "
                             "same points")
        self.regenerate = QPushButton("Regenerate")
        self.regenerate.setToolTip("New points: the next seed")
        self.regenerate.clicked.connect(lambda: self.seed.setValue(
            self.seed.value() + 1 if self.seed.value() < MAX_SEED else 0))
        seed_row = QHBoxLayout()
        seed_row.setContentsMargins(0, 0, 0, 0)
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.regenerate)
        seed_box = QWidget()
        seed_box.setLayout(seed_row)

        form = QFormLayout()
        form.addRow("Problem", self.problem)
        form.addRow("Rows", self.rows)
        form.addRow("Noise", self.noise)
        form.addRow("Seed", seed_box)
        self.description = WrappingLabel()
        self.summary = WrappingLabel()
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.plot = pg.PlotWidget(background=theme.hex_colour(theme.BACKGROUND))
        self.plot.setMinimumSize(320, 260)
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "x1")
        item.setLabel("left", "x2")
        item.setMenuEnabled(False)
        item.hideButtons()
        item.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setAspectLocked(True)
        self.legend = QLabel()  # above the plot: inside it, the points would hide it
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.scatters: dict[str, pg.ScatterPlotItem] = {}

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok |
                                        QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(OK_TEXT)
        self.ok.setToolTip("Train a new network on these points (x1, x2 → label), like an opened CSV")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(self.description)
        left.addWidget(self.summary)
        left.addStretch(1)
        left_box = QWidget()
        left_box.setLayout(left)
        left_box.setFixedWidth(280)
        body = QHBoxLayout()
        body.addWidget(left_box)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.legend)
        right.addWidget(self.plot, 1)
        body.addLayout(right, 1)
        outer = QVBoxLayout(self)
        outer.addLayout(body, 1)
        outer.addWidget(self.buttons)

        self.problem.setCurrentIndex(max(0, self.problem.findData(name)))
        self.rows.setValue(int(rows))
        self.noise.setValue(float(noise))
        self.seed.setValue(int(seed))
        for signal in (self.problem.currentIndexChanged, self.rows.valueChanged,
                       self.noise.valueChanged, self.seed.valueChanged):
            signal.connect(self.refresh)
        self.resize(760, 440)
        self.refresh()

    # -- what is chosen -------------------------------------------------------------------------
    def settings(self) -> dict:
        """The generator's arguments: name, rows, noise and seed (what a lesson keeps)."""
        return dict(name=self.problem.currentData(), rows=self.rows.value(),
                    noise=round(self.noise.value(), 2), seed=self.seed.value())

    def title(self) -> str:
        """The data set's name in the window, e.g. 'circle (200 rows, noise 0.1, seed 0)'."""
        return example_name(**self.settings())

    def dataset(self) -> Dataset:
        """The points as the trainer takes them (as `train` would read them from a CSV)."""
        return dataset_from_frame(self.frame, path=self.title())

    # -- drawing --------------------------------------------------------------------------------
    def refresh(self):
        s = self.settings()
        self.description.setText(describe(s["name"]))
        try:
            self.frame = generate(**s)
        except UserError as e:  # (the spin boxes' ranges keep this from happening)
            self.frame, self.error = None, str(e)
            self.summary.setText(f"<span style='color:#b00020'>{e}</span>")
            self.ok.setEnabled(False)
            return
        self.error = ""
        self.ok.setEnabled(True)
        self._draw(s["name"])

    def _draw(self, name: str):
        frame = self.frame
        shown = frame.iloc[:PREVIEW_POINTS]
        if is_regression(name):
            self._draw_numbers(shown)
            return
        colours = class_colours(classes(name))
        if set(self.scatters) != set(colours):  # another problem: other classes in the legend
            for sc in self.scatters.values():
                self.plot.removeItem(sc)
            self.scatters = {}
            for c, rgb in colours.items():
                self.scatters[c] = pg.ScatterPlotItem(pen=pg.mkPen(40, 40, 40, 120),
                                                      brush=pg.mkBrush(*rgb), name=c)
                self.plot.addItem(self.scatters[c])
        counts = frame["label"].value_counts()
        labels = shown["label"].to_numpy()
        x, y = shown["x1"].to_numpy(), shown["x2"].to_numpy()
        size = 6 if len(shown) <= 1000 else 4  # smaller points where they would cover each other
        for c, sc in self.scatters.items():
            keep = labels == c
            sc.setData(x[keep], y[keep], size=size)
        self.legend.setText("&nbsp;&nbsp;&nbsp;".join(
            f"<span style='color:{theme.hex_colour(rgb)}; font-size:14pt'>●</span> "
            f"{html.escape(c)} ({int(counts.get(c, 0)):,} rows)" for c, rgb in colours.items()))
        lim = float(np.nanmax(np.abs(frame[["x1", "x2"]].to_numpy()))) * 1.05 or 1.0
        self.plot.setRange(xRange=(-lim, lim), yRange=(-lim, lim), padding=0)
        n = len(frame)
        sample = f" (the plot shows {PREVIEW_POINTS:,} of them)" if n > PREVIEW_POINTS else ""
        self.summary.setText(
            f"{n:,} rows{sample}: two features, x1 and x2, and a label column with the classes "
            f"{' and '.join(repr(c) for c in classes(name))}.")

    def _draw_numbers(self, shown):
        """A number to predict: one scatter, each point coloured by its label (viridis), the range
        in the legend."""
        frame = self.frame
        for sc in self.scatters.values():
            self.plot.removeItem(sc)
        cmap = pg.colormap.get("viridis")
        v = frame["label"].to_numpy(dtype=float)
        lo, hi = float(v.min()), float(v.max())
        t = (shown["label"].to_numpy(dtype=float) - lo) / ((hi - lo) or 1.0)
        sc = pg.ScatterPlotItem(pen=pg.mkPen(40, 40, 40, 120), name="label")
        sc.setData(shown["x1"].to_numpy(), shown["x2"].to_numpy(), size=6 if len(shown) <= 1000 else 4,
                   brush=[pg.mkBrush(*c) for c in cmap.map(np.clip(t, 0, 1), mode="byte")])
        self.plot.addItem(sc)
        self.scatters = {"label": sc}
        ends = cmap.map(np.array([0.0, 1.0]), mode="byte")
        self.legend.setText(
            f"label: <span style='color:{theme.hex_colour(tuple(ends[0][:3]))}; font-size:14pt'>●</span> "
            f"{lo:.3g} … <span style='color:{theme.hex_colour(tuple(ends[1][:3]))}; font-size:14pt'>●"
            f"</span> {hi:.3g}")
        lim = float(np.nanmax(np.abs(frame[["x1", "x2"]].to_numpy()))) * 1.05 or 1.0
        self.plot.setRange(xRange=(-lim, lim), yRange=(-lim, lim), padding=0)
        n = len(frame)
        sample = f" (the plot shows {PREVIEW_POINTS:,} of them)" if n > PREVIEW_POINTS else ""
        self.summary.setText(f"{n:,} rows{sample}: two features, x1 and x2, and a label column holding "
                             f"a number to predict, from {lo:.3g} to {hi:.3g} (a regression).")

    def shown_points(self) -> dict[str, int]:
        """How many points of each class the scatter draws (for tests)."""
        return {c: len(sc.data) for c, sc in self.scatters.items()}


# -- the window's command ---------------------------------------------------------------------

def start(window, **settings) -> ExampleDialog:
    """Open the dialog over the window; OK trains a new network on the example."""
    dlg = ExampleDialog(window, **settings)
    dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dlg.accepted.connect(functools.partial(_accepted, window, dlg))
    window.example_dialog = dlg
    dlg.open()
    return dlg


def _accepted(window, dlg: ExampleDialog):
    try:
        ds = dlg.dataset()
    except UserError as e:
        window.show_error("Cannot use this example", str(e))
        return
    load_example(window, ds, dlg.settings())


def load_example(window, dataset: Dataset, settings: dict) -> bool:
    """Train on a generated data set, as MainWindow.load_data does on a file (asking first if a
    trained network would be lost); `settings` (the generator's) travel in the setup's extra."""
    s = window.session
    if s.unsaved_epochs > 0 and not window.confirm(
            f"Train on the {settings['name']} example? The network trained for {s.epoch} epochs "
            f"on the current data will be replaced (save it first with Ctrl+S if you want it)."):
        return False
    window.rebuild(dict(dataset=dataset, extra=dict(warnings_seen=True, example=dict(settings))))
    if getattr(window, "lessons", None) is not None:  # Save lesson keeps the settings, not the rows
        window.lessons.generated = (dataset, dict(settings))
    return True
