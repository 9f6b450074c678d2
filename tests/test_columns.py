"""core.columns: the default label and features, ID-like columns."""

from core.columns import describe_columns
from core.dataset import load_csv
from core.table import read_table


def test_label_default_names_any_case_else_last(write_csv):
    ds = load_csv(write_csv("a,TARGET,b\n" + "".join(f"{i},{i % 2},{i * 2}\n" for i in range(10))))
    assert ds.label_name == "TARGET" and ds.feature_names == ("a", "b")
    ds = load_csv(write_csv("a,b,kind\n" + "".join(f"{i},{i * 3 % 7},k{i % 2}\n" for i in range(10))))
    assert ds.label_name == "kind"


def test_id_like_columns_are_not_default_features(write_csv):
    text = "id,a,b,label\n" + "".join(f"{i},{i % 5},{i * 7 % 3},{i % 2}\n" for i in range(20))
    ds = load_csv(write_csv(text))
    assert ds.feature_names == ("a", "b")
    info = {c.name: c for c in describe_columns(read_table(write_csv(text))[0])}
    assert info["id"].id_like and not info["a"].id_like
