import numpy as np
import pandas as pd
import pytest

from core.classify import classify_file, classify_frame
from core.dataset import load_csv
from core.errors import DataError, ModelFileError
from core.model import load_model, model_from_training, save_model
from core.split import split
from core.trainer import TrainConfig, Trainer


@pytest.fixture(scope="module")
def trained():
    from conftest import PENGUINS

    ds = load_csv(PENGUINS)
    tr = Trainer(split(ds, 0.3, 0), TrainConfig())
    for _ in range(30):
        tr.train_epoch(snapshot=False)
    return tr, model_from_training(tr)


def test_save_load_round_trip_exact(trained, tmp_path):
    tr, m = trained
    p = tmp_path / "net work é.safetensors"  # spaces and non-ASCII
    save_model(m, p)
    back = load_model(p)
    assert back.spec == m.spec and back.feature_names == m.feature_names
    assert back.class_names == m.class_names and back.label_name == "species"
    assert back.settings["optimizer"] == "adam" and back.epochs_trained == 30
    for a, b in zip(m.weights + m.biases, back.weights + back.biases, strict=True):
        assert np.array_equal(a, b)
    assert np.array_equal(back.scaler.mean, m.scaler.mean)
    assert [f.name for f in tmp_path.iterdir()] == [p.name]  # no temp file left behind


def test_loaded_model_continues_training(trained, tmp_path):
    tr, m = trained
    save_model(m, tmp_path / "m.safetensors")
    back = load_model(tmp_path / "m.safetensors")
    t2 = Trainer(tr.data, TrainConfig(), initial=(back.weights, back.biases))
    s = t2.snapshot()
    assert np.array_equal(s.weights[0], m.weights[0])
    assert s.val_accuracy >= 0.9


def test_classify_matches_training_forward_and_ignores_column_order(trained, tmp_path):
    from conftest import PENGUINS

    tr, m = trained
    df = pd.read_csv(PENGUINS)
    shuffled = df[["body_mass_g", "species", "flipper_length_mm", "bill_depth_mm",
                   "bill_length_mm"]].assign(extra="x")
    p = tmp_path / "obs.csv"
    shuffled.to_csv(p, index=False)
    pred = classify_file(m, p)
    assert pred.n_invalid == 2 and pred.invalid_rows() == [5, 273]
    assert np.allclose(pred.probabilities[pred.valid].sum(1), 1)
    ok = pred.valid
    acc = (pred.predicted[ok] == df["species"].to_numpy()[ok]).mean()
    assert acc > 0.95
    out = pred.to_frame()
    assert list(out.columns[-4:]) == ["predicted", "p_Adelie", "p_Chinstrap", "p_Gentoo"]
    assert out["predicted"].iloc[3] == ""


def test_missing_feature_column_is_named(trained):
    _, m = trained
    df = pd.DataFrame({"bill_length_mm": [1.0], "bill_depth_mm": [2.0], "body_mass_g": [3.0]})
    with pytest.raises(DataError, match="'flipper_length_mm'"):
        classify_frame(m, df)


def test_pickle_truncated_and_tampered_files_are_refused(trained, tmp_path):
    import pickle

    _, m = trained
    p = tmp_path / "m.safetensors"
    save_model(m, p)
    good = p.read_bytes()
    cases = {
        "pickle": pickle.dumps({"a": 1}),
        "truncated": good[: len(good) // 2],
        "empty": b"",
        "garbage": b"hello world, not a model" * 10,
    }
    for name, blob in cases.items():
        q = tmp_path / f"{name}.safetensors"
        q.write_bytes(blob)
        with pytest.raises(ModelFileError):
            load_model(q)
    # metadata that disagrees with the tensors
    from safetensors.numpy import load, save

    tensors = load(good)
    tensors["layer0.weight"] = np.zeros((6, 4), dtype=np.float32)
    import json
    with open(p, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        meta = json.loads(f.read(n))["__metadata__"]
    q = tmp_path / "tampered.safetensors"
    q.write_bytes(save(tensors, metadata=meta))
    with pytest.raises(ModelFileError, match="layer0.weight"):
        load_model(q)


def test_failed_save_leaves_old_file(trained, tmp_path, monkeypatch):
    import os

    _, m = trained
    p = tmp_path / "m.safetensors"
    save_model(m, p)
    before = p.read_bytes()

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(ModelFileError, match="untouched"):
        save_model(m, p)
    assert p.read_bytes() == before
    assert sorted(f.name for f in tmp_path.iterdir()) == ["m.safetensors"]


def test_predictions_csv_keeps_the_mode_of_the_file_it_replaces(trained, tmp_path):
    import os

    from core.atomic import current_umask
    from core.predictions import write_predictions_csv

    model = trained[1]
    pred = classify_frame(model, pd.DataFrame({f: [40.0, 45.0] for f in model.feature_names}))
    new = tmp_path / "new.csv"
    assert write_predictions_csv(pred, new)
    assert new.stat().st_mode & 0o777 == 0o666 & ~current_umask()  # not mkstemp's private 0600
    old = tmp_path / "old.csv"
    old.write_text("x")
    os.chmod(old, 0o640)
    assert write_predictions_csv(pred, old, chunk_rows=1)
    assert old.stat().st_mode & 0o777 == 0o640 and len(pd.read_csv(old)) == 2
    assert sorted(f.name for f in tmp_path.iterdir()) == ["new.csv", "old.csv"]


def test_training_range_is_saved_and_old_files_load_without_it(trained, tmp_path):
    import dataclasses

    from core.model import far_outside

    tr, m = trained
    lo, hi = m.feature_range
    X = tr.data.scaler.inverse(tr.data.X_train)
    assert np.allclose(lo, X.min(axis=0), rtol=1e-5) and np.allclose(hi, X.max(axis=0), rtol=1e-5)
    save_model(m, tmp_path / "m.safetensors")
    back = load_model(tmp_path / "m.safetensors")
    assert np.array_equal(back.feature_range[0], lo) and np.array_equal(back.feature_range[1], hi)
    x = np.array(m.scaler.mean, dtype=np.float64)
    assert far_outside(m, x) == []
    x[0] = 99999
    assert [k for k, _, _ in far_outside(back, x)] == [0]
    old = dataclasses.replace(m, feature_range=None)  # as written before the range was kept
    assert "feature_min" not in old.metadata()
    save_model(old, tmp_path / "old.safetensors")
    loaded = load_model(tmp_path / "old.safetensors")
    assert loaded.feature_range is None
    assert [k for k, _, _ in far_outside(loaded, x)] == [0]  # mean ± 3 sd stands in for the range


def test_a_header_whose_length_reads_like_a_pickle_still_loads(trained, tmp_path):
    """A safetensors header of 640, 896, 1152 or 1408 bytes starts with b"\\x80\\x02".. b"\\x80\\x05",
    a pickle's first two bytes (19280 starts b"PK", a zip's); such a model (a derived-input one
    hit it) must load, not be refused."""
    _, m = trained
    p = tmp_path / "m.safetensors"
    save_model(m, p)
    blob = p.read_bytes()
    n = int.from_bytes(blob[:8], "little")
    target = min(t + 65536 * k for t in (640, 896, 1152, 1408, 0x4B50) for k in range(4)
                 if t + 65536 * k >= n)
    header = blob[8:8 + n].rstrip(b" ") + b" " * (target - len(blob[8:8 + n].rstrip(b" ")))
    padded = target.to_bytes(8, "little") + header + blob[8 + n:]
    assert padded[:2] in (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05", b"PK")
    q = tmp_path / "padded.safetensors"
    q.write_bytes(padded)
    back = load_model(q)
    for a, b in zip(m.weights, back.weights, strict=True):
        assert np.array_equal(a, b)
