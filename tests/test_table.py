"""core.table: reading a CSV (format, encodings, bad files), progress and cancel, line numbers."""

import threading

import numpy as np
import pandas as pd
import pytest

import core.dataset as dataset
import core.table as table
from core.dataset import dataset_from_frame, load_csv
from core.errors import DataError, LoadCancelled, UserError
from core.table import data_row_lines, one_line_per_row, read_table


def test_semicolon_decimal_comma_and_latin1(write_csv):
    rows = "".join(f"{i},5;{i * 2},25;{'é' if i % 2 else 'ö'}\n" for i in range(10))
    p = write_csv(("a;b;label\n" + rows).encode("latin-1"))
    df, fmt = read_table(p)
    assert fmt.delimiter == ";" and fmt.decimal == "," and fmt.encoding == "latin-1"
    ds = load_csv(p)
    assert ds.X[1, 0] == pytest.approx(1.5) and ds.class_names == ("é", "ö")


def test_tab_bom_crlf(write_csv):
    text = "\ufeffa\tb\tclass\r\n" + "".join(f"{i}\t{i % 3}\tc{i % 2}\r\n" for i in range(10))
    p = write_csv(text.encode("utf-8"))
    ds = load_csv(p)
    assert ds.feature_names == ("a", "b") and ds.label_name == "class"


def test_headerless_file_gets_column_names(write_csv):
    ds = load_csv(write_csv("".join(f"{i},{i * 2},{i % 2}\n" for i in range(10))))
    assert ds.feature_names == ("column_1", "column_2") and ds.label_name == "column_3"


def test_binary_and_missing_files(tmp_path, write_csv):
    with pytest.raises(DataError, match="binary"):
        load_csv(write_csv(bytes(range(256)) * 10))
    with pytest.raises(DataError, match="no such file"):
        load_csv(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="folder"):
        load_csv(tmp_path)


def test_head_of_a_file(write_csv):
    text = "a,b,label\n" + "".join(f"{i},{i * 2},{'xy'[i % 2]}\n" for i in range(1000)) + "1,2,x,oops\n"
    df, fmt = read_table(write_csv(text), rows=50)
    assert df.shape == (50, 3) and list(df.columns) == ["a", "b", "label"] and fmt.header
    with pytest.raises(DataError, match="line 1002 has 4 fields"):
        read_table(write_csv(text))


@pytest.mark.parametrize("text, consecutive, lines", [
    ("a,b\n1,2\n3,4\n", True, [2, 3]),
    ("a,b\n1,2\n3,4", True, [2, 3]),  # no newline at the end
    ("a,b\r\n1,2\r\n3,4\r\n", True, [2, 3]),
    ("a,b\n1,2\n\n  \n3,4\n", False, [2, 5]),  # blank and whitespace-only lines are skipped
    ("\n\na,b\n1,2\n3,4\n", False, [4, 5]),  # blank lines before the header
    ("a,b\n1,2\n3,4\n\n\n", False, [2, 3]),  # trailing blank lines: counted, no harm
    ('a,b\n1,"x\ny"\n3,4\n', False, [2, 4]),  # a quoted line break
    ("a,b\r\n1,2\r\n\r\n3,4\r\n", False, [2, 4]),
    ("1,2\n\n3,4\n", False, [1, 3]),  # no header
])
def test_data_row_lines_name_the_line_an_editor_shows(write_csv, text, consecutive, lines):
    path = write_csv(text.encode())
    df, fmt = read_table(path)
    assert len(df) == 2 and one_line_per_row(path, fmt, len(df)) is consecutive
    assert data_row_lines(path, fmt, len(df)).tolist() == lines


def test_data_row_lines_in_utf16_and_big_files(write_csv, tmp_path):
    path = write_csv("a;b\n1;2\n\n3;4\n".encode("utf-16"))
    df, fmt = read_table(path)
    assert fmt.encoding.startswith("utf-16") and not one_line_per_row(path, fmt, 2)  # scanned
    assert data_row_lines(path, fmt, len(df)).tolist() == [2, 4]
    big = tmp_path / "big.csv"  # many read blocks: the newline count spans them
    body = "".join(f"{i},{i % 7}\n" + ("\n" if i == 150_000 else "") for i in range(200_000))
    big.write_text("x,y\n" + body)
    df, fmt = read_table(big)
    assert len(df) == 200_000 and not one_line_per_row(big, fmt, len(df))
    lines = data_row_lines(big, fmt, len(df))
    assert lines[150_000] == 150_002 and lines[150_001] == 150_004 and lines[-1] == 200_002
    big.write_text("x,y\n" + body.replace("\n\n", "\n"))
    df, fmt = read_table(big)
    assert one_line_per_row(big, fmt, len(df)) and data_row_lines(big, fmt, len(df))[-1] == 200_001


# -- progress and cancel ---------------------------------------------------------------------------

def _progress_everywhere(monkeypatch):
    """Every 4 KB block reports (no rate limit), so small files show the whole course of a read."""
    monkeypatch.setattr(table, "READ_BLOCK", 4096)
    monkeypatch.setattr(table, "PROGRESS_INTERVAL", 0.0)


def _check_course(seen):
    assert seen == sorted(seen) and len(set(seen)) == len(seen), seen  # always rising
    assert seen[-1] == 1.0 and seen.count(1.0) == 1 and all(0.0 <= f <= 1.0 for f in seen)


def test_mixed_column_comes_out_as_a_whole_file_read(write_csv):
    """pandas infers types per stretch of a big file: a column of numbers whose text starts 400,000
    rows in, and a label with a gap at the top (floats) and a word at the end, come out as a
    whole-file inference gives them: text throughout, one class per label, not '1.0' and '1'."""
    lines = ["a,b,label", "1,2,"] + [f"{i % 97},{i % 89},{i % 2}" for i in range(400_000)]
    lines += ["oops,3,x"] + [f"{i % 97},{i % 89},{i % 2}" for i in range(20)]
    p = write_csv("\n".join(lines) + "\n")
    cancel, seen = threading.Event(), []
    df, _ = read_table(p, progress=seen.append, cancel=cancel)
    whole = pd.read_csv(p, low_memory=False, na_values=table.NA_VALUES, index_col=False)
    pd.testing.assert_frame_equal(df, whole)
    assert df["a"].iloc[-21] == "oops" and df["a"].iloc[0] == "1" and df["label"].iloc[1] == "0"
    ds = load_csv(p, features=["b"])
    assert ds.class_names == ("0", "1", "x") and ds.class_counts() == {"0": 200_010, "1": 200_010, "x": 1}
    _check_course(seen)


def test_progress_rises_to_one_and_the_result_is_unchanged(monkeypatch, penguins_path):
    plain = load_csv(penguins_path)
    _progress_everywhere(monkeypatch)
    seen = []
    ds = load_csv(penguins_path, progress=seen.append, cancel=threading.Event())
    _check_course(seen)
    assert len(seen) > 3  # penguins.csv is 13 KB: a few blocks
    assert np.array_equal(ds.X, plain.X) and np.array_equal(ds.y, plain.y)
    assert ds.class_names == plain.class_names and ds.feature_names == plain.feature_names
    seen.clear()
    read_table(penguins_path, progress=seen.append)
    _check_course(seen)


def test_a_second_pass_keeps_progress_rising(monkeypatch, write_csv):
    """ASCII for the first 64 KB, then Latin-1: read again as Latin-1, progress never falls back."""
    _progress_everywhere(monkeypatch)
    rows = "".join(f"{i},{i * 2},{'xy'[i % 2]}\n" for i in range(20_000))
    p = write_csv(("a,b,label\n" + rows + "5,5,é\n6,6,ö\n").encode("latin-1"))
    seen = []
    df, fmt = read_table(p, progress=seen.append)
    assert fmt.encoding == "latin-1" and df["label"].iloc[-1] == "ö"
    _check_course(seen)


@pytest.mark.parametrize("kind", ["threading", "multiprocessing"])
def test_a_cancel_already_set_reads_nothing(tmp_path, write_csv, kind):
    import multiprocessing

    cancel = threading.Event() if kind == "threading" else multiprocessing.get_context("spawn").Event()
    cancel.set()
    p = write_csv("a,b,label\n" + "".join(f"{i},{i},{i % 2}\n" for i in range(10)))
    for call in (lambda: load_csv(p, cancel=cancel), lambda: read_table(p, cancel=cancel)):
        with pytest.raises(LoadCancelled) as e:
            call()
        assert isinstance(e.value, UserError)
        assert str(e.value) == f"Reading {p} was cancelled; the current data and network are unchanged."
    with pytest.raises(LoadCancelled, match="Reading .*nope.csv was cancelled"):
        load_csv(tmp_path / "nope.csv", cancel=cancel)  # before anything else


def test_cancel_while_building_the_dataset(monkeypatch, penguins_path):
    """Set after the last byte is read: the conversion stops between columns."""
    _progress_everywhere(monkeypatch)
    cancel = threading.Event()
    df, fmt = read_table(penguins_path)

    def progress(fraction):
        if fraction > dataset.LOAD_READ_SHARE:
            cancel.set()

    with pytest.raises(LoadCancelled, match="penguins.csv was cancelled"):
        load_csv(penguins_path, progress=progress, cancel=cancel)
    with pytest.raises(LoadCancelled, match="penguins.csv was cancelled"):
        dataset_from_frame(df, path=penguins_path, cancel=cancel)
