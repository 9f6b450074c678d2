"""Render every dock and dialog offscreen, at two window sizes and with four data sets.

    QT_QPA_PLATFORM=offscreen python docs/gallery.py OUTDIR [--readme]

Writes OUTDIR/<data>_<W>x<H>_<scene>.png for the data sets `penguins` (resources/penguins.csv),
`penguins-long` (the same, species named as in the field notes: "Adelie Penguin (Pygoscelis
adeliae)"), `cancer-long` (sklearn's breast cancer data: 30 features with long names, two long
class names) and `diabetes-long` (sklearn's diabetes data, a regression: ten clinical measurements
with long names, a long label), each in a window of 900x600 and of the default 1400x860: the
window with each tab of the docks raised, every dock on its own, the import dialog, the
learning-rate demonstration and the F1 help. OUTDIR/layout.txt lists what tests/layout_check.py
finds in each window (texts that do not fit their widget, a window that grew by itself). With
--readme the README's pictures (docs/screenshot.png, import_dialog.png, classify_panel.png,
weight_study.png, walkthrough.png, regions.png, lr_demo.png, lesson.png, ...) are written into
docs/ too (and always into OUTDIR/readme/).

Settings go to a temporary file: the user's own are never read or touched. Everything runs under
`if __name__ == "__main__"`: the training engine is a spawned process that re-imports this script.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_SIZE = (1400, 860)  # MainWindow's own default (gui/main_window.py)
SMALL_SIZE = (900, 600)
SIZES = (SMALL_SIZE, DEFAULT_SIZE)
DATASETS = ("penguins", "penguins-long", "cancer-long", "diabetes-long")
EPOCHS = 5  # a few epochs per window: the gallery must finish well within a minute on two cores
README = ("screenshot.png", "import_dialog.png", "classify_panel.png", "weight_study.png",
          "walkthrough.png", "regions.png", "lr_demo.png", "confusion.png", "overfit_demo.png",
          "example_dialog.png", "lesson.png", "circle_lesson.png", "regression.png",
          "regression-900x600.png", "neuron_pictures.png", "neuron_pictures-900x600.png")
# the docks sharing a place, by tab: each group is raised together for one picture of the window
TAB_SCENES = {"training": ("controls", "gradients"), "walkthrough": ("walkthrough", "regions"),
              "classify": ("classify", "weight"), "confusion": ("confusion",),
              "residuals": ("residuals",)}
TIMEOUT = 30.0


# == the window, only through these calls (adapt them here when MainWindow changes) ==============
def make_window(data_path, settings_dir, size):
    """A MainWindow on `data_path` with settings in a fresh file of settings_dir, shown at size."""
    from PySide6.QtCore import QSettings

    from gui.main_window import MainWindow

    ini = Path(tempfile.mkstemp(suffix=".ini", dir=settings_dir)[1])
    ini.unlink()  # an empty file is not a valid ini: let QSettings create it
    w = MainWindow(data_path=data_path, settings=QSettings(str(ini), QSettings.Format.IniFormat))
    w.confirm = lambda text: True  # no question boxes (reset over a trained network)
    w.confirm_close = lambda: True  # nor on closing it
    w.resize(*size)
    w.show()
    return w


def network_ready(w) -> bool:
    return w.session.ready


def wait_ready(w, timeout: float = TIMEOUT):
    from gui.waiting import wait_until

    if not wait_until(lambda: network_ready(w), timeout):
        raise RuntimeError(f"the window did not become ready: {w.last_error or 'no message'}")
    settle()


def step_epochs(w, n: int, timeout: float = TIMEOUT):
    from gui.waiting import wait_until

    s = w.session
    target = s.epoch + n
    for _ in range(n):
        w.step()
    if not wait_until(lambda: s.epoch >= target and s._runs == 0, timeout):
        raise RuntimeError(f"training stopped at epoch {s.epoch} of {target}: {w.last_error}")
    w._draw(force=True)
    w.view.finish_animation()
    settle()


def set_training(w, **values):
    """Controls' values (optimizer, learning_rate, ...), then a new network with them."""
    w.controls.set_values(values)
    w.reset()
    wait_ready(w)


def show_dock(w, name: str):
    """Raise the dock `name` (a key of window.docks) in its tab group and let it draw."""
    d = w.docks[name]
    d.show()
    d.raise_()
    settle()
    return d


def open_import_dialog(w, path):
    dlg = w.import_file(str(path))
    if dlg is None:
        raise RuntimeError(f"the import dialog did not open on {path}: {w.last_error}")
    from gui.waiting import wait_until

    wait_until(lambda: not dlg.reading(), TIMEOUT)
    settle()
    return dlg


def open_example_dialog(w, **settings):
    from gui import example_dialog

    d = example_dialog.start(w, **settings)
    settle()
    return d


def open_lr_demo(w, timeout: float = TIMEOUT):
    from gui.waiting import wait_until

    w.lr_demo_window = None
    w.learning_rate_demo()
    if not wait_until(lambda: getattr(w, "lr_demo_window", None) is not None, timeout):
        raise RuntimeError(f"the learning-rate demonstration did not come: {w.last_error}")
    settle()
    return w.lr_demo_window


def open_overfit_demo(w, timeout: float = TIMEOUT):
    from gui import overfit_demo
    from gui.waiting import wait_until

    w.overfit_demo_window = None
    overfit_demo.start(w)
    if not wait_until(lambda: getattr(w, "overfit_demo_window", None) is not None, timeout):
        raise RuntimeError(f"the overfitting demonstration did not come: {w.last_error}")
    settle()
    return w.overfit_demo_window


def open_help(w):
    w.show_concepts()
    settle()
    return getattr(w, "concepts_box", None)


def study_weight(w, layer: int, out: int, inp: int, timeout: float = TIMEOUT):
    from gui.waiting import wait_until

    panel = w.panel("weight")
    panel.slice = None
    panel.study(layer, out, inp)
    if not wait_until(lambda: panel.slice is not None, timeout):
        raise RuntimeError(f"the loss slice did not come: {w.last_error}")
    settle()


def classify_file(w, path, row: int | None = None):
    from gui.waiting import wait_until

    panel = w.widgets["classify"]
    if not panel.load_file(str(path)) or not wait_until(lambda: not panel.busy, TIMEOUT):
        raise RuntimeError(f"classifying {path} did not finish: {panel.last_error}")
    if row is not None:
        panel.select_table_row(row)
    settle()


def confusion_cell(w, i: int, j: int, row: int | None = 0):
    """Click cell (true i, predicted j) of the Confusion matrix dock and select one of its rows."""
    v = w.widgets["confusion"]
    v.matrix.select(i, j)
    if row is not None and v.rows.rowCount() > row:
        v.rows.selectRow(row)
    settle()


def walkthrough_stage(w, stage: int, sample: int = 0):
    wt = w.widgets["walkthrough"]
    wt.sample.setValue(sample)
    s = w.session
    wt.set_context(s.displayed_snapshot(), s.data, s.config)
    wt.set_stage(stage)
    w.view.finish_animation()
    settle()


def close_window(w):
    w.close()
    w.deleteLater()
    settle()


def settle(ms: int = 60):
    """Let posted events, layouts and paints run (an event loop, never QTest.qWait)."""
    from PySide6.QtCore import QCoreApplication

    from gui.waiting import wait_ms

    QCoreApplication.sendPostedEvents()
    wait_ms(ms)


def grab(widget, path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(path)):
        raise OSError(f"could not write {path}")
    return path


# == the data sets ================================================================================
PENGUIN_NAMES = {"Adelie": "Adelie Penguin (Pygoscelis adeliae)",
                 "Chinstrap": "Chinstrap penguin (Pygoscelis antarctica)",
                 "Gentoo": "Gentoo penguin (Pygoscelis papua)"}
CANCER_CLASSES = ("malignant tumour (confirmed by biopsy)", "benign tumour (no further treatment)")
_MEASURE = {"radius": "radius of the cell nuclei (µm)", "texture": "texture: grey-level spread",
            "perimeter": "perimeter of the cell nuclei (µm)", "area": "area of the cell nuclei (µm²)",
            "smoothness": "smoothness: local variation in radius",
            "compactness": "compactness: perimeter² / area − 1",
            "concavity": "concavity: depth of concave contour parts",
            "concave points": "concave points on the contour (count)",
            "symmetry": "symmetry of the cell nuclei",
            "fractal dimension": "fractal dimension: coastline approximation − 1"}
_KIND = {"mean": "mean", "error": "standard error of the", "worst": "worst (largest) value of the"}


def long_feature_name(name: str) -> str:
    """sklearn's 'mean radius' -> 'mean radius of the cell nuclei (µm)', and so on."""
    kind, _, measure = name.partition(" ")
    if kind not in _KIND:  # 'radius error'
        measure, _, kind = name.rpartition(" ")
    return f"{_KIND[kind]} {_MEASURE[measure]}"


def write_datasets(folder: Path) -> dict[str, Path]:
    import pandas as pd
    from sklearn.datasets import load_breast_cancer

    penguins = ROOT / "resources" / "penguins.csv"
    long_penguins = folder / "penguins_field_notes.csv"
    df = pd.read_csv(penguins)
    df["species"] = df["species"].map(PENGUIN_NAMES).fillna(df["species"])
    df.to_csv(long_penguins, index=False)

    bc = load_breast_cancer()
    cancer = pd.DataFrame(bc.data, columns=[long_feature_name(n) for n in bc.feature_names])
    cancer["diagnosis"] = [CANCER_CLASSES[int(t)] for t in bc.target]
    cancer_path = folder / "breast_cancer_long_names.csv"
    cancer.to_csv(cancer_path, index=False)
    from sklearn.datasets import load_diabetes

    db = load_diabetes()
    diabetes = pd.DataFrame(db.data, columns=[DIABETES_NAMES[n] for n in db.feature_names])
    diabetes[DIABETES_LABEL] = db.target
    diabetes_path = folder / "diabetes_long_names.csv"
    diabetes.to_csv(diabetes_path, index=False)
    return {"penguins": penguins, "penguins-long": long_penguins, "cancer-long": cancer_path,
            "diabetes-long": diabetes_path}


# sklearn's diabetes data, its columns named as its description explains them
DIABETES_NAMES = {
    "age": "age in years (centred and scaled)", "sex": "sex (centred and scaled)",
    "bmi": "body mass index (centred and scaled)", "bp": "average blood pressure (centred and scaled)",
    "s1": "tc, total serum cholesterol", "s2": "ldl, low-density lipoproteins",
    "s3": "hdl, high-density lipoproteins", "s4": "tch, total cholesterol / HDL",
    "s5": "ltg, log of serum triglycerides level", "s6": "glu, blood sugar level"}
DIABETES_LABEL = "disease progression one year after baseline"


# == the scenes ===================================================================================
def render_window(name: str, data_path: Path, size, out: Path, work: Path, report: list[str]):
    """Every dock and dialog of one window: the window per tab group, each dock, the dialogs."""
    import layout_check

    tag = f"{name}_{size[0]}x{size[1]}"
    w = make_window(data_path, work, size)
    try:
        wait_ready(w)
        watch = layout_check.SizeWatch(w, size)
        step_epochs(w, EPOCHS)
        findings = []
        for scene, docks in TAB_SCENES.items():
            for d in docks:
                show_dock(w, d)
            if scene == "classify":
                classify_file(w, data_path, row=1)
            if scene == "walkthrough":
                walkthrough_stage(w, 8)
            if scene == "confusion":
                confusion_cell(w, 0, 0)
            grab(w, out / f"{tag}_window_{scene}.png")
            findings += layout_check.check(w)
            for d in docks:
                grab(w.docks[d], out / f"{tag}_dock_{d}.png")
        show_dock(w, "loss")
        grab(w.docks["loss"], out / f"{tag}_dock_loss.png")
        study_weight(w, 0, 1, 1)
        grab(w.docks["weight"], out / f"{tag}_dock_weight_study.png")
        findings += layout_check.check(w)
        grew = watch.grew()
        help_box = open_help(w)
        if help_box is not None:
            grab(help_box, out / f"{tag}_dialog_help.png")
            help_box.close()
        if size == DEFAULT_SIZE:  # the dialogs do not depend on the window's size
            dlg = open_import_dialog(w, data_path)
            grab(dlg, out / f"{name}_dialog_import.png")
            findings += layout_check.check(dlg)
            dlg.resize(*SMALL_SIZE)
            settle()
            grab(dlg, out / f"{name}_{SMALL_SIZE[0]}x{SMALL_SIZE[1]}_dialog_import.png")
            findings += layout_check.check(dlg)
            dlg.reject()
            demo = open_lr_demo(w)
            grab(demo, out / f"{name}_dialog_lr_demo.png")
            findings += layout_check.check(demo)
            demo.close()
        report.append(f"== {tag}")
        report += [f"  {f}" for f in dict.fromkeys(str(f) for f in findings)]
        if grew:
            report.append(f"  {grew}")
    finally:
        close_window(w)


LESSON_NOTES = """# Four measurements, three species
The network sees **bill length**, **bill depth**, **flipper length** and **body mass** of 342 penguins.

1. Press *Play* and watch the loss fall.
2. In *Decision regions*, which two species are hardest to tell apart?
3. Remove the hidden layer (the − button). Does the accuracy drop?

Why does it matter that *body mass* is in thousands of grams?"""


def open_lesson(w, work: Path):
    """Save the window as a lesson (one hidden layer of 6, the regions in front), open it again."""
    set_training(w, hidden=(6,), optimizer="adam", learning_rate=0.03)
    show_dock(w, "controls")
    show_dock(w, "regions")
    path = work / "penguins.lesson.json"
    if not w.lessons.save_lesson(str(path), "Penguins: what tells the species apart?", LESSON_NOTES):
        raise RuntimeError(f"the lesson was not saved: {w.last_error}")
    if not w.lessons.open_lesson(str(path)):
        raise RuntimeError(f"the lesson did not open: {w.last_error}")
    wait_ready(w)
    step_epochs(w, 10)


def open_shipped_lesson(w, title: str, epochs: int):
    """Teach → Lessons → `title`, then train it for `epochs` epochs."""
    w.lessons_menu.aboutToShow.emit()
    found = [a for a in w.lessons_menu.actions() if a.text() == title]
    if not found:
        raise RuntimeError(f"Teach → Lessons has no '{title}'")
    found[0].trigger()
    wait_ready(w)
    step_epochs(w, epochs)
    settle()


def render_readme(out: Path, work: Path):
    """The README's pictures: penguins in a default-sized window, as README.md describes them."""
    penguins = ROOT / "resources" / "penguins.csv"
    w = make_window(penguins, work, DEFAULT_SIZE)
    try:
        wait_ready(w)
        step_epochs(w, 15)
        show_dock(w, "walkthrough")
        show_dock(w, "regions")
        walkthrough_stage(w, 8)  # stage 9: dL/dz at the output, the sample's activations lit
        grab(w, out / "walkthrough.png")
        grab(w.docks["regions"], out / "regions.png")
        show_dock(w, "controls")
        show_dock(w, "gradients")
        step_epochs(w, 45)
        grab(w, out / "screenshot.png")
        show_dock(w, "classify")
        classify_file(w, penguins, row=1)
        panel = w.widgets["classify"]
        panel.fill_example()
        settle()
        panel.resize(700, 600)  # the picture is the panel alone, at a readable size
        settle()
        grab(panel, out / "classify_panel.png")
        show_dock(w, "confusion")  # validation rows, a wrong cell opened when there is one
        v = w.widgets["confusion"]
        m = v.matrix.confusion
        off = [(i, j) for i in range(len(m)) for j in range(len(m)) if i != j and m[i, j]]
        confusion_cell(w, *(off[0] if off else (0, 0)))
        dock = w.docks["confusion"]
        dock.setFloating(True)
        dock.resize(620, 560)
        settle(150)
        grab(dock, out / "confusion.png")
        dock.setFloating(False)
        show_dock(w, "controls")
        demo = open_lr_demo(w, 60)
        grab(demo, out / "lr_demo.png")
        demo.close()
        demo = open_overfit_demo(w, 90)
        grab(demo, out / "overfit_demo.png")
        demo.close()
        dlg = open_example_dialog(w, name="spiral", rows=400, noise=0.1, seed=0)
        grab(dlg, out / "example_dialog.png")
        dlg.reject()
        dlg = open_import_dialog(w, penguins)
        dlg.resize(1120, 720)
        settle()
        grab(dlg, out / "import_dialog.png")
        dlg.reject()
        open_lesson(w, work)
        grab(w, out / "lesson.png")
        open_shipped_lesson(w, "A circle without hidden layers", 30)
        grab(w, out / "circle_lesson.png")
        # the weight study with plain SGD, whose step the picture explains (−lr × slope)
        set_training(w, optimizer="sgd", learning_rate=0.1)
        step_epochs(w, 5)
        study_weight(w, 0, 1, 1)  # bill_depth_mm → hidden 1.2
        dock = w.docks["weight"]  # floated: the README shows the panel alone at 600x450
        dock.setFloating(True)
        dock.resize(600, 450 + dock.height() - w.widgets["weight"].height())
        settle(150)
        grab(w.widgets["weight"], out / "weight_study.png")
    finally:
        close_window(w)
    render_neuron_pictures(out, work)


def set_pictures(w, on: bool = True):
    """View → Pictures in neurons, and wait for the shown epoch's pictures."""
    from gui.waiting import wait_until

    if w.act_pictures.isChecked() != on:
        w.act_pictures.trigger()
    pic = w.network.pictures
    if on and not wait_until(lambda: pic.snapshot is w.view.snapshot, TIMEOUT):
        raise RuntimeError("the pictures in the neurons were not drawn")
    settle(150)


def hover_neuron(w, layer: int, j: int):
    """Move the mouse over a neuron (as far as the view can tell): its tooltip text is not shown
    offscreen, its large picture is."""
    from PySide6.QtCore import QPointF

    x, y = w.view._pos[layer][j]
    w.view._hover(w.view.getViewBox().mapViewToScene(QPointF(float(x), float(y))))
    settle()


def render_neuron_pictures(out: Path, work: Path):
    """The README's pictures in the neurons: the XOR lesson at the default size, one hidden
    neuron hovered; penguins' 4-5-5-3 network in the small window (too little room between its
    layers: said, and the hovered output's picture shown)."""
    w = make_window(ROOT / "resources" / "penguins.csv", work, DEFAULT_SIZE)
    try:
        wait_ready(w)
        open_shipped_lesson(w, "XOR: one hidden layer bends the boundary", 80)
        set_pictures(w)
        hover_neuron(w, 1, 0)
        grab(w, out / "neuron_pictures.png")
    finally:
        close_window(w)
    w = make_window(ROOT / "resources" / "penguins.csv", work, SMALL_SIZE)
    try:
        wait_ready(w)
        step_epochs(w, 30)
        set_pictures(w)
        hover_neuron(w, 3, 1)
        grab(w, out / "neuron_pictures-900x600.png")
    finally:
        close_window(w)


def render_regression(out: Path, work: Path):
    """Penguin body mass from the bill and flipper measurements: a regression network after 20
    epochs, its Predicted vs true and value-map docks in front, a validation row lit."""
    from core.dataset import load_csv
    from gui.waiting import wait_until

    penguins = ROOT / "resources" / "penguins.csv"
    features = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm"]
    for size, name in ((DEFAULT_SIZE, "regression.png"), (SMALL_SIZE, "regression-900x600.png")):
        w = make_window(penguins, work, size)
        try:
            wait_ready(w)
            s = w.session
            g = s.generation
            s.rebuild(dict(dataset=load_csv(penguins, label="body_mass_g", features=features)))
            if not wait_until(lambda s=s, g=g: s.ready and s.active_generation > g, TIMEOUT):
                raise RuntimeError(f"the regression network was not built: {w.last_error}")
            step_epochs(w, 20)
            show_dock(w, "regions")
            show_dock(w, "residuals")
            s.set_observation(s.data.scaler.inverse(s.data.X_val[:1])[0])
            w.light_observation()
            settle()
            grab(w, out / name)
        finally:
            close_window(w)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir", type=Path, help="folder for the pictures (created)")
    ap.add_argument("--readme", action="store_true",
                    help="also write the README's pictures into docs/")
    ap.add_argument("--only", choices=DATASETS, action="append",
                    help="only this data set (repeatable); the README pictures are still made")
    args = ap.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.path.insert(0, str(ROOT / "tests"))  # layout_check

    app = make_app()
    out = args.outdir
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    report = []
    with tempfile.TemporaryDirectory(prefix="gallery-") as tmp:
        work = Path(tmp)
        paths = write_datasets(work)
        render_readme(out / "readme", work)
        render_regression(out / "readme", work)
        for name in args.only or DATASETS:
            for size in SIZES:
                render_window(name, paths[name], size, out, work, report)
    (out / "layout.txt").write_text("\n".join(report) + "\n", encoding="utf-8")
    if args.readme:
        import shutil

        for f in README:
            shutil.copyfile(out / "readme" / f, ROOT / "docs" / f)
    n = len(list(out.rglob("*.png")))
    print(f"{n} pictures in {out} ({time.perf_counter() - started:.0f} s); layout findings in "
          f"{out / 'layout.txt'}" + ("; README pictures updated in docs/" if args.readme else ""))
    app.processEvents()
    return 0


def make_app():
    """The application as main.py makes it (its style sheet), settings aside."""
    from PySide6.QtWidgets import QApplication

    from gui import theme

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setStyleSheet(theme.STYLE)
    return app


if __name__ == "__main__":
    sys.exit(main())
