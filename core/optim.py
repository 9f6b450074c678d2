"""The optimizers, written out: SGD (with momentum), Adam and Adadelta.

The arithmetic is PyTorch's own (tests/test_optim.py checks them step for step against torch.optim),
written here with multi-tensor `torch._foreach_*` ops for two reasons: the update rule the window
explains is the code that runs, and constructing a torch.optim optimizer imports torch._dynamo
(about 1.5 s), which would delay the first epoch of every session.
"""

from __future__ import annotations

import math

import torch


class Optimizer:
    """Updates `params` from their `.grad`; or, given `grads`, from those fixed gradient tensors.

    With `grads` the caller owns the gradient storage: zero_grad() zeroes it in place (backward()
    then adds into it) and step() reads it. The trainer uses this to keep every weight and bias as
    a view into one flat tensor and every gradient as a view into one flat buffer, so each update is
    one tensor op, whatever the number of layers.
    """

    name = "base"

    def __init__(self, params: list[torch.Tensor], lr: float, grads: list[torch.Tensor] | None = None):
        self.params = params
        self.grads = grads
        self.lr = float(lr)
        self.steps = 0

    def zero_grad(self):
        """Drop the gradients: backward() then stores fresh ones instead of adding into zeros.

        (With caller-owned `grads`, zero them in place instead.)"""
        if self.grads is not None:
            for g in self.grads:
                g.zero_()
            return
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self):
        self.steps += 1
        self._step(self.grads if self.grads is not None else [p.grad for p in self.params])

    def _step(self, grads):
        raise NotImplementedError

    def rule(self) -> str:
        """The update rule in the texts' notation."""
        raise NotImplementedError


class SGD(Optimizer):
    name = "sgd"

    def __init__(self, params, lr: float, momentum: float = 0.0, grads=None):
        super().__init__(params, lr, grads)
        self.momentum = float(momentum)
        self.buffers = None

    def _step(self, grads):
        if self.momentum:
            if self.buffers is None:
                self.buffers = [g.clone() for g in grads]
            else:
                torch._foreach_mul_(self.buffers, self.momentum)
                torch._foreach_add_(self.buffers, grads)
            grads = self.buffers
        torch._foreach_add_(self.params, grads, alpha=-self.lr)

    def rule(self) -> str:
        if self.momentum:
            return f"v ← {self.momentum:g}·v + dL/dw;  w ← w − {self.lr:g}·v"
        return f"w ← w − {self.lr:g} · dL/dw"


class Adam(Optimizer):
    name = "adam"

    def __init__(self, params, lr: float, betas=(0.9, 0.999), eps: float = 1e-8, fused: bool = True,
                 grads=None):
        super().__init__(params, lr, grads)
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]
        # PyTorch's own fused kernel does exactly _step_foreach's arithmetic in one call (a third
        # fewer instructions per epoch on small networks); the foreach version is the readable one.
        self.fused = fused and hasattr(torch, "_fused_adam_")
        self._step_tensors = [torch.zeros((), dtype=torch.float32, device=p.device) for p in params]

    def _step(self, grads):
        if self.fused:
            torch._foreach_add_(self._step_tensors, 1)
            torch._fused_adam_(self.params, grads, self.m, self.v, [], self._step_tensors,
                               amsgrad=False, lr=self.lr, beta1=self.beta1, beta2=self.beta2,
                               weight_decay=0.0, eps=self.eps, maximize=False)
            return
        self._step_foreach(grads)

    def _step_foreach(self, grads):
        b1, b2, t = self.beta1, self.beta2, self.steps
        torch._foreach_lerp_(self.m, grads, 1 - b1)
        torch._foreach_mul_(self.v, b2)
        torch._foreach_addcmul_(self.v, grads, grads, value=1 - b2)
        bc1 = 1 - b1**t
        bc2_sqrt = math.sqrt(1 - b2**t)
        denom = torch._foreach_sqrt(self.v)
        torch._foreach_div_(denom, bc2_sqrt)
        torch._foreach_add_(denom, self.eps)
        torch._foreach_addcdiv_(self.params, self.m, denom, value=-self.lr / bc1)

    def rule(self) -> str:
        return (f"m ← 0.9·m + 0.1·dL/dw;  v ← 0.999·v + 0.001·(dL/dw)²;  "
                f"w ← w − {self.lr:g}·m̂/(√v̂ + ε)")


class Adadelta(Optimizer):
    name = "adadelta"

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, grads=None):
        super().__init__(params, lr, grads)
        self.rho, self.eps = rho, eps
        self.square_avg = [torch.zeros_like(p) for p in params]
        self.acc_delta = [torch.zeros_like(p) for p in params]

    def _step(self, grads):
        rho, eps = self.rho, self.eps
        torch._foreach_mul_(self.square_avg, rho)
        torch._foreach_addcmul_(self.square_avg, grads, grads, value=1 - rho)
        std = torch._foreach_add(self.square_avg, eps)
        torch._foreach_sqrt_(std)
        delta = torch._foreach_add(self.acc_delta, eps)
        torch._foreach_sqrt_(delta)
        torch._foreach_div_(delta, std)
        torch._foreach_mul_(delta, grads)
        torch._foreach_mul_(self.acc_delta, rho)
        torch._foreach_addcmul_(self.acc_delta, delta, delta, value=1 - rho)
        torch._foreach_add_(self.params, delta, alpha=-self.lr)

    def rule(self) -> str:
        return ("E[g²] ← 0.9·E[g²] + 0.1·(dL/dw)²;  Δ = √(E[Δ²]+ε)/√(E[g²]+ε)·dL/dw;  "
                f"w ← w − {self.lr:g}·Δ")


def make_optimizer(name: str, params, lr: float, momentum: float = 0.0, grads=None) -> Optimizer:
    """`grads`: fixed gradient tensors matching `params` (see Optimizer); None: each param's .grad."""
    if name == "sgd":
        return SGD(params, lr, momentum, grads=grads)
    if name == "adam":
        return Adam(params, lr, grads=grads)
    if name == "adadelta":
        return Adadelta(params, lr, grads=grads)
    raise ValueError(name)
