"""core.split: the scaler and the stratified, seeded split."""

import numpy as np
import pytest

from core.dataset import load_csv
from core.split import Scaler, split, stratified_indices


def test_scaler_uses_training_split_only_and_survives_constant_column(write_csv):
    text = "a,const,label\n" + "".join(f"{i * 7 % 13},3,{i % 2}\n" for i in range(20))
    ds = load_csv(write_csv(text))
    sp = split(ds, 0.3, seed=1)
    assert np.isfinite(sp.X_train).all() and np.isfinite(sp.X_val).all()
    assert sp.scaler.mean[0] == pytest.approx(ds.X[sp.train_index, 0].mean())
    assert sp.scaler.std[1] == 1.0
    s = Scaler.fit(np.array([[1.0, 2.0], [3.0, 2.0]], dtype=np.float32))
    assert np.allclose(s.inverse(s.transform(np.array([[5.0, 2.0]]))), [[5.0, 2.0]])


def test_stratified_split_is_seeded_and_keeps_proportions(penguins_path):
    ds = load_csv(penguins_path)
    tr, va = stratified_indices(ds.y, 0.3, seed=0)
    tr2, va2 = stratified_indices(ds.y, 0.3, seed=0)
    tr3, _ = stratified_indices(ds.y, 0.3, seed=1)
    assert np.array_equal(tr, tr2) and np.array_equal(va, va2) and not np.array_equal(tr, tr3)
    assert len(set(tr) & set(va)) == 0 and len(tr) + len(va) == len(ds.y)
    for c in range(3):
        frac = (ds.y[va] == c).sum() / (ds.y == c).sum()
        assert abs(frac - 0.3) < 0.02
    tr0, va0 = stratified_indices(ds.y, 0.0, seed=0)
    assert len(va0) == 0 and len(tr0) == len(ds.y)
