import numpy as np

from core.history import History, snapshot_cost
from core.snapshot import EpochSnapshot

RNG = np.random.default_rng(0)


def snap(epoch, n=64, rng=RNG):
    w = [rng.normal(size=(n, n)).astype(np.float32)]
    b = [np.zeros(n, dtype=np.float32)]
    return EpochSnapshot(epoch=epoch, train_loss=1.0 / (epoch + 1), train_accuracy=0.5, val_loss=1.0,
                         val_accuracy=0.5, weights=w, biases=b, grad_weights=w, grad_biases=b,
                         delta_weights=w, delta_biases=b)


def test_memory_bound_holds_over_a_long_run():
    one = snapshot_cost(snap(0))
    h = History(budget_bytes=40 * one)
    for e in range(3000):
        h.add(snap(e))
        assert h.nbytes <= 40 * one + one  # never more than the budget (plus the newest)
    kept = h.epochs_with_snapshots()
    assert kept[0] == 0 and kept[-1] == 2999 and len(kept) <= 41
    assert h.stride > 1 and all(e % h.stride == 0 for e in kept[1:-1])
    m = h.metrics()
    assert m.shape == (3000, 5) and m[-1, 0] == 2999  # every epoch's numbers are kept
    assert h.nearest(1500).epoch in kept


def test_small_networks_keep_every_epoch_and_scrub_exactly():
    h = History()
    snaps = [snap(e, n=5) for e in range(500)]
    for s in snaps:
        h.add(s)
    assert h.epochs_with_snapshots() == list(range(500))
    assert h.snapshot(123) is snaps[123]


def test_truncate_and_branching():
    h = History()
    for e in range(10):
        h.add(snap(e, n=4))
    h.add(snap(5, n=4))  # a branch from epoch 4 replaces epochs 5..9
    assert h.metrics()[:, 0].tolist() == [0, 1, 2, 3, 4, 5]
    assert h.epochs_with_snapshots() == [0, 1, 2, 3, 4, 5]
