import numpy as np
import pytest
import torch

from core.dataset import load_csv
from core.errors import DivergenceError, UserError
from core.network import forward, mse_against_one_hot
from core.split import split
from core.trainer import TrainConfig, Trainer, resolve_device


@pytest.fixture(scope="module")
def penguins():
    from conftest import PENGUINS

    return load_csv(PENGUINS)


def make(ds, **kw):
    cfg = TrainConfig(**kw)
    return Trainer(split(ds, cfg.val_fraction, cfg.seed), cfg)


def test_default_network_is_4_5_5_3(penguins):
    assert make(penguins).spec.layer_sizes == (4, 5, 5, 3)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_defaults_reach_097_validation_accuracy(penguins, seed):
    tr = make(penguins, seed=seed)
    for _ in range(100):
        snap = tr.train_epoch(snapshot=False)
    assert snap["val_accuracy"] >= 0.97


def test_snapshot_contents_are_immutable_copies(penguins):
    tr = make(penguins)
    w0 = tr.snapshot().weights
    s = tr.train_epoch()
    assert s.epoch == 1 and s.layer_sizes == (4, 5, 5, 3)
    for w, g, d, b in zip(s.weights, s.grad_weights, s.delta_weights, s.biases, strict=True):
        assert w.shape == g.shape == d.shape and b.shape == (w.shape[0],)
        assert not w.flags.writeable and not g.flags.writeable
    # the update is exactly the change in weights
    for a, b0, d in zip(s.weights, w0, s.delta_weights, strict=True):
        assert np.allclose(a - b0, d, atol=1e-6)
    # training on does not change an old snapshot
    before = [w.copy() for w in s.weights]
    tr.train_epoch()
    assert all(np.array_equal(a, b) for a, b in zip(before, s.weights, strict=True))
    assert s.grad_norms.shape == (3,) and (s.grad_norms > 0).all()
    assert s.grad_norms[0] == pytest.approx(np.linalg.norm(s.grad_weights[0]), rel=1e-5)


def test_epoch_mean_gradient_matches_autograd_for_one_full_batch(penguins):
    tr = make(penguins, batch_size=10_000, optimizer="sgd", learning_rate=0.1)
    w0 = [p.detach().clone().requires_grad_(True) for p in tr.params]
    x, y = tr.X, tr.y
    a = x
    for i in range(3):
        a = a @ w0[2 * i].T + w0[2 * i + 1]
        if i < 2:
            a = torch.relu(a)
    torch.nn.functional.cross_entropy(a, y).backward()
    s = tr.train_epoch()
    for i in range(3):
        assert np.allclose(s.grad_weights[i], w0[2 * i].grad.numpy(), atol=1e-6)
        # plain SGD: the update is -lr * gradient
        assert np.allclose(s.delta_weights[i], -0.1 * s.grad_weights[i], atol=1e-6)


def test_deterministic_for_a_seed(penguins):
    a, b, c = make(penguins, seed=3), make(penguins, seed=3), make(penguins, seed=4)
    for _ in range(3):
        sa, sb, sc = a.train_epoch(), b.train_epoch(), c.train_epoch()
    assert all(np.array_equal(x, y) for x, y in zip(sa.weights, sb.weights, strict=True))
    assert sa.train_loss == sb.train_loss and sa.train_loss != sc.train_loss


@pytest.mark.parametrize("opt,act,loss", [("sgd", "tanh", "mse"), ("adadelta", "sigmoid", "cross-entropy"),
                                          ("sgd", "relu", "cross-entropy")])
def test_options_train(penguins, opt, act, loss):
    lr = {"sgd": 0.1, "adadelta": 1.0}[opt]
    tr = make(penguins, optimizer=opt, activation=act, loss=loss, learning_rate=lr,
              momentum=0.9 if opt == "sgd" else 0)
    first = tr.train_epoch().train_loss
    for _ in range(30):
        last = tr.train_epoch()
    assert last.train_loss < first and last.val_accuracy > 0.8


def test_deeper_and_wider_networks(penguins):
    tr = make(penguins, hidden=(16, 8, 8, 4))
    assert tr.spec.layer_sizes == (4, 16, 8, 8, 4, 3)
    assert len(tr.train_epoch().weights) == 5
    assert make(penguins, hidden=()).spec.layer_sizes == (4, 3)


def test_numpy_forward_matches_torch(penguins):
    tr = make(penguins, activation="tanh")
    s = tr.train_epoch()
    fp = forward(s.weights, s.biases, "tanh", tr.data.X_val)
    with torch.no_grad():
        p = torch.softmax(tr._forward(tr.Xv), 1).numpy()
    assert np.allclose(fp.probabilities, p, atol=1e-5)
    assert np.allclose(fp.probabilities.sum(1), 1)


def test_texts_mse_example():
    diff, mse = mse_against_one_hot([0.4, 0.3, 0.3], 0)
    assert np.allclose(diff, [0.6, 0.3, 0.3]) and mse == pytest.approx(0.18)


def test_divergence_restores_last_finite_weights(penguins):
    tr = make(penguins, learning_rate=100.0, optimizer="sgd")
    before = tr.snapshot().weights
    with pytest.raises(DivergenceError) as e:
        for _ in range(5):
            tr.train_epoch()
    assert "learning rate" in str(e.value) and e.value.epoch == tr.epoch + 1
    after = tr.snapshot().weights if tr.epoch == 0 else None
    if after is not None:
        assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))
    # lower the learning rate and go on from the restored weights
    tr.set_learning_rate(0.01)
    assert np.isfinite(tr.train_epoch().train_loss)


def test_injected_nan_is_caught_and_last_finite_weights_kept(penguins):
    tr = make(penguins)
    tr.train_epoch()
    good = tr.snapshot().weights
    with torch.no_grad():
        saved = tr.X[7, 2].item()
        tr.X[7, 2] = float("nan")  # one poisoned observation
    with pytest.raises(DivergenceError, match="infinite or NaN"):
        tr.train_epoch()
    assert tr.epoch == 1
    assert all(np.array_equal(a, b) for a, b in zip(good, tr.snapshot().weights, strict=True))
    with torch.no_grad():
        tr.X[7, 2] = saved
    assert tr.train_epoch().epoch == 2


def test_bad_settings_are_user_errors():
    for kw in [dict(learning_rate=0), dict(learning_rate=float("nan")), dict(batch_size=0),
               dict(optimizer="rmsprop"), dict(hidden=(0,)), dict(device="tpu"), dict(momentum=1)]:
        with pytest.raises(UserError):
            TrainConfig(**kw)


def test_device_resolution_says_why():
    dev, why = resolve_device("auto")
    assert dev in ("cpu", "cuda") and "auto" in why
    assert resolve_device("cpu")[0] == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(UserError, match="CUDA"):
            resolve_device("cuda")


def test_epoch_mean_gradient_over_many_batches_matches_a_hand_loop(penguins):
    """The mean gradient summed in place over the epoch's batches (one flat add per batch) equals
    the batch-size-weighted mean of per-batch autograd gradients, and the weights follow SGD."""
    tr = make(penguins, batch_size=36, optimizer="sgd", learning_rate=0.1)
    n = tr.X.shape[0]
    assert n % 36 != 0  # a short last batch, weighted by its own size
    gen = torch.Generator()
    gen.set_state(tr._gen.get_state())
    perm = torch.randperm(n, generator=gen)
    w = [p.detach().clone() for p in tr.params]
    mean = [torch.zeros_like(p) for p in w]
    for idx in torch.split(perm, 36):
        ws = [t.clone().requires_grad_(True) for t in w]
        a = tr.X[idx]
        for i in range(3):
            a = a @ ws[2 * i].T + ws[2 * i + 1]
            if i < 2:
                a = torch.relu(a)
        torch.nn.functional.cross_entropy(a, tr.y[idx]).backward()
        for m, t, p in zip(mean, ws, w, strict=True):
            m += t.grad * (len(idx) / n)
            p -= 0.1 * t.grad
    s = tr.train_epoch()
    for i in range(3):
        assert np.allclose(s.grad_weights[i], mean[2 * i].numpy(), atol=1e-6)
        assert np.allclose(s.grad_biases[i], mean[2 * i + 1].numpy(), atol=1e-6)
        assert np.allclose(s.weights[i], w[2 * i].numpy(), atol=1e-6)
        assert s.grad_norms[i] == pytest.approx(np.linalg.norm(mean[2 * i].numpy()), rel=1e-5)
    # the next epoch's mean starts from zero again: it is that epoch's alone
    s2 = tr.train_epoch()
    assert not np.allclose(s2.grad_weights[0], 2 * s.grad_weights[0])


def test_parameters_are_leaves_viewing_one_flat_tensor(penguins):
    tr = make(penguins)
    tr.train_epoch()
    for p in tr.params:
        assert p.is_leaf and p.requires_grad and p.grad is not None
        assert p.untyped_storage().data_ptr() == tr._flat.untyped_storage().data_ptr()
        assert p.grad.untyped_storage().data_ptr() == tr._flat_grad.untyped_storage().data_ptr()


def test_replaced_gradients_are_reattached(penguins):
    a, b = make(penguins, seed=5), make(penguins, seed=5)
    for p in a.params:
        p.grad = None
    for _ in range(2):
        sa, sb = a.train_epoch(), b.train_epoch()
    assert all(np.array_equal(x, y) for x, y in zip(sa.weights, sb.weights, strict=True))
    assert all(np.array_equal(x, y) for x, y in zip(sa.grad_weights, sb.grad_weights, strict=True))


def test_no_snapshot_does_no_gradient_accumulation(penguins):
    tr = make(penguins)
    tr.train_epoch()
    with torch.no_grad():
        tr._snapshot_buffer.fill_(7.0)
    m = tr.train_epoch(snapshot=False)
    assert m["epoch"] == 2 and bool((tr._snapshot_buffer == 7.0).all())


def test_cancel_mid_epoch_restores_the_weights(penguins):
    from core.errors import EpochCancelled

    class CancelAfter:
        def __init__(self, checks):
            self.checks = checks

        def is_set(self):
            self.checks -= 1
            return self.checks < 0

    tr, twin = make(penguins, seed=2), make(penguins, seed=2)
    tr.train_epoch()
    twin.train_epoch()
    before = tr.snapshot().weights
    with pytest.raises(EpochCancelled):
        tr.train_epoch(cancel=CancelAfter(5))
    assert tr.epoch == 1
    assert all(np.array_equal(x, y) for x, y in zip(before, tr.snapshot().weights, strict=True))
    # and training goes on as from the restored weights with a fresh optimizer
    assert np.isfinite(tr.train_epoch().train_loss)


# -- CUDA (run on a machine with a GPU; see DEVELOPERS.md, "GPU figures") ------------------------
cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")


@cuda
def test_cuda_trains_like_the_cpu(penguins):
    """Same seed, same shuffles (the permutation comes from the CPU generator on every device):
    the weights, epoch-mean gradients and metrics after a few epochs agree within float rounding."""
    c, g = make(penguins, device="cpu"), make(penguins, device="cuda")
    assert g.device == "cuda" and g._flat.is_cuda and g.X.is_cuda
    for _ in range(3):
        sc, sg = c.train_epoch(), g.train_epoch()
    assert sg.device == "cuda"
    assert sg.train_loss == pytest.approx(sc.train_loss, rel=1e-4)
    for a, b in zip(sc.weights + sc.grad_weights, sg.weights + sg.grad_weights, strict=True):
        assert isinstance(b, np.ndarray) and np.allclose(a, b, rtol=1e-3, atol=1e-5)


@cuda
def test_cuda_epoch_synchronises_once(penguins):
    """CUDA's sync-debug mode names every implicit host synchronisation: an epoch with a snapshot
    has at most one (reading the one transfer buffer back)."""
    import warnings

    g = make(penguins, device="cuda")
    g.train_epoch()  # the first epoch also measures the untrained loss (one more read)
    torch.cuda.set_sync_debug_mode("warn")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            g.train_epoch()
            g.train_epoch(snapshot=False)
    finally:
        torch.cuda.set_sync_debug_mode("default")
    syncs = [str(w.message) for w in caught if "synchroniz" in str(w.message)]
    assert len(syncs) <= 2, syncs


@cuda
def test_cuda_divergence_restores_the_weights(penguins):
    g = make(penguins, device="cuda", optimizer="sgd", learning_rate=100.0)
    last_good = g.snapshot().weights
    with pytest.raises(DivergenceError) as e:
        for _ in range(5):
            g.train_epoch()
            last_good = g.snapshot().weights
    assert e.value.epoch == g.epoch + 1
    assert all(np.array_equal(a, b) for a, b in zip(last_good, g.snapshot().weights, strict=True))
    g.set_learning_rate(0.01)
    assert np.isfinite(g.train_epoch().train_loss)


def test_l2_and_l1_shrink_the_weights(penguins):
    """Same start, same batches: with a penalty the weights end smaller (L2: in the squared sum; L1:
    in the absolute sum), and the reported train loss is the data loss without the penalty."""
    def trained(**cures):
        t = make(penguins, seed=3, **cures)
        for _ in range(30):
            snap = t.train_epoch()
        return snap

    plain, l2, l1 = trained(), trained(l2=0.01), trained(l1=0.003)
    sq = lambda s: sum(float(np.square(w).sum()) for w in s.weights)  # noqa: E731
    ab = lambda s: sum(float(np.abs(w).sum()) for w in s.weights)  # noqa: E731
    assert sq(l2) < 0.8 * sq(plain) and ab(l1) < 0.8 * ab(plain)
    assert plain.penalty == 0 and np.isclose(l2.penalty, 0.01 * sq(l2), rtol=1e-5)
    assert np.isclose(l1.penalty, 0.003 * ab(l1), rtol=1e-5)


def test_dropout_trains_but_evaluation_uses_the_whole_network(penguins):
    """Dropout changes training (other weights than without it) but not evaluation: the snapshot's
    validation loss is the whole network's, the same as a forward pass without any dropout."""
    t0, t1 = make(penguins, seed=3), make(penguins, seed=3, dropout=0.5)
    a, b = t0.train_epoch(), t1.train_epoch()
    data = t1.data
    assert not np.allclose(a.weights[0], b.weights[0])
    fp = forward(b.weights, b.biases, "relu", data.X_val)
    p = fp.probabilities[np.arange(len(data.y_val)), data.y_val]
    assert np.isclose(b.val_loss, -np.log(p).mean(), rtol=1e-4)
    assert np.isclose(t1.snapshot().val_loss, b.val_loss, rtol=1e-5)  # evaluation twice: the same


def test_cures_out_of_range_are_refused_naming_the_range():
    for bad, words in ((dict(l2=-1), "L2"), (dict(l1=float("nan")), "L1"), (dict(dropout=1.0), "dropout"),
                       (dict(early_stopping=-2), "patience")):
        with pytest.raises(UserError, match=words):
            TrainConfig(**bad)
