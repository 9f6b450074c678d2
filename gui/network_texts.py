"""What the network view says on hover: the names of neurons and the texts of their tooltips and
of the connections' tooltips, composed from a snapshot and the lit forward pass (no drawing)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core.walkthrough import format_gradient, step_words


def neuron_name(sizes: Sequence[int], input_names: Sequence[str], output_names: Sequence[str],
                layer: int, j: int) -> str:
    """A neuron's name: the input's feature, the output's class, or its hidden layer and index."""
    if layer == 0 and j < len(input_names):
        return f"x{j + 1} {input_names[j]}"
    if layer == len(sizes) - 1 and j < len(output_names):
        return f"output {j + 1} '{output_names[j]}'"
    return f"hidden {layer}, neuron {j + 1}"


def describe_edge(snapshot, activations: list[np.ndarray] | None, src: str, dst: str,
                  layer: int, o: int, i: int) -> str:
    """The tooltip of connection (layer, o, i) from neuron `src` to neuron `dst` (rich text)."""
    s = snapshot
    lines = [f"<b>connection</b> {src} → {dst}"]
    if s is not None:
        w, g = float(s.weights[layer][o, i]), float(s.grad_weights[layer][o, i])
        lines += [f"weight w = {w:+.5f}",
                  f"gradient dL/dw = {format_gradient(g)}: {step_words(w, g, s.learning_rate)}",
                  f"last update Δw = {s.delta_weights[layer][o, i]:+.3e} (epoch {s.epoch})"]
    if activations is not None:
        a_in = activations[layer][i]
        lines.append(f"carries w·a = {s.weights[layer][o, i]:+.4f} × {a_in:+.4f} = "
                     f"{s.weights[layer][o, i] * a_in:+.4f} into {dst}")
    lines.append("<i>click to study the loss as a function of this weight</i>")
    return "<br>".join(lines)


def describe_node(snapshot, activations: list[np.ndarray] | None, name: str, layer: int, j: int,
                  n_layers: int, activation: str, health: str = "", value=None) -> str:
    """The tooltip of neuron j of neuron layer `layer` (0 = inputs) of `n_layers` (rich text)."""
    s = snapshot
    lines = [f"<b>{name}</b>"]
    if layer == 0:
        lines.append("an input: one feature of the observation, standardised")
    elif s is not None:
        b = layer - 1
        lines += [f"bias b = {s.biases[b][j]:+.5f}", f"dL/db = {s.grad_biases[b][j]:+.3e}",
                  f"last update Δb = {s.delta_biases[b][j]:+.3e}"]
    if activations is not None:
        a = activations[layer][j]
        if layer == 0:
            lines.append(f"x = {a:+.4f}")
        elif layer == n_layers - 1 and value is not None:  # regression: the identity output
            lines.append(f"output (identity) = {a:+.4f} standardised")
            lines.append(f"predicted {value[0]} = {a:+.4f} × sd + mean = <b>{value[1]:.5g}</b>")
        elif layer == n_layers - 1:
            lines.append(f"softmax probability p = {a:.4f}")
        else:
            lines.append(f"activation a = {activation}(z) = {a:+.4f}")
    if health:  # core.health.Health.neuron_words: dead or saturated on the training rows
        lines.append(f"<span style='color:#777'><b>{health.split(':', 1)[0]}</b>:"
                     f"{health.split(':', 1)[1]}</span>" if ":" in health else health)
    return "<br>".join(lines)
