"""The command line: `train` and `classify`, headless, for scripts and for checking the engine.

Every problem with the input is one line on stderr that names the file, row or column and what to
do, and exit status 2. Never a traceback (pass --debug to see one for a bug).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

from core.errors import UserError
from core.wording import one_line, plural, quoted

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, like every other bad input
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _int_list(text: str) -> tuple[int, ...]:
    text = text.strip()
    if text in ("", "none", "0"):
        return ()
    try:
        sizes = tuple(int(t) for t in text.replace(" ", "").split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a list of layer sizes: write e.g. 5,5 (two hidden layers of 5)") from None
    if any(s < 1 or s > 100_000 for s in sizes):
        raise argparse.ArgumentTypeError(f"layer sizes must be between 1 and 100000, not '{text}'")
    return sizes


def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not (math.isfinite(v) and v > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number, not '{text}'")
    return v


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not '{text}'")
    return v


def _rate(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not (math.isfinite(v) and v >= 0):
        raise argparse.ArgumentTypeError(f"must be 0 or more, not '{text}'")
    return v


def _fraction(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not 0 <= v < 1:
        raise argparse.ArgumentTypeError(f"must be at least 0 and below 1, not '{text}'")
    return v


def _derived_kinds(text: str) -> tuple[str, ...]:
    from core.derived import parse_kinds

    try:
        return parse_kinds(text)
    except UserError as e:
        raise argparse.ArgumentTypeError(str(e).rstrip(".")) from None


def build_parser() -> argparse.ArgumentParser:
    from core.config import DEVICES, INITS, OPTIMIZERS
    from core.network import ACTIVATIONS, LOSSES

    p = _Parser(prog="main.py", description="Watch a neural network learn. With no command, "
                "opens the window (on DATA.csv if given, else the bundled penguins data).",
                epilog="The window: main.py [DATA.csv] [--verbose] [--engine HOST:PORT --key-file "
                "FILE] (--engine: train on an engine served by `main.py engine --listen`, e.g. on "
                "a GPU machine through an SSH tunnel).")
    p.add_argument("--debug", action="store_true", help="show tracebacks for internal errors")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    t = sub.add_parser("train", help="train a network on a CSV, headless")
    t.add_argument("data", help="CSV file with feature columns and a label column")
    t.add_argument("--label", help="label column (default: label/class/target/species/y, else the last)")
    t.add_argument("--features", help="comma-separated feature columns (default: every numeric "
                   "column but the label and ID-like ones)")
    t.add_argument("--hidden", type=_int_list, default=(5, 5),
                   help="hidden layer sizes (default 5,5); none: no hidden layer, the inputs "
                        "straight to the outputs (a linear model)")
    t.add_argument("--activation", choices=ACTIVATIONS, default="relu")
    t.add_argument("--optimizer", choices=OPTIMIZERS, default="adam")
    t.add_argument("--lr", type=_positive_float, default=None,
                   help="learning rate (default 0.01; 1.0 for adadelta)")
    t.add_argument("--momentum", type=_fraction, default=0.0, help="SGD momentum (default 0)")
    t.add_argument("--batch-size", type=_positive_int, default=16)
    t.add_argument("--epochs", type=_positive_int, default=100)
    t.add_argument("--loss", choices=(*LOSSES, "mae", "huber"), default=None,
                   help="cross-entropy (default) or mse for classification; mse (default), mae or "
                        "huber for regression")
    t.add_argument("--task", choices=("classification", "regression"), default=None,
                   help="what the label is: classes, or a number to predict (default: decided from "
                        "the label column; stderr says which and why)")
    t.add_argument("--val-fraction", type=_fraction, default=0.3)
    t.add_argument("--seed", type=int, default=4,
                   help="random seed for the initial weights, the split and the batch order (default 4)")
    t.add_argument("--device", choices=DEVICES, default="auto")
    t.add_argument("--l2", type=_rate, default=0.0,
                   help="L2 penalty rate: adds RATE * sum(w^2) over the weights to the loss (default 0)")
    t.add_argument("--l1", type=_rate, default=0.0,
                   help="L1 penalty rate: adds RATE * sum(|w|) to the loss (default 0)")
    t.add_argument("--dropout", type=_fraction, default=0.0,
                   help="share of hidden neurons dropped in each training pass, in [0, 1) (default 0)")
    t.add_argument("--early-stopping", type=_positive_int, default=None, metavar="PATIENCE",
                   help="stop after PATIENCE epochs without a new lowest validation loss; the figures "
                        "and the saved network are then the best epoch's")
    t.add_argument("--init", choices=INITS, default="default",
                   help="initial weights: default (PyTorch's: uniform ±1/sqrt(fan-in), biases too), "
                        "zeros (every neuron of a layer stays the same: the lesson of why not), "
                        "uniform (±0.5), xavier (normal, std sqrt(2/(fan-in+fan-out))) or he "
                        "(normal, std sqrt(2/fan-in)); biases 0 but for default")
    t.add_argument("--init-scale", type=_positive_float, default=1.0, metavar="S",
                   help="multiply the initial weights by S (default 1)")
    t.add_argument("--derived", type=_derived_kinds, default=(), metavar="KINDS",
                   help="derived inputs added to the features: any of squares (x²), products (xi·xj), "
                        "sines (sin x), comma-separated, e.g. squares,products (default: none)")
    t.add_argument("--out", help="save the trained network here (.safetensors)")
    t.add_argument("--json", action="store_true", help="last stdout line: one JSON object of results")
    t.add_argument("--quiet", action="store_true", help="no per-epoch progress on stderr")

    c = sub.add_parser("classify", help="classify the rows of a CSV with a saved network")
    c.add_argument("model", help="a network saved by `train --out` or the window")
    c.add_argument("data", help="CSV with the network's feature columns (any order, extras ignored)")
    c.add_argument("--out", help="write predictions here (default: stdout, unless --json)")
    c.add_argument("--json", action="store_true",
                   help="stdout: one JSON line of counts and, when the file has the model's label "
                        "column, accuracy, confusion matrix and per-class figures (predictions go "
                        "to --out only)")

    from core.generators import MAX_NOISE, PROBLEMS

    s = sub.add_parser("engine", help="serve the training engine to a window on another machine",
                       description="Serve the training engine (e.g. on a GPU machine) to one window "
                       "at a time; open the window with `main.py --engine HOST:PORT --key-file FILE`. "
                       "Clients must prove they hold the key before anything they send is read.")
    s.add_argument("--listen", metavar="HOST:PORT", default="127.0.0.1:6006",
                   help="address to listen on (default 127.0.0.1:6006: this machine only, reach it "
                        "through an SSH tunnel; port 0 picks a free one)")
    s.add_argument("--key-file", required=True, metavar="FILE",
                   help="file holding the shared secret (the same file as the window's)")
    e = sub.add_parser("example", help="write a generated 2-D problem (circle, xor, ...) as a CSV",
                       description="Write a generated 2-D problem as a CSV of x1, x2 and label, "
                                   "which train and the window read like any other.")
    e.add_argument("name", choices=PROBLEMS, help="the problem: " + ", ".join(PROBLEMS))
    e.add_argument("--rows", type=_positive_int, default=200, help="number of points (default 200)")
    e.add_argument("--noise", type=_rate, default=0.1,
                   help=f"jitter that blurs the classes into each other, 0 (clean) to {MAX_NOISE:g} "
                        f"(default 0.1)")
    e.add_argument("--seed", type=int, default=0, help="random seed: the same seed, the same rows "
                   "(default 0)")
    e.add_argument("--out", help="write the CSV here (default: stdout)")
    _add_import_parser(sub)
    return p


def _add_import_parser(sub):
    from core.config import ACTIVATIONS

    i = sub.add_parser("import", help="turn a PyTorch state_dict (or another program's safetensors) "
                       "into a network file of this program",
                       description="Read a chain of Linear layers saved with "
                       "torch.save(model.state_dict(), FILE) (read with weights_only=True: no code "
                       "runs) or a safetensors file, and save it with the names it lacks, for "
                       "classify and the window. Features are taken raw (no scaling).")
    i.add_argument("model", help="a .pt/.pth state_dict or a .safetensors file")
    i.add_argument("--features", help="comma-separated names of the network's inputs, in order "
                   "(default f1, f2, ...)")
    i.add_argument("--classes", help="comma-separated names of its outputs, in order "
                   "(default class 1, class 2, ...)")
    i.add_argument("--activation", choices=ACTIVATIONS, default="relu",
                   help="the hidden layers' activation (default relu); the outputs are softmax")
    i.add_argument("--mean", help="if the network was trained on standardised features, (x - mean) "
                   "/ std: the means, comma-separated, one per feature (default 0: raw features)")
    i.add_argument("--std", help="the standard deviations to go with --mean (default 1)")
    i.add_argument("--scaling", default="none", metavar="none|DATA.csv",
                   help="none (default): raw features; or a CSV whose feature columns' mean and "
                        "standard deviation over all its usable rows the network was trained with, "
                        "(x - X.mean(0)) / X.std(0, correction=0), as the window's 'open data's'")
    i.add_argument("--label", help="the label column of data files, which classify scores against "
                   "(default: that of --scaling DATA.csv, else 'label')")
    i.add_argument("--out", help="where to save it (default: MODEL with .safetensors)")


def cmd_example(a) -> int:
    from core.generators import generate

    if a.out:
        _check_writable(a.out)
    frame = generate(a.name, rows=a.rows, noise=a.noise, seed=a.seed)
    if a.out:
        _write_csv_atomic(frame, a.out)
        print(f"wrote {plural(len(frame), 'row')} of the {a.name} problem to {a.out}", file=sys.stderr)
    else:
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
    return 0


def _columns_left_out(path, ds) -> list[str]:
    """The file's columns that are neither the label nor a feature (the default choice left them
    out: text such as a penguin's island, or an ID)."""
    from core.table import read_table

    try:
        head, _ = read_table(path, rows=2)
    except Exception:  # noqa: BLE001 - only a note: the file was read whole a moment ago
        return []
    used = set(ds.feature_names) | {ds.label_name}
    return [str(c) for c in head.columns if str(c) not in used]


def cmd_train(a) -> int:
    from core.config import TrainConfig
    from core.dataset import load_csv
    from core.split import split

    if a.out:
        _check_writable(a.out)
    features = [f.strip() for f in a.features.split(",") if f.strip()] if a.features else None
    ds = load_csv(a.data, label=a.label, features=features, task=a.task)  # refused before torch loads
    loss = _task_loss(ds.task, a.loss)
    for warning in ds.warnings:  # also with --quiet: they are about the data, not progress
        print(f"main.py train: warning: {warning}", file=sys.stderr, flush=True)
    from core.model import model_from_training, save_model
    from core.trainer import Trainer, configure_threads

    lr = a.lr if a.lr is not None else (1.0 if a.optimizer == "adadelta" else 0.01)
    cfg = TrainConfig(hidden=a.hidden, activation=a.activation, optimizer=a.optimizer,
                      learning_rate=lr, momentum=a.momentum, batch_size=a.batch_size, loss=loss,
                      device=a.device, seed=a.seed, val_fraction=a.val_fraction, l2=a.l2, l1=a.l1,
                      dropout=a.dropout, early_stopping=a.early_stopping or 0,
                      init=a.init, init_scale=a.init_scale, derived=a.derived, task=ds.task)
    from core.derived import with_derived

    data = split(with_derived(ds, cfg.derived), cfg.val_fraction, cfg.seed)
    if cfg.early_stopping and len(data.X_val) == 0:
        raise UserError("--early-stopping needs validation rows to watch: give --val-fraction above 0 "
                        "(e.g. 0.3).")
    t0 = time.perf_counter()
    trainer = Trainer(data, cfg)
    configure_threads(trainer.spec, len(data.X_train))
    log = (lambda *_: None) if a.quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    log(f"task: {ds.task} ({ds.task_reason})")
    if features is None:
        unused = _columns_left_out(a.data, ds)
        if unused:
            log(f"not used as features: {quoted(unused)} (not numbers, or row numbers/IDs); "
                f"--features names the inputs yourself.")
    target = (f"predicting {ds.label_name}" if ds.task == "regression"
              else f"classes {', '.join(ds.class_names)}")
    log(f"{ds.source}: {len(data.X_train)} training and {len(data.X_val)} validation rows, "
        f"{ds.n_features} features, {target}; {ds.drop_note()}.")
    log(f"network {trainer.spec.describe()} ({cfg.activation}), {cfg.optimizer} lr {lr:g}, "
        f"batch {cfg.batch_size}, {cfg.loss}, on {trainer.device_reason}"
        + ("" if cfg.init == "default" and cfg.init_scale == 1 else
           f"; initial weights {cfg.init} × {cfg.init_scale:g}"))
    m = None
    status = 0
    best_epoch, best_loss = None, math.inf  # the epoch of the lowest validation loss
    best, stopped_early = None, False  # (metrics, weights) of that epoch, with early stopping
    for _ in range(a.epochs):
        try:
            m = trainer.train_epoch(snapshot=False)
        except UserError as e:  # divergence: keep the last finite weights, report, exit 2
            print(f"main.py train: {e}", file=sys.stderr)
            status = EXIT_BAD_INPUT
            break
        if math.isfinite(m["val_loss"]) and m["val_loss"] < best_loss:
            best_epoch, best_loss = m["epoch"], m["val_loss"]
            if cfg.early_stopping:
                best = (m, trainer.weights_numpy())
        log(_epoch_line(m, a.epochs))
        if cfg.early_stopping and best_epoch is not None and m["epoch"] - best_epoch >= cfg.early_stopping:
            stopped_early = True
            log(f"early stopping: no new lowest validation loss for {cfg.early_stopping} epochs; "
                f"keeping epoch {best_epoch} (validation loss {best_loss:.4f})")
            break
    if cfg.early_stopping and best is not None and status == 0:
        m = best[0]  # every figure and the saved network: the best epoch's
        trainer.set_weights(*best[1], epoch=best_epoch)
    seconds = time.perf_counter() - t0
    if a.out and trainer.epoch > 0:
        save_model(model_from_training(trainer), a.out)
        log(f"saved the network to {a.out}")
    result = {
        "epochs": trainer.epoch,
        "train_loss": _num(m and m["train_loss"]), "val_loss": _num(m and m["val_loss"]),
        "train_accuracy": _num(m and m["train_accuracy"]),
        "val_accuracy": _num(m and m["val_accuracy"]),
        "device": trainer.device, "classes": list(ds.class_names), "features": list(ds.feature_names),
        "label": ds.label_name, "layer_sizes": list(trainer.spec.layer_sizes),
        "rows_used": int(len(ds.y)), "rows_dropped": ds.rows_dropped,
        "seconds": round(seconds, 4), "model": a.out if a.out and trainer.epoch > 0 else None,
        "diverged": status != 0, "warnings": list(ds.warnings), "task": "classification",
        "best_epoch": best_epoch, "stopped_early": stopped_early,
        "derived": list(cfg.derived), "inputs": list(data.feature_names),
        **_validation_figures(trainer, data, cfg.activation),
    }
    if ds.task == "regression":
        result.update(_regression_result(m))
    if a.json:
        print(json.dumps(result))
    elif m is not None and ds.task == "regression":
        print(f"trained {trainer.epoch} epochs in {seconds:.2f} s: validation R² "
              f"{m['val_r2']:.3f}, RMSE {m['val_rmse']:.4g}, MAE {m['val_mae']:.4g}")
    elif m is not None:
        print(f"trained {trainer.epoch} epochs in {seconds:.2f} s: validation accuracy "
              f"{m['val_accuracy']:.3f}, loss {m['val_loss']:.4f}")
    return status


def _task_loss(task: str, loss: str | None) -> str:
    """The loss for the task: the default, or the one asked for if it fits the task."""
    from core.config import REGRESSION_LOSSES

    if task == "regression":
        if loss is None:
            return "mse"
        if loss not in REGRESSION_LOSSES:
            raise UserError(f"--loss {loss} is for classification; this label is a number to "
                            f"predict: use --loss mse, mae or huber (or --task classification).")
        return loss
    if loss is None:
        return "cross-entropy"
    if loss not in ("cross-entropy", "mse"):
        raise UserError(f"--loss {loss} is for regression; for classes use --loss cross-entropy or mse "
                        f"(or --task regression for a numeric label).")
    return loss


def _epoch_line(m: dict, epochs: int) -> str:
    if "val_r2" in m:
        return (f"epoch {m['epoch']}/{epochs}  train loss {m['train_loss']:.4f} R² "
                f"{m['train_r2']:.3f} RMSE {m['train_rmse']:.4g}  val loss {m['val_loss']:.4f} R² "
                f"{m['val_r2']:.3f} RMSE {m['val_rmse']:.4g}")
    return (f"epoch {m['epoch']}/{epochs}  train loss {m['train_loss']:.4f} acc "
            f"{m['train_accuracy']:.3f}  val loss {m['val_loss']:.4f} acc {m['val_accuracy']:.3f}")


def _regression_result(m) -> dict:
    """The regression figures of the kept epoch; the accuracy keys (R² there) become None."""
    keys = ("train_r2", "train_rmse", "train_mae", "val_r2", "val_rmse", "val_mae")
    return {"task": "regression", "train_accuracy": None, "val_accuracy": None,
            **{k: _num(m and m.get(k)) for k in keys}}


def _validation_figures(trainer, data, activation: str) -> dict:
    """val_rows, val_confusion (row = true class, column = predicted, in class order) and
    val_per_class for the network as trained (its last epoch), from a numpy forward pass of the
    validation rows; None for both without validation rows."""
    import numpy as np

    from core.metrics import classification_report
    from core.network import forward

    n = len(data.X_val)
    if n == 0 or getattr(data, "task", "") == "regression":
        return dict(val_rows=n, val_confusion=None, val_per_class=None)
    w, b = trainer.weights_numpy()
    # float32, the precision the trainer computes in: the same predictions as its val_accuracy
    pred = forward(w, b, activation, data.X_val, dtype=np.float32).probabilities.argmax(axis=1)
    r = classification_report(data.y_val, pred, len(data.class_names))
    return dict(val_rows=n, val_confusion=r.confusion.tolist(),
                val_per_class=_rounded(r.per_class(data.class_names)))


def _rounded(per_class: dict) -> dict:
    return {c: {k: (v if isinstance(v, int) else round(v, 6)) for k, v in f.items()}
            for c, f in per_class.items()}


def _num(v):
    return None if v is None or not math.isfinite(v) else round(float(v), 6)


def _check_writable(path: str):
    from pathlib import Path

    folder = Path(path).resolve().parent
    if not folder.is_dir():
        raise UserError(f"cannot write {path}: the folder {folder} does not exist.")
    if Path(path).is_dir():
        raise UserError(f"cannot write {path}: it is a folder; name a file.")


def cmd_classify(a) -> int:
    from core.classify import classify_file
    from core.model import load_model

    if a.out:
        _check_writable(a.out)
    model = load_model(a.model)
    if model.is_regression:
        return _classify_values(a, model)
    pred = classify_file(model, a.data)
    frame = pred.to_frame()
    if pred.n_invalid:
        rows = pred.invalid_rows()
        shown = ", ".join(map(str, rows[:10])) + (" …" if len(rows) > 10 else "")
        have = "has" if pred.n_invalid == 1 else "have"
        print(f"main.py classify: {plural(pred.n_invalid, 'row')} of {a.data} {have} a feature that is "
              f"missing, not a number or out of range, and {'was' if pred.n_invalid == 1 else 'were'} "
              f"left unclassified (line{'' if len(rows) == 1 else 's'} {shown}).", file=sys.stderr)
    score = _score(model, pred)
    if a.out:
        _write_csv_atomic(frame, a.out)
        counts = ", ".join(f"{c}: {n}" for c, n in pred.counts().items())
        print(f"classified {plural(len(frame) - pred.n_invalid, 'row')} ({counts}) -> {a.out}",
              file=sys.stderr)
    elif not a.json:
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
    if score is not None:
        print(_score_summary(score, model.class_names, a.data), file=sys.stderr)
    if a.json:
        n = len(frame)
        result = {"task": "classification", "rows": n, "classified": n - pred.n_invalid,
                  "unclassified": pred.n_invalid,
                  "classes": list(model.class_names), "counts": pred.counts(),
                  "label": score.label if score is not None else None}
        if score is not None:
            j = score.to_json(model.class_names)
            j["accuracy"] = round(j["accuracy"], 6)
            j["per_class"] = _rounded(j["per_class"])
            result.update(j)
        print(json.dumps(result))
    return 0


def _classify_values(a, model) -> int:
    """classify for a regression network: a `predicted` number per row; a file with the label
    column is scored (R², RMSE, MAE)."""
    from core.regression_predict import predict_file, score_values

    pred = predict_file(model, a.data)
    frame = pred.to_frame()
    if pred.n_invalid:
        rows = pred.invalid_rows()
        shown = ", ".join(map(str, rows[:10])) + (" …" if len(rows) > 10 else "")
        print(f"main.py classify: {plural(pred.n_invalid, 'row')} of {a.data} got no prediction: a "
              f"feature is missing, not a number or out of range (line{'' if len(rows) == 1 else 's'} "
              f"{shown}).", file=sys.stderr)
    score = score_values(pred, model.label_name)
    if a.out:
        _write_csv_atomic(frame, a.out)
        print(f"predicted {model.label_name} for {plural(len(frame) - pred.n_invalid, 'row')} -> "
              f"{a.out}", file=sys.stderr)
    elif not a.json:
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
    if score is not None:
        print(score.summary(a.data), file=sys.stderr)
    if a.json:
        n = len(frame)
        # `classified`/`unclassified` as for a classifier (issue 13's contract names them for
        # every classify --json), `predicted`/`unpredicted` in regression's own words.
        result = {"task": "regression", "rows": n, "predicted": n - pred.n_invalid,
                  "unpredicted": pred.n_invalid, "classified": n - pred.n_invalid,
                  "unclassified": pred.n_invalid, "label": score.label if score else None}
        if score is not None:
            result.update(score.to_json())
        print(json.dumps(result))
    return 0


def _score(model, pred):
    """The predictions scored against the file's own labels (core.classify.score_predictions)."""
    from core.classify import score_predictions

    return score_predictions(pred, model.label_name)


def _score_summary(score, class_names, path) -> str:
    """A few lines for a person: accuracy, per-class figures, what was not scored."""
    r = score.report
    lines = [f"scored {plural(score.scored, 'labelled row')} of {path} against its '{score.label}' "
             f"column: accuracy {r.accuracy:.3f} ({int(r.confusion.trace()):,} right)"]
    width = max((len(str(c)) for c in class_names), default=5)
    for i, c in enumerate(class_names):
        lines.append(f"  {str(c):<{width}}  precision {r.precision[i]:.3f}  recall {r.recall[i]:.3f}  "
                     f"F1 {r.f1[i]:.3f}  ({plural(int(r.support[i]), 'row')})")
    if score.unknown:
        names = ", ".join(f"'{one_line(k, 40)}' ({v})" for k, v in list(score.unknown.items())[:10])
        more = " …" if len(score.unknown) > 10 else ""
        n = sum(score.unknown.values())
        lines.append(f"  not scored: {plural(n, 'row')} labelled with a class the network does not "
                     f"know: {names}{more}")
    if score.unlabelled:
        lines.append(f"  not scored: {plural(score.unlabelled, 'row')} without a label")
    if score.unclassified:
        lines.append(f"  not scored: {plural(score.unclassified, 'labelled row')} left unclassified")
    return "\n".join(lines)


def cmd_import(a) -> int:
    from pathlib import Path

    from core import torch_import as ti
    from core.model import save_model

    out = a.out or str(Path(a.model).with_suffix(".safetensors"))
    if Path(out).resolve() == Path(a.model).resolve():
        raise UserError(f"--out {out} is the file being imported; name another file.")
    _check_writable(out)
    features, classes = ti.parse_names(a.features), ti.parse_names(a.classes)
    net = ti.read_network(a.model)
    said = []
    if features is None:
        features = ti.default_features(net.n_inputs)
        said.append(f"features {', '.join(features)} (name them with --features)")
    if classes is None:
        classes = ti.default_classes(net.n_outputs)
        said.append(f"classes {', '.join(classes)} (name them with --classes)")
    scaling = ti.parse_scaling(a.mean, a.std, net.n_inputs)
    if a.scaling != "none":
        if scaling is not None:
            raise UserError("give either --scaling DATA.csv or --mean/--std, not both.")
        if a.features is None:
            raise UserError("--scaling DATA.csv needs --features: the columns to take the scaling of.")
        from core.dataset import load_csv

        ds = load_csv(a.scaling, label=a.label, features=list(features))
        scaling, label = ti.data_scaling(ds.X), a.label or ds.label_name
    else:
        label = a.label or "label"
    model = ti.build_model(net, features, classes, a.activation, scaling, label_name=label)
    prog = "main.py import"
    if said:
        print(f"{prog}: no names given: " + "; ".join(said), file=sys.stderr)
    if net.missing_bias:
        print(f"{prog}: no bias for {', '.join(net.missing_bias)}: zeros", file=sys.stderr)
    save_model(model, out)
    print(f"imported {a.model}: network {net.describe()} ({a.activation}, softmax outputs), "
          f"layers {', '.join(net.names)}; "
          f"{'features taken raw (no scaling)' if scaling is None else 'features scaled (x - mean) / std'}"
          f"{'' if a.scaling == 'none' else ' of ' + a.scaling}"
          f" -> {out}", file=sys.stderr)
    return 0


def _write_csv_atomic(frame, path):
    from core.atomic import atomic_open

    try:
        with atomic_open(path, "w", encoding="utf-8", newline="") as f:
            frame.to_csv(f, index=False, lineterminator="\n")
    except OSError as e:
        raise UserError(f"cannot write {path}: {e.strerror or e}.") from None


def cmd_engine(a) -> int:
    """`main.py engine --listen HOST:PORT --key-file FILE`: serve until interrupted."""
    from core.engine_link import listen, parse_address, read_key

    address, key = parse_address(a.listen), read_key(a.key_file)
    listen(address, key, announce=lambda text: print(text, flush=True))
    return 0


def main(argv=None) -> int:
    parser = build_parser()
    a = parser.parse_args(argv)
    try:
        if a.command == "train":
            return cmd_train(a)
        if a.command == "classify":
            return cmd_classify(a)
        if a.command == "example":
            return cmd_example(a)
        if a.command == "import":
            return cmd_import(a)
        if a.command == "engine":
            return cmd_engine(a)
        parser.print_help()
        return EXIT_BAD_INPUT
    except UserError as e:
        print(f"main.py {a.command}: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"main.py {a.command}: interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:
        if a.debug:
            raise
        print(f"main.py {a.command}: internal error ({type(e).__name__}: {e}). This is a bug; "
              f"run again with --debug for details.", file=sys.stderr)
        return 1
