"""The overfitting demonstration, the overfitting note and the history's penalty column."""

import dataclasses

import numpy as np
import pytest

from core.config import TrainConfig
from core.dataset import load_csv
from core.history import History
from core.metrics import overfitting_note
from core.overfit_demo import LABELS, run_demo, small_share, summary
from core.snapshot import EpochSnapshot
from core.split import split
from core.trainer import Trainer


@pytest.fixture(scope="module")
def penguins_split():
    from conftest import PENGUINS

    return split(load_csv(PENGUINS), 0.3, 0)


@pytest.fixture(scope="module")
def runs(penguins_split):
    return run_demo(penguins_split, TrainConfig(device="cpu"))


def test_small_share_keeps_validation_and_every_class(penguins_split):
    d = penguins_split
    s = small_share(d, 0.12)
    total = len(d.y_train) + len(d.y_val)
    assert abs(len(s.y_train) - 0.12 * total) <= len(d.class_names)
    assert set(np.unique(s.y_train)) == set(np.unique(d.y_train))
    assert np.array_equal(s.X_val, d.X_val) and len(s.train_index) == len(s.y_train)
    assert set(s.train_index) <= set(d.train_index)


def test_four_curves_from_one_start(runs):
    assert [r.label for r in runs] == list(LABELS)
    starts = [r.val_loss[0] for r in runs]
    assert np.allclose(starts, starts[0], rtol=0, atol=1e-6)
    assert all(np.isfinite(r.val_loss).all() for r in runs)


def test_no_cure_overfits_and_early_stopping_stops(runs):
    by = {r.label: r for r in runs}
    plain = by["no cure"].val_loss
    low = plain[1:].min()
    assert plain[-1] > 1.2 * low  # it overfits: ends well above its lowest
    assert by["no cure"].train_loss[-1] < 0.01  # while it learns the few training rows by heart
    es = by["early stopping"]
    assert es.stopped_at is not None and len(es.val_loss) == es.stopped_at + 1 < len(plain)
    assert es.stopped_at - es.best_epoch == 10
    # same start, same rule-free training until the stop: the no-cure curve's first epochs
    assert np.allclose(es.val_loss, plain[:len(es.val_loss)], atol=1e-5)
    assert "stopped at epoch" in summary(es, by["no cure"])
    # L2 ends lower than no cure here (its penalty keeps the weights small)
    assert by["L2"].val_loss[-1] < plain[-1]


def test_demo_needs_validation_rows(penguins_split):
    from core.errors import UserError

    d = dataclasses.replace(penguins_split, X_val=penguins_split.X_val[:0], y_val=penguins_split.y_val[:0])
    with pytest.raises(UserError, match="validation"):
        run_demo(d, TrainConfig(device="cpu"))


def _train(split_data, epochs, **kw):
    t = Trainer(split_data, TrainConfig(device="cpu", **kw))
    s = t.snapshot()
    rows = [(0, s.train_loss, s.train_accuracy, s.val_loss, s.val_accuracy)]
    for _ in range(epochs):
        m = t.train_epoch(snapshot=False)
        rows.append(tuple(m[k] for k in ("epoch", "train_loss", "train_accuracy", "val_loss",
                                         "val_accuracy")))
    return np.array(rows)


def test_overfitting_note_on_a_real_run(penguins_split):
    m = _train(penguins_split, 160)  # the default run: validation loss climbs from about epoch 40
    assert overfitting_note(m[:30]) == ""  # still learning
    note = overfitting_note(m)
    assert note.startswith("Overfitting: validation loss up ")
    best = int(m[1:, 0][np.argmin(m[1:, 3])])
    assert f"(epoch {best})" in note
    up = round((m[-1, 3] / m[best, 3] - 1) * 100)
    assert f"up {up} %" in note and up > 20


def test_overfitting_note_needs_a_falling_training_loss():
    ep = np.arange(0, 40)
    val = np.r_[np.linspace(1, 0.1, 11), np.full(29, 0.3)]
    rising = np.c_[ep, np.linspace(1, 0.001, 40), ep * 0, val, ep * 0]
    assert "up 200 %" in overfitting_note(rising)
    flat_train = rising.copy()
    flat_train[11:, 1] = 0.5  # training loss stuck: not overfitting in the note's sense
    assert overfitting_note(flat_train) == ""
    short = rising.copy()
    short[-3:, 3] = 0.105  # back near its lowest in the last epochs
    assert overfitting_note(short) == ""
    assert overfitting_note(np.zeros((0, 5))) == ""
    nan_val = rising.copy()
    nan_val[:, 3] = np.nan  # no validation rows
    assert overfitting_note(nan_val) == ""


def _snap(epoch, penalty):
    w = [np.ones((2, 2), dtype=np.float32)]
    b = [np.zeros(2, dtype=np.float32)]
    return EpochSnapshot(epoch=epoch, train_loss=1.0, train_accuracy=0.5, val_loss=1.0,
                         val_accuracy=0.5, weights=w, biases=b, grad_weights=w, grad_biases=b,
                         delta_weights=w, delta_biases=b, penalty=penalty)


def test_history_keeps_penalties_beside_metrics():
    h = History()
    for e in range(300):  # past the first capacity (256)
        h.add(_snap(e, 0.01 * e))
    assert h.metrics().shape == (300, 5)
    assert np.allclose(h.penalties(), 0.01 * np.arange(300))
    h.truncate(99)
    assert len(h.penalties()) == 100 and h.penalties()[-1] == pytest.approx(0.99)
    h.add(_snap(50, 7.0))  # a branch from epoch 49
    assert len(h.penalties()) == 51 and h.penalties()[-1] == 7.0
    h.clear()
    assert h.penalties().shape == (0,)


def test_trainer_penalty_reaches_the_history(penguins_split):
    t = Trainer(penguins_split, TrainConfig(device="cpu", l2=0.01))
    h = History()
    for _ in range(3):
        h.add(t.train_epoch())
    w, _ = t.weights_numpy()
    expected = 0.01 * sum(float((x.astype(np.float64) ** 2).sum()) for x in w)
    assert h.penalties()[-1] == pytest.approx(expected, rel=1e-5)
    assert (h.penalties() > 0).all()


def test_loss_csv_carries_the_penalty_column(penguins_split, tmp_path):
    from core.history import write_metrics_csv

    t = Trainer(penguins_split, TrainConfig(device="cpu", l2=0.01))
    h = History()
    for _ in range(3):
        h.add(t.train_epoch())
    path = tmp_path / "loss.csv"
    assert write_metrics_csv(h.metrics(), path, h.penalties()) == 3
    lines = path.read_text().splitlines()
    assert lines[0] == "epoch,train_loss,train_accuracy,val_loss,val_accuracy,penalty"
    last = [float(v) for v in lines[-1].split(",")]
    assert last[-1] == pytest.approx(h.penalties()[-1], rel=1e-5) and last[-1] > 0
    write_metrics_csv(h.metrics(), path)  # without penalties: the five columns as before
    assert path.read_text().splitlines()[0].count(",") == 4
