"""bench/gpu.py is a prepared command for a lent GPU machine: it must not rot between such sessions.

It runs here on the CPU with a tiny network. Nothing is timed against a target (benchmarks are not
tests); what is checked is that every figure is produced and that the reference loops really train.
"""

import importlib.util
import math
from pathlib import Path

import torch

from core.trainer import TrainConfig, Trainer

ROOT = Path(__file__).resolve().parent.parent


def _bench_gpu():
    spec = importlib.util.spec_from_file_location("bench_gpu", ROOT / "bench" / "gpu.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reference_loops_and_engine_learn_the_same_task():
    g = _bench_gpu()
    data = g.synthetic_split(rows=600)
    dev = torch.device("cpu")
    for make in (g.tutorial_epoch, g.resident_epoch):
        epoch = make(data, (16,), 32, dev)
        losses = [epoch() for _ in range(4)]
        assert all(math.isfinite(v) for v in losses)
        assert losses[-1] < 0.7 * losses[0], (make.__name__, losses)
    t = g.engine_trainer(data, (16,), 32, "cpu")
    losses = [t.train_epoch(snapshot=False)["train_loss"] for _ in range(4)]
    assert losses[-1] < 0.7 * losses[0], losses


def test_measure_on_cpu_gives_every_figure():
    g = _bench_gpu()
    threads = torch.get_num_threads()
    out = g.measure(device="cpu", rows=400, hidden=(8,), batches=(16, 64), budget=0.2, block=0.02)
    assert torch.get_num_threads() == threads  # the run leaves torch's thread count as it found it
    for b in (16, 64):
        for key in ("gpu_engine_vs_tutorial", "gpu_engine_vs_resident", "gpu_snapshot_overhead",
                    "gpu_engine_epochs_per_s"):
            v = out[f"{key}_b{b}"]
            assert math.isfinite(v) and v > 0, (key, b, v)
        assert out[f"gpu_rounds_b{b}"] >= 4
        assert out[f"gpu_syncs_per_epoch_b{b}"] is None  # counted on CUDA only
    assert out["gpu_network"] == "784-8-10" and out["gpu_device"] == "cpu"
    assert out["gpu_auto_small"] == out["gpu_auto_mid"] == "cpu"  # no CUDA device here
    assert out["gpu_small_cpu_epochs_per_s"] > 0 and out["gpu_mid_cpu_epochs_per_s"] > 0


def test_cuda_run_is_skipped_cleanly_without_a_device():
    if torch.cuda.is_available():
        return  # on a GPU machine the full run is bench/gpu.py's job, not a test's
    assert _bench_gpu().measure(device="cuda") == {"gpu_skipped": "no CUDA device"}


def test_auto_keeps_penguins_on_cpu_even_with_a_gpu(monkeypatch):
    """The small-network rule, checked without a GPU by pretending one is there."""
    from core import trainer as tr
    from core.dataset import load_csv, penguins_path
    from core.split import split

    monkeypatch.setattr(tr.torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(tr.torch.cuda, "get_device_name", lambda *a: "Pretend GPU")
    data = split(load_csv(penguins_path()), 0.3, 0)
    spec = tr.NetworkSpec.build(4, (5, 5), 3, "relu")
    device, why = tr.resolve_device("auto", spec, len(data.X_train))
    assert device == "cpu" and "small" in why and "Pretend GPU" in why
    big = tr.NetworkSpec.build(784, (1024, 1024), 10, "relu")
    device, why = tr.resolve_device("auto", big, 42_000)
    assert device == "cuda" and "Pretend GPU" in why
    assert Trainer(data, TrainConfig(device="cpu")).device == "cpu"
