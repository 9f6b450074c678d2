"""The import dialog, offscreen: defaults, column kinds, changing the choice, errors, odd formats."""

import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt

import gui.import_dialog as import_dialog
from core.errors import DataError
from gui import theme
from gui.import_dialog import OK_TEXT, ImportDialog
from gui.waiting import wait_until

SCREENSHOT = "/tmp/import_dialog.png"


def make(qtbot, path, **kw):
    dlg = ImportDialog(path, **kw)
    qtbot.addWidget(dlg)
    return dlg


def summary(dlg) -> str:
    return dlg.summary.text()


def test_penguins_defaults(qtbot, penguins_path):
    dlg = make(qtbot, penguins_path)
    assert dlg.label() == "species"
    assert dlg.features() == ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
    assert all(dlg.feature_boxes[f].isChecked() for f in dlg.features())
    assert dlg.feature_boxes["species"].isHidden()  # the label is not offered as a feature
    ds = dlg.dataset()
    assert ds.n_features == 4 and ds.class_names == ("Adelie", "Chinstrap", "Gentoo")
    assert ds.class_counts() == {"Adelie": 151, "Chinstrap": 68, "Gentoo": 123}
    text = summary(dlg)
    assert "2 of 344 rows" in text and "342" in text
    assert "Adelie" in text and "151" in text and "Gentoo" in text and "123" in text
    assert "4 inputs" in text and "3 outputs" in text
    assert dlg.ok_button.isEnabled() and dlg.ok_button.text() == OK_TEXT
    fmt = dlg.format_label.text()
    assert "comma-separated" in fmt and "UTF-8" in fmt and "header" in fmt and "344 rows" in fmt
    m = dlg.preview_model
    assert m.rowCount() == 50 and m.columnCount() == 5
    assert m.data(m.index(0, 0)) == "Adelie" and m.data(m.index(0, 1)) == "39.1"
    assert m.data(m.index(3, 1)) == "—"  # row 4 is NA
    assert "label" in m.headerData(0, Qt.Orientation.Horizontal)
    assert m.data(m.index(0, 0), Qt.ItemDataRole.BackgroundRole) is not None  # label tinted
    assert dlg.minimumWidth() >= 900 and dlg.minimumHeight() >= 600
    for w in (dlg.label_combo, dlg.all_button, dlg.none_button, dlg.ok_button, dlg.preview,
              dlg.summary, *dlg.feature_boxes.values()):
        assert w.toolTip()


def test_hidden_sizes_in_network_line(qtbot, penguins_path):
    dlg = make(qtbot, penguins_path, hidden=(5, 5))
    assert "4 inputs → 5 → 5 → 3 outputs" in summary(dlg)


def test_id_and_text_columns(qtbot, write_csv):
    rows = ["id,name,height,weight,kind"]
    for i in range(1, 31):
        rows.append(f"{i},n{i % 7},{150 + i % 9}.5,{60 + i % 5},{'ab'[i % 2]}")
    dlg = make(qtbot, write_csv("\n".join(rows) + "\n"))
    assert dlg.label() == "kind"
    assert dlg.features() == ["height", "weight"]
    idb, name = dlg.feature_boxes["id"], dlg.feature_boxes["name"]
    assert idb.isEnabled() and not idb.isChecked() and "looks like an ID" in idb.toolTip()
    assert not name.isEnabled() and not name.isChecked() and "not numeric" in name.toolTip()
    m = dlg.preview_model
    grey = m.data(m.index(0, 0), Qt.ItemDataRole.ForegroundRole)  # id: not a feature
    assert grey is not None and m.data(m.index(0, 2), Qt.ItemDataRole.ForegroundRole) is None
    dlg.select_all_numeric()
    assert dlg.features() == ["id", "height", "weight"]  # text stays out
    assert m.data(m.index(0, 0), Qt.ItemDataRole.ForegroundRole) is None
    dlg.select_none()
    assert dlg.features() == [] and dlg.dataset() is None and not dlg.ok_button.isEnabled()
    assert "no feature column is ticked" in summary(dlg)


def test_changing_label_and_features(qtbot, write_csv):
    rng = np.random.default_rng(0)
    rows = ["a,b,c,species,size"]
    sizes = ["S", "M", "L", "XL"]
    for i in range(40):
        rows.append(f"{rng.normal():.3f},{rng.normal():.3f},{i % 3},{'xyz'[i % 3]},{sizes[i % 4]}")
    dlg = make(qtbot, write_csv("\n".join(rows) + "\n"))
    assert dlg.label() == "species" and dlg.dataset().n_features == 3
    assert dlg.dataset().class_names == ("x", "y", "z")
    dlg.label_combo.setCurrentText("size")
    assert dlg.label() == "size" and dlg.feature_boxes["size"].isHidden()
    assert not dlg.feature_boxes["species"].isHidden() and not dlg.feature_boxes["species"].isEnabled()
    ds = dlg.dataset()
    assert ds.class_names == ("L", "M", "S", "XL") and ds.n_features == 3
    assert "4 classes" in summary(dlg) and "4 outputs" in summary(dlg)
    dlg.feature_boxes["b"].setChecked(False)
    assert dlg.features() == ["a", "c"] and dlg.dataset().n_features == 2
    assert "2 inputs" in summary(dlg)
    dlg.label_combo.setCurrentText("c")  # a numeric label: it leaves the features
    assert dlg.features() == ["a"] and dlg.dataset().class_names == ("0", "1", "2")
    dlg.label_combo.setCurrentText("species")  # c comes back as a suggested feature; b stays unticked
    assert dlg.features() == ["a", "c"] and dlg.dataset().n_features == 2


def test_single_class_label_disables_ok(qtbot, write_csv):
    rows = ["x1,x2,const,label"] + [f"{i},{i * i % 7},k,{'pq'[i % 2]}" for i in range(20)]
    dlg = make(qtbot, write_csv("\n".join(rows) + "\n"))
    assert dlg.ok_button.isEnabled()
    dlg.label_combo.setCurrentText("const")
    assert dlg.dataset() is None and not dlg.ok_button.isEnabled()
    assert "single class" in dlg.error() and "single class" in summary(dlg)
    assert "color:#b00020" in summary(dlg).replace(" ", "")
    dlg.accept()
    assert dlg.result() == 0  # OK is refused while the choice is invalid
    dlg.label_combo.setCurrentText("label")
    assert dlg.ok_button.isEnabled() and dlg.error() is None


def test_semicolon_decimal_comma_latin1(qtbot, write_csv):
    text = "Länge;Breite;Art\n" + "".join(
        f"{5 + i / 10:.1f};{3 + i % 4 / 10:.1f};{['Müller', 'Größe'][i % 2]}\n".replace(".", ",")
        for i in range(12))
    dlg = make(qtbot, write_csv(text.encode("latin-1")))
    fmt = dlg.format_label.text()
    assert "semicolon-separated" in fmt and "comma (,)" in fmt and "Latin-1" in fmt
    assert dlg.label() == "Art" and dlg.features() == ["Länge", "Breite"]
    m = dlg.preview_model
    assert m.headerData(0, Qt.Orientation.Horizontal) == "Länge"
    assert m.data(m.index(0, 0)) == "5,0" and m.data(m.index(1, 0)) == "5,1"
    assert m.data(m.index(0, 2)) == "Müller" and m.data(m.index(1, 2)) == "Größe"
    right = m.data(m.index(0, 0), Qt.ItemDataRole.TextAlignmentRole)
    assert right & Qt.AlignmentFlag.AlignRight
    ds = dlg.dataset()
    assert ds.class_names == ("Größe", "Müller") and ds.X[1, 0] == pytest.approx(5.1)
    assert "Müller" in summary(dlg)


def test_big_table_recomputes_after_a_debounce(qtbot, penguins_path, monkeypatch):
    monkeypatch.setattr(import_dialog, "BIG_TABLE_ROWS", 100)  # penguins (344 rows) counts as big
    dlg = make(qtbot, penguins_path)
    assert dlg.ok_button.isEnabled() and dlg.dataset().n_features == 4
    dlg.feature_boxes["body_mass_g"].setChecked(False)
    assert not dlg.ok_button.isEnabled()  # until the summary catches up
    assert wait_until(lambda: dlg.ok_button.isEnabled(), 5)
    assert "3 inputs" in summary(dlg)
    dlg.feature_boxes["bill_depth_mm"].setChecked(False)
    assert dlg.dataset().n_features == 2  # asking for it does not wait for the timer
    assert "2 inputs" in summary(dlg) and dlg.ok_button.isEnabled()


def test_unreadable_file_raises_data_error(qtbot, write_csv):
    with pytest.raises(DataError):
        ImportDialog(write_csv(""))


def test_screenshot(qtbot, penguins_path):
    dlg = make(qtbot, penguins_path)
    dlg.setStyleSheet(theme.STYLE)  # as the app styles it
    dlg.show()
    assert wait_until(dlg.isVisible, 5)
    assert dlg.grab().save(SCREENSHOT)


# -- a big file: the head at once, the whole file in a thread ------------------------------------

def _big_file(write_csv, ragged=False):
    """5,000 rows; 'note' is numbers in the first rows and text further down."""
    rows = ["note,a,b,kind"]
    for i in range(5000):
        note = f"n{i}" if i > 3000 else str(i % 7)
        rows.append(f"{note},{i % 11},{i * 7 % 13},{'pq'[i % 2]}" + (",9" if ragged and i == 3000 else ""))
    return write_csv("\n".join(rows) + "\n")


@pytest.fixture
def small_big(monkeypatch):
    """Files over 1 KB count as big, and their head is 100 rows."""
    monkeypatch.setattr(import_dialog, "BACKGROUND_BYTES", 1000)
    monkeypatch.setattr(import_dialog, "HEAD_ROWS", 100)


@pytest.fixture
def gate(monkeypatch):
    """The background read waits (at 25 %) until the test opens the gate or the read is cancelled."""
    opened = threading.Event()
    real = import_dialog.read_table

    def read(path, **kw):
        if kw.get("progress") is not None:
            kw["progress"](0.25)
            while not opened.wait(0.01) and not kw["cancel"].is_set():
                pass
        return real(path, **kw)

    monkeypatch.setattr(import_dialog, "read_table", read)
    return opened


def test_big_file_previews_its_head_then_reads_the_whole(qtbot, write_csv, small_big, gate):
    dlg = make(qtbot, _big_file(write_csv))
    assert dlg.reading() and len(dlg.df) == 100 and dlg.preview_model.rowCount() == 50
    assert wait_until(lambda: dlg.progress.value() == 250, 5)
    assert not dlg.progress.isHidden() and not dlg.ok_button.isEnabled() and dlg.dataset() is None
    assert "Reading the whole file" in summary(dlg) and "reading all rows" in dlg.format_label.text()
    assert dlg.features() == ["note", "a", "b"]  # from the head: 'note' looks numeric there
    dlg.accept()
    assert dlg.result() == 0  # OK waits for the whole table
    gate.set()
    assert wait_until(lambda: not dlg.reading(), 10)
    assert dlg.progress.isHidden() and dlg.ok_button.isEnabled()
    assert "5,000 rows" in dlg.format_label.text() and "first 50 of 5,000 rows" in dlg.preview_box.title()
    assert not dlg.feature_boxes["note"].isEnabled() and dlg.features() == ["a", "b"]
    ds = dlg.dataset()
    assert ds.rows_total == 5000 and ds.feature_names == ("a", "b") and ds.class_names == ("p", "q")
    assert "5,000" in summary(dlg) and "2 inputs" in summary(dlg)


def test_big_file_keeps_a_choice_made_while_reading(qtbot, write_csv, small_big, gate):
    dlg = make(qtbot, _big_file(write_csv))
    dlg.feature_boxes["b"].setChecked(False)
    assert dlg.dataset() is None and not dlg.ok_button.isEnabled()
    gate.set()
    assert wait_until(lambda: not dlg.reading(), 10)
    assert dlg.features() == ["a"] and dlg.dataset().feature_names == ("a",)


def test_cancel_stops_the_background_read(qtbot, write_csv, small_big, gate):
    dlg = make(qtbot, _big_file(write_csv))
    job = dlg._job
    assert dlg.reading() and not job.finished()
    dlg.reject()  # the dialog's Cancel
    assert job.cancel.is_set() and not dlg.reading()
    assert wait_until(job.finished, 5)  # LoadCancelled in the thread, quietly
    assert job.result is None and job.error is None and dlg.result() == 0


def test_big_file_with_a_bad_line_past_the_head(qtbot, write_csv, small_big, gate):
    dlg = make(qtbot, _big_file(write_csv, ragged=True))
    assert dlg.reading()  # the first rows are fine
    gate.set()
    assert wait_until(lambda: not dlg.reading(), 10)
    assert "line 3002 has 5 fields" in dlg.error() and "line 3002" in summary(dlg)
    assert not dlg.ok_button.isEnabled() and dlg.dataset() is None


def test_big_file_read_for_real(qtbot, write_csv, monkeypatch):
    """No gate: a 3 MB file read in the background with the real progress and result."""
    monkeypatch.setattr(import_dialog, "BACKGROUND_BYTES", 2**20)
    rows = ["x1,x2,label"] + [f"{i % 101},{i * 7 % 97},{'abc'[i % 3]}" for i in range(300_000)]
    dlg = make(qtbot, write_csv("\n".join(rows) + "\n"))
    assert wait_until(lambda: not dlg.reading(), 30)
    ds = dlg.dataset()
    assert ds.rows_total == 300_000 and ds.class_names == ("a", "b", "c") and dlg.ok_button.isEnabled()


def test_doubtful_features_train_with_a_warning_in_the_summary(qtbot, write_csv):
    """Real data: the raw penguins' 'Sample Number' (an ID) is the only numeric column: it is
    ticked, OK works, and the summary says why that is doubtful; a constant column ticked too adds
    its own warning."""
    import pandas as pd

    from conftest import DATA

    df = pd.read_csv(DATA / "penguins_raw.csv")[["Sample Number", "Species", "Region"]]
    df["tag"] = "x"
    dlg = make(qtbot, write_csv(df.to_csv(index=False)))
    assert dlg.label() == "Species" and dlg.features() == ["Sample Number"]
    assert dlg.ok_button.isEnabled() and dlg.dataset().warnings
    text = summary(dlg)
    assert "<b>Warning:</b> 'Sample Number' looks like a row number or an ID, but every numeric column" in (
        text.replace("&#x27;", "'"))
    assert "color:#8a5300" in text.replace(" ", "") and text.count("Warning:") == 1
    df["tag"] = 1.5
    dlg = make(qtbot, write_csv(df.to_csv(index=False), name="tag.csv"))
    assert dlg.features() == ["tag"]  # a real (if constant) number beats an ID
    dlg.feature_boxes["Sample Number"].setChecked(True)
    text = summary(dlg).replace("&#x27;", "'")
    assert text.count("Warning:") == 2 and "'tag' has the same value on every usable row (1.5)" in text
    assert "'Sample Number' looks like a row number or an ID: a network can learn" in text
    dlg.setStyleSheet(theme.STYLE)
    dlg.resize(900, 600)
    dlg.show()
    assert wait_until(dlg.isVisible, 5)
    assert dlg.grab().save("/tmp/import_dialog_warnings.png")
