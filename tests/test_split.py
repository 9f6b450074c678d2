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


def test_scaler_constant_columns_become_zero_and_small_spreads_are_scaled():
    """A column constant on the training rows (at any magnitude) scales to 0 exactly, with std 1;
    a column of tiny but different values is standardised like any other (no absolute cut-off)."""
    rng = np.random.default_rng(0)
    n = 1001
    X = np.column_stack([np.full(n, 3.3e38), np.full(n, 0.1), np.full(n, -7.0),
                         rng.normal(0, 1e-14, n), rng.normal(5, 2, n)]).astype(np.float32)
    s = Scaler.fit(X)
    assert list(s.std[:3]) == [1.0, 1.0, 1.0]
    z = s.transform(X)
    assert np.isfinite(z).all() and (z[:, :3] == 0).all()
    assert abs(z[:, 3].std() - 1) < 1e-3 and abs(z[:, 4].std() - 1) < 1e-3
    assert np.allclose(s.inverse(z)[:, 1:3], X[:, 1:3])
    other = X[:1].copy()
    other[0, :3] = (1.0, 0.2, -6.0)  # values the training rows never had: their distance, unscaled
    z1 = s.transform(other)
    assert np.isfinite(z1).all() and z1[0, 1] == pytest.approx(0.1) and z1[0, 2] == 1.0
