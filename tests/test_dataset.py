"""core.dataset: building the Dataset to train on, and refusing tables that cannot be trained on."""

import numpy as np
import pytest

from core.dataset import load_csv
from core.errors import DataError

PENGUIN_FEATURES = ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g")


def test_penguins_defaults(penguins_path):
    ds = load_csv(penguins_path)
    assert ds.label_name == "species"
    assert ds.feature_names == PENGUIN_FEATURES
    assert ds.class_names == ("Adelie", "Chinstrap", "Gentoo")
    assert ds.rows_total == 344 and ds.rows_dropped == 2 and len(ds.y) == 342
    assert ds.class_counts() == {"Adelie": 151, "Chinstrap": 68, "Gentoo": 123}
    assert "2 of 344 rows dropped" in ds.drop_note()
    assert not ds.X.flags.writeable


def test_raw_penguins_with_explicit_features():
    from conftest import DATA

    ds = load_csv(DATA / "penguins_raw.csv", label="Species",
                  features=["Culmen Length (mm)", "Culmen Depth (mm)", "Flipper Length (mm)",
                            "Body Mass (g)"])
    assert ds.n_classes == 3 and ds.n_features == 4 and ds.rows_dropped == 2


def test_label_by_name_and_integer_labels_kept_in_order(write_csv):
    text = "x1,x2,grade\n" + "".join(f"{i},{-i},{[10, 2, 7][i % 3]}\n" for i in range(12))
    ds = load_csv(write_csv(text), label="grade")
    assert ds.class_names == ("2", "7", "10")  # numeric order, not text order
    assert list(ds.y[:3]) == [2, 0, 1]


def test_missing_and_nonfinite_rows_dropped_and_counted(write_csv):
    text = "a,b,label\n1,2,x\n?,3,y\n4,inf,x\n5,1e400,y\n6,7,\n" + "".join(
        f"{i},{i + 1},{'xy'[i % 2]}\n" for i in range(8))
    ds = load_csv(write_csv(text))
    assert ds.rows_total == 13 and ds.rows_dropped == 4
    assert ds.dropped_by_column == {"a": 1, "b": 2, "label": 1}
    assert np.isfinite(ds.X).all()


@pytest.mark.parametrize("text,needle", [
    ("", "is empty"),
    ("a,b,label\n", "no rows"),
    ("a,b,label\n1,2,x\n", "only 1 usable rows"),
    ("a,b,label\n" + "1,2,x\n" * 10, "single class"),
    ("name,label\n" + "".join(f"n{i},{i % 2}\n" for i in range(10)), "no numeric feature"),
    ("a,b,label\n" + "".join(f"{i},{i},{i * 0.37}\n" for i in range(10)), "non-integer"),
    ("a,b,label\n" + "".join(f"{i},{i},c{i}\n" for i in range(10)), "too many to be classes"),
    ("a,b,label\n1,2,x\n3,4,y,5\n" + "1,2,x\n" * 5, "line 3 has 4 fields"),
])
def test_bad_files_give_clear_errors(write_csv, text, needle):
    p = write_csv(text)
    with pytest.raises(DataError) as e:
        load_csv(p)
    assert needle in str(e.value) and str(p) in str(e.value)


def test_bad_columns_named(write_csv):
    p = write_csv("a,b,label\n" + "".join(f"{i},x{i},{i % 2}\n" for i in range(10)))
    with pytest.raises(DataError, match="no label column named 'nope'"):
        load_csv(p, label="nope")
    with pytest.raises(DataError, match="no feature column named 'zz'"):
        load_csv(p, features=["zz"])
    with pytest.raises(DataError, match="feature column 'b' is not numeric"):
        load_csv(p, features=["a", "b"])
