"""Open a network trained elsewhere: a PyTorch state_dict or a safetensors file of another program.

A `.pt`/`.pth` file is read with `torch.load(weights_only=True)`, so no code in it can run; a file
that needs more (a whole pickled nn.Module, an optimizer's objects) is refused with one line saying
to save `model.state_dict()`. Its tensors must form a chain of Linear layers: `0.weight`,
`0.bias`, `2.weight`, ... as nn.Sequential names them, or any names whose 2-D weights chain in order
(the outputs of one are the inputs of the next); a missing bias is zeros. What the file lacks
(feature and class names, the hidden activation, the feature scaling) is given by the person, and
`build_model` makes our TrainedModel of it.

torch is imported inside the functions that read `.pt` files: the window's process never imports
torch (it sends `read_network_job` to the engine); safetensors files are read with numpy alone.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import ModelFileError, UserError

SUFFIXES = (".pt", ".pth", ".bin", ".safetensors")
# where a checkpoint dict keeps the network's state_dict (a common way of saving one)
STATE_KEYS = ("state_dict", "model_state_dict", "model")
SAVE_HINT = ("save the weights with torch.save(model.state_dict(), 'model.pt') (not the model "
             "itself) and open that file")


@dataclass(frozen=True)
class ImportedNetwork:
    """A chain of Linear layers read from a file: weights (out, in) and biases (out,), float32."""

    path: str
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    names: tuple[str, ...]  # each layer's weight tensor name, as in the file
    missing_bias: tuple[str, ...] = ()  # layers without a bias (zeros)

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        return (self.weights[0].shape[1], *(w.shape[0] for w in self.weights))

    @property
    def n_inputs(self) -> int:
        return self.layer_sizes[0]

    @property
    def n_outputs(self) -> int:
        return self.layer_sizes[-1]

    def describe(self) -> str:
        return "-".join(map(str, self.layer_sizes))


# -- reading ------------------------------------------------------------------------------------
def is_foreign_safetensors(path) -> bool:
    """A safetensors file without this program's metadata (another program's)."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
            n = int.from_bytes(head, "little") if len(head) == 8 else 0
            if n <= 0 or n > 100_000_000:
                return False
            header = json.loads(f.read(n))
    except (OSError, ValueError, UnicodeDecodeError):
        return False
    return isinstance(header, dict) and "neurowatch" not in (header.get("__metadata__") or {})


def read_tensors(path) -> list[tuple[str, np.ndarray]]:
    """The file's tensors as (name, float32 array), in the file's order."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such file. Check the path.")
    with open(path, "rb") as f:
        head = f.read(9)
    if path.suffix.lower() == ".safetensors" or (head[8:9] == b"{" and head[2:8] == bytes(6)):
        return _read_safetensors(path)
    return _read_torch(path)


def _read_safetensors(path: Path) -> list[tuple[str, np.ndarray]]:
    from safetensors import SafetensorError
    from safetensors.numpy import load

    try:
        tensors = load(path.read_bytes())
    except (SafetensorError, ValueError, OverflowError, TypeError) as e:
        raise ModelFileError(f"{path} cannot be read as safetensors ({one_line(e)}); the file is "
                             f"damaged or in a type numpy cannot hold (bfloat16: save float32)."
                             ) from None
    except OSError as e:
        raise ModelFileError(f"{path} cannot be read ({e.strerror or e}).") from None
    # a safetensors file has no meaningful order (the reader's dict comes in any order: a chain of
    # equal 7x7 layers then "chained" in a shuffled order): the names' natural order (0, 2, 10)
    return [(k, _float32(k, tensors[k], path)) for k in sorted(tensors, key=_natural)]


def _read_torch(path: Path) -> list[tuple[str, np.ndarray]]:
    import pickle

    import torch

    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        if "weights_only" in str(e) or "Unsupported global" in str(e) or "GLOBAL" in str(e):
            raise ModelFileError(f"{path} holds more than tensors (e.g. a whole model saved with "
                                 f"torch.save(model)), and loading it could run code, so it is refused: "
                                 f"{SAVE_HINT}.") from None
        raise ModelFileError(f"{path} is not a PyTorch file that can be read{_why(e)}: save the "
                             f"network with torch.save(model.state_dict(), path).") from None
    except (RuntimeError, EOFError, ValueError, OSError, KeyError) as e:
        raise ModelFileError(f"{path} is not a PyTorch file that can be read{_why(e)}; it may be "
                             f"damaged, truncated or another kind of file.") from None
    state = obj
    if isinstance(obj, dict) and not any(isinstance(v, torch.Tensor) for v in obj.values()):
        state = next((obj[k] for k in STATE_KEYS if isinstance(obj.get(k), dict)), obj)
    if isinstance(state, torch.Tensor) or not isinstance(state, dict):
        raise ModelFileError(f"{path} holds a {type(state).__name__}, not a state_dict of named "
                             f"tensors: {SAVE_HINT}.")
    out = []
    for k, v in state.items():
        if not isinstance(v, torch.Tensor):
            raise ModelFileError(f"{path}: entry '{k}' is a {type(v).__name__}, not a tensor: "
                                 f"{SAVE_HINT}.")
        if v.is_complex() or not (v.is_floating_point() or v.dtype in (torch.int64, torch.int32)):
            raise ModelFileError(f"{path}: tensor '{k}' is {v.dtype}, not real numbers.")
        out.append((str(k), _float32(str(k), v.detach().to(torch.float32).cpu().numpy(), path)))
    return out


def _float32(name: str, a, path) -> np.ndarray:
    a = np.asarray(a)
    if a.dtype.kind not in "fiu":
        raise ModelFileError(f"{path}: tensor '{name}' is {a.dtype}, not real numbers.")
    a = np.array(a, dtype=np.float32)
    return a


def one_line(e) -> str:
    return " ".join(str(e).split())[:200]


# -- the chain of Linear layers ---------------------------------------------------------------
def _natural(name: str):
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"[._]", name)]


def _groups(items, path) -> list[tuple[str, np.ndarray, str | None, np.ndarray | None]]:
    """(weight name, W, bias name, b) per layer in the order the weights come. `prefix.weight`
    pairs with `prefix.bias`; a name without that suffix: a 2-D tensor is a weight, and the 1-D one
    right after it is its bias."""
    layers: list[list] = []
    by_prefix: dict[str, list] = {}
    biases: dict[str, tuple[str, np.ndarray]] = {}
    last = None
    for name, t in items:
        stem, _, kind = name.rpartition(".")  # "0.weight" -> "0"; a bare "weight" -> ""
        if kind not in ("weight", "bias"):
            stem = kind = None
        if kind == "weight" and stem is not None:
            if t.ndim != 2:
                raise UserError(f"{path}: tensor '{name}' has shape {tuple(t.shape)}: only Linear "
                                f"layers (2-D weights) can be drawn, and this is not one.")
            g = [name, t, None, None]
            layers.append(g)
            by_prefix[stem] = g
            last = None
        elif kind == "bias" and stem is not None:
            biases[stem] = (name, t)
            last = None
        elif t.ndim == 2:
            g = [name, t, None, None]
            layers.append(g)
            last = g
        elif t.ndim == 1 and last is not None and last[3] is None:
            last[2], last[3] = name, t
            last = None
        else:
            raise UserError(f"{path}: tensor '{name}' (shape {tuple(t.shape)}) is not part of a chain "
                            f"of Linear layers: only 2-D weights and their 1-D biases can be drawn.")
    for stem, (name, b) in biases.items():
        g = by_prefix.get(stem)
        if g is None:
            raise UserError(f"{path}: tensor '{name}' is a bias without a weight "
                            f"'{stem + '.' if stem else ''}weight'.")
        g[2], g[3] = name, b
    return [tuple(g) for g in layers]


def _chain_error(layers, path) -> str | None:
    for (n0, w0, *_), (n1, w1, *_) in zip(layers, layers[1:], strict=False):
        if w1.shape[1] != w0.shape[0]:
            return (f"{path}: tensor '{n1}' has shape {tuple(w1.shape)}, taking {w1.shape[1]} inputs, "
                    f"but the layer before it ('{n0}', shape {tuple(w0.shape)}) gives "
                    f"{w0.shape[0]} outputs: the layers do not chain. Only a chain of Linear layers "
                    f"(out of one = in of the next) can be opened.")
    return None


def find_chain(items, path="the file") -> ImportedNetwork:
    """The chain of Linear layers in (name, array) items, in the file's order, else in the names'
    natural order (0, 2, 10; fc1, fc2); a UserError naming the tensor that breaks it."""
    items = list(items)
    if not items:
        raise UserError(f"{path} holds no tensors: {SAVE_HINT}.")
    layers = _groups(items, path)
    if not layers:
        raise UserError(f"{path} holds no 2-D weight tensor: there is no Linear layer to draw.")
    err = _chain_error(layers, path)
    if err is not None:
        ordered = sorted(layers, key=lambda g: _natural(g[0]))
        if _chain_error(ordered, path) is None:
            layers, err = ordered, None
    if err is not None:
        raise UserError(err)
    weights, biases, missing = [], [], []
    for name, w, bname, b in layers:
        if b is None:
            b = np.zeros(w.shape[0], dtype=np.float32)
            missing.append(name)
        elif b.shape != (w.shape[0],):
            raise UserError(f"{path}: bias '{bname}' has shape {tuple(b.shape)}, but its weight "
                            f"'{name}' has {w.shape[0]} outputs.")
        for n, a in ((name, w), (bname, b)):
            if not np.isfinite(a).all():
                raise UserError(f"{path}: tensor '{n}' holds values that are not finite (NaN or inf).")
        w, b = np.ascontiguousarray(w), np.ascontiguousarray(b)
        w.setflags(write=False)
        b.setflags(write=False)
        weights.append(w)
        biases.append(b)
    net = ImportedNetwork(str(path), tuple(weights), tuple(biases), tuple(g[0] for g in layers),
                          tuple(missing))
    if net.n_outputs < 2:
        raise UserError(f"{path}: the last layer ('{net.names[-1]}') has 1 output; a classifier here "
                        f"gives one output per class (softmax over at least 2).")
    return net


def read_network(path) -> ImportedNetwork:
    """Read a state_dict (.pt/.pth) or a foreign safetensors file and find its chain of layers."""
    return find_chain(read_tensors(path), path)


def read_network_job(path, trainer=None):
    """The window's job, run in the engine (which has torch): ("imported_network", result) where
    result is the ImportedNetwork or the one-line message saying why not (a str)."""
    try:
        return "imported_network", read_network(path)
    except UserError as e:
        return "imported_network", str(e)


# -- names and the model ----------------------------------------------------------------------
def parse_names(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(t.strip() for t in text.split(","))


def parse_scaling(mean: str | None, std: str | None, n: int):
    """(mean, std) float32 arrays from --mean/--std texts (either may be left out: 0 / 1), or None
    for raw features."""
    if mean is None and std is None:
        return None
    out = []
    for flag, text, default in (("--mean", mean, 0.0), ("--std", std, 1.0)):
        if text is None:
            out.append(np.full(n, default, dtype=np.float32))
            continue
        try:
            v = np.array([float(t) for t in text.split(",")], dtype=np.float32)
        except ValueError:
            raise UserError(f"{flag} '{text}' is not a list of numbers: give {n}, comma-separated.") from None
        if v.shape != (n,):
            raise UserError(f"{flag} gives {v.size} numbers; the network takes {n} inputs: give {n}.")
        out.append(v)
    return tuple(out)


def default_features(n: int) -> tuple[str, ...]:
    return tuple(f"f{i + 1}" for i in range(n))


def default_classes(k: int) -> tuple[str, ...]:
    return tuple(f"class {i + 1}" for i in range(k))


def _check_names(names, n: int, what: str, flag: str, unit: str):
    if len(names) != n:
        raise UserError(f"the network takes {n} {unit}, but {flag} names {len(names)} "
                        f"({', '.join(names)}): give exactly {n}, comma-separated.")
    if any(not s for s in names):
        raise UserError(f"{flag}: a {what} name is empty; give {n} names, comma-separated.")
    if len(set(names)) != len(names):
        dup = next(s for s in names if names.count(s) > 1)
        raise UserError(f"{flag}: the {what} name '{dup}' is given twice; each must be different.")


def build_model(net: ImportedNetwork, feature_names, class_names, activation: str = "relu",
                scaling=None, fields=("--features", "--classes"), label_name: str = "label"):
    """Our TrainedModel of an imported network. `scaling`: None (raw features: mean 0, std 1) or
    (mean, std) per feature, as the network was trained on (x - mean) / std. `fields`: what the
    messages call the names' two inputs."""
    from core.config import ACTIVATIONS
    from core.model import TrainedModel
    from core.network import NetworkSpec
    from core.split import Scaler

    feature_names, class_names = tuple(feature_names), tuple(class_names)
    _check_names(feature_names, net.n_inputs, "feature", fields[0], "inputs")
    _check_names(class_names, net.n_outputs, "class", fields[1], "outputs (classes)")
    if activation not in ACTIVATIONS:
        raise UserError(f"unknown activation '{activation}': choose one of {', '.join(ACTIVATIONS)}.")
    n = net.n_inputs
    if scaling is None:
        mean, std = np.zeros(n, dtype=np.float32), np.ones(n, dtype=np.float32)
    else:
        mean, std = (np.asarray(a, dtype=np.float32).reshape(-1) for a in scaling)
        if mean.shape != (n,) or std.shape != (n,):
            raise UserError(f"the scaling has {mean.size} means and {std.size} spreads for a network "
                            f"of {n} inputs.")
        if not (np.isfinite(mean).all() and np.isfinite(std).all() and (std > 0).all()):
            raise UserError("the scaling's means and spreads must be finite, the spreads above 0.")
    for a in (mean, std):
        a.setflags(write=False)
    return TrainedModel(spec=NetworkSpec(net.layer_sizes, activation), weights=net.weights,
                        biases=net.biases, scaler=Scaler(mean, std), feature_names=feature_names,
                        class_names=class_names, label_name=label_name, epochs_trained=0,
                        settings={"imported_from": Path(net.path).name})


def reorder(net: ImportedNetwork, names, want, layer: str) -> ImportedNetwork:
    """The same network with its inputs (layer="inputs") or outputs (layer="outputs") permuted so
    that `names` (the network's order) come in the order `want`: the same answers, other order."""
    names, want = tuple(names), tuple(want)
    if names == want:
        return net
    idx = [names.index(x) for x in want]
    W, B = list(net.weights), list(net.biases)
    if layer == "inputs":
        W[0] = np.ascontiguousarray(W[0][:, idx])
    else:
        W[-1], B[-1] = np.ascontiguousarray(W[-1][idx]), np.ascontiguousarray(B[-1][idx])
    for a in (*W, *B):
        a.setflags(write=False)
    return ImportedNetwork(net.path, tuple(W), tuple(B), net.names, net.missing_bias)


def is_foreign(path) -> bool:
    """A file to import rather than open: a PyTorch file, or a safetensors file of another program."""
    suffix = Path(path).suffix.lower()
    return suffix in (".pt", ".pth", ".bin") or (suffix == ".safetensors" and is_foreign_safetensors(path))


def data_scaling(X) -> tuple[np.ndarray, np.ndarray]:
    """(mean, std) float32 of each column over all rows, as (X - X.mean(0)) / X.std(0, correction=0)
    in PyTorch; a constant column gets std 1."""
    X = np.asarray(X, dtype=np.float64)
    mean, std = X.mean(axis=0), X.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return mean.astype(np.float32), std.astype(np.float32)


def _why(e: Exception) -> str:
    """The reader's own words when they say something (a bare key like '101' from a file that is
    not a pickle at all says nothing to a person)."""
    text = one_line(e)
    return f" ({text})" if len(text) > 12 and any(c.isalpha() for c in text) else ""
