"""Fuzzing the CSV reader and the classify path: whatever the input, the engine either gives a
sound answer or raises a UserError (DataError is one) written for the person. Nothing else.
"""

import math
import os
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from core.classify import classify_file, classify_frame
from core.columns import numeric_column
from core.dataset import load_csv
from core.errors import UserError
from core.model import model_from_training
from core.split import split
from core.table import NA_VALUES
from core.trainer import TrainConfig, Trainer

# Deterministic and quick by default; FUZZ_EXAMPLES=5000 fuzzes longer, with fresh random examples.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=EXAMPLES <= 150,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FEATURES = ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def model():
    from conftest import PENGUINS

    tr = Trainer(split(load_csv(PENGUINS), 0.3, 0), TrainConfig(hidden=(4,), device="cpu", seed=1))
    for _ in range(3):
        tr.train_epoch(snapshot=False)
    return model_from_training(tr)


def _write(folder, content: bytes, name="fuzz.csv"):
    p = folder / name
    p.write_bytes(content)
    return p


def _check_dataset(ds):
    """A loaded dataset must be internally consistent."""
    n = len(ds.y)
    assert ds.X.shape == (n, ds.n_features) and ds.X.dtype == np.float32
    assert np.isfinite(ds.X).all()
    assert n >= 5 and n == ds.rows_total - ds.rows_dropped
    if getattr(ds, "task", "classification") == "regression":  # a number to predict (core/task.py)
        assert ds.class_names == (ds.label_name,) and np.isfinite(ds.y).all()
        assert len(np.unique(ds.y)) >= 2  # something to learn
    else:
        assert 2 <= ds.n_classes <= n and len(set(ds.class_names)) == ds.n_classes
        assert ds.y.min() >= 0 and ds.y.max() < ds.n_classes
    assert ds.label_name not in ds.feature_names and len(set(ds.feature_names)) == ds.n_features
    sp = split(ds, 0.3, 0)  # and whatever loads can be scaled for training
    assert np.isfinite(sp.X_train).all() and np.isfinite(sp.X_val).all()


def _load(path):
    try:
        ds = load_csv(path)
    except UserError as e:
        assert str(path) in str(e) and str(e).strip(), e  # names the file
        assert "\n" not in str(e).strip(), e  # one sentence, one line
        event(f"refused: {_gist(str(e), path)}")
        return None
    _check_dataset(ds)
    event("loaded")
    return ds


def _gist(message: str, path) -> str:
    """The kind of refusal, for hypothesis' statistics (--hypothesis-show-statistics)."""
    return re.sub(r"'[^']*'|\d+", "_", message.replace(str(path), ""))[:60]


# -- (a) load_csv on arbitrary bytes --------------------------------------------------------------

FRAGMENTS = [b",", b";", b"\t", b"|", b" ", b"\n", b"\r\n", b"\r", b'"', b'""', b"1", b"-2.5", b"3,5",
             b"1e400", b"inf", b"-inf", b"nan", b"?", b"NA", b"", b"x", b"label", b"class", b"id",
             b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00", b"\xe9", b"\xc3\xa9", b"\xff",
             b"\xf0\x9f\x90\xa7", b"a,b,label\n", b"1,2,x\n", b"3,4,y\n", b"5;6;z\r\n", b"7\t8\tw\n"]


@FUZZ
@given(blob=st.binary(max_size=3000))
def test_load_csv_on_arbitrary_bytes(folder, blob):
    _load(_write(folder, blob))


@FUZZ
@given(parts=st.lists(st.sampled_from(FRAGMENTS), max_size=200))
def test_load_csv_on_csv_like_bytes(folder, parts):
    _load(_write(folder, b"".join(parts)))


# -- (a) load_csv on structured, random CSV text --------------------------------------------------

NA_MARKERS = st.sampled_from(NA_VALUES + [" ", "#N/A", "NULL ", " ? "])
NAMES = st.one_of(st.sampled_from(["label", "class", "Species", "id", "a", "a.1", "x y", "", " ",
                                   "NA", "1", "é", "列", "🐧", "b,c", 'q"t']),
                  st.text(max_size=8))
WORDS = st.one_of(st.sampled_from(["Adelie", "Gentoo", "x", "y", "True", "0x1F", "1,000", "1.000,5",
                                   "Smith, John", "é", "ß", "🐧", "-", "--", "+", "e", "1e", "—"]),
                  st.text(max_size=6))


def _number(decimal):
    def fmt(v):
        s = repr(v) if isinstance(v, float) else str(v)
        return s.replace(".", decimal) if decimal == "," else s
    return st.one_of(
        st.integers(-10**6, 10**6).map(fmt),
        st.floats(allow_nan=True, allow_infinity=True).map(fmt),
        st.floats(-1e3, 1e3, allow_nan=False).map(lambda v: f"{v:.3f}".replace(".", decimal)),
        st.sampled_from(["1e400", "-1e400", "inf", "-Infinity", "1e-400", "99999999999999999999999",
                         "0", "-0", "+3", " 7 ", "1_000", "0.1e1", ".5", "5."]),
    )


@st.composite
def csv_text(draw):
    """CSV text, half of it tidy enough to load (so the success path is checked too)."""
    tidy = draw(st.booleans())
    delim = draw(st.sampled_from([",", ";", "\t"] if tidy else [",", ";", "\t", "|", " "]))
    decimal = draw(st.sampled_from([".", ","])) if delim == ";" else "."  # as the reader expects
    n_cols = draw(st.integers(3, 6) if tidy else st.integers(1, 6))
    ragged = not tidy and draw(st.booleans())
    n_rows = draw(st.integers(8, 20) if tidy else st.integers(0, 20))
    n_classes = draw(st.integers(1, 4))
    noise = 0 if tidy else draw(st.sampled_from([0, 2, 8]))  # one cell in 1 + 2 * noise is noise
    quoting = draw(st.sampled_from(["none", "all", "some"]))

    def q(c, k=0):
        if quoting == "all" or (quoting == "some" and k == 0):
            return '"' + c.replace('"', '""') + '"'
        return c  # raw: a delimiter, quote or line break inside makes the file ragged or broken

    clean = {
        "num": st.floats(-1e3, 1e3, allow_nan=False).map(lambda v: f"{v:.2f}".replace(".", decimal)),
        "label": st.sampled_from(["A", "B", "C", "D", "1", "2", " A"][: n_classes + 1]),
        "text": WORDS,
        "mixed": st.one_of(_number(decimal), WORDS),
    }
    noisy = st.one_of(NA_MARKERS, WORDS, _number(decimal))
    columns = []
    for i in range(n_cols):
        kinds = ["num", "num", "num", "num", "label", "text", "mixed", "id"]
        kind = "label" if i == n_cols - 1 and tidy else draw(st.sampled_from(kinds))
        if kind == "id":
            cells = [str(i) for i in range(n_rows)]
        else:
            cell = clean[kind] if not noise else st.one_of([clean[kind]] * (2 * noise) + [noisy])
            cell = st.tuples(cell, st.integers(0, 3)).map(lambda t: q(*t)) if quoting == "some" else \
                cell.map(q)
            cells = draw(st.lists(cell, min_size=n_rows, max_size=n_rows))
        columns.append(cells)
    rows = []
    if draw(st.booleans()):
        rows.append(draw(st.lists(NAMES.map(lambda c: q(c, 1)), min_size=n_cols, max_size=n_cols)))
    shapes = draw(st.lists(st.integers(0, 19), min_size=n_rows, max_size=n_rows)) if ragged else \
        [9] * n_rows
    for i, shape in enumerate(shapes):
        row = [col[i] for col in columns]
        if shape == 0:
            row = row[:-1]  # a short row
        elif shape == 1:
            row = row + [draw(st.sampled_from(["", "9", "x"]))]  # a long row
        elif shape == 2:
            row = []  # a blank line
        rows.append(row)
    trailing = delim if draw(st.integers(0, 5)) == 0 else ""
    eol = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = eol.join(delim.join(r) + trailing for r in rows) + draw(st.sampled_from([eol, ""]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16",
                                     "utf-16-le"]))
    return text.encode(encoding, errors="replace")


@FUZZ
@given(content=csv_text())
def test_load_csv_on_random_tables(folder, content):
    _load(_write(folder, content))


# -- (b) classify on random observation tables ----------------------------------------------------

def _values():
    return st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(-1e4, 1e4, allow_nan=False),
        st.sampled_from([1e38, -1e38, 3.5e38, 1e300, -1e300, 5e-324, 0.0, -0.0]),
        st.integers(-10**20, 10**20),
        st.booleans(),
        st.none(),
        st.sampled_from(["", " ", "?", "NA", "1,5", " 42 ", "1e400", "-inf", "x", "é", "12abc"]),
        st.text(max_size=5),
    )


@st.composite
def observations(draw):
    cols = list(FEATURES)
    if draw(st.integers(0, 9)) == 0:
        cols.remove(draw(st.sampled_from(FEATURES)))  # a missing feature column
    cols = draw(st.permutations(cols))
    cols = [draw(st.sampled_from([c, c.upper(), f" {c} "])) for c in cols]
    cols += draw(st.lists(st.sampled_from(["species", "island", "extra", "sex", "a"]), max_size=3,
                          unique=True))
    n = draw(st.integers(0, 15))
    data = {}
    for c in cols:
        if draw(st.booleans()):  # a clean numeric column
            data[c] = draw(st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=n, max_size=n))
        else:
            data[c] = pd.Series(draw(st.lists(_values(), min_size=n, max_size=n)), dtype=object)
    return pd.DataFrame(data, index=range(n))


def _check_predictions(pred, model, n):
    event("no rows" if not n else "all rows classified" if pred.valid.all() else
          "no row classified" if not pred.valid.any() else "some rows classified")
    k = len(model.class_names)
    assert pred.probabilities.shape == (n, k) and pred.valid.shape == (n,) and pred.predicted.shape == (n,)
    assert pred.features.shape == (n, len(model.feature_names))
    v = pred.valid
    if v.any():
        assert np.isfinite(pred.probabilities[v]).all()
        assert np.allclose(pred.probabilities[v].sum(axis=1), 1.0)
        assert set(pred.predicted[v]) <= set(model.class_names)
        assert np.isfinite(pred.features[v]).all()
        assert sum(pred.counts().values()) == int(v.sum())
    assert (pred.predicted[~v] == "").all() and np.isnan(pred.probabilities[~v]).all()
    assert pred.invalid_rows() == [int(i) + 2 for i in np.flatnonzero(~v)]
    assert len(pred.to_frame()) == n


@FUZZ
@given(df=observations())
def test_classify_frame_on_random_tables(model, df):
    try:
        pred = classify_frame(model, df)
    except UserError as e:
        assert "needs" in str(e)  # only a missing column is refused
        event("refused: a missing column")
        return
    _check_predictions(pred, model, len(df))
    # a row with a missing or non-numeric feature is never classified
    for j, f in enumerate(model.feature_names):
        col = next(c for c in df.columns if c.strip().lower() == f)
        bad = numeric_column(df[col]).isna().to_numpy()
        assert not (pred.valid & bad).any()
        ok = pred.valid
        assert np.array_equal(pred.features[ok, j], numeric_column(df[col]).to_numpy()[ok])


@FUZZ
@given(df=observations(), sep=st.sampled_from([",", ";", "\t"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]))
def test_classify_file_on_random_tables(model, folder, df, sep, encoding):
    text = df.to_csv(sep=sep, index=False, lineterminator="\n")
    p = _write(folder, text.encode(encoding, errors="replace"), "obs.csv")
    try:
        pred = classify_file(model, p)
    except UserError as e:
        assert str(p) in str(e) and "\n" not in str(e).strip()
        event(f"refused: {_gist(str(e), p)}")
        return
    _check_predictions(pred, model, len(pred.table))


def test_overflowing_rows_are_flagged_not_nan(model):
    """Values beyond float32 (the network's precision) are left unclassified, not NaN 'answers'."""
    df = pd.DataFrame({f: [40.0, 1e39, -1e300, 3.0e38] if f == "body_mass_g" else [40.0] * 4
                       for f in FEATURES})
    pred = classify_frame(model, df)
    assert list(pred.valid[:3]) == [True, False, False]
    assert pred.predicted[1] == "" and np.isnan(pred.probabilities[1]).all()
    if pred.valid[3]:
        assert math.isclose(pred.probabilities[3].sum(), 1.0, rel_tol=1e-6)


def test_headerless_observations_ask_for_a_header(model, folder):
    p = _write(folder, b"39.1,18.7,181,3750\n46.5,17.9,192,3500\n", "headerless.csv")
    with pytest.raises(UserError, match="no header line .* bill_length_mm, bill_depth_mm"):
        classify_file(model, p)
