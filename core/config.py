"""Training settings, as a value (no torch here, so the window can hold them before torch loads)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

from core.errors import UserError

ACTIVATIONS = ("relu", "tanh", "sigmoid")
LOSSES = ("cross-entropy", "mse")
REGRESSION_LOSSES = ("mse", "mae", "huber")  # on the standardised target; mse is the default
OPTIMIZERS = ("sgd", "adam", "adadelta")
DEVICES = ("auto", "cpu", "cuda")
# how the initial weights are drawn (core/initialise.py); "default" is PyTorch's nn.Linear default
INITS = ("default", "zeros", "uniform", "xavier", "he")
MAX_INIT_SCALE = 100.0


@dataclass(frozen=True)
class TrainConfig:
    hidden: tuple[int, ...] = (5, 5)
    activation: str = "relu"
    optimizer: str = "adam"
    learning_rate: float = 0.01
    momentum: float = 0.0  # SGD only
    batch_size: int = 16
    loss: str = "cross-entropy"
    device: str = "auto"
    # 4, not 0: with seed 0 the default penguins run switches every neuron of hidden layer 2 off for
    # 42% of the training rows (every Adelie gets the same probabilities, the walkthrough shows
    # zeros); seed 4 keeps both layers alive for every row and reaches the same accuracy
    seed: int = 4
    val_fraction: float = 0.3
    # cures for overfitting, applied from the next epoch like the learning rate
    l2: float = 0.0  # penalty l2 * sum(w^2) over the weights (not the biases) added to the loss
    l1: float = 0.0  # penalty l1 * sum(|w|)
    dropout: float = 0.0  # share of hidden neurons switched off in each training pass (not at evaluation)
    early_stopping: int = 0  # stop after this many epochs without a new lowest validation loss (0: off)
    init: str = "default"  # the initial weights (core/initialise.py), applied when a network is built
    init_scale: float = 1.0  # multiplies the initial weights (not the biases)
    # derived inputs (core.derived.KINDS: squares, products, sines) added to the raw features
    derived: tuple[str, ...] = ()
    task: str = "classification"  # or "regression": one output, identity, losses REGRESSION_LOSSES

    def __post_init__(self):
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        from core.derived import parse_kinds

        object.__setattr__(self, "derived", parse_kinds(self.derived))  # UserError if unknown
        if self.task == "regression" and self.loss == "cross-entropy":  # the default: mse for numbers
            object.__setattr__(self, "loss", "mse")
        checks = [
            (self.activation in ACTIVATIONS, f"activation must be one of {', '.join(ACTIVATIONS)}"),
            (self.optimizer in OPTIMIZERS, f"optimizer must be one of {', '.join(OPTIMIZERS)}"),
            (self.task in ("classification", "regression"),
             "the task must be classification or regression"),
            (self.loss in (REGRESSION_LOSSES if self.task == "regression" else LOSSES),
             f"loss must be one of "
             f"{', '.join(REGRESSION_LOSSES if self.task == 'regression' else LOSSES)}"
             f"{' for regression' if self.task == 'regression' else ''}"),
            (self.device in DEVICES, f"device must be one of {', '.join(DEVICES)}"),
            (all(h >= 1 for h in self.hidden), "every hidden layer needs at least one neuron"),
            (math.isfinite(self.learning_rate) and self.learning_rate > 0,
             "the learning rate must be a positive number"),
            (0 <= self.momentum < 1, "momentum must be at least 0 and below 1"),
            (self.batch_size >= 1, "the batch size must be at least 1"),
            (0 <= self.val_fraction < 1, "the validation fraction must be at least 0 and below 1"),
            (math.isfinite(self.l2) and self.l2 >= 0, "the L2 rate must be 0 or more"),
            (math.isfinite(self.l1) and self.l1 >= 0, "the L1 rate must be 0 or more"),
            (0 <= self.dropout < 1, "dropout must be at least 0 and below 1"),
            (int(self.early_stopping) >= 0,
             "early stopping's patience must be a whole number of epochs, 1 or more (0: off)"),
            (self.init in INITS, f"the initialisation must be one of {', '.join(INITS)}"),
            (math.isfinite(self.init_scale) and 0 < self.init_scale <= MAX_INIT_SCALE,
             f"the initial weights' scale must be above 0 and at most {MAX_INIT_SCALE:g}"),
        ]
        for ok, message in checks:
            if not ok:
                raise UserError(message + ".")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        d["derived"] = list(self.derived)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        return cls(**known)

    def with_(self, **changes) -> TrainConfig:
        return replace(self, **changes)


def config_from_values(values: dict) -> TrainConfig:
    """A TrainConfig from a dict with (at least) TrainConfig's keys; other keys are ignored."""
    return TrainConfig.from_dict(values)
