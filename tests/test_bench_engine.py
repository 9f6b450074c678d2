"""bench/engine.py's snapshot_overhead measurement: the pairs alternate and every figure is produced.

Nothing is timed against a target here (benchmarks are not tests): what is checked is the pairing,
the order, and that the figures exist and are consistent.
"""

import importlib.util
import itertools
import math
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bench_engine():
    spec = importlib.util.spec_from_file_location("bench_engine", ROOT / "bench" / "engine.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _work(n: int) -> int:
    return sum(i * i for i in range(n))  # some CPU time, so no block measures zero


def test_snapshot_pairs_alternate_their_order_and_have_equal_blocks():
    e = _bench_engine()
    calls: list[str] = []
    engine = lambda: (calls.append("E"), _work(300))  # noqa: E731
    snapshot = lambda: (calls.append("S"), _work(300))  # noqa: E731
    out = e.measure_snapshot_pairs(engine, snapshot, budget_seconds=0.0, block_seconds=0.002,
                                   warmup_seconds=0.0, min_pairs=6)
    assert out["pairs"] == 6
    k = out["epochs_per_block"]
    assert k >= 1
    timed = calls[len(calls) - 12 * k:]  # the warm-up came first
    runs = [(name, len(list(group))) for name, group in itertools.groupby(timed)]
    # E|S  S|E  E|S ...: engine first in even pairs, snapshot first in odd ones
    assert runs == [("E", k), ("S", 2 * k), ("E", 2 * k), ("S", 2 * k), ("E", 2 * k), ("S", 2 * k), ("E", k)]
    for key in ("cpu", "wall"):
        s = out[key]
        assert all(math.isfinite(s[q]) and s[q] > 0 for q in ("median", "q1", "q3", "min", "max"))
        assert s["min"] <= s["q1"] <= s["median"] <= s["q3"] <= s["max"]


def test_snapshot_pairs_run_on_the_real_trainer():
    import torch

    e = _bench_engine()
    threads = torch.get_num_threads()
    engine, snapshot = e.engine_epochs(e.penguins_split(), (5, 5))
    out = e.measure_snapshot_pairs(engine, snapshot, budget_seconds=0.0, block_seconds=0.0,
                                   warmup_seconds=0.0, min_pairs=4)
    assert out["pairs"] == 4 and out["epochs_per_block"] == 1
    assert math.isfinite(out["cpu"]["median"]) and out["cpu"]["median"] > 0
    assert torch.get_num_threads() == threads
