"""A corpus of malformed and awkward CSV files, made in tmp_path by the tests themselves.

Each file either loads as expected (shapes, classes, drop counts asserted) or is refused with a
DataError whose one-line message names the file and says what to do; never any other exception.
A few go through the command line too: exit 2 and one line on stderr for the bad, 0 for the good.
"""

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import numpy as np
import pytest

from conftest import ROOT
from core.dataset import load_csv
from core.errors import DataError, LoadCancelled, UserError
from core.split import split
from core.table import MAX_COLUMNS, MAX_FILE_BYTES, read_table


def rows(n, make):
    return "".join(make(i) for i in range(n))


XY = rows(10, lambda i: f"{i},{i * 3 % 7},{'xy'[i % 2]}\n")  # ten good rows: a, b, label x/y


@dataclass(frozen=True)
class Loads:
    n: int  # usable rows
    features: tuple
    label: str
    classes: tuple
    dropped: int = 0
    dropped_by: dict | None = None


@dataclass(frozen=True)
class Refused:
    says: tuple  # what is wrong, and what to do: every piece must be in the message


CORPUS = {
    "empty": (b"", Refused(("is empty", "needs a header line and rows of data"))),
    "only_whitespace": (" \n\t\n   \r\n\n", Refused(("is empty", "needs a header line"))),
    "header_only": ("a,b,label\n", Refused(("has a header but no rows of data", "add at least 5 rows"))),
    "one_row": ("a,b,label\n1,2,x\n", Refused(("only 1 usable row (of 1", "at least 5 are needed"))),
    "one_class_per_row": ("a,b,name\n" + rows(10, lambda i: f"{i % 3},{i % 4},n{i}\n"),
                          Refused(("every one of the 10 usable rows has a different value in the label "
                                   "column 'name'", "Choose another label column"))),
    "one_class": ("a,b,label\n" + rows(10, lambda i: f"{i},{i % 3},x\n"),
                  Refused(("holds a single class ('x')", "Choose another label column"))),
    "no_numeric_column": ("name,town,label\n" + rows(10, lambda i: f"n{i},t{i % 3},{'xy'[i % 2]}\n"),
                          Refused(("no numeric feature column besides the label 'label'",
                                   "add columns of numbers or choose another label column"))),
    "ragged_rows": ("a,b,label\n1,2,x\n3,4,y,5\n" + XY,
                    Refused(("line 3 has 4 fields but the header has 3", "Fix that line"))),
    "extra_value_on_first_row": ("a,b,label\n1,2,x,99\n" + XY,
                                 Refused(("data row 1 has 4 fields but the header names only 3",
                                          "Remove the extra values"))),
    "latin1": (("a,b,label\n" + rows(10, lambda i: f"{i},{i * 2},{'éö'[i % 2]}\n")).encode("latin-1"),
               Loads(10, ("a", "b"), "label", ("é", "ö"))),
    "binary_garbage": (np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes(),
                       Refused(("is not a text CSV file", "export it as CSV first"))),
    "excel_workbook": (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 4,
                       Refused(("Excel .xlsx", "export it as CSV first"))),
    "semicolons_decimal_commas": ("a;b;label\n" + rows(10, lambda i: f"{i},5;{i * 2},25;{'xy'[i % 2]}\n"),
                                  Loads(10, ("a", "b"), "label", ("x", "y"))),
    "inf_and_1e400": ("a,b,label\n1,inf,x\n2,1e400,y\n3,-inf,x\n4,-1e400,y\n5,1e39,x\n" + XY,
                      Loads(10, ("a", "b"), "label", ("x", "y"), 5, {"a": 0, "b": 5, "label": 0})),
    "question_marks_for_missing": ("a,b,label\n?,1,x\n1,?,y\n1,1,?\n" + XY,
                                   Loads(10, ("a", "b"), "label", ("x", "y"), 3,
                                         {"a": 1, "b": 1, "label": 1})),
    "duplicate_headers": ("a,a,label\n" + XY, Loads(10, ("a", "a_2"), "label", ("x", "y"))),
    "no_header_numeric_labels": (rows(10, lambda i: f"{i * 7 % 5},{i * 2},{i % 2}\n"),
                                 Loads(10, ("column_1", "column_2"), "column_3", ("0", "1"))),
    "no_header_text_labels": (rows(12, lambda i: f"5.{i},3.{i % 4},Iris-{['setosa', 'virginica'][i % 2]}\n"),
                              Loads(12, ("column_1", "column_2"), "column_3",
                                    ("Iris-setosa", "Iris-virginica"))),  # the first row is data
    "utf8_bom_crlf": (("\ufeffa,b,label\r\n" + XY.replace("\n", "\r\n")).encode("utf-8"),
                      Loads(10, ("a", "b"), "label", ("x", "y"))),
    "old_mac_cr_only": ("a,b,label\r" + XY.replace("\n", "\r"), Loads(10, ("a", "b"), "label", ("x", "y"))),
    "quoted_commas_in_names": ('name,a,b,label\n' + rows(10, lambda i: f'"Smith, John {i}",{i},{i * 2},'
                                                         f'{"xy"[i % 2]}\n'),
                               Loads(10, ("a", "b"), "label", ("x", "y"))),
    "constant_column": ("a,const,label\n" + rows(10, lambda i: f"{i * 7 % 13},3,{'xy'[i % 2]}\n"),
                        Loads(10, ("a", "const"), "label", ("x", "y"))),
    "thousands_of_classes": ("a,b,label\n" + rows(5000, lambda i: f"{i % 97},{i * 2 % 89},c{i % 2500}\n"),
                             Refused(("2,500 distinct values in 5,000 rows",
                                      "Choose another label column"))),
    "over_a_thousand_classes": ("a,b,label\n" + rows(4500, lambda i: f"{i % 97},{i % 89},c{i % 1500}\n"),
                                Refused(("1,500 distinct values", "too many to be classes"))),
    "huge_single_line": (",".join(f"{i * 0.001:.6f}" for i in range(300_000)),
                         Refused((f"a single line of over {MAX_COLUMNS:,} values",
                                  "Export it again with line breaks"))),
    "too_many_columns": (",".join(f"f{i}" for i in range(MAX_COLUMNS + 5)) + "\n"
                         + ",".join("1" for _ in range(MAX_COLUMNS + 5)) + "\n",
                         Refused((f"has {MAX_COLUMNS + 5:,} columns", "keep only the columns you need"))),
    "huge_single_cell": ("note,a,b,label\n" + "x" * 5_000_000 + ",1,2,x\n"
                         + rows(10, lambda i: f"n,{i},{i * 2},{'xy'[i % 2]}\n"),
                         Loads(11, ("a", "b"), "label", ("x", "y"))),
    "mixed_numbers_and_text_mostly_numbers": ("a,b,label\n" + rows(20, lambda i: f"{'n/k' if i == 3 else i},"
                                                                   f"{i * 2},{'xy'[i % 2]}\n"),
                                              Loads(19, ("a", "b"), "label", ("x", "y"), 1,
                                                    {"a": 1, "b": 0, "label": 0})),
    "mixed_numbers_and_text_half_text": ("a,b,label\n" + rows(20, lambda i: f"{i if i % 2 else 'abc'},"
                                                              f"{i * 2},{'xy'[i % 2]}\n"),
                                         Loads(20, ("b",), "label", ("x", "y"))),  # 'a' is not numeric
    "trailing_delimiter_every_line": ("a,b,kind,\n" + XY.replace("\n", ",\n"),
                                      Loads(10, ("a", "b"), "kind", ("x", "y"))),
    "trailing_delimiter_rows_only": ("a,b,kind\n" + XY.replace("\n", ",\n"),
                                     Loads(10, ("a", "b"), "kind", ("x", "y"))),
    "trailing_delimiter_then_a_longer_row": ("a,b,kind\n1,2,x,\n3,4,y,,9\n" + XY,
                                             Refused(("line 3 has 5 fields but the lines before it have 4",
                                                      "Fix that line"))),
    "blank_lines_in_the_middle": ("a,b,label\n" + "\n".join(XY.splitlines()[:5] + ["", "", "   ", ",,", ""]
                                                             + XY.splitlines()[5:]) + "\n",
                                  Loads(10, ("a", "b"), "label", ("x", "y"), 1,
                                        {"a": 1, "b": 1, "label": 1})),  # the ",," line
    "utf16_with_bom": (("a,b,label\n" + XY).encode("utf-16"), Loads(10, ("a", "b"), "label", ("x", "y"))),
    "utf16le_without_bom": (("a,b,label\n" + XY).encode("utf-16-le"),
                            Loads(10, ("a", "b"), "label", ("x", "y"))),
    "utf16_cut_short": (("a,b,label\n" + XY).encode("utf-16")[:-1],
                        Refused(("is not valid UTF-16 text", "save it again as UTF-8"))),
    "utf8_then_latin1_after_64k": (("a,b,label\n1,2,é\n" + rows(7000, lambda i: f"{i},{i},{'xy'[i % 2]}\n"))
                                   .encode("utf-8") + "5,5,ö\n".encode("latin-1"),
                                   Refused(("mixes text encodings: line 7003 (byte 0xf6)",
                                            "Save the file again as UTF-8"))),
    "unclosed_quote": ('a,b,label\n1,2,x\n3,4,"y\n' + XY,
                       Refused(('a quote (") opened on line 3 is never closed', "Close or remove"))),
    "line_breaks_inside_quoted_names": ('a,b,"the\nlabel"\n'
                                        + rows(10, lambda i: f'{i},{i * 2},"one\nclass"\n'),
                                        Refused(("the label column 'the\\nlabel' holds a single class "
                                                 "('one\\nclass')", "Choose another label column"))),
    "pipe_delimited": ("a|b|label\n" + XY.replace(",", "|"),
                       Refused(("has only one column", "separated by commas, semicolons or tabs"))),
    "whole_number_labels_beyond_float": ("a,b,label\n" + rows(10, lambda i: f"{i},{i * 2},"
                                                              f"{['1', '99999999999999999999999'][i % 2]}\n"),
                                         Loads(10, ("a", "b"), "label", ("1", "99999999999999999999999"))),
}


def write(folder, name, content) -> str:
    p = folder / f"{name}.csv"
    p.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return p


def check_refusal(e: DataError, path):
    msg = str(e)
    assert str(path) in msg, msg  # names the file
    assert "\n" not in msg and msg.endswith("."), msg  # one line, one sentence
    assert "Traceback" not in msg and "Error tokenizing" not in msg, msg  # written for a person


def test_corpus_is_big_enough():
    assert len(CORPUS) >= 22


@pytest.mark.parametrize("name", list(CORPUS))
def test_corpus_file(tmp_path, name):
    content, expect = CORPUS[name]
    p = write(tmp_path, name, content)
    if isinstance(expect, Refused):
        with pytest.raises(DataError) as e:
            load_csv(p)
        check_refusal(e.value, p)
        for piece in expect.says:
            assert piece in str(e.value), str(e.value)
        return
    ds = load_csv(p)
    assert ds.feature_names == expect.features and ds.label_name == expect.label
    assert ds.class_names == expect.classes
    assert ds.X.shape == (expect.n, len(expect.features)) and len(ds.y) == expect.n
    assert ds.rows_dropped == expect.dropped and ds.rows_total == expect.n + expect.dropped
    if expect.dropped_by is not None:
        assert ds.dropped_by_column == expect.dropped_by
    assert np.isfinite(ds.X).all()
    sp = split(ds, 0.3, 0)
    assert np.isfinite(sp.X_train).all() and np.isfinite(sp.scaler.std).all()


def test_formats_are_reported(tmp_path):
    """How each awkward file was read is visible (the window shows it)."""
    expect = {"latin1": ("latin-1", ",", ".", True), "semicolons_decimal_commas": ("utf-8", ";", ",", True),
              "utf8_bom_crlf": ("utf-8", ",", ".", True), "utf16_with_bom": ("utf-16", ",", ".", True),
              "utf16le_without_bom": ("utf-16-le", ",", ".", True),
              "no_header_text_labels": ("utf-8", ",", ".", False)}
    for name, (encoding, delimiter, decimal, header) in expect.items():
        df, fmt = read_table(write(tmp_path, name, CORPUS[name][0]))
        assert (fmt.encoding, fmt.delimiter, fmt.decimal, fmt.header) == (encoding, delimiter, decimal,
                                                                         header), name
        assert not any("\ufeff" in c or c.startswith("Unnamed") for c in df.columns)
    ds = load_csv(write(tmp_path, "s", CORPUS["semicolons_decimal_commas"][0]))
    assert ds.X[1, 0] == pytest.approx(1.5) and ds.X[1, 1] == pytest.approx(2.25)
    df, _ = read_table(write(tmp_path, "t", CORPUS["trailing_delimiter_every_line"][0]))
    assert list(df.columns) == ["a", "b", "kind"]  # the empty column after the last delimiter is gone


def test_too_big_a_file_is_refused_before_reading(tmp_path):
    p = tmp_path / "huge.csv"
    with open(p, "wb") as f:  # sparse: costs no disk and no time
        f.write(b"a,b,label\n1,2,x\n")
        f.truncate(MAX_FILE_BYTES + 1)
    try:
        with pytest.raises(DataError) as e:
            load_csv(p)
        check_refusal(e.value, p)
        assert f"over the {MAX_FILE_BYTES // 2**20:,} MB" in str(e.value)
        assert "use a sample of its rows" in str(e.value)
    finally:
        p.unlink()


SPECIES = ("Adelie", "Chinstrap", "Gentoo")
BLOCK_ROWS = 20_000


@pytest.fixture(scope="module")
def file_500_mb(tmp_path_factory):
    """500 MB, 15.9 million rows: a 640 KB block written 800 times (about a second), deleted after."""
    rng = np.random.default_rng(0)
    block = "".join(f"{a:.3f},{b:.3f},{c:.2f},{d:.1f},{SPECIES[i % 3]}\n"
                    for i, (a, b, c, d) in enumerate(rng.normal(50, 10, (BLOCK_ROWS, 4)))).encode()
    n_blocks = 500 * 2**20 // len(block) + 1
    p = tmp_path_factory.mktemp("big") / "large.csv"
    with open(p, "wb") as f:
        f.write(b"bill,depth,flipper,mass,species\n")
        for _ in range(n_blocks):
            f.write(block)
    assert p.stat().st_size >= 500 * 2**20
    yield p, n_blocks
    p.unlink()


def test_a_large_file_loads(file_500_mb):
    """500 MB read and checked, with progress: 12 s (25 s on a busy one) and 1.8 GB at most on a
    2-core machine; about half is pandas' parser, half turning columns into numbers and classes."""
    p, n_blocks = file_500_mb
    seen = []
    start = time.monotonic()
    ds = load_csv(p, progress=lambda f: seen.append((time.monotonic(), f)))
    took = time.monotonic() - start
    assert ds.X.shape == (n_blocks * BLOCK_ROWS, 4) and ds.class_names == SPECIES
    assert ds.rows_dropped == 0 and ds.class_counts()["Gentoo"] == n_blocks * (BLOCK_ROWS // 3)
    assert ds.feature_names == ("bill", "depth", "flipper", "mass") and ds.label_name == "species"
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and len(set(fractions)) == len(fractions)  # always rising
    assert fractions[-1] == 1.0 and fractions.count(1.0) == 1 and 0.0 <= fractions[0] < 0.2
    assert len(seen) >= 10  # it moves along the way
    gaps = np.diff([t for t, _ in seen[:-1]])  # at most ~10 a second (the final 1.0 comes when done)
    assert len(seen) <= took * 10 + 2 and (gaps >= 0.099).all(), gaps.min()


def test_reading_a_large_file_can_be_cancelled_halfway(file_500_mb):
    """Cancel once a fifth is read: LoadCancelled (a UserError) within a second or so, and no open
    file, thread or temporary file is left behind. A cancel already set reads nothing."""
    p, _ = file_500_mb
    fds, threads, files = _open_files(), threading.active_count(), set(p.parent.iterdir())
    cancel = threading.Event()
    when = {}

    def progress(fraction):
        if fraction >= 0.2 and not cancel.is_set():
            when["set"] = time.monotonic()
            cancel.set()

    with pytest.raises(LoadCancelled) as e:
        load_csv(p, progress=progress, cancel=cancel)
    latency = time.monotonic() - when["set"]
    assert latency < 5, latency  # typically 0.05-0.2 s: one 1 MB block; 5 s on a loaded machine
    assert isinstance(e.value, UserError) and not isinstance(e.value, DataError)
    assert str(e.value) == (f"Reading {p} was cancelled; the current data and network are "
                            f"unchanged.")
    assert _open_files() == fds and threading.active_count() == threads
    assert set(p.parent.iterdir()) == files
    start = time.monotonic()
    with pytest.raises(LoadCancelled):
        load_csv(p, cancel=cancel)  # still set
    assert time.monotonic() - start < 0.5


def _open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


# -- the same files through the command line ------------------------------------------------------

CLI_CASES = {  # name: exit status
    "semicolons_decimal_commas": 0, "utf16_with_bom": 0, "trailing_delimiter_rows_only": 0,
    "empty": 2, "binary_garbage": 2, "ragged_rows": 2, "huge_single_line": 2, "one_class": 2,
}


@pytest.fixture(scope="module")
def cli_results(tmp_path_factory):
    """All the command lines at once (each one mostly waits on Python and torch starting up)."""
    folder = tmp_path_factory.mktemp("cli")
    procs = {}
    for name in CLI_CASES:
        p = write(folder, name, CORPUS[name][0])
        procs[name] = (p, subprocess.Popen([sys.executable, "main.py", "train", str(p), "--epochs", "1",
                                            "--quiet"], cwd=ROOT, stdout=subprocess.PIPE,
                                           stderr=subprocess.PIPE, text=True))
    out = {}
    for name, (p, proc) in procs.items():
        stdout, stderr = proc.communicate(timeout=180)
        out[name] = (p, proc.returncode, stdout, stderr)
    return out


@pytest.mark.parametrize("name", list(CLI_CASES))
def test_command_line(cli_results, name):
    path, code, stdout, stderr = cli_results[name]
    assert code == CLI_CASES[name], (code, stderr)
    assert "Traceback" not in stderr
    if code == 0:
        assert stderr == "" and "trained 1 epochs" in stdout
    else:
        lines = stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("main.py train: ") and str(path) in lines[0], stderr
