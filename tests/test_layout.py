"""Every text fits its widget, and the window keeps its size (issue 17), at 900x600 and 1400x860,
with penguins and with long names (penguins named as in the field notes; 30 long feature names; a
regression with long feature and label names).

Each window is opened once (a module cache), trained a few epochs, shown with every tab group
raised, a file classified and the walkthrough at a backward stage; tests/layout_check.py looks at
it in each state. The window is driven through docs/gallery.py's calls (one place to adapt).
"""

import sys

import pytest
from layout_check import SizeWatch, check

from conftest import ROOT

sys.path.insert(0, str(ROOT / "docs"))
import gallery  # noqa: E402

SMALL, DEFAULT = gallery.SMALL_SIZE, gallery.DEFAULT_SIZE
_seen: dict = {}


@pytest.fixture(scope="module")
def data_paths(tmp_path_factory):
    return gallery.write_datasets(tmp_path_factory.mktemp("layout_data"))


@pytest.fixture(scope="module")
def styled(qapp):
    """The application's style sheet, as main.py sets it (it changes sizes), for this module only."""
    from gui import theme

    before = qapp.styleSheet()
    qapp.setStyleSheet(theme.STYLE)
    yield
    qapp.setStyleSheet(before)


def observe(name, size, data_paths, tmp_path_factory):
    """Open the window once per (data, size); what the checker and the size watch found."""
    key = (name, size)
    if key not in _seen:
        w = gallery.make_window(data_paths[name], tmp_path_factory.mktemp("settings"), size)
        try:
            gallery.wait_ready(w)
            opened = (w.width(), w.height())
            watch = SizeWatch(w)
            gallery.step_epochs(w, gallery.EPOCHS)
            findings = []
            for scene, docks in gallery.TAB_SCENES.items():
                for d in docks:
                    gallery.show_dock(w, d)
                if scene == "classify":
                    gallery.classify_file(w, data_paths[name], row=1)
                if scene == "walkthrough":
                    gallery.walkthrough_stage(w, 8)
                if scene == "confusion":
                    gallery.confusion_cell(w, 0, 0)
                findings += check(w)
            gallery.study_weight(w, 0, 1, 1)  # the weight's panel with its explanation
            findings += check(w)
            _seen[key] = dict(findings=list(dict.fromkeys(findings)), opened=opened, grew=watch.grew())
        finally:
            gallery.close_window(w)
    return _seen[key]


CASES = [(d, s) for d in gallery.DATASETS for s in (SMALL, DEFAULT)]
IDS = [f"{d}-{s[0]}x{s[1]}" for d, s in CASES]


@pytest.mark.parametrize(("name", "size"), CASES, ids=IDS)
def test_every_text_fits_its_widget(styled, data_paths, tmp_path_factory, name, size):
    seen = observe(name, size, data_paths, tmp_path_factory)
    assert not seen["findings"], "\n".join(map(str, seen["findings"]))


@pytest.mark.parametrize(("name", "size"), CASES, ids=IDS)
def test_window_opens_at_the_size_asked(styled, data_paths, tmp_path_factory, name, size):
    seen = observe(name, size, data_paths, tmp_path_factory)
    assert seen["opened"] == size


@pytest.mark.parametrize(("name", "size"), CASES, ids=IDS)
def test_window_does_not_grow_by_itself(styled, data_paths, tmp_path_factory, name, size):
    seen = observe(name, size, data_paths, tmp_path_factory)
    assert seen["grew"] is None, seen["grew"]


def test_the_checker_sees_a_cut_label_and_a_cut_header(qtbot):
    """The checker itself: a label narrower than its text, a wrapped label too short for its lines,
    a header section too narrow, and the same header elided on purpose with a tooltip."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QStandardItemModel
    from PySide6.QtWidgets import QLabel, QTableView, QVBoxLayout, QWidget

    top = QWidget()
    qtbot.addWidget(top)
    lay = QVBoxLayout(top)
    cut = QLabel("a label far too long for the forty pixels it is given")
    cut.setFixedWidth(40)
    fits = QLabel("ok")
    wrapped = QLabel("a wrapped label with many words that needs several lines")
    wrapped.setWordWrap(True)
    wrapped.setFixedSize(120, 16)
    model = QStandardItemModel(2, 1)
    model.setHorizontalHeaderLabels(["P(Adelie Penguin (Pygoscelis adeliae))"])
    table = QTableView()
    table.setModel(model)
    table.horizontalHeader().resizeSection(0, 60)
    for x in (cut, fits, wrapped, table):
        lay.addWidget(x)
    top.resize(300, 300)
    top.show()
    qtbot.waitExposed(top)
    found = {f.text: f for f in check(top)}
    assert cut.text() in found and found[cut.text()].available < found[cut.text()].needed
    assert wrapped.text() in found and found[wrapped.text()].what == "height"
    assert "P(Adelie Penguin (Pygoscelis adeliae))" in found
    assert "ok" not in found
    model.setHeaderData(0, Qt.Orientation.Horizontal, "P(Adelie Penguin (Pygoscelis adeliae))",
                        Qt.ItemDataRole.ToolTipRole)
    assert "P(Adelie Penguin (Pygoscelis adeliae))" not in {f.text for f in check(top)}


def test_size_watch_sees_growth(qtbot):
    from PySide6.QtWidgets import QWidget

    w = QWidget()
    qtbot.addWidget(w)
    w.resize(400, 300)
    watch = SizeWatch(w)
    assert watch.grew() is None
    w.resize(420, 300)
    assert "400x300 to 420x300" in watch.grew()



def test_docks_widen_again_when_the_window_does(styled, data_paths, tmp_path_factory):
    """From 900x600 back to 1600x1000: the docks squeezed in the small window get their default
    widths back (Qt gave all the new room to the network), and every text still fits."""
    from gui.main_window import CONTROLS_WIDTH, RIGHT_WIDTH

    w = gallery.make_window(data_paths["cancer-long"], tmp_path_factory.mktemp("settings"), SMALL)
    try:
        gallery.wait_ready(w)
        assert w.docks["controls"].width() < CONTROLS_WIDTH and w.docks["loss"].width() < RIGHT_WIDTH
        w.resize(1600, 1000)
        gallery.settle(200)
        assert (w.docks["controls"].width(), w.docks["loss"].width()) == (CONTROLS_WIDTH, RIGHT_WIDTH)
        assert not check(w)
    finally:
        gallery.close_window(w)
