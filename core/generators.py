"""Generated 2-D problems, as in TensorFlow Playground: circle, xor, gauss, spiral and moons.

`generate(name, rows, noise, seed)` returns a pandas DataFrame with two feature columns, x1 and x2
(both roughly within -6..6), and a text `label` column, which the window and `train` read like any
CSV. The same arguments always give the same rows (a numpy Generator seeded with `seed`); rows are
shuffled so that the classes interleave. `noise` is the standard deviation of a Gaussian jitter
added to each coordinate, in units of NOISE_UNIT (2.5, a quarter of the plane's width): 0 is clean
(the classes are apart), 0.1 blurs the edges, 0.5 and more makes the classes overlap. The labels
come from how a point was made, not from where the jitter puts it, so a noisy point can lie among
the other class.

Two regression problems (a numeric label, which the task rule of core/task.py takes as a number to
predict): **plane** (label = (x1 + x2) / 2, a tilted plane: a linear model suffices) and **bump** (a
gaussian bump, 10·exp(−(x1² + x2²) / 8): it needs hidden neurons). Their points are uniform over
the plane; `noise` jitters the label (in units of NOISE_UNIT), not the points.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from core.errors import UserError

CLASS_PROBLEMS = ("circle", "xor", "gauss", "spiral", "moons")
REGRESSION_PROBLEMS = ("plane", "bump")  # a number to predict
PROBLEMS = CLASS_PROBLEMS + REGRESSION_PROBLEMS
MIN_ROWS, MAX_ROWS = 10, 1_000_000
MAX_NOISE = 2.0
RADIUS = 5.0  # the problems fill about -RADIUS..RADIUS
NOISE_UNIT = 2.5  # noise 1 is a jitter of standard deviation 2.5
DECIMALS = 4  # values are rounded so that a CSV written and read back gives the same frame


def _circle(rng, n0, n1):
    """Class 0 inside radius 2, class 1 on a ring from 3 to 5 (TF Playground's proportions)."""
    def ring(n, r0, r1):
        r = np.sqrt(rng.uniform(r0 ** 2, r1 ** 2, n))  # uniform over the area
        t = rng.uniform(0, 2 * math.pi, n)
        return np.column_stack([r * np.cos(t), r * np.sin(t)])
    return ring(n0, 0.0, 2.0), ring(n1, 3.0, RADIUS)


def _xor(rng, n0, n1):
    """Class 0 in the quadrants where x1 and x2 share a sign, class 1 where they differ; a margin
    of 0.3 keeps clean points off the axes."""
    def quadrants(n, same):
        p = rng.uniform(0.3, RADIUS, (n, 2))
        s1 = rng.choice([-1.0, 1.0], n)
        s2 = s1 if same else -s1
        return p * np.column_stack([s1, s2])
    return quadrants(n0, True), quadrants(n1, False)


def _gauss(rng, n0, n1):
    """Two round clusters of spread 1 centred on (2, 2) and (-2, -2)."""
    return rng.normal(2.0, 1.0, (n0, 2)), rng.normal(-2.0, 1.0, (n1, 2))


def _spiral(rng, n0, n1):
    """Two interleaved arms turning 1.75 times from the centre out to radius 5."""
    def arm(n, delta):
        i = np.arange(n) / max(n, 1)
        r = i * RADIUS
        t = 1.75 * i * 2 * math.pi + delta
        return np.column_stack([r * np.sin(t), r * np.cos(t)])
    return arm(n0, 0.0), arm(n1, math.pi)


def _moons(rng, n0, n1):
    """Two interleaving half circles of radius 2.5 (scikit-learn's make_moons, scaled and centred)."""
    t0 = rng.uniform(0, math.pi, n0)
    t1 = rng.uniform(0, math.pi, n1)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1 - np.cos(t1), 0.5 - np.sin(t1)])
    shift = np.array([0.5, 0.25])
    return (upper - shift) * 2.5, (lower - shift) * 2.5


# name -> (maker, class names, description)
_MAKERS = {
    "circle": (_circle, ("inside", "outside"),
               "Points inside a circle against points on a ring around it: no straight line "
               "separates them."),
    "xor": (_xor, ("same sign", "opposite sign"),
            "Points where x1 and x2 have the same sign against points where they differ (XOR): "
            "no single straight line separates them."),
    "gauss": (_gauss, ("a", "b"),
              "Two round clusters of points, one each side of a diagonal: a straight line "
              "separates them."),
    "spiral": (_spiral, ("arm 1", "arm 2"),
               "Two spiral arms wound round each other: the hardest of the five, needing several "
               "hidden neurons and many epochs."),
    "moons": (_moons, ("upper", "lower"),
              "Two interleaving half circles: a gently curved boundary separates them."),
}


def _plane(x1, x2):
    return (x1 + x2) / 2.0


def _bump(x1, x2):
    return 10.0 * np.exp(-(x1 ** 2 + x2 ** 2) / 8.0)


# name -> (label of the point, description)
_NUMBERS = {
    "plane": (_plane, "A number to predict: (x1 + x2) / 2, a tilted plane. A network without hidden "
                      "layers (a linear model) fits it exactly."),
    "bump": (_bump, "A number to predict: a gaussian bump, 10 at the centre falling to 0 outwards. "
                    "No plane fits it: it needs hidden neurons."),
}


def is_regression(name: str) -> bool:
    """Whether the problem's label is a number to predict (not a class)."""
    return name in _NUMBERS


def _check_name(name) -> str:
    if name in _NUMBERS:
        return name
    if name not in _MAKERS:
        raise UserError(f"unknown example problem '{name}': choose one of {', '.join(PROBLEMS)}.")
    return name


def classes(name: str) -> tuple[str, ...]:
    """The class names a problem's label column holds, in order (none for a number to predict)."""
    return () if is_regression(_check_name(name)) else _MAKERS[name][1]


def describe(name: str) -> str:
    """One plain sentence saying what the problem looks like."""
    return _NUMBERS[name][1] if is_regression(_check_name(name)) else _MAKERS[name][2]


def generate(name: str, rows: int = 200, noise: float = 0.1, seed: int = 0) -> pd.DataFrame:
    """`rows` points of problem `name` (half per class, the first class gets an odd one), with
    Gaussian jitter of standard deviation `noise` × 2.5 on each coordinate, as columns x1, x2 and
    label; UserError for a bad name, row count, noise or seed."""
    _check_name(name)
    if isinstance(rows, bool) or not isinstance(rows, (int, np.integer)) \
            or not MIN_ROWS <= rows <= MAX_ROWS:
        raise UserError(f"the number of rows must be a whole number from {MIN_ROWS} to "
                        f"{MAX_ROWS:,}, not {rows!r}.")
    try:
        noise = float(noise)
    except (TypeError, ValueError):
        raise UserError(f"the noise must be a number from 0 to {MAX_NOISE:g}, not {noise!r}.") from None
    if not (math.isfinite(noise) and 0 <= noise <= MAX_NOISE):
        raise UserError(f"the noise must be a number from 0 to {MAX_NOISE:g} (0: clean), not {noise:g}.")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise UserError(f"the seed must be a whole number, 0 or more, not {seed!r}.")
    rng = np.random.default_rng(int(seed))
    rows = int(rows)
    if is_regression(name):  # uniform points, a jittered number
        X = rng.uniform(-RADIUS, RADIUS, (rows, 2))
        label = _NUMBERS[name][0](X[:, 0], X[:, 1])
        if noise > 0:
            label = label + rng.normal(0.0, noise * NOISE_UNIT, rows)
        X = np.round(X, DECIMALS) + 0.0
        return pd.DataFrame({"x1": X[:, 0], "x2": X[:, 1], "label": np.round(label, DECIMALS) + 0.0})
    maker, names, _ = _MAKERS[name]
    n1 = rows // 2
    n0 = rows - n1
    parts = maker(rng, n0, n1)
    X = np.concatenate(parts)
    y = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
    if noise > 0:
        X = X + rng.normal(0.0, noise * NOISE_UNIT, X.shape)
    order = rng.permutation(rows)
    X, y = np.round(X[order], DECIMALS) + 0.0, y[order]  # (+ 0.0: no "-0.0" in the CSV)
    return pd.DataFrame({"x1": X[:, 0], "x2": X[:, 1],
                         "label": np.asarray(names, dtype=object)[y]})


def example_name(name: str, rows: int, noise: float, seed: int) -> str:
    """How the window names a generated data set, e.g. 'circle (200 rows, noise 0.1, seed 0)'."""
    return f"{name} ({rows} rows, noise {noise:g}, seed {seed})"
