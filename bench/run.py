"""Run every benchmark and print one table; with --json, one JSON object as the last line.

    python bench/run.py [--quick] [--json] [--only engine,gui,classify,memory,accuracy,gpu] [--pictures]

Every figure is a ratio against a reference measured in the same run (see each script), except the
accuracy and memory figures. The gpu part (bench/gpu.py) reports only "gpu_skipped" where torch
sees no CUDA device. Targets come from the performance issue; BENCHMARKS.md records runs.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TARGETS = {
    "engine_speedup": (">=", 2.0), "snapshot_overhead": ("<=", 1.05),
    "gui_training_ratio": (">=", 0.9), "frame_ms_60": ("<=", 5), "frame_ms_5k": ("<=", 33),
    "frame_ms_109k": ("<=", 50), "frame_vs_floor_5k": ("<=", 1.3),
    "gui_lateness_p99_ms": ("<=", 16), "gui_lateness_max_ms": ("<=", 50),
    "startup_ratio": ("<=", 1.5), "startup_ready_ratio": ("<=", 6), "classify_ratio": ("<=", 1.5),
    "penguins_accuracy_min": (">=", 0.97),
    # bench/gpu.py, on a CUDA machine only: small batches (Python overhead) and large ones
    "gpu_engine_vs_tutorial_b16": (">=", 2.0), "gpu_engine_vs_resident_b2048": (">=", 0.95),
    "gpu_engine_vs_tutorial_b2048": (">=", 0.95),
}


def accuracy(quick: bool) -> dict:
    from core.dataset import load_csv, penguins_path
    from core.split import split
    from core.trainer import TrainConfig, Trainer, configure_threads

    ds = load_csv(penguins_path())
    accs = []
    for seed in range(5):
        cfg = TrainConfig(seed=seed)
        t = Trainer(split(ds, cfg.val_fraction, seed), cfg)
        configure_threads(t.spec, len(t.data.X_train))
        for _ in range(100):
            m = t.train_epoch(snapshot=False)
        accs.append(m["val_accuracy"])
    return {"penguins_accuracy_min": round(min(accs), 4),
            "penguins_accuracies": [round(a, 4) for a in accs]}


def load_bench(name: str):
    """bench/NAME.py as module bench_NAME (loaded by path: bench/gui.py must not shadow gui/)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="shorter runs (noisier figures)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--only", help="comma-separated: engine,gui,classify,memory,accuracy,gpu")
    ap.add_argument("--pictures", action="store_true",
                    help="the gui part with the pictures in the neurons on (View → Pictures in neurons)")
    a = ap.parse_args()
    if a.pictures:
        os.environ["NEUROWATCH_BENCH_PICTURES"] = "1"  # read by bench/gui.py (PICTURES_ENV)
    parts = a.only.split(",") if a.only else ["accuracy", "engine", "classify", "memory", "gui", "gpu"]
    results: dict = {}
    for part in parts:
        t = time.perf_counter()
        try:
            if part == "accuracy":
                results.update(accuracy(a.quick))
            else:
                results.update(load_bench(part).measure(a.quick))
        except Exception as e:  # one failing benchmark must not hide the others' figures
            results[f"{part}_error"] = f"{type(e).__name__}: {e}"
        print(f"[{part}: {time.perf_counter() - t:.0f} s]", file=sys.stderr)
    import torch

    gpu = f"CUDA {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else "CPU only"
    results["machine"] = (f"{platform.machine()}, {os.cpu_count()} cores, Python "
                          f"{platform.python_version()}, torch {torch.__version__}, {gpu}")
    print(f"{'key':28s} {'value':>12s}  target")
    for k, v in results.items():
        target = TARGETS.get(k)
        mark = ""
        if target and isinstance(v, (int, float)):
            op, lim = target
            ok = v >= lim if op == ">=" else v <= lim
            mark = f"{op} {lim}  {'ok' if ok else 'MISSED'}"
        shown = f"{v:12.4g}" if isinstance(v, float) else f"{v!s:>12}"
        # a figure measured with a spread (e.g. snapshot_overhead_p25/_p75) shows it beside the value
        base, net, _ = k.partition("_784")  # e.g. snapshot_overhead_784 -> snapshot_overhead_p25_784
        q1, q3 = results.get(f"{base}_p25{net}"), results.get(f"{base}_p75{net}")
        if isinstance(q1, float) and isinstance(q3, float):
            mark = f"{mark}  (quartiles {q1:.4f}-{q3:.4f})".lstrip()
        print(f"{k:28s} {shown}  {mark}")
    if a.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
