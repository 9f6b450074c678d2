"""Our written-out optimizers match torch.optim step for step."""

import pytest
import torch

from core.optim import make_optimizer


@pytest.mark.parametrize("name,kw,torch_cls", [
    ("sgd", dict(lr=0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    ("sgd", dict(lr=0.05, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
    ("adam", dict(lr=0.01), lambda p: torch.optim.Adam(p, lr=0.01)),
    ("adadelta", dict(lr=1.0), lambda p: torch.optim.Adadelta(p, lr=1.0)),
])
def test_matches_torch_optim(name, kw, torch_cls):
    g = torch.Generator().manual_seed(0)
    init = [torch.randn(5, 4, generator=g), torch.randn(5, generator=g)]
    ours = [t.clone().requires_grad_(True) for t in init]
    ref = [t.clone().requires_grad_(True) for t in init]
    opt = make_optimizer(name, ours, kw["lr"], kw.get("momentum", 0.0))
    topt = torch_cls(ref)
    x = torch.randn(16, 4, generator=g)
    for _ in range(25):
        for params, o in ((ours, opt), (ref, topt)):
            o.zero_grad()
            loss = torch.tanh(x @ params[0].T + params[1]).pow(2).mean()
            loss.backward()
            o.step()
    for a, b in zip(ours, ref, strict=True):
        assert torch.allclose(a, b, atol=1e-6, rtol=1e-5)
    assert opt.rule()


def test_fused_and_readable_adam_agree():
    g = torch.Generator().manual_seed(1)
    init = [torch.randn(6, 3, generator=g), torch.randn(6, generator=g)]
    a = [t.clone().requires_grad_(True) for t in init]
    b = [t.clone().requires_grad_(True) for t in init]
    fused, plain = make_optimizer("adam", a, 0.01), make_optimizer("adam", b, 0.01)
    plain.fused = False
    x = torch.randn(8, 3, generator=g)
    for _ in range(20):
        for params, o in ((a, fused), (b, plain)):
            o.zero_grad()
            torch.sigmoid(x @ params[0].T + params[1]).sum().backward()
            o.step()
    for p, q in zip(a, b, strict=True):
        assert torch.allclose(p, q, atol=1e-6)


@pytest.mark.parametrize("name,lr,momentum", [("sgd", 0.1, 0.0), ("sgd", 0.05, 0.9), ("adam", 0.01, 0.0),
                                              ("adadelta", 1.0, 0.0)])
def test_one_flat_tensor_with_caller_owned_grads_matches_per_parameter(name, lr, momentum):
    """The trainer's layout: parameters are views into one flat tensor, gradients views into one
    flat buffer that backward() adds into; the optimizer steps the flat tensor in one go."""
    g = torch.Generator().manual_seed(2)
    init = [torch.randn(5, 4, generator=g), torch.randn(5, generator=g)]
    ref = [t.clone().requires_grad_(True) for t in init]
    flat = torch.cat([t.reshape(-1) for t in init])
    flat_grad = torch.zeros_like(flat)
    views = [flat[:20].view(5, 4).requires_grad_(True), flat[20:].view(5).requires_grad_(True)]
    views[0].grad, views[1].grad = flat_grad[:20].view(5, 4), flat_grad[20:].view(5)
    opt = make_optimizer(name, [flat], lr, momentum, grads=[flat_grad])
    ropt = make_optimizer(name, ref, lr, momentum)
    x = torch.randn(16, 4, generator=g)
    for _ in range(25):
        for params, o in ((views, opt), (ref, ropt)):
            o.zero_grad()
            torch.tanh(x @ params[0].T + params[1]).pow(2).mean().backward()
            o.step()
    for a, b in zip(views, ref, strict=True):
        assert a.is_leaf and torch.allclose(a, b, atol=1e-6, rtol=1e-5)
