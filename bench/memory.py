"""Peak memory with the full history on: penguins 4-5-5-3 and a 784-128-64-10 network.

Each case runs in its own process so its peak RSS is its own. The History keeps every epoch's
metrics and full snapshots within a byte budget (core/history.py), so memory stays flat.

    python bench/memory.py [--quick] [--json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
import numpy as np
from core.dataset import Dataset, load_csv, penguins_path
from core.split import split
from core.history import History
from core.trainer import Trainer, TrainConfig, configure_threads

case, epochs = sys.argv[2], int(sys.argv[3])
if case == "penguins":
    data = split(load_csv(penguins_path()), 0.3, 0)
    cfg = TrainConfig()
else:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 784)).astype(np.float32)
    y = (X[:, :10].argmax(1)).astype(np.int64)
    ds = Dataset(X=X, y=y, feature_names=tuple(f"p{i}" for i in range(784)),
                 class_names=tuple(str(i) for i in range(10)), label_name="y", rows_total=2000,
                 rows_dropped=0)
    data = split(ds, 0.2, 0)
    cfg = TrainConfig(hidden=(128, 64), batch_size=128)
t = Trainer(data, cfg)
configure_threads(t.spec, len(data.X_train))
h = History()
h.add(t.snapshot())
rss = []
t0 = time.perf_counter()
for e in range(epochs):
    h.add(t.train_epoch())
    if e % max(1, epochs // 20) == 0:
        rss.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
secs = time.perf_counter() - t0
print(json.dumps(dict(case=case, epochs=epochs, peak_rss_mb=resource.getrusage(
    resource.RUSAGE_SELF).ru_maxrss / 1024, rss_at_5pct_mb=rss[1] if len(rss) > 1 else rss[0],
    history_mb=h.nbytes / 2**20, kept_snapshots=len(h.epochs_with_snapshots()), stride=h.stride,
    budget_mb=h.budget / 2**20, epochs_per_s=epochs / secs)))
"""


def run_case(case: str, epochs: int) -> dict:
    r = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), case, str(epochs)],
                       capture_output=True, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def measure(quick: bool = False) -> dict:
    p = run_case("penguins", 2000 if quick else 20000)
    b = run_case("mnist-like", 60 if quick else 400)
    return {
        "penguins_epochs": p["epochs"], "penguins_peak_rss_mb": round(p["peak_rss_mb"], 1),
        "penguins_rss_growth_mb": round(p["peak_rss_mb"] - p["rss_at_5pct_mb"], 1),
        "penguins_history_mb": round(p["history_mb"], 2),
        "penguins_kept_snapshots": p["kept_snapshots"],
        "big_epochs": b["epochs"], "big_peak_rss_mb": round(b["peak_rss_mb"], 1),
        "big_rss_growth_mb": round(b["peak_rss_mb"] - b["rss_at_5pct_mb"], 1),
        "big_history_mb": round(b["history_mb"], 1), "big_kept_snapshots": b["kept_snapshots"],
        "big_stride": b["stride"], "history_budget_mb": p["budget_mb"],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    m = measure(a.quick)
    for k, v in m.items():
        print(f"{k:28s} {v}")
    if a.json:
        print(json.dumps(m))


if __name__ == "__main__":
    main()
