"""Classify a 200k-row, 4-feature CSV end to end, against pandas.read_csv of the same file.

    python bench/classify.py [--quick] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def make_model():
    from core.dataset import load_csv, penguins_path
    from core.model import model_from_training
    from core.split import split
    from core.trainer import TrainConfig, Trainer

    t = Trainer(split(load_csv(penguins_path()), 0.3, 0), TrainConfig())
    for _ in range(5):
        t.train_epoch(snapshot=False)
    return model_from_training(t)


def make_file(path: Path, rows: int):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({
        "bill_length_mm": rng.normal(44, 5, rows).round(1),
        "bill_depth_mm": rng.normal(17, 2, rows).round(1),
        "flipper_length_mm": rng.normal(200, 14, rows).round(0),
        "body_mass_g": rng.normal(4200, 800, rows).round(0),
    })
    df.to_csv(path, index=False)


def measure(quick: bool = False) -> dict:
    from core.classify import classify_file

    rows = 200_000
    model = make_model()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "obs.csv"
        make_file(path, rows)
        ref, ours = [], []
        for _ in range(3 if quick else 7):  # interleaved, medians
            t = time.perf_counter()
            pd.read_csv(path)
            ref.append(time.perf_counter() - t)
            t = time.perf_counter()
            pred = classify_file(model, path)
            ours.append(time.perf_counter() - t)
        assert len(pred.predicted) == rows
    r, o = statistics.median(ref), statistics.median(ours)
    return {"classify_rows": rows, "read_csv_s": round(r, 4), "classify_s": round(o, 4),
            "classify_ratio": round(o / r, 3)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    m = measure(a.quick)
    for k, v in m.items():
        print(f"{k:16s} {v}")
    if a.json:
        print(json.dumps(m))


if __name__ == "__main__":
    main()
