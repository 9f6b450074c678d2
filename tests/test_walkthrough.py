import numpy as np
import pytest
import torch

from core.walkthrough import walk


@pytest.mark.parametrize("act,loss", [("relu", "cross-entropy"), ("tanh", "mse"),
                                      ("sigmoid", "cross-entropy"), ("sigmoid", "mse")])
def test_gradients_match_autograd(act, loss):
    rng = np.random.default_rng(0)
    sizes = (4, 5, 5, 3)
    W = [rng.normal(size=(sizes[i + 1], sizes[i])) for i in range(3)]
    B = [rng.normal(size=sizes[i + 1]) for i in range(3)]
    x = rng.normal(size=4)
    w = walk(W, B, act, x, 1, loss, lr=0.1)
    tw = [torch.tensor(a, requires_grad=True) for a in W]
    tb = [torch.tensor(a, requires_grad=True) for a in B]
    f = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}[act]
    a = torch.tensor(x)
    for i in range(3):
        a = tw[i] @ a + tb[i]
        if i < 2:
            a = f(a)
    if loss == "cross-entropy":
        L = torch.nn.functional.cross_entropy(a[None], torch.tensor([1]))
    else:
        L = ((torch.softmax(a, 0) - torch.tensor([0.0, 1.0, 0.0], dtype=torch.float64)) ** 2).mean()
    L.backward()
    assert w.loss == pytest.approx(L.item())
    for i in range(3):
        assert np.allclose(w.dW[i], tw[i].grad.numpy(), atol=1e-10)
        assert np.allclose(w.db[i], tb[i].grad.numpy(), atol=1e-10)
        assert np.allclose(w.W_new[i], W[i] - 0.1 * tw[i].grad.numpy())
    assert np.isclose(w.probabilities.sum(), 1) and w.one_hot.tolist() == [0, 1, 0]


def test_texts_example_numbers():
    from core.network import mse_against_one_hot

    diff, mse = mse_against_one_hot(np.array([0.4, 0.3, 0.3]), 0)
    assert np.allclose(diff, [0.6, 0.3, 0.3]) and mse == pytest.approx(0.18)
