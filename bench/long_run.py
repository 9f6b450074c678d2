"""A long play session with the window open: memory and epochs/s at the start and at the end.

    QT_QPA_PLATFORM=offscreen python bench/long_run.py [--epochs 20000] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def rss_mb(pid: int | str = "self", field: str = "VmRSS") -> float:
    """Resident (VmRSS) or peak resident (VmHWM) memory of a process, MB (Linux /proc)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def measure(epochs: int = 20000) -> dict:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from gui.controls import SPEEDS
    from gui.main_window import MainWindow
    from gui.waiting import wait_until

    d = tempfile.mkdtemp()
    w = MainWindow(settings=QSettings(str(Path(d) / "s.ini"), QSettings.Format.IniFormat))
    w.confirm_close = lambda: True
    w.resize(1400, 860)
    w.show()
    wait_until(lambda: w.session.active_generation == w.session.generation, 60)
    w.controls.set_values(dict(speed_index=len(SPEEDS) - 1))  # as fast as it goes (default: 10/s);
    w.session.set_speed(w.controls.epochs_per_second())  # set_values is quiet: tell the engine
    w.session.play()
    marks = {}
    start = time.perf_counter()
    checkpoints = [1000, 2000, epochs // 2, epochs]
    last_e, last_t = 0, start
    for c in checkpoints:
        wait_until(lambda c=c: w.session.epoch >= c, 3600, poll_ms=200)
        now = time.perf_counter()
        marks[c] = dict(rss_mb=round(rss_mb(), 1), engine_rss_mb=round(rss_mb(w.session.worker.pid), 1),
                        epochs_per_s=round((w.session.epoch - last_e) / (now - last_t), 1))
        last_e, last_t = w.session.epoch, now
    w.session.pause()
    engine_peak = rss_mb(w.session.worker.pid, "VmHWM")  # the trainer runs in its own process
    history_mb = w.session.history.nbytes / 2**20
    w.close()
    app.processEvents()
    return {"long_epochs": epochs, "long_seconds": round(time.perf_counter() - start, 1),
            "long_marks": marks, "long_peak_rss_mb": round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "long_engine_peak_rss_mb": round(engine_peak, 1), "long_history_mb": round(history_mb, 2)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=20000)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    m = measure(a.epochs)
    print(json.dumps(m, indent=None if a.json else 1))


if __name__ == "__main__":
    main()
