"""core.dataset: building the Dataset to train on, and refusing tables that cannot be trained on."""

import numpy as np
import pandas as pd
import pytest

from core.dataset import dataset_from_frame, load_csv
from core.errors import DataError
from core.split import split

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
    ("a,b,label\n1,2,x\n", "has only 1 usable row (of 1;"),
    ("a,b,label\n1,2,x\n,3,y\n", "'a' is missing or not a finite number in 1 row)"),
    ("a,b,label\n" + "1,2,x\n" * 10, "single class"),
    ("name,label\n" + "".join(f"n{i},{i % 2}\n" for i in range(10)), "no numeric feature"),
    ("a,b,label\n" + "".join(f"{i},{i},c{i % 7}\n" for i in range(10)),
     "7 distinct values in 10 rows: too many"),
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


# -- tables that train, with a warning; and one label per row ------------------------------------

def _penguins_raw():
    from conftest import DATA

    return pd.read_csv(DATA / "penguins_raw.csv")


def test_only_id_like_columns_are_kept_as_features_with_a_warning(write_csv):
    """Real data: the raw penguins' 'Sample Number' (an ID by its name) is its only numeric column
    besides the label: it is used, and the Dataset says why that is doubtful."""
    p = write_csv(_penguins_raw()[["Sample Number", "Species"]].to_csv(index=False))
    ds = load_csv(p, label="Species")
    assert ds.feature_names == ("Sample Number",) and ds.n_classes == 3 and len(ds.y) == 344
    assert ds.warnings == (
        "'Sample Number' looks like a row number or an ID, but every numeric column here does (besides "
        "the label), so it is used as a feature: a network can learn from it only where a row sits in "
        "the file, which says nothing about new data. Add columns of measurements, or choose another "
        "label column.",)
    sp = split(ds, 0.3, seed=0)
    assert np.isfinite(sp.X_train).all() and len(sp.X_val) > 0
    # consecutive whole numbers under any name, two of them: both kept, named in one warning
    rows = "".join(f"{i},{i + 100},{'ab'[i % 2]}\n" for i in range(1, 31))
    ds = load_csv(write_csv("n,serial,label\n" + rows))
    assert ds.feature_names == ("n", "serial")
    assert ds.warnings[0].startswith("'n' and 'serial' look like row numbers or IDs, but every numeric")
    # chosen by name (as the import dialog passes its ticks): the same warning
    assert load_csv(write_csv("n,serial,label\n" + rows), features=["n"]).warnings == (
        ds.warnings[0].replace("'n' and 'serial' look like row numbers or IDs", "'n' looks like a row "
                               "number or an ID").replace("they are used as features", "it is used as a "
                                                          "feature").replace("from them", "from it"),)


def test_an_id_chosen_beside_real_features_is_warned_about(penguins_path):
    df = pd.read_csv(penguins_path)
    df.insert(0, "row", range(1, len(df) + 1))
    ds = dataset_from_frame(df, "species", ["row", "bill_length_mm"], path="penguins+row.csv")
    assert ds.warnings == ("'row' looks like a row number or an ID: a network can learn from it only "
                           "where a row sits in the file, which says nothing about new data.",)
    assert dataset_from_frame(df, "species", path="p.csv").feature_names == PENGUIN_FEATURES  # not a default
    assert load_csv(penguins_path).warnings == ()


def test_one_class_per_row_is_refused_plainly(penguins_path):
    """Real data with a label column that names each penguin: as many classes as rows."""
    df = pd.read_csv(penguins_path)
    df["name"] = [f"penguin {i}" for i in range(len(df))]
    with pytest.raises(DataError) as e:
        dataset_from_frame(df, "name", path="penguins.csv")
    assert str(e.value) == (
        "penguins.csv: every one of the 342 usable rows has a different value in the label column "
        "'name', so there are as many classes as rows and nothing to learn (a name, an ID or a "
        "measurement?): a class must be shared by many rows. Choose another label column.")
    df["number"] = range(len(df))  # numbers: the same
    with pytest.raises(DataError, match="every one of the 342 usable rows .* 'number'"):
        dataset_from_frame(df, "number", ["bill_length_mm"], path="penguins.csv")


def test_a_constant_feature_is_warned_about(write_csv):
    """Real data (iris) with a column that is the same on every usable row: it trains, with a
    warning naming it and its value, and scales to 0, not to a division by zero."""
    from sklearn.datasets import load_iris

    iris = load_iris(as_frame=True).frame
    iris["lab"] = 7.5
    iris.loc[3, "lab"] = np.nan  # a missing cell drops its row: still constant on every used row
    ds = load_csv(write_csv(iris.to_csv(index=False)), label="target")
    assert ds.feature_names[-1] == "lab" and ds.rows_dropped == 1
    assert ds.warnings == ("'lab' has the same value on every usable row (7.5): it cannot help tell "
                           "the classes apart. Leave it out of the features.",)
    sp = split(ds, 0.3, seed=0)
    assert (sp.X_train[:, -1] == 0).all() and (sp.X_val[:, -1] == 0).all()
    iris["zero"] = 0
    ds = load_csv(write_csv(iris.to_csv(index=False)), label="target")
    assert ds.warnings == ("'lab' and 'zero' each have the same value on every usable row (7.5; 0): "
                           "they cannot help tell the classes apart. Leave them out of the features.",)
