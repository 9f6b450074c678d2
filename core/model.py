"""A trained network as a value, and its file format.

Files are safetensors: raw tensors plus a JSON header, so loading one never runs code (no pickle).
The metadata holds everything needed to classify new data: layer sizes, activation, feature
names, the training scaling, class names and the settings it was trained with.
"""

from __future__ import annotations

import json
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.atomic import atomic_open
from core.errors import ModelFileError
from core.network import NetworkSpec, forward_probabilities
from core.split import Scaler

FORMAT = "neurowatch-model"
FORMAT_VERSION = 2
# files with derived inputs are written as version 2 (older programs then say "update"); others 1
DERIVED_VERSION = 2
# columns per block when classifying: fits the CPU cache and keeps BLAS on one thread (see
# network.forward_probabilities). Measured for (5, 4) @ (4, n) float32: one thread up to 16,384
# columns (3.7-4.1 ns a column); from 32,768 OpenBLAS may start threads, and at 65,536 with the
# other core busy one product in ten took 4 ms instead of 0.17. 16,384 rather than 8,192 halves the
# per-block numpy calls: classifying 200k rows 14 % faster.
BLOCK = 16384


@dataclass(frozen=True)
class TrainedModel:
    spec: NetworkSpec
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    scaler: Scaler
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...]
    label_name: str = "label"
    epochs_trained: int = 0
    settings: dict = field(default_factory=dict)
    # (min, max) of each raw feature over the training rows; None in files written before it was kept
    feature_range: tuple[np.ndarray, np.ndarray] | None = None
    # derived inputs (core.derived: squares, products, sines) computed from the raw features, which
    # feature_names name; the network's inputs are input_names (raw, then derived)
    derived: tuple[str, ...] = ()

    @property
    def input_names(self) -> tuple[str, ...]:
        """Every input neuron's name: the raw features, then the derived inputs."""
        from core.derived import input_names

        return input_names(self.feature_names, self.derived)

    # "regression": one identity output, the label standardised with label_mean / label_std (of the
    # training split); files written before regression existed are classifiers
    task: str = "classification"
    label_mean: float = 0.0
    label_std: float = 1.0

    @property
    def is_regression(self) -> bool:
        return self.task == "regression"

    def predict_values(self, X_raw: np.ndarray) -> np.ndarray:
        """Regression: the predicted label (n,) float64 in its units for unscaled rows (n, features);
        NaN where a row holds a value the network cannot take in."""
        from core.network import forward

        X = np.asarray(X_raw, dtype=np.float64)
        if X.ndim == 1:
            X = X[None, :]
        with np.errstate(over="ignore", invalid="ignore"):
            if self.derived:  # the raw features, then the inputs derived from them (core.derived)
                from core.derived import network_inputs

                X = network_inputs(X, self.derived).astype(np.float64)
            x = self.scaler.transform(X)
            out = forward(self.weights, self.biases, self.spec.activation, x,
                          dtype=np.float32).z[-1][:, 0].astype(np.float64)
        out = out * self.label_std + self.label_mean
        out[~np.isfinite(x).all(axis=1) | ~np.isfinite(out)] = np.nan
        return out

    def probabilities(self, X_raw: np.ndarray) -> np.ndarray:
        """Softmax probabilities (n, classes), float32, for unscaled feature rows (n, features)."""
        X = np.asarray(X_raw, dtype=np.float64)
        if X.ndim == 1:
            X = X[None, :]
        return self.probabilities_by_feature(X.T).T

    def probabilities_by_feature(self, X_t: np.ndarray) -> np.ndarray:
        """Softmax probabilities (classes, n), float32, for unscaled features given as columns
        (features, n): the layout the forward pass computes in, so no transposed copies."""
        X_t = np.asarray(X_t)
        out = np.empty((self.spec.layer_sizes[-1], X_t.shape[1]), dtype=np.float32)
        for s, P in self.probability_blocks(X_t):
            out[:, s:s + P.shape[1]] = P
        return out

    def probability_blocks(self, X_t: np.ndarray, representable: np.ndarray | None = None):
        """(start, P) for each block of up to BLOCK columns of X_t (features, n), unscaled: P is
        (classes, block) float32, valid until the next block (its memory is reused).

        `representable`, if given (bool, n), receives for each column whether all its values are
        finite float32 numbers (NaN, inf and beyond float32's range are not): a row the network
        cannot take in, whatever its answer says (relu can turn an infinite input into a finite
        output).

        Scaling as Scaler.transform does it (the value rounded to float32, then (x - mean) / std in
        float64, then float32), then the network in float32. Columns never mix, so blocks give the
        answer of one pass (tests compare chunked and whole tables). A column with a NaN, an inf or
        an out-of-range value gives NaN or inf, without a warning."""
        X_t = np.asarray(X_t)
        f, n = X_t.shape
        width = max(min(n, BLOCK), 2)
        sizes = self.spec.layer_sizes
        if self.derived:  # the raw features, then the inputs derived from them (core.derived)
            from core.derived import derived_columns_t
        x32 = np.empty((sizes[0], width), dtype=np.float32)
        z64 = np.empty((sizes[0], width))
        hidden = [np.empty((h, width), dtype=np.float32) for h in sizes[1:-1]]
        P = np.empty((sizes[-1], width), dtype=np.float32)
        mean = np.asarray(self.scaler.mean, dtype=np.float64)[:, None]
        std = np.asarray(self.scaler.std, dtype=np.float64)[:, None]
        for s in range(0, n, BLOCK):
            c = min(BLOCK, n - s)
            # a single column is computed twice over: numpy would hand one column to BLAS's
            # matrix-vector product, whose rounding differs from the matrix product every other
            # column gets (so one row, e.g. the hand form, matches its row in a table)
            w = max(c, 2)
            x, z, h, p = x32[:, :w], z64[:, :w], [a[:, :w] for a in hidden], P[:, :w]
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                np.copyto(x[:f], X_t[:, s:s + c], casting="same_kind")
                if self.derived:  # from the float32 raw values, as core.derived.network_inputs
                    derived_columns_t(x[:f], self.derived, out=x[f:])
                if representable is not None:
                    np.isfinite(x[:, :c]).all(axis=0, out=representable[s:s + c])
                np.subtract(x, mean, out=z)
                z /= std
                np.copyto(x, z, casting="same_kind")
                forward_probabilities(self.weights, self.biases, self.spec.activation, x, p, h)
            yield s, p[:, :c]

    def metadata(self) -> dict:
        return {
            "format": FORMAT, "version": 1,
            "layer_sizes": list(self.spec.layer_sizes), "activation": self.spec.activation,
            "feature_names": list(self.feature_names), "class_names": list(self.class_names),
            "label_name": self.label_name, "epochs_trained": int(self.epochs_trained),
            "settings": self.settings,
            **({"derived": list(self.derived), "version": DERIVED_VERSION} if self.derived else {}),
            **({} if self.task == "classification" else {
                "task": self.task, "label_mean": float(self.label_mean),
                "label_std": float(self.label_std)}),
            **({} if self.feature_range is None else {
                "feature_min": [float(v) for v in self.feature_range[0]],
                "feature_max": [float(v) for v in self.feature_range[1]]}),
        }


def save_model(model: TrainedModel, path) -> None:
    """Write atomically: a temporary file in the same folder, flushed, then renamed over `path`."""
    from safetensors.numpy import save

    path = Path(path)
    tensors = {"scaler.mean": np.ascontiguousarray(model.scaler.mean, dtype=np.float32),
               "scaler.std": np.ascontiguousarray(model.scaler.std, dtype=np.float32)}
    for i, (w, b) in enumerate(zip(model.weights, model.biases, strict=True)):
        tensors[f"layer{i}.weight"] = np.ascontiguousarray(w, dtype=np.float32)
        tensors[f"layer{i}.bias"] = np.ascontiguousarray(b, dtype=np.float32)
    blob = save(tensors, metadata={"neurowatch": json.dumps(model.metadata())})
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ModelFileError(f"cannot save to {path}: the folder {folder} does not exist.")
    try:
        with atomic_open(path, "wb") as f:
            f.write(blob)
    except OSError as e:
        raise ModelFileError(f"cannot save {path}: {e.strerror or e}. The previous file, if any, "
                             f"is untouched.") from None


def load_model(path) -> TrainedModel:
    """Read a model file; anything that is not a consistent model of ours is a ModelFileError."""
    from safetensors import SafetensorError
    from safetensors.numpy import load

    path = Path(path)
    what = f"{path} is not a model file of this program"
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no such file. Check the path.") from None
    except OSError as e:
        raise ModelFileError(f"{path} cannot be read ({e.strerror or e}).") from None
    # a safetensors file opens with its header's length (8 bytes, little-endian) and then "{": a
    # length of 640 begins b"\x80\x02" like a pickle, so the JSON brace decides, not two bytes
    looks_safetensors = blob[8:9] == b"{" and blob[2:8] == bytes(6)
    if not looks_safetensors and (blob[:2] in (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")
                                  or blob[:2] == b"PK"):
        raise ModelFileError(f"{what}: it looks like a pickle/PyTorch file, which could run code "
                             f"when loaded and is refused. Save the network from this program "
                             f"(safetensors).")
    if len(blob) < 8:
        raise ModelFileError(f"{what}: it is empty or truncated.")
    header_len = int.from_bytes(blob[:8], "little")
    if header_len <= 0 or header_len > len(blob) - 8:
        raise ModelFileError(f"{what}: its header is missing or the file is truncated.")
    try:
        header = json.loads(blob[8:8 + header_len])
        meta = json.loads(header["__metadata__"]["neurowatch"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise ModelFileError(f"{what}: it has no neurowatch metadata (a safetensors file from "
                             f"another program, or damaged).") from None
    try:
        tensors = load(blob)
    except (SafetensorError, ValueError, OverflowError) as e:
        raise ModelFileError(f"{what}: its tensors cannot be read ({e}); the file is truncated "
                             f"or damaged.") from None
    return _from_parts(meta, tensors, path)


def _from_parts(meta: dict, tensors: dict, path) -> TrainedModel:
    bad = f"{path} is damaged or was edited: "
    try:
        if meta.get("format") != FORMAT:
            raise ModelFileError(f"{path} is not a model file of this program.")
        if int(meta.get("version", 0)) > FORMAT_VERSION:
            raise ModelFileError(f"{path} was written by a newer version (format "
                                 f"{meta['version']}): update this program.")
        sizes = tuple(int(s) for s in meta["layer_sizes"])
        spec = NetworkSpec(sizes, str(meta["activation"]))
        features = tuple(str(f) for f in meta["feature_names"])
        classes = tuple(str(c) for c in meta["class_names"])
        settings = dict(meta.get("settings") or {})
        label = str(meta.get("label_name", "label"))
        epochs = int(meta.get("epochs_trained", 0))
        from core.derived import check_count, derived_count, parse_kinds

        derived = parse_kinds(meta.get("derived") or ())
        check_count(features, derived)
        n_inputs = len(features) + derived_count(len(features), derived)
        task = str(meta.get("task", "classification"))  # absent from classifiers' files
        if task not in ("classification", "regression"):
            raise ValueError(f"unknown task {task!r}")
        label_mean = float(meta.get("label_mean", 0.0))
        label_std = float(meta.get("label_std", 1.0))
        if not (np.isfinite(label_mean) and np.isfinite(label_std) and label_std > 0):
            raise ValueError("the label's scaling is not finite and positive")
        feature_range = None
        if "feature_min" in meta or "feature_max" in meta:  # absent from older files
            lo, hi = (np.array(meta[k], dtype=np.float64) for k in ("feature_min", "feature_max"))
            if lo.shape != (len(features),) or hi.shape != lo.shape:
                raise ValueError("feature_min/feature_max do not match the features")
            feature_range = (lo, hi)
    except ModelFileError:
        raise
    except Exception as e:  # any malformed metadata is the same answer
        raise ModelFileError(bad + f"its metadata is incomplete ({e}).") from None
    if n_inputs != sizes[0] or len(classes) != sizes[-1]:
        raise ModelFileError(bad + f"it names {n_inputs} inputs and {len(classes)} classes "
                             f"but its layers are {spec.describe()}.")
    expected = {"scaler.mean": (sizes[0],), "scaler.std": (sizes[0],)}
    for i in range(len(sizes) - 1):
        expected[f"layer{i}.weight"] = (sizes[i + 1], sizes[i])
        expected[f"layer{i}.bias"] = (sizes[i + 1],)
    if set(tensors) != set(expected):
        raise ModelFileError(bad + "its tensors do not match the layers its metadata describes.")
    for k, shape in expected.items():
        t = tensors[k]
        if tuple(t.shape) != shape:
            raise ModelFileError(bad + f"tensor {k} has shape {tuple(t.shape)}, expected {shape}.")
        if not np.isfinite(t).all():
            raise ModelFileError(bad + f"tensor {k} holds non-finite values.")
    if (tensors["scaler.std"] <= 0).any():
        raise ModelFileError(bad + "its scaling has a zero or negative standard deviation.")
    L = len(sizes) - 1
    ro = []
    for k in ("scaler.mean", "scaler.std", *[f"layer{i}.{p}" for i in range(L)
                                              for p in ("weight", "bias")]):
        a = np.array(tensors[k], dtype=np.float32)
        a.setflags(write=False)
        ro.append(a)
    return TrainedModel(spec=spec, weights=tuple(ro[2::2]), biases=tuple(ro[3::2]),
                        scaler=Scaler(ro[0], ro[1]), feature_names=features, class_names=classes,
                        label_name=label, epochs_trained=epochs, settings=settings,
                        feature_range=feature_range, derived=derived, task=task, label_mean=label_mean,
                        label_std=label_std)


def _task_fields(data) -> dict:
    """task, label_mean, label_std of a Split (classification for anything without them)."""
    return dict(task=getattr(data, "task", "classification"),
                label_mean=float(getattr(data, "label_mean", 0.0)),
                label_std=float(getattr(data, "label_std", 1.0)))


_RANGES: dict[int, tuple] = {}  # id(split) -> (weak reference to it, its training range)


def training_range(data) -> tuple[np.ndarray, np.ndarray] | None:
    """(min, max) of each raw feature over a Split's training rows (computed once per Split: the
    window makes a model from every snapshot)."""
    hit = _RANGES.get(id(data))
    if hit is not None and hit[0]() is data:
        return hit[1]
    X = getattr(data, "X_train", None)
    result = None
    if X is not None and len(X):
        std = np.asarray(data.scaler.std, dtype=np.float64)
        mean = np.asarray(data.scaler.mean, dtype=np.float64)
        result = (X.min(axis=0) * std + mean, X.max(axis=0) * std + mean)
        for a in result:
            a.setflags(write=False)
    for k in [k for k, (ref, _) in _RANGES.items() if ref() is None]:
        del _RANGES[k]
    try:
        _RANGES[id(data)] = (weakref.ref(data), result)
    except TypeError:  # not weak-referenceable: not cached
        pass
    return result


def model_from_training(trainer, epochs: int | None = None) -> TrainedModel:
    """Capture a Trainer's current network (numpy copies) with its data's names and scaling."""
    w, b = trainer.weights_numpy()
    raw, kinds, rng = _raw_inputs(trainer.data, trainer.config)
    return TrainedModel(spec=trainer.spec, weights=tuple(w), biases=tuple(b),
                        scaler=trainer.data.scaler, feature_names=raw,
                        class_names=trainer.data.class_names,
                        label_name=trainer.data.label_name,
                        epochs_trained=trainer.epoch if epochs is None else epochs,
                        settings=trainer.config.to_dict(), feature_range=rng, derived=kinds,
                        **_task_fields(trainer.data))


def model_from_snapshot(snap, data, config) -> TrainedModel:
    """A snapshot (e.g. from the window's timeline) plus its data's names and scaling."""
    spec = NetworkSpec(snap.layer_sizes, config.activation)
    raw, kinds, rng = _raw_inputs(data, config)
    return TrainedModel(spec=spec, weights=snap.weights, biases=snap.biases, scaler=data.scaler,
                        feature_names=raw, class_names=data.class_names,
                        label_name=data.label_name, epochs_trained=snap.epoch,
                        settings=config.to_dict(), feature_range=rng, derived=kinds,
                        **_task_fields(data))


def _raw_inputs(data, config) -> tuple[tuple[str, ...], tuple[str, ...], tuple | None]:
    """(raw feature names, derived kinds, the raw features' training range) of a Split whose
    features may end with derived inputs (core.derived.with_derived, as config.derived asks)."""
    from core.derived import raw_count

    kinds = tuple(getattr(config, "derived", ()) or ())
    rng = training_range(data)
    if not kinds:
        return tuple(data.feature_names), (), rng
    f = raw_count(len(data.feature_names), kinds)
    return tuple(data.feature_names[:f]), kinds, None if rng is None else (rng[0][:f], rng[1][:f])


def far_outside(model: TrainedModel, x, margin: float = 0.5) -> list[tuple[int, float, float]]:
    """The features of one raw observation `x` that lie outside the training range by more than
    `margin` times its width, as (index, low, high). Without a training range (older model files):
    outside mean ± 3 sd by that margin."""
    x = np.asarray(x, dtype=np.float64)
    if model.feature_range is not None:
        lo, hi = (np.asarray(a, dtype=np.float64) for a in model.feature_range)
    else:
        mean = np.asarray(model.scaler.mean, dtype=np.float64)[:len(x)]  # (derived inputs follow)
        std = np.asarray(model.scaler.std, dtype=np.float64)[:len(x)]
        lo, hi = mean - 3 * std, mean + 3 * std
    pad = margin * (hi - lo)
    with np.errstate(invalid="ignore", over="ignore"):
        far = (x < lo - pad) | (x > hi + pad)
    return [(int(k), float(lo[k]), float(hi[k])) for k in np.flatnonzero(far)]
