"""The initial weights: how a new network's weights and biases are drawn (TrainConfig.init).

    default  PyTorch's nn.Linear default: weights and biases uniform in ±1/√fan_in (what the
             trainer always did; the same seed gives the same numbers as before this choice existed)
    zeros    every weight and bias 0: every neuron of a layer computes the same thing and gets the
             same gradient, so they stay the same for ever (with ReLU or tanh nothing but the output
             biases moves at all) — the lesson, not a way to train
    uniform  weights uniform in ±0.5 (TensorFlow Playground's), biases 0
    xavier   weights normal with std √(2 / (fan_in + fan_out)) (Glorot), biases 0: keeps the signal's
             size through tanh and sigmoid layers
    he       weights normal with std √(2 / fan_in) (He, Kaiming), biases 0: the same for ReLU layers

`scale` (TrainConfig.init_scale) multiplies the weights (not the biases): below 1 the signal fades
layer by layer, above 1 it grows. Numbers come from the trainer's seeded torch Generator.
"""

from __future__ import annotations

import math

import torch

from core.config import INITS  # noqa: F401  (re-exported)

UNIFORM_BOUND = 0.5


def weight_std(init: str, fan_in: int, fan_out: int, scale: float = 1.0) -> float:
    """The standard deviation the weights of one layer are drawn with."""
    if init == "default":
        return scale / math.sqrt(fan_in) / math.sqrt(3.0)  # uniform ±b has std b/√3
    if init == "zeros":
        return 0.0
    if init == "uniform":
        return scale * UNIFORM_BOUND / math.sqrt(3.0)
    if init == "xavier":
        return scale * math.sqrt(2.0 / (fan_in + fan_out))
    if init == "he":
        return scale * math.sqrt(2.0 / fan_in)
    raise ValueError(f"unknown initialisation {init!r}")


def initial_parameters(layer_sizes, init: str, scale: float, gen: torch.Generator) -> list[torch.Tensor]:
    """[w1, b1, w2, b2, ...]: w (fan_out, fan_in) and b (fan_out,) per weight layer, float32."""
    params: list[torch.Tensor] = []
    for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:], strict=True):
        if init == "default":  # PyTorch's nn.Linear default, drawn exactly as the trainer always did
            bound = 1.0 / math.sqrt(fan_in)
            w = (torch.rand(fan_out, fan_in, generator=gen) * 2 - 1) * bound
            b = (torch.rand(fan_out, generator=gen) * 2 - 1) * bound
            if scale != 1.0:
                w = w * scale
        else:
            b = torch.zeros(fan_out)
            if init == "zeros":
                w = torch.zeros(fan_out, fan_in)
            elif init == "uniform":
                w = (torch.rand(fan_out, fan_in, generator=gen) * 2 - 1) * (UNIFORM_BOUND * scale)
            else:  # xavier, he: normal
                w = torch.randn(fan_out, fan_in, generator=gen) * weight_std(init, fan_in, fan_out, scale)
        params += [w, b]
    return params
