"""Engine speed as ratios against references measured in the same run.

    python bench/engine.py            # full run (about 80 s)
    python bench/engine.py --quick    # shorter (about 30 s)
    python bench/engine.py --json     # the last stdout line is one JSON object
    python bench/engine.py --quiet    # no per-round lines

    from bench.engine import measure  # or with bench/ on sys.path: from engine import measure
    figures = measure(quick=True)     # the same figures as a dict (plus 'details')

Two networks, each on one thread (torch.set_num_threads(1)), on the CPU:

* 4-5-5-3 ReLU on the scaled penguins data (70/30 split), and
* 784-128-64-10 ReLU on a synthetic 10,000-row, 10-class data set (fixed seed), since the
  snapshot's cost grows with the number of weights.

For each network three variants are timed:

* engine:    core.trainer.Trainer.train_epoch(snapshot=False)
* snapshot:  the same trainer, train_epoch(snapshot=True)
* reference: an idiomatic plain PyTorch loop: nn.Sequential of nn.Linear/nn.ReLU, Adam(lr=0.01),
             cross-entropy, DataLoader(TensorDataset(...), batch_size=16, shuffle=True), with
             model.train(), zero_grad, forward, loss, backward, step per batch and the epoch's mean
             loss as a float (loss.item() per batch).

The engine's epoch does more than the reference's: it also evaluates the validation split, counts
training accuracy and checks for divergence, so the comparison does not flatter the engine.

Measurement of engine_speedup: engine and reference are warmed up, then timed in blocks of whole
epochs (each block lasts about the same wall time, garbage collection off); one block of each makes
a round, the order alternating, so slow spells on a shared machine hit both alike. Rounds go on
until a time budget per network is spent (at least 6), so a busy machine gets fewer rounds, not a
longer run. The ratio is computed per round and the median over rounds is reported, with its
spread; as cross-checks the ratio of the fastest blocks (the least disturbed) and the ratio from
process CPU time are printed too.

Measurement of snapshot_overhead (measure_snapshot_pairs): it is a few per cent, smaller than the
drift of a shared machine over a quarter-second block, so it has its own measurement: hundreds of
short pairs (an engine block and a snapshot block of ~30 ms each, on the same trainer, back to back,
in alternating order), the ratio taken per pair in this thread's CPU time (time.thread_time), then
the median and the quartiles over the pairs. Two full runs agree within a few tenths of a per cent
(BENCHMARKS.md, 2026-12-03); the quartiles (snapshot_overhead_p25/_p75) show the per-pair spread.

Keys: engine_speedup = engine epochs/s / reference epochs/s (higher is better);
snapshot_overhead = time per epoch with snapshot=True / with snapshot=False (1.0 is free).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import gc  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

from core.dataset import Dataset, load_csv, penguins_path  # noqa: E402
from core.split import Split, split  # noqa: E402
from core.trainer import TrainConfig, Trainer  # noqa: E402

BATCH_SIZE = 16
LEARNING_RATE = 0.01
VAL_FRACTION = 0.3
SEED = 0


# -- data ----------------------------------------------------------------------------------------
def penguins_split() -> Split:
    return split(load_csv(penguins_path()), val_fraction=VAL_FRACTION, seed=SEED)


def synthetic_split(rows: int = 10_000, features: int = 784, classes: int = 10, seed: int = 1234) -> Split:
    """A learnable, MNIST-shaped data set: class centroids plus noise, pixel-like values in [0, 1]."""
    rng = np.random.default_rng(seed)
    centroids = rng.random((classes, features), dtype=np.float32)
    y = rng.integers(0, classes, size=rows).astype(np.int64)
    noise = rng.standard_normal((rows, features), dtype=np.float32) * 0.5
    X = np.clip(centroids[y] + noise, 0.0, 1.0).astype(np.float32)
    X.setflags(write=False)
    y.setflags(write=False)
    ds = Dataset(X=X, y=y, feature_names=tuple(f"px{i}" for i in range(features)),
                 class_names=tuple(str(c) for c in range(classes)), label_name="digit",
                 rows_total=rows, rows_dropped=0, source="synthetic")
    return split(ds, val_fraction=VAL_FRACTION, seed=SEED)


# -- the three variants ----------------------------------------------------------------------------
def engine_epochs(data: Split, hidden: tuple[int, ...]) -> tuple[Callable[[], object], Callable[[], object]]:
    """(train_epoch without snapshot, train_epoch with snapshot), sharing one trainer."""
    config = TrainConfig(hidden=hidden, activation="relu", optimizer="adam", learning_rate=LEARNING_RATE,
                         batch_size=BATCH_SIZE, loss="cross-entropy", device="cpu", seed=SEED,
                         val_fraction=VAL_FRACTION)
    trainer = Trainer(data, config)
    return (lambda: trainer.train_epoch(snapshot=False)), (lambda: trainer.train_epoch(snapshot=True))


def plain_mlp(sizes: tuple[int, ...], device: torch.device | str = "cpu") -> nn.Sequential:
    """nn.Sequential of nn.Linear and nn.ReLU layers of these sizes, seeded, on the device."""
    torch.manual_seed(SEED)
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers).to(device)


def reference_epoch(data: Split, hidden: tuple[int, ...], batch_size: int = BATCH_SIZE,
                    lr: float = LEARNING_RATE, device: torch.device | None = None) -> Callable[[], float]:
    """An idiomatic plain PyTorch training loop over a DataLoader; one call trains one epoch.

    With a CUDA `device`, PyTorch's tutorial form: pinned batches moved with .to(device,
    non_blocking=True) (bench/gpu.py); on the CPU the batches are used as they come."""
    dev = torch.device("cpu") if device is None else torch.device(device)
    on_gpu = dev.type != "cpu"
    model = plain_mlp((data.X_train.shape[1], *hidden, len(data.class_names)), dev)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    dataset = TensorDataset(torch.tensor(np.asarray(data.X_train)), torch.tensor(np.asarray(data.y_train)))
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, pin_memory=on_gpu)

    def epoch() -> float:
        model.train()
        total, count = 0.0, 0
        for xb, yb in loader:
            if on_gpu:
                xb, yb = xb.to(dev, non_blocking=True), yb.to(dev, non_blocking=True)
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * xb.size(0)
            count += xb.size(0)
        return total / count

    return epoch


# -- timing ---------------------------------------------------------------------------------------
def _time_block(fn: Callable[[], object], epochs: int) -> tuple[float, float]:
    """(wall, CPU) seconds per epoch over a block of `epochs` epochs (garbage collection off inside).

    The CPU time (this process's, one thread) leaves out the time the process waited for a core, so it
    is a cross-check on a machine that other jobs share.
    """
    gc.collect()
    gc.disable()
    try:
        c0, t0 = time.process_time(), time.perf_counter()
        for _ in range(epochs):
            fn()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        return wall / epochs, cpu / epochs
    finally:
        gc.enable()


def _warm_up(fn: Callable[[], object], min_seconds: float, min_epochs: int = 2) -> float:
    """Run until both minimums are met; seconds per epoch of the last half (for sizing blocks)."""
    times = []
    t_start = time.perf_counter()
    while len(times) < min_epochs or time.perf_counter() - t_start < min_seconds:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times[len(times) // 2:])


def _spread(values: list[float]) -> dict:
    q = statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else [values[0]] * 3
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "q1": q[0], "q3": q[2]}


def measure_case(fns: dict[str, Callable[[], object]], budget_seconds: float, block_seconds: float,
                 warmup_seconds: float, min_rounds: int = 6, max_rounds: int = 60,
                 log: Callable[[str], None] | None = None) -> dict:
    """Interleaved rounds of timed blocks until the time budget is spent; per-round paired ratios.

    Each round times one block of every variant, in an order that cycles through all permutations;
    rounds continue until `budget_seconds` have passed (at least `min_rounds`, at most `max_rounds`),
    so a busy machine gets fewer rounds instead of a longer run.
    """
    per_epoch = {name: _warm_up(fn, warmup_seconds, min_epochs=2) for name, fn in fns.items()}
    epochs = {name: max(1, round(block_seconds / t)) for name, t in per_epoch.items()}
    orders = list(itertools.permutations(fns))
    seconds: dict[str, list[float]] = {name: [] for name in fns}
    cpu: dict[str, list[float]] = {name: [] for name in fns}
    t_start = time.perf_counter()
    r = 0
    while r < min_rounds or (r < max_rounds and time.perf_counter() - t_start < budget_seconds):
        for name in orders[r % len(orders)]:
            wall_s, cpu_s = _time_block(fns[name], epochs[name])
            seconds[name].append(wall_s)
            cpu[name].append(cpu_s)
        r += 1
        if log:
            log(f"    round {r:2d}: " + "  ".join(f"{name} {1 / seconds[name][-1]:8.2f}/s" for name in fns)
                + f"   speedup {seconds['reference'][-1] / seconds['engine'][-1]:.3f}")

    def ratios(t: dict[str, list[float]], num: str, den: str) -> list[float]:
        return [a / b for a, b in zip(t[num], t[den], strict=True)]

    return {
        "rounds": r,
        "epochs_per_block": epochs,
        "epochs_per_s": {name: _spread([1 / s for s in seconds[name]]) for name in fns},
        "engine_speedup": _spread(ratios(seconds, "reference", "engine")),
        "engine_speedup_cputime": _spread(ratios(cpu, "reference", "engine")),
        # the fastest block of each variant: the least disturbed, a cross-check when other jobs interfere
        "engine_speedup_best": min(seconds["reference"]) / min(seconds["engine"]),
    }


def measure_snapshot_pairs(engine: Callable[[], object], snapshot: Callable[[], object],
                           budget_seconds: float, block_seconds: float, warmup_seconds: float,
                           min_pairs: int = 20, max_pairs: int = 2000,
                           log: Callable[[str], None] | None = None) -> dict:
    """snapshot_overhead from many short alternated pairs of blocks on one trainer.

    A pair is one block of `engine` and one of `snapshot` (the same number of whole epochs, about
    `block_seconds` each), back to back; the order alternates (engine first, then snapshot first), so
    drift and any cost of following the other variant fall on both alike. Each block is timed in this
    thread's CPU time (time.thread_time: torch runs on this one thread) and in wall time; the ratio
    snapshot / engine is taken per pair, and the median and quartiles over all pairs are reported.
    CPU time leaves out the time spent waiting for a core while other jobs run, so it is the headline;
    the wall-time median is the cross-check. Pairs go on until the budget is spent (at least
    `min_pairs`), so a busy machine gets fewer pairs rather than a longer run.
    """
    per_epoch = min(_warm_up(engine, warmup_seconds), _warm_up(snapshot, warmup_seconds))
    epochs = max(1, round(block_seconds / per_epoch))
    fns = {"engine": engine, "snapshot": snapshot}
    cpu_ratios: list[float] = []
    wall_ratios: list[float] = []
    t_start = time.perf_counter()
    n = 0
    while n < min_pairs or (n < max_pairs and time.perf_counter() - t_start < budget_seconds):
        order = ("engine", "snapshot") if n % 2 == 0 else ("snapshot", "engine")
        got = {}
        if n % 16 == 0:  # a full collection takes tens of ms with torch loaded: not before every block
            gc.collect()
        gc.disable()
        try:
            for name in order:
                fn = fns[name]
                c0, t0 = time.thread_time(), time.perf_counter()
                for _ in range(epochs):
                    fn()
                got[name] = (time.perf_counter() - t0, time.thread_time() - c0)
        finally:
            gc.enable()
        wall_ratios.append(got["snapshot"][0] / got["engine"][0])
        cpu_ratios.append(got["snapshot"][1] / got["engine"][1])
        n += 1
    cpu, wall = _spread(cpu_ratios), _spread(wall_ratios)
    if log:
        took = time.perf_counter() - t_start
        log(f"    snapshot pairs: {n} pairs of {epochs}-epoch blocks in {took:.0f} s; "
            f"ratio per pair, CPU time: median {cpu['median']:.4f} (p25 {cpu['q1']:.4f}, "
            f"p75 {cpu['q3']:.4f}); "
            f"wall time: median {wall['median']:.4f} (p25 {wall['q1']:.4f}, p75 {wall['q3']:.4f})")
    return {"pairs": n, "epochs_per_block": epochs, "cpu": cpu, "wall": wall}


def _device_name() -> str:
    name = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"cpu ({name})"


def _loadavg() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def measure(quick: bool = False, log: Callable[[str], None] | None = None, details: bool = False) -> dict:
    """Run the whole benchmark and return its figures as one flat dict of numbers and strings.

    Keys (penguins network; the same with a _784 suffix for the 784-128-64-10 network):
    engine_speedup, engine_speedup_best, engine_epochs_per_s, reference_epochs_per_s (interleaved
    rounds); snapshot_overhead (median over alternated pairs, CPU time), snapshot_overhead_p25 and
    _p75 (its quartiles over the pairs), snapshot_overhead_wall (the wall-time median),
    snapshot_overhead_pairs (how many pairs); and device, torch, engine_threads,
    engine_loadavg_start, engine_loadavg_end. With details=True, also 'details': per-variant and
    per-ratio spreads. `log`, if given, receives progress lines. Sets torch to one thread for the
    run and restores the previous thread count afterwards.
    """
    # seconds per network (after warm-up) of speedup rounds, then of snapshot pairs: a full run takes
    # about 2 minutes, a quick one about 40 s
    budgets = {"": 5.0, "_784": 8.0} if quick else {"": 15.0, "_784": 25.0}
    pair_budgets = {"": 8.0, "_784": 10.0} if quick else {"": 25.0, "_784": 40.0}
    block_seconds = 0.1 if quick else 0.25
    pair_block_seconds = 0.03  # 5 epochs of the penguins network; 1 epoch of the 784 one
    warmup_seconds = 0.3 if quick else 1.0
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        cases = {
            "": ("penguins 4-5-5-3", penguins_split(), (5, 5)),
            "_784": ("synthetic 784-128-64-10", synthetic_split(), (128, 64)),
        }
        out = {"device": _device_name(), "torch": torch.__version__,
               "engine_threads": torch.get_num_threads(), "engine_loadavg_start": _loadavg()}
        cases_out = {}
        for suffix, (title, data, hidden) in cases.items():
            if log:
                n = len(data.X_train)
                log(f"{title}: {n} training rows, {-(-n // BATCH_SIZE)} batches of {BATCH_SIZE} per epoch, "
                    f"{len(data.X_val)} validation rows; rounds for {budgets[suffix]:.0f} s, snapshot "
                    f"pairs for {pair_budgets[suffix]:.0f} s")
            engine, snapshot = engine_epochs(data, hidden)
            fns = {"engine": engine, "reference": reference_epoch(data, hidden)}
            case = measure_case(fns, budgets[suffix], block_seconds, warmup_seconds,
                                min_rounds=4 if quick else 6, log=log)
            case["snapshot"] = pairs = measure_snapshot_pairs(
                engine, snapshot, pair_budgets[suffix], pair_block_seconds, warmup_seconds,
                min_pairs=10 if quick else 20, log=log)
            cases_out[title] = case
            out["engine_speedup" + suffix] = case["engine_speedup"]["median"]
            out["engine_epochs_per_s" + suffix] = case["epochs_per_s"]["engine"]["median"]
            out["reference_epochs_per_s" + suffix] = case["epochs_per_s"]["reference"]["median"]
            out["engine_speedup_best" + suffix] = case["engine_speedup_best"]
            out["snapshot_overhead" + suffix] = pairs["cpu"]["median"]
            out["snapshot_overhead_p25" + suffix] = pairs["cpu"]["q1"]
            out["snapshot_overhead_p75" + suffix] = pairs["cpu"]["q3"]
            out["snapshot_overhead_wall" + suffix] = pairs["wall"]["median"]
            out["snapshot_overhead_pairs" + suffix] = pairs["pairs"]
        out["engine_loadavg_end"] = _loadavg()
        if details:
            out["details"] = {"quick": quick, "cpus": os.cpu_count(), "cases": cases_out}
        return out
    finally:
        torch.set_num_threads(previous_threads)


def _report(result: dict) -> str:
    d = result["details"]
    lines = [f"torch {result['torch']}, {result['device']}, {result['engine_threads']} thread"
             + (", quick" if d["quick"] else "")
             + f"; 1-min load average {result['engine_loadavg_start']} at the start, "
             + f"{result['engine_loadavg_end']} at the end ({d['cpus']} CPUs)"]
    loads = (result["engine_loadavg_start"], result["engine_loadavg_end"])
    load = max(x for x in (*loads, 0.0) if x is not None)
    if d["cpus"] and load > d["cpus"] - 0.5:
        lines.append("warning: other jobs kept the CPUs busy during this run: the absolute epochs/s are "
                     "depressed and the ratios noisy; compare the median ratios with the cross-checks")
    cols = ("median", "min", "q1", "q3", "max")
    for title, case in d["cases"].items():
        lines.append(f"\n{title}")
        lines.append(f"  {'':34}" + "".join(f"{c:>10}" for c in cols))
        labels = {"engine": "engine epochs/s", "reference": "reference epochs/s"}
        for name, label in labels.items():
            s = case["epochs_per_s"][name]
            lines.append(f"  {label:34}" + "".join(f"{s[k]:10.1f}" for k in cols))
        s = case["engine_speedup"]
        lines.append(f"  {'engine_speedup (x)':34}" + "".join(f"{s[k]:10.3f}" for k in cols))
        sp = case["snapshot"]
        for key, label in (("cpu", "snapshot_overhead, CPU time (x)"),
                           ("wall", "snapshot_overhead, wall (x)")):
            s = sp[key]
            lines.append(f"  {label:34}" + "".join(f"{s[k]:10.4f}" for k in cols))
        lines.append(f"  cross-checks on engine_speedup: from the fastest block of each "
                     f"{case['engine_speedup_best']:.3f}, from CPU time (median) "
                     f"{case['engine_speedup_cputime']['median']:.3f}")
        per_block = ", ".join(f"{k} {v}" for k, v in case["epochs_per_block"].items())
        lines.append(f"  (engine_speedup: per round, {case['rounds']} rounds, epochs per block: {per_block}; "
                     f"snapshot_overhead: per alternated pair, {sp['pairs']} pairs of "
                     f"{sp['epochs_per_block']}-epoch blocks)")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and shorter blocks")
    parser.add_argument("--json", action="store_true", help="end with one line of JSON (the key figures)")
    parser.add_argument("--quiet", action="store_true", help="no per-round lines")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    result = measure(args.quick, log=None if args.quiet else lambda s: print(s, flush=True), details=True)
    print(_report(result))
    print(f"\n(total {time.perf_counter() - t0:.0f} s)")
    if args.json:
        print(json.dumps({k: v for k, v in result.items() if k != "details"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
