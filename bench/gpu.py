"""The engine on a GPU, as ratios against plain PyTorch loops on the same device in the same run.

    python bench/gpu.py                  # CUDA, 784-1024-1024-10 on 60,000 synthetic rows (~3 min)
    python bench/gpu.py --quick --json   # shorter; the last stdout line is one JSON object
    python bench/gpu.py --device cpu --rows 3000 --hidden 64,64 --quick   # a smoke run without a GPU

Written to be run as one prepared command on a lent GPU machine (see DEVELOPERS.md, "GPU figures"):
it needs only torch, numpy and pandas, which that machine's image has.

For each batch size four variants train the same network on the same data (70/30 split of a
learnable, MNIST-shaped synthetic set), Adam, cross-entropy:

* engine:    core.trainer.Trainer.train_epoch(snapshot=False) (device forced, not auto)
* snapshot:  the same trainer, train_epoch(snapshot=True): the window's path, weights, epoch-mean
             gradients and updates copied to the host once per epoch
* tutorial:  PyTorch's tutorial loop: DataLoader(shuffle=True, pin_memory) over host tensors, each
             batch moved with .to(device, non_blocking=True), nn.Sequential, torch.optim.Adam,
             loss.item() per batch for the epoch's mean loss
* resident:  the fastest plain loop we know: the data already on the device, a device randperm split
             into index batches, the loss summed on the device and read once per epoch

Each callable returns only after the device has finished its epoch (the engine and the loops read a
number back; a synchronize closes every block too). Timing as in bench/engine.py: warm-up, then
interleaved rounds of blocks in cycling orders, per-round ratios, medians reported.

Keys (suffix _bN for batch size N): gpu_engine_vs_tutorial, gpu_engine_vs_resident (engine epochs/s
÷ that loop's; the issue's targets: >= 2 at small batches, >= 0.95 at large ones),
gpu_snapshot_overhead (snapshot ÷ engine time), gpu_snapshot_ms (its extra milliseconds per epoch),
gpu_engine_epochs_per_s; plus gpu_device, gpu_syncs_per_epoch (host synchronisations CUDA's
sync-debug mode reports during one engine epoch with a snapshot) and the auto-device check:
gpu_auto_small / _mid / _large (what device='auto' picks for penguins 4-5-5-3, 784-128-64-10 on
10k rows and this network) with gpu_small_cpu_epochs_per_s, gpu_small_cuda_epochs_per_s and the
same for mid (each network on each device, batch 16, snapshot on, as the window trains).
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
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from bench.engine import (  # noqa: E402
    _spread,
    _time_block,
    _warm_up,
    penguins_split,
    plain_mlp,
    reference_epoch,
    synthetic_split,
)
from core.network import NetworkSpec  # noqa: E402
from core.split import Split  # noqa: E402
from core.trainer import TrainConfig, Trainer, configure_threads, resolve_device  # noqa: E402

LEARNING_RATE = 0.001  # Adam's usual rate for a network this wide (the app's default 0.01 is for 4-5-5-3)
SEED = 0
VARIANTS = ("engine", "snapshot", "tutorial", "resident")


def tutorial_epoch(data: Split, hidden, batch: int, device: torch.device) -> Callable[[], float]:
    """PyTorch's tutorial loop (bench/engine.py's reference, with .to(device) per batch)."""
    return reference_epoch(data, hidden, batch_size=batch, lr=LEARNING_RATE, device=device)


def resident_epoch(data: Split, hidden, batch: int, device: torch.device) -> Callable[[], float]:
    model = plain_mlp((data.X_train.shape[1], *hidden, len(data.class_names)), device)
    opt = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    loss_fn = nn.CrossEntropyLoss()
    X = torch.tensor(np.asarray(data.X_train), device=device)
    y = torch.tensor(np.asarray(data.y_train), device=device)
    gen = torch.Generator(device=device).manual_seed(SEED)

    def epoch() -> float:
        model.train()
        total = torch.zeros((), device=device)
        for idx in torch.randperm(X.shape[0], device=device, generator=gen).split(batch):
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(X[idx]), y[idx])
            loss.backward()
            opt.step()
            total += loss.detach() * idx.shape[0]
        return float(total) / X.shape[0]

    return epoch


def engine_trainer(data: Split, hidden, batch: int, device: str) -> Trainer:
    return Trainer(data, TrainConfig(hidden=hidden, optimizer="adam", learning_rate=LEARNING_RATE,
                                     batch_size=batch, device=device, seed=SEED))


def _synced(fn: Callable[[], object], device: torch.device) -> Callable[[], object]:
    if device.type != "cuda":
        return fn

    def run():
        out = fn()
        torch.cuda.synchronize(device)
        return out

    return run


def syncs_per_epoch(trainer: Trainer) -> int | None:
    """Synchronising calls CUDA's sync-debug mode warns about during one engine epoch (snapshot on)."""
    if trainer.device != "cuda":
        return None
    torch.cuda.set_sync_debug_mode("warn")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            trainer.train_epoch(snapshot=True)
    finally:
        torch.cuda.set_sync_debug_mode("default")
    return sum("synchroniz" in str(w.message) for w in caught)


def measure_batch(data: Split, hidden, batch: int, device: torch.device, budget: float, block: float,
                  log: Callable[[str], None] | None) -> dict:
    trainer = engine_trainer(data, hidden, batch, device.type)
    fns = {
        "engine": lambda: trainer.train_epoch(snapshot=False),
        "snapshot": lambda: trainer.train_epoch(snapshot=True),
        "tutorial": tutorial_epoch(data, hidden, batch, device),
        "resident": resident_epoch(data, hidden, batch, device),
    }
    fns = {k: _synced(f, device) for k, f in fns.items()}
    gc.collect()
    gc.freeze()  # torch.optim's imports leave ~1M objects: each block's gc.collect() took 0.25 s
    per_epoch = {k: _warm_up(f, min(1.0, budget / 10)) for k, f in fns.items()}
    epochs = {k: max(1, round(block / t)) for k, t in per_epoch.items()}
    orders = list(itertools.permutations(fns))
    seconds: dict[str, list[float]] = {k: [] for k in fns}
    t0, r = time.perf_counter(), 0
    while r < 4 or (r < 40 and time.perf_counter() - t0 < budget):
        for k in orders[r % len(orders)]:
            seconds[k].append(_time_block(fns[k], epochs[k])[0])
        r += 1
        if log:
            log(f"    b{batch} round {r:2d}: " + "  ".join(
                f"{k} {1 / seconds[k][-1]:8.2f}/s" for k in fns))

    gc.unfreeze()

    def ratio(num: str, den: str) -> float:
        return _spread([a / b for a, b in zip(seconds[num], seconds[den], strict=True)])["median"]

    engine_s = _spread(seconds["engine"])["median"]
    return {
        f"gpu_engine_vs_tutorial_b{batch}": round(ratio("tutorial", "engine"), 3),
        f"gpu_engine_vs_resident_b{batch}": round(ratio("resident", "engine"), 3),
        f"gpu_snapshot_overhead_b{batch}": round(ratio("snapshot", "engine"), 3),
        f"gpu_snapshot_ms_b{batch}": round(1e3 * (_spread(seconds["snapshot"])["median"] - engine_s), 2),
        f"gpu_engine_epochs_per_s_b{batch}": round(1 / engine_s, 2),
        f"gpu_rounds_b{batch}": r,
        f"gpu_syncs_per_epoch_b{batch}": syncs_per_epoch(trainer),
    }


def auto_check(data: Split, hidden, device: torch.device, log, mid_rows: int = 10_000) -> dict:
    """What device='auto' picks for three networks, and the two smaller ones' speed on each device.

    penguins 4-5-5-3 (far below the threshold), 784-128-64-10 on 10k rows (above it, but launch-bound
    at batch 16: the case that calibrates core.trainer.GPU_WORTHWHILE_MACS) and this run's network.
    """
    cases = {"small": (penguins_split(), (5, 5)), "mid": (synthetic_split(rows=mid_rows), (128, 64)),
             "large": (data, hidden)}
    out = {}
    for name, (d, h) in cases.items():
        spec = NetworkSpec.build(d.X_train.shape[1], h, len(d.class_names), "relu")
        out[f"gpu_auto_{name}"], why = resolve_device("auto", spec, len(d.X_train))
        if log:
            log(f"  auto for {spec.layer_sizes}: {why}")
    threads = torch.get_num_threads()
    for name in ("small", "mid"):
        d, h = cases[name]
        for dev in ("cpu", device.type) if device.type == "cuda" else ("cpu",):
            t = Trainer(d, TrainConfig(hidden=h, device=dev, seed=SEED))
            configure_threads(t.spec, len(d.X_train))  # as the engine does
            per = _warm_up(lambda t=t: t.train_epoch(snapshot=True), 1.0, min_epochs=3)
            out[f"gpu_{name}_{dev}_epochs_per_s"] = round(1 / per, 1)
            torch.set_num_threads(threads)
    return out


def measure(quick: bool = False, device: str = "cuda", rows: int = 60_000, hidden=(1024, 1024),
            batches=(16, 256, 2048), log: Callable[[str], None] | None = None,
            budget: float | None = None, block: float | None = None) -> dict:
    """The figures as one flat dict (keys in the module's docstring); `budget` (seconds of rounds
    per batch size) and `block` (seconds per timed block) override --quick's choice."""
    if device == "cuda" and not torch.cuda.is_available():
        return {"gpu_skipped": "no CUDA device"}
    dev = torch.device(device)
    threads = torch.get_num_threads()
    data = synthetic_split(rows=rows)
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu"
    out = {"gpu_device": name, "gpu_torch": torch.__version__,
           "gpu_network": "-".join(str(s) for s in (784, *hidden, 10)), "gpu_rows": rows}
    if log:
        log(f"{out['gpu_network']} on {rows} synthetic rows ({len(data.X_train)} training), {name}")
    for b in batches:
        out.update(measure_batch(data, hidden, b, dev, budget=budget or (8.0 if quick else 25.0),
                                 block=block or (0.3 if quick else 1.0), log=log))
        torch.set_num_threads(threads)
    out.update(auto_check(data, hidden, dev, log, mid_rows=min(10_000, rows)))
    torch.set_num_threads(threads)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="shorter rounds (noisier)")
    ap.add_argument("--json", action="store_true", help="end with one line of JSON")
    ap.add_argument("--device", default="cuda", choices=("cuda", "cpu"))
    ap.add_argument("--rows", type=int, default=60_000)
    ap.add_argument("--hidden", default="1024,1024", help="hidden layer widths, comma-separated")
    ap.add_argument("--batches", default="16,256,2048", help="batch sizes, comma-separated")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    result = measure(a.quick, a.device, a.rows, tuple(int(h) for h in a.hidden.split(",")),
                     tuple(int(b) for b in a.batches.split(",")), log=lambda s: print(s, flush=True))
    for k, v in result.items():
        print(f"{k:32s} {v}")
    print(f"(total {time.perf_counter() - t0:.0f} s)")
    if a.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
