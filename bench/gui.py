"""GUI speed as ratios against references measured in the same run.

    QT_QPA_PLATFORM=offscreen python bench/gui.py            # full run (about three minutes)
    QT_QPA_PLATFORM=offscreen python bench/gui.py --quick    # fewer frames, shorter blocks
    QT_QPA_PLATFORM=offscreen python bench/gui.py --json     # the last stdout line is one JSON object

Four measurements, each against a reference timed in the same run (the machine is shared and noisy,
so only the ratios travel between machines):

1. Network view frame time. A 1200x800 NetworkView shows an EpochSnapshot of random weights, then is
   repainted: frame = view.show_snapshot(snap, animate=False) + view.viewport().repaint(). Two different
   snapshots alternate, so every frame changes. viewport().repaint() is used because it sends exactly
   one paint event to the QGraphicsView's viewport, synchronously, into the window's backing store, as a
   real frame does (view.repaint() repaints only the scroll area's frame: zero viewport paint events;
   grab() also paints once but into a fresh QPixmap). The bench counts the viewport's paint events and
   reports paints per frame (must be 1.0). Sizes: 4-5-5-3 (60 edges), 64-48-48-10 (5,856 edges) and
   784-128-64-10 (109,184 edges); past MAX_EDGES the view draws only the strongest MAX_EDGES.
   Reference ("floor"): a bare QWidget of the same size whose paintEvent fills the background and draws
   the same segments (the ones the view drew for that snapshot, in the same device pixels) with one
   QPainter.drawLines call, one pen and antialiasing, repainted the same way (widget.repaint()). The one
   pen is the view's own pen for the median drawn edge (its colour, alpha and cosmetic width). A
   second floor with a 1 px cosmetic pen (Qt's fast cosmetic stroker) is reported as a detail.
   View and floor frames are interleaved; medians over the frames after warm-up. A frame slower than
   the per-size time cap allows is still measured, but fewer times (the count is reported).
   Keys: frame_ms_60, frame_ms_5k, frame_ms_109k, floor_ms_*, frame_vs_floor_* (frame / floor).

2. Training speed with the window open. MainWindow on the penguins data (default settings, animation
   on, play speed max) plays for a fixed time while this thread runs the event loop normally
   (QEventLoop, never QTest.qWait); epochs/s = epochs the window received from the training engine
   (its own process, core/engine_server.py; it sends snapshots every 12 ms, so the count lags by at
   most that) / wall time. The reference is core.trainer.Trainer.train_epoch(snapshot=True) in a plain
   loop in this process on the same split and config, after core.trainer.configure_threads as the
   engine does. Blocks are interleaved (headless, window, headless, window, ...); each window block
   starts from Reset (empty history).
   Key: gui_training_ratio = median over rounds of (window epochs/s / headless epochs/s).

   Details: CPU shares of the GUI thread, the engine process (from /proc) and the window's process;
   the engine's CPU ms per epoch beside the headless loop's; gui_training_ratio_cpu, the same ratio
   per CPU-second of the engine process (a cross-check when other jobs take the CPUs).

3. GUI responsiveness during play: a 5 ms precise QTimer in the GUI thread records (actual interval -
   5 ms) during the window blocks. Keys: gui_lateness_p99_ms, gui_lateness_max_ms. Reference detail:
   the same probe with the window open and nothing playing just before each block (idle_lateness_*).
   Detail "long session": synthetic epochs are fed through the window's own path (_on_snapshots, _draw,
   a repaint of the window) up to 100 / 300 / 1000 / 3000 epochs of history within a time budget; the
   GUI-thread CPU to receive one epoch and to draw one frame at each length (session_*).

4. Start-up: wall time from launching `python main.py` (offscreen, empty settings) to the end of the
   main window's first paint, vs the same for a bare PySide6 QMainWindow script. A small wrapper runs
   main.py with runpy; it imports gui.main_window first (main.py imports it anyway before building the
   window) to hook MainWindow.__init__, which installs an application event filter; the first Paint
   event to any widget of the window schedules a zero-time timer that fires once that paint pass is
   done, and prints time.time() minus the launch time the parent passed in NWBENCH_T0. Runs alternate
   main / bare, which goes first alternating too (the full run first does one untimed warm-up of each).
   Keys: startup_s, bare_startup_s, startup_ratio (medians of the runs).

   Then the same launch goes on to the first network drawn AND a step possible: window.session.ready,
   window.view.sizes non-empty and a paint of the view after it drew a network (checked after each
   such paint and every 5 ms). startup_ready_s is the median launch-to-that time;
   startup_ready_ratio the median over adjacent launches of (that time / the bare window's first
   paint), both measured from the launch, so both include starting Python and importing PySide6.
   Where the time goes: marks (wall and process CPU time) in the window's process and in the
   engine's (its entry point is swapped for a wrapper that marks, imports torch, hooks load_csv,
   Trainer and snapshot, then calls core.engine_server.serve): startup_phase_<name>_s, medians over
   the launches (STARTUP_PHASES); build_views and the engine's imports also as _cpu_s. The engine's
   phases run on the other core while the window builds its views, so the phases overlap.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The repository root goes first: this file is called gui.py, and run as a script its own folder is
# sys.path[0], where `import gui` would find this file instead of the gui package.
if str(ROOT) in sys.path:
    sys.path.remove(str(ROOT))
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import textwrap  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

VIEW_SIZE = (1200, 800)
WINDOW_SIZE = (1400, 860)
TIMER_MS = 5
SLOW_FRAME_S = 1.0  # a first frame this slow counts as a sample (see measure_frames)
SESSION_CHECKPOINTS = (100, 300, 1000, 3000)  # history lengths for the long-session detail
SHAPES = (("60", (4, 5, 5, 3)), ("5k", (64, 48, 48, 10)), ("109k", (784, 128, 64, 10)))
PENGUIN_FEATURES = ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g")
PENGUIN_CLASSES = ("Adelie", "Chinstrap", "Gentoo")
# The brief's budgets: a figure past one of these is flagged in the report.
LIMITS = {"frame_ms_60": ("max", 5.0), "frame_ms_5k": ("max", 33.0), "frame_ms_109k": ("max", 50.0),
          "frame_vs_floor_5k": ("max", 1.3), "gui_training_ratio": ("min", 0.9),
          "gui_lateness_p99_ms": ("max", 16.0), "gui_lateness_max_ms": ("max", 50.0)}

Log = Callable[[str], None] | None
# set to 1 (bench/run.py --pictures, bench/gui.py --pictures): the training blocks run with the
# pictures in the neurons on (gui/network_maps.py)
PICTURES_ENV = "NEUROWATCH_BENCH_PICTURES"


def _settings(quick: bool) -> dict:
    if quick:
        return dict(frames=30, warmup_frames=3, warmup_s=0.5, frame_cap_s=3.0, rounds=3, block_s=1.5,
                    idle_s=0.3, startup_runs=3, startup_warmup=False, startup_ready=True)
    return dict(frames=60, warmup_frames=5, warmup_s=2.0, frame_cap_s=20.0, rounds=6, block_s=3.0,
                idle_s=0.5, startup_runs=4, startup_warmup=True, startup_ready=True)


def _app():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([sys.argv[0]])


def _median(values: list[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def _wait_exposed(widget, timeout: float = 5.0) -> bool:
    from gui.waiting import wait_until

    return wait_until(lambda: widget.windowHandle() is not None and widget.windowHandle().isExposed(),
                      timeout, poll_ms=5)


# -- 1. network view frames ---------------------------------------------------------------------------
def random_snapshot(sizes: tuple[int, ...], rng: np.random.Generator, epoch: int):
    """An EpochSnapshot with random weights (fan-in scaled), biases, gradients and updates."""
    from core.snapshot import EpochSnapshot

    w = tuple((rng.standard_normal((o, i)) / np.sqrt(i)).astype(np.float32)
              for i, o in zip(sizes[:-1], sizes[1:], strict=True))
    b = tuple((0.1 * rng.standard_normal(o)).astype(np.float32) for o in sizes[1:])
    gw = tuple((1e-3 * rng.standard_normal(a.shape)).astype(np.float32) for a in w)
    gb = tuple((1e-3 * rng.standard_normal(a.shape)).astype(np.float32) for a in b)
    return EpochSnapshot(epoch=epoch, train_loss=1.0, train_accuracy=0.5, val_loss=1.0, val_accuracy=0.5,
                         weights=w, biases=b, grad_weights=gw, grad_biases=gb,
                         delta_weights=tuple(-0.01 * g for g in gw),
                         delta_biases=tuple(-0.01 * g for g in gb),
                         learning_rate=0.01)


def _paint_counter(widget) -> list[int]:
    """A one-element list counting the widget's Paint events (the filter is kept alive by the widget)."""
    from PySide6.QtCore import QEvent, QObject

    class Counter(QObject):
        def __init__(self, parent):
            super().__init__(parent)
            self.count = [0]

        def eventFilter(self, obj, ev):
            if ev.type() == QEvent.Type.Paint:
                self.count[0] += 1
            return False

    c = Counter(widget)
    widget.installEventFilter(c)
    return c.count


def _floor_widget_class():
    from PySide6.QtGui import QColor, QPainter, QPen
    from PySide6.QtWidgets import QWidget

    from gui import theme

    class FloorWidget(QWidget):
        """Fills the background and draws prepared segments with one pen and one drawLines call."""

        def __init__(self):
            super().__init__()
            self.background = QColor(*theme.BACKGROUND)
            self.pen = QPen()
            self.lines = None  # a pyqtgraph PrimitiveArray of QLineF (or a list of QLineF)

        def paintEvent(self, ev):
            p = QPainter(self)
            p.fillRect(self.rect(), self.background)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.setPen(self.pen)
            if self.lines is not None:
                if isinstance(self.lines, list):
                    p.drawLines(self.lines)
                else:
                    p.drawLines(*self.lines.drawargs())
            p.end()

    return FloorWidget


def _device_segments(view):
    """The segments the view drew last, in the viewport's device pixels, ready for drawLines."""
    from PySide6.QtCore import QLineF

    t = view.getViewBox().childGroup.deviceTransform(view.viewportTransform())
    idx = view._drawn_idx
    x0, y0, x1, y1 = view._ex0[idx], view._ey0[idx], view._ex1[idx], view._ey1[idx]
    dx0 = t.m11() * x0 + t.m21() * y0 + t.m31()
    dy0 = t.m12() * x0 + t.m22() * y0 + t.m32()
    dx1 = t.m11() * x1 + t.m21() * y1 + t.m31()
    dy1 = t.m12() * x1 + t.m22() * y1 + t.m32()
    try:
        from pyqtgraph.Qt.internals import PrimitiveArray

        arr = PrimitiveArray(QLineF, 4)
        arr.resize(idx.size)
        mem = arr.ndarray()
        mem[:, 0], mem[:, 1], mem[:, 2], mem[:, 3] = dx0, dy0, dx1, dy1
        return arr
    except Exception:  # pyqtgraph internals moved: a plain list works everywhere, a little slower
        return [QLineF(*v) for v in zip(dx0, dy0, dx1, dy1, strict=True)]


def _drawn_buckets(view) -> np.ndarray:
    """Bucket (0 .. 2*N_LEVELS-1, as the view's edge pens) of every edge the view drew last."""
    from gui import theme

    vals = view._shown[0][view._drawn_idx]
    lv = theme.levels(vals, view._scale)
    return np.where(vals >= 0, lv, lv + theme.N_LEVELS)


def _median_pen(view):
    from PySide6.QtGui import QPen

    vals = np.abs(view._shown[0][view._drawn_idx])
    buckets = _drawn_buckets(view)
    mid = int(np.argsort(vals, kind="stable")[vals.size // 2])
    return QPen(view._edges.pen(int(buckets[mid])))


def measure_frames(quick: bool, log: Log = None) -> dict:
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtGui import QPen

    from gui.network_view import MAX_EDGES, NetworkView

    s = _settings(quick)
    app = _app()
    FloorWidget = _floor_widget_class()
    out: dict = {"max_edges": MAX_EDGES}
    details: dict = {}
    for key, sizes in SHAPES:
        gc.collect()
        rng = np.random.default_rng(len(key))
        ins = PENGUIN_FEATURES if sizes[0] == 4 else tuple(f"x{i + 1}" for i in range(sizes[0]))
        outs = PENGUIN_CLASSES if sizes[-1] == 3 else tuple(str(i) for i in range(sizes[-1]))
        view = NetworkView()
        view.resize(*VIEW_SIZE)
        view.set_structure(sizes, ins, outs, "relu")
        view.show()
        floor, thin = FloorWidget(), FloorWidget()
        for w in (floor, thin):
            w.resize(*VIEW_SIZE)
            w.show()
        for w in (view, floor, thin):
            _wait_exposed(w)
        snaps = [random_snapshot(sizes, rng, 1), random_snapshot(sizes, rng, 2)]
        segs, wide = [], []
        for snap in snaps:
            view.show_snapshot(snap, animate=False)
            segs.append(_device_segments(view))
            widths = np.array([view._edges.pen(b).widthF() for b in range(len(view._pens))])
            wide.append(float(np.mean(widths[_drawn_buckets(view)] > 1.0)))
        view.show_snapshot(snaps[0], animate=False)
        floor.pen = _median_pen(view)
        thin_pen = QPen(floor.pen)
        thin_pen.setWidthF(1.0)
        thin.pen = thin_pen
        floor.lines = thin.lines = segs[0]
        app.processEvents()
        view_paints = _paint_counter(view.viewport())
        floor_paints = _paint_counter(floor)
        vp = view.viewport()

        def view_frame(i: int, _view=view, _snaps=snaps, _vp=vp, _n=view_paints) -> tuple:
            """(wall s, update s, paint s, CPU s, paint events) of one frame."""
            n0 = _n[0]
            c0 = time.thread_time()
            t0 = time.perf_counter()
            _view.show_snapshot(_snaps[i % 2], animate=False)
            t1 = time.perf_counter()
            _vp.repaint()
            t2 = time.perf_counter()
            return t2 - t0, t1 - t0, t2 - t1, time.thread_time() - c0, _n[0] - n0

        def floor_frame(i: int, w, _segs=segs, _n=floor_paints) -> float:
            t0 = time.perf_counter()
            w.lines = _segs[i % 2]
            w.repaint()
            return time.perf_counter() - t0

        # warm-up: up to warmup_frames frames or warmup_s; a first frame slower than SLOW_FRAME_S is kept
        # as a sample (its one-time costs are small beside it), so that slow sizes still fit the cap
        rows: list[tuple] = []
        floors: list[float] = []
        thins: list[float] = []
        i = 0
        t_warm = time.perf_counter()
        while i < s["warmup_frames"] and time.perf_counter() - t_warm < s["warmup_s"]:
            r, fl, th = view_frame(i), floor_frame(i, floor), floor_frame(i, thin)
            i += 1
            if r[0] > SLOW_FRAME_S:
                rows.append(r)
                floors.append(fl)
                thins.append(th)
                break
        start = time.perf_counter()
        while len(rows) < s["frames"] and (time.perf_counter() - start < s["frame_cap_s"] or not rows):
            rows.append(view_frame(i))
            floors.append(floor_frame(i, floor))
            thins.append(floor_frame(i, thin))
            i += 1
        paints_per_frame = sum(r[4] for r in rows) / len(rows)
        floor_per_frame = floor_paints[0] / i
        for w in (view, floor, thin):
            w.close()
            w.deleteLater()
        QCoreApplication.processEvents()
        frame = _median([r[0] for r in rows]) * 1e3
        fl = _median(floors) * 1e3
        out[f"frame_ms_{key}"] = frame
        out[f"floor_ms_{key}"] = fl
        out[f"frame_vs_floor_{key}"] = frame / fl if fl > 0 else float("nan")
        d = {
            "shape": "-".join(map(str, sizes)), "edges": int(view.n_edges),
            "drawn": int(min(view.n_edges, MAX_EDGES)), "frames": len(rows),
            "update_ms": _median([r[1] for r in rows]) * 1e3,
            "paint_ms": _median([r[2] for r in rows]) * 1e3,
            "frame_cpu_ms": _median([r[3] for r in rows]) * 1e3,
            "frame_max_ms": max(r[0] for r in rows) * 1e3,
            "floor_thin_ms": _median(thins) * 1e3, "floor_pen_width": floor.pen.widthF(),
            "floor_pen_alpha": floor.pen.color().alpha(), "wide_share": float(np.mean(wide)),
            "view_paints_per_frame": paints_per_frame, "floor_paints_per_frame": floor_per_frame,
        }
        out[f"floor_thin_ms_{key}"] = d["floor_thin_ms"]
        details[key] = d
        if log:
            log(f"  {d['shape']:>14} ({d['edges']:,} edges, {d['drawn']:,} drawn, {d['wide_share']:.0%} "
                f"wider than 1 px): frame {frame:9.2f} ms (update {d['update_ms']:.2f} + paint "
                f"{d['paint_ms']:.2f}), "
                f"floor {fl:8.2f} ms, thin floor {d['floor_thin_ms']:7.2f} ms, {len(rows)} frames, "
                f"{paints_per_frame:.2f} paints/frame")
    out["frames_details"] = details
    return out


# -- 2 and 3. training with the window open, and GUI timer lateness -------------------------------------
def _ready(w) -> bool:
    return w.session.active_generation == w.session.generation and w.session.latest is not None


def _process_cpu_s(pid: int | None) -> float | None:
    """CPU seconds used so far by process `pid` (Linux /proc), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    except (OSError, ValueError, IndexError, TypeError):
        return None


class _Lateness:
    """A precise TIMER_MS QTimer in the GUI thread; each tick records (interval - TIMER_MS) in ms."""

    def __init__(self):
        from PySide6.QtCore import Qt, QTimer

        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TIMER_MS)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def run(self, start: bool):
        if start:
            self.ticks.clear()
            self.timer.start()
        else:
            self.timer.stop()

    def late(self) -> list[float]:
        return [(b - a) * 1e3 - TIMER_MS for a, b in zip(self.ticks, self.ticks[1:], strict=False)]


def _synthetic(sizes: tuple[int, ...], rng: np.random.Generator, epoch: int):
    """A snapshot as training would send it: random weights, a falling loss."""
    from core.snapshot import EpochSnapshot

    s = random_snapshot(sizes, rng, epoch)
    loss = 1.0 / (1.0 + 0.01 * epoch)
    return EpochSnapshot(epoch=epoch, train_loss=loss, train_accuracy=1 - loss / 2, val_loss=loss * 1.1,
                         val_accuracy=1 - loss / 2, weights=s.weights, biases=s.biases,
                         grad_weights=s.grad_weights, grad_biases=s.grad_biases,
                         delta_weights=s.delta_weights, delta_biases=s.delta_biases, learning_rate=0.01)


def measure_session(w, quick: bool, log: Log = None) -> dict:
    """GUI-thread CPU per received epoch and per frame as the history grows (a long play session).

    Synthetic snapshots go through the window's own path (_on_snapshots, then _draw and a repaint of
    the whole window, as the frame timer does), as far as a time budget allows; at each checkpoint
    length the next few epochs are timed. Detail figures only: they show how the per-epoch and
    per-frame costs scale, which a few seconds of play cannot.
    """
    budget = 3.0 if quick else 12.0
    rng = np.random.default_rng(7)
    sizes = tuple(w.session.latest.layer_sizes)
    epoch = w.session.latest.epoch
    per_epoch: dict[int, float] = {}
    per_frame: dict[int, float] = {}
    start = time.perf_counter()
    for n in SESSION_CHECKPOINTS:
        while len(w.session.history) < n and time.perf_counter() - start < budget:
            epoch += 1
            w.session._on_snapshots(w.session.generation, [_synthetic(sizes, rng, epoch)])
        if len(w.session.history) < n:
            break
        adds, frames = [], []
        for _ in range(5):
            epoch += 1
            snap = _synthetic(sizes, rng, epoch)
            c = time.thread_time()
            w.session._on_snapshots(w.session.generation, [snap])
            adds.append(time.thread_time() - c)
            c = time.thread_time()
            w._draw()
            w.repaint()
            frames.append(time.thread_time() - c)
        per_epoch[n], per_frame[n] = _median(adds) * 1e3, _median(frames) * 1e3
        if log:
            log(f"  history of {n:5d} epochs: {per_epoch[n]:8.2f} ms CPU to receive an epoch, "
                f"{per_frame[n]:8.2f} ms CPU per frame (_draw + window repaint)")
    reached = len(w.session.history)
    if log and reached < SESSION_CHECKPOINTS[-1]:
        log(f"  (stopped at {reached} epochs: the {budget:.0f} s budget ran out)")
    out: dict = {"session_epochs_reached": reached}
    for n in SESSION_CHECKPOINTS:
        out[f"session_epoch_ms_{n}"] = per_epoch.get(n)
        out[f"session_frame_ms_{n}"] = per_frame.get(n)
    return out


def measure_training(quick: bool, log: Log = None) -> dict:
    import torch
    from PySide6.QtCore import QCoreApplication, QSettings

    from core.trainer import Trainer, configure_threads
    from gui import theme
    from gui.controls import SPEEDS
    from gui.main_window import MainWindow
    from gui.waiting import wait_ms, wait_until

    s = _settings(quick)
    app = _app()
    previous_style = app.styleSheet()
    previous_threads = torch.get_num_threads()
    app.setStyleSheet(theme.STYLE)  # as gui.app.run does
    tmp = tempfile.TemporaryDirectory(prefix="nwbench-")
    w = None
    try:
        settings = QSettings(str(Path(tmp.name) / "settings.ini"), QSettings.Format.IniFormat)
        pictures = os.environ.get(PICTURES_ENV) == "1"
        if pictures:  # as a person who turned View → Pictures in neurons on last time
            settings.setValue("neuron_pictures", "true")
        w = MainWindow(settings=settings)
        w.confirm = lambda text: True
        w.confirm_close = lambda: True
        w.resize(*WINDOW_SIZE)
        w.show()
        if not wait_until(lambda: _ready(w), 60):
            raise RuntimeError(f"the window did not become ready: {w.last_error}")
        w.controls.set_values(dict(speed_index=len(SPEEDS) - 1))  # as fast as it goes (default: 10/s);
        w.session.set_speed(w.controls.epochs_per_second())  # set_values is quiet: tell the engine
        data, config = w.session.data, w.session.config
        probe = _Lateness()

        def headless(seconds: float) -> dict:
            trainer = Trainer(data, config)
            threads = configure_threads(trainer.spec, len(data.X_train))
            for _ in range(5):
                trainer.train_epoch(snapshot=True)
            n, c0, t0 = 0, time.thread_time(), time.perf_counter()
            while True:
                trainer.train_epoch(snapshot=True)
                n += 1
                elapsed = time.perf_counter() - t0
                if elapsed >= seconds:
                    break
            cpu = time.thread_time() - c0
            return {"epochs_per_s": n / elapsed, "epochs": n, "seconds": elapsed,
                    "cpu_share": cpu / elapsed, "cpu_ms_per_epoch": cpu / n * 1e3, "threads": threads}

        lateness: list[float] = []
        idle: list[float] = []

        def window(seconds: float) -> dict:
            w.reset()
            if not wait_until(lambda: _ready(w), 60):
                raise RuntimeError(f"the window did not become ready after Reset: {w.last_error}")
            # the machine's own timer noise: the same probe with the window open and nothing playing
            probe.run(True)
            wait_ms(int(s["idle_s"] * 1000))
            probe.run(False)
            idle_late = probe.late()
            pid = w.session.worker.pid
            frames0, e0 = w.view.frames_drawn, w.session.epoch
            maps0 = w.network.pictures.updates
            g0, p0, wk0 = time.thread_time(), time.process_time(), _process_cpu_s(pid)
            probe.run(True)
            t0 = time.perf_counter()
            w.session.play()
            wait_ms(int(seconds * 1000))
            e1 = received = w.session.epoch  # epochs received (the engine sends them every 12 ms)
            elapsed = time.perf_counter() - t0
            probe.run(False)
            gui_cpu, proc_cpu = time.thread_time() - g0, time.process_time() - p0
            wk1 = _process_cpu_s(pid)
            frames = w.view.frames_drawn - frames0
            maps = w.network.pictures.updates - maps0
            w.session.pause()
            wait_until(lambda: w.session._runs == 0 and not w.session.playing, 30)
            late = probe.late()
            lateness.extend(late)
            idle.extend(idle_late)
            epochs = e1 - e0
            worker_cpu = (wk1 - wk0) if wk0 is not None and wk1 is not None else None
            return {"epochs_per_s": epochs / elapsed, "epochs": epochs, "received": received,
                    "seconds": elapsed, "view_renders_per_s": frames / elapsed,
                    "picture_maps_per_s": maps / elapsed,
                    "gui_thread_cpu_share": gui_cpu / elapsed, "process_cpu_share": proc_cpu / elapsed,
                    "worker_cpu_share": None if worker_cpu is None else worker_cpu / elapsed,
                    "worker_cpu_ms_per_epoch": None if worker_cpu is None or not epochs
                    else worker_cpu / epochs * 1e3,
                    "timer_ticks": len(late) + 1, "lateness_p99_ms": _pct(late, 99),
                    "lateness_max_ms": max(late) if late else float("nan"),
                    "idle_lateness_p99_ms": _pct(idle_late, 99)}

        window(min(1.0, s["block_s"]))  # warm-up: first paints of every plot, first play
        lateness.clear()
        idle.clear()
        rounds = []
        for r in range(s["rounds"]):
            h = headless(s["block_s"])
            g = window(s["block_s"])
            rounds.append({"headless": h, "window": g, "ratio": g["epochs_per_s"] / h["epochs_per_s"],
                           # per CPU-second of the trainer (engine process vs headless loop): what the
                           # ratio would be if the machine gave the trainer a full core in both blocks
                           "ratio_cpu": (g["epochs_per_s"] / max(g["worker_cpu_share"] or 0, 1e-9))
                           / (h["epochs_per_s"] / max(h["cpu_share"], 1e-9))})
            if log:
                wk = "" if g["worker_cpu_share"] is None else (
                    f", engine {g['worker_cpu_share']:.0%} ({g['worker_cpu_ms_per_epoch']:.1f} ms/epoch)")
                log(f"  round {r + 1}: headless {h['epochs_per_s']:6.1f} epochs/s (CPU {h['cpu_share']:.0%}, "
                    f"{h['cpu_ms_per_epoch']:.1f} ms/epoch), window {g['epochs_per_s']:6.1f} epochs/s: ratio "
                    f"{rounds[-1]['ratio']:.3f}; CPU: GUI thread {g['gui_thread_cpu_share']:.0%}{wk}, "
                    f"process {g['process_cpu_share']:.0%}; {g['view_renders_per_s']:.0f} view renders/s; "
                    f"lateness p99 {g['lateness_p99_ms']:.1f} ms, max {g['lateness_max_ms']:.1f} ms "
                    f"(idle p99 {g['idle_lateness_p99_ms']:.1f} ms)")
        out = {
            "gui_training_ratio": _median([r["ratio"] for r in rounds]),
            "gui_training_ratio_cpu": _median([r["ratio_cpu"] for r in rounds]),
            "window_epochs_per_s": _median([r["window"]["epochs_per_s"] for r in rounds]),
            "headless_epochs_per_s": _median([r["headless"]["epochs_per_s"] for r in rounds]),
            "gui_lateness_p99_ms": _pct(lateness, 99),
            "gui_lateness_max_ms": max(lateness) if lateness else float("nan"),
            "gui_lateness_p50_ms": _pct(lateness, 50),
            "idle_lateness_p99_ms": _pct(idle, 99),
            "idle_lateness_max_ms": max(idle) if idle else float("nan"),
            "training_threads": rounds[0]["headless"]["threads"] if rounds else None,
            "gui_pictures": pictures and w.network.pictures.enabled,
            "picture_maps_per_s": _median([r["window"]["picture_maps_per_s"] for r in rounds]),
            "training_details": rounds,
        }
        if log:
            log("long session (synthetic epochs through the window, paused):")
        w.reset()
        if wait_until(lambda: _ready(w), 60):
            out.update(measure_session(w, quick, log))
        return out
    finally:
        if w is not None:
            w.close()
            w.deleteLater()
            QCoreApplication.processEvents()
        app.setStyleSheet(previous_style)
        torch.set_num_threads(previous_threads)
        tmp.cleanup()


# -- 4. start-up --------------------------------------------------------------------------------------
_PROBE = '''
import os, sys, time
T0 = float(os.environ["NWBENCH_T0"])
WANT_READY = os.environ.get("NWBENCH_READY") == "1"
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

def report(**kw):
    import json
    try:
        print("NWBENCH " + json.dumps(kw), flush=True)
    finally:
        sys.stdout.flush()
        # the engine process started after the first paint would go on importing torch for seconds
        # after os._exit, on the CPUs of the next launch: end it first
        mp = sys.modules.get("multiprocessing")
        for child in (mp.active_children() if mp else []):
            child.kill()
            child.join(5)
        os._exit(0)

class FirstPaint(QObject):
    """App-wide filter: the first Paint of any widget of `win`; reports once that paint pass is done."""
    def __init__(self, win, done):
        super().__init__()
        self.win, self.done, self.seen = win, done, False
    def eventFilter(self, obj, ev):
        if not self.seen and ev.type() == QEvent.Type.Paint and isinstance(obj, QWidget) \\
                and obj.window() is self.win:
            self.seen = True
            QTimer.singleShot(0, self.done)
        return False
'''

_MAIN_WRAPPER = _PROBE + '''
ROOT = os.environ["NWBENCH_ROOT"]
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # nwbench_hooks, for the engine too
sys.argv = [os.path.join(ROOT, "main.py")]
from nwbench_hooks import mark
mark("probe_started")
import runpy
import gui.main_window as mw
from PySide6.QtWidgets import QApplication
mark("window_module_imported")

state = {}  # numbers only: what gets reported
objs = {}  # the window and the event filters, kept alive here

def check_ready():
    # the first network drawn and a step possible: session ready, the view has a structure, and it
    # painted after drawing a network
    win = objs["win"]
    view = getattr(win, "view", None)
    if "ready_s" in state or view is None or not objs.get("painted") or not view.sizes \\
            or not win.session.ready:
        return
    state["ready_s"] = time.time() - T0
    mark("ready_and_drawn")
    report(**state)

def first_painted():
    state["first_paint_s"] = time.time() - T0
    mark("first_paint_done")
    QApplication.instance().removeEventFilter(objs["filter"])
    if not WANT_READY:
        report(**state)
    win = objs["win"]

    class Ready(QObject):
        def eventFilter(self, obj, ev):
            if ev.type() == QEvent.Type.Paint and win.view.frames_drawn > 0 and win.view.sizes:
                objs["painted"] = True
                QTimer.singleShot(0, check_ready)  # once this paint pass is done
            return False

    objs["ready_filter"] = Ready()

    def watch_view():  # the views are built after the first paint (staged start-up)
        if getattr(win, "view", None) is None:
            QTimer.singleShot(5, watch_view)
        else:
            win.view.viewport().installEventFilter(objs["ready_filter"])

    watch_view()
    poll = objs["poll"] = QTimer()  # session.ready may come after the paint: look again every 5 ms
    poll.timeout.connect(check_ready)
    poll.start(5)
    QTimer.singleShot(60000, lambda: report(**{k: v for k, v in state.items() if k != "ready_s"}))

import nwbench_hooks
nwbench_hooks.hook_window(mw)

_init = mw.MainWindow.__init__

def init(self, *a, **k):
    mark("window_init_start")
    _init(self, *a, **k)
    mark("window_init_end")
    self.confirm_close = lambda: True  # closing must never wait for an answer
    self.confirm = lambda text: True
    objs["win"] = self
    objs["filter"] = FirstPaint(self, first_painted)
    QApplication.instance().installEventFilter(objs["filter"])

mw.MainWindow.__init__ = init
runpy.run_path(sys.argv[0], run_name="__main__")
'''

# Timestamps of start-up phases, in the window's process and in the engine's (spawned: the engine's
# entry point is swapped for serve() below, which this module's file being on sys.path lets the child
# import). Each mark appends [name, time.time(), pid, process CPU time] to the file NWBENCH_EVENTS names.
_HOOKS = '''
import json, os, time

def mark(name):
    path = os.environ.get("NWBENCH_EVENTS")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps([name, time.time(), os.getpid(), time.process_time()]) + "\\n")

def _wrap(owner, attr, before, after=None, when=None):
    orig = getattr(owner, attr)
    def wrapper(*a, **k):
        hit = when is None or when(*a, **k)
        if hit:
            mark(before)
        try:
            return orig(*a, **k)
        finally:
            if hit and after:
                mark(after)
    setattr(owner, attr, wrapper)

def hook_window(mw):
    import gui.session
    import gui.worker
    _wrap(mw.MainWindow, "_start", "window_start_views", "window_views_built")
    _wrap(gui.worker.EngineProcess, "__init__", "engine_spawn_start", "engine_spawn_returned")
    _wrap(gui.session.Session, "_on_ready", "session_on_ready", "session_ready_handled")
    gui.worker.serve = serve

def serve(commands, answers, pause_event, cancel_event):
    mark("engine_entered")  # a new interpreter, multiprocessing's spawn preparation, main.py imported
    import torch  # noqa: F401  (the engine's loop imports it first thing anyway)
    mark("engine_torch_imported")
    import core.dataset, core.engine_server as es, core.trainer
    mark("engine_modules_imported")
    _wrap(es.Engine, "setup", "engine_setup_start", "engine_setup_end")
    _wrap(core.dataset, "load_csv", "engine_csv_start", "engine_csv_end")
    _wrap(core.trainer.Trainer, "__init__", "engine_trainer_start", "engine_trainer_end")
    _wrap(core.trainer.Trainer, "snapshot", "engine_snapshot_start", "engine_snapshot_end")
    _wrap(es.Engine, "send", "engine_ready_sending", when=lambda self, *msg: msg[:1] == ("ready",))
    es.serve(commands, answers, pause_event, cancel_event)
'''

# the phases reported (from, to): each a difference of two marks (launch = NWBENCH_T0)
STARTUP_PHASES = (
    ("python_and_pyside6_start", "launch", "probe_started"),
    ("import_window_modules", "probe_started", "window_module_imported"),
    ("app_and_window_init", "window_module_imported", "window_init_end"),
    ("to_first_paint", "window_init_end", "first_paint_done"),
    ("build_views", "window_start_views", "window_views_built"),
    ("engine_spawn", "engine_spawn_start", "engine_entered"),
    ("engine_import_torch", "engine_entered", "engine_torch_imported"),
    ("engine_import_core", "engine_torch_imported", "engine_modules_imported"),
    ("engine_wait_setup", "engine_modules_imported", "engine_setup_start"),
    ("engine_read_csv", "engine_csv_start", "engine_csv_end"),
    ("engine_trainer", "engine_trainer_start", "engine_trainer_end"),
    ("engine_first_snapshot", "engine_snapshot_start", "engine_snapshot_end"),
    ("engine_setup", "engine_setup_start", "engine_setup_end"),
    ("ready_to_window", "engine_ready_sending", "session_on_ready"),
    ("session_on_ready", "session_on_ready", "session_ready_handled"),
    ("to_drawn", "session_ready_handled", "ready_and_drawn"),
    ("window_to_ready", "window_init_start", "ready_and_drawn"),
)

_BARE_WRAPPER = _PROBE + '''
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
app = QApplication([sys.argv[0]])
win = QMainWindow()
win.setWindowTitle("bare")
win.setCentralWidget(QLabel("a bare PySide6 window"))
win.resize(1400, 860)
f = FirstPaint(win, lambda: report(first_paint_s=time.time() - T0))
app.installEventFilter(f)
win.show()
app.exec()
'''


def _launch(script: Path, env: dict, timeout: float = 90.0, events: Path | None = None) -> dict:
    """Run a probe script; its report, plus 'events' {mark: seconds since launch} when `events` names
    a file for the start-up marks (the first time each mark was made), and 'cpu_events'
    {mark: (pid, process CPU seconds)}."""
    t0 = time.time()
    env = dict(env, NWBENCH_T0=repr(t0))
    if events is not None:
        events.unlink(missing_ok=True)
        env["NWBENCH_EVENTS"] = str(events)
    proc = subprocess.run([sys.executable, str(script)], env=env, cwd=str(ROOT), capture_output=True,
                          text=True, timeout=timeout)
    for line in proc.stdout.splitlines():
        if line.startswith("NWBENCH "):
            out = json.loads(line[len("NWBENCH "):])
            if events is not None and events.exists():
                marks: dict = {"launch": 0.0}
                cpu: dict = {}
                for row in events.read_text(encoding="utf-8").splitlines():
                    name, t, pid, c = json.loads(row)
                    marks.setdefault(name, t - t0)
                    cpu.setdefault(name, (pid, c))
                out["events"], out["cpu_events"] = marks, cpu
            return out
    raise RuntimeError(f"{script.name} reported nothing (exit {proc.returncode}): {proc.stderr[-2000:]}")


def _compile_sources():
    """Bytecode for our modules, as a user's machine has it: pip compiles on install, and Python writes
    __pycache__ on first import, unless PYTHONDONTWRITEBYTECODE is set (as in some sandboxes and CI
    images), when every launch would compile ~4,000 lines of the window's modules (~30 ms) again."""
    import compileall

    for pkg in ("core", "gui"):
        compileall.compile_dir(str(ROOT / pkg), quiet=1)


def _phases(events: dict) -> dict:
    """Seconds per start-up phase (STARTUP_PHASES) from one launch's marks; phases not reached left out."""
    return {name: events[b] - events[a] for name, a, b in STARTUP_PHASES if a in events and b in events}


def _phases_cpu(cpu: dict) -> dict:
    """CPU seconds of the process that ran the phase, for phases that begin and end in one process."""
    return {name: cpu[b][1] - cpu[a][1] for name, a, b in STARTUP_PHASES
            if a in cpu and b in cpu and cpu[a][0] == cpu[b][0]}


def write_probes(tmp_path: Path, ready: bool) -> tuple[Path, Path, Path, dict]:
    """The probe scripts in tmp_path: (main probe, bare probe, events file, environment to run them)."""
    main_py, bare_py = tmp_path / "main_probe.py", tmp_path / "bare_probe.py"
    main_py.write_text(textwrap.dedent(_MAIN_WRAPPER), encoding="utf-8")
    bare_py.write_text(textwrap.dedent(_BARE_WRAPPER), encoding="utf-8")
    (tmp_path / "nwbench_hooks.py").write_text(textwrap.dedent(_HOOKS), encoding="utf-8")
    (tmp_path / "config").mkdir(exist_ok=True)
    env = dict(os.environ, NWBENCH_ROOT=str(ROOT), XDG_CONFIG_HOME=str(tmp_path / "config"),
               QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               NWBENCH_READY="1" if ready else "0")
    return main_py, bare_py, tmp_path / "events.jsonl", env


def measure_startup(quick: bool, log: Log = None) -> dict:
    """Launches of main.py and of a bare window, alternated; see the module docstring (4.).

    startup_ready_ratio is the median over adjacent (main, bare) launches of (launch to the first
    network drawn with a step possible) / (launch to the bare window's first paint)."""
    s = _settings(quick)
    _compile_sources()
    with tempfile.TemporaryDirectory(prefix="nwbench-startup-") as tmp:
        main_py, bare_py, events, env = write_probes(Path(tmp), s["startup_ready"])
        if s["startup_warmup"]:  # the file cache, .pyc files
            _launch(main_py, dict(env, NWBENCH_READY="0"))
            _launch(bare_py, env)
        mains, bares, readies, ready_ratios, phases, phases_cpu = [], [], [], [], [], []
        for r in range(s["startup_runs"]):
            # alternate which goes first, so a slow spell does not always fall on the same one
            if r % 2 == 0:
                m = _launch(main_py, env, events=events)
                b = _launch(bare_py, env)
            else:
                b = _launch(bare_py, env)
                m = _launch(main_py, env, events=events)
            mains.append(m["first_paint_s"])
            bares.append(b["first_paint_s"])
            ph = _phases(m.get("events", {}))
            ph_cpu = _phases_cpu(m.get("cpu_events", {}))
            phases.append(ph)
            phases_cpu.append(ph_cpu)
            if "ready_s" in m:
                readies.append(m["ready_s"])
                ready_ratios.append(m["ready_s"] / b["first_paint_s"])
            if log:
                log(f"  run {r + 1}: main.py first paint {m['first_paint_s']:.3f} s"
                    + (f", network drawn and a step possible {m['ready_s']:.3f} s" if "ready_s" in m else "")
                    + f"; bare window {b['first_paint_s']:.3f} s"
                    + (f"; ratio {ready_ratios[-1]:.2f}" if "ready_s" in m else ""))
                if "engine_import_torch" in ph:
                    log("    phases, wall s (CPU s of that process): " + ", ".join(
                        f"{k} {v:.3f}" + (f" ({ph_cpu[k]:.3f})" if k in ph_cpu else "")
                        for k, v in ph.items()))
    startup, bare = _median(mains), _median(bares)
    out = {"startup_s": startup, "bare_startup_s": bare, "startup_ratio": startup / bare,
           "startup_ready_s": _median(readies) if readies else None,
           "startup_ready_ratio": _median(ready_ratios) if ready_ratios else None,
           "startup_runs": {"main": mains, "bare": bares, "ready": readies, "ready_ratio": ready_ratios,
                            "phases": phases, "phases_cpu": phases_cpu}}
    if ready_ratios:
        out["startup_ready_ratio_min"] = min(ready_ratios)
        out["startup_ready_ratio_max"] = max(ready_ratios)
    for name, _a, _b in STARTUP_PHASES:  # medians over the launches that reached the phase
        vals = [ph[name] for ph in phases if name in ph]
        if vals:
            out[f"startup_phase_{name}_s"] = _median(vals)
        vals = [ph[name] for ph in phases_cpu if name in ph]
        if vals and name in ("build_views", "engine_import_torch", "engine_import_core"):
            out[f"startup_phase_{name}_cpu_s"] = _median(vals)
    return out


# -- the whole benchmark ----------------------------------------------------------------------------
def _loadavg() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def measure(quick: bool = False, log: Log = None, details: dict | None = None) -> dict:
    """Run all four parts and return the flat figures (see the module docstring).

    Per-size, per-round and per-run breakdowns go into `details` when a dict is passed; figures a run
    did not reach (a long-session length past the time budget, the network-shown time in quick mode)
    are left out rather than set to None.
    """
    import pyqtgraph
    import PySide6
    import torch

    _app()
    t0 = time.perf_counter()
    out: dict = {"quick": quick, "cpus": os.cpu_count(), "loadavg_start": _loadavg(),
                 "qpa": os.environ.get("QT_QPA_PLATFORM"), "pyside6": PySide6.__version__,
                 "pyqtgraph": pyqtgraph.__version__, "torch": torch.__version__,
                 "python": platform.python_version()}
    for title, part in (("network view frames (1200x800)", measure_frames),
                        ("training with the window open (penguins, play at max speed)", measure_training),
                        ("start-up to the first painted window", measure_startup)):
        if log:
            log(title)
        t = time.perf_counter()
        out.update(part(quick, log))
        if log:
            log(f"  ({time.perf_counter() - t:.0f} s)")
    out["loadavg_end"] = _loadavg()
    out["seconds"] = time.perf_counter() - t0
    if details is not None:
        details.update({k: v for k, v in out.items() if isinstance(v, dict | list)})
    return _flat(out)


def _flat(result: dict) -> dict:
    return {k: v for k, v in result.items() if not isinstance(v, dict | list) and v is not None}


def _report(r: dict) -> str:
    def flag(key: str) -> str:
        if key not in LIMITS or r.get(key) is None:
            return ""
        kind, limit = LIMITS[key]
        bad = r[key] > limit if kind == "max" else r[key] < limit
        return f"   <-- {'over' if kind == 'max' else 'under'} the budget {limit:g}" if bad else ""

    lines = [f"PySide6 {r['pyside6']}, pyqtgraph {r['pyqtgraph']}, torch {r['torch']}, Python {r['python']}, "
             f"QPA {r['qpa']}; {r['cpus']} CPUs, 1-min load average {r['loadavg_start']} at the start, "
             f"{r['loadavg_end']} at the end" + (", quick" if r["quick"] else "")]
    load = max(x for x in (r["loadavg_start"], r["loadavg_end"], 0.0) if x is not None)
    if r["cpus"] and load > r["cpus"] - 0.5:
        lines.append("warning: other jobs kept the CPUs busy; trust the ratios more than the absolute times")
    lines.append(f"\nnetwork view frame, 1200x800 (view draws at most {r['max_edges']:,} edges):")
    lines.append(f"  {'':8}{'shape':>15}{'frame ms':>11}{'floor ms':>11}{'ratio':>9}{'update ms':>11}"
                 f"{'paint ms':>11}{'thin floor':>12}{'frames':>8}")
    for key, _ in SHAPES:
        d = r["frames_details"][key]
        lines.append(f"  {key:8}{d['shape']:>15}{r[f'frame_ms_{key}']:11.2f}{r[f'floor_ms_{key}']:11.2f}"
                     f"{r[f'frame_vs_floor_{key}']:9.2f}{d['update_ms']:11.2f}{d['paint_ms']:11.2f}"
                     f"{d['floor_thin_ms']:12.2f}{d['frames']:8d}" + flag(f"frame_ms_{key}"))
    lines.append("\ntraining, penguins 4-5-5-3 (medians over rounds):")
    lines.append(f"  headless {r['headless_epochs_per_s']:.1f} epochs/s, window "
                 f"{r['window_epochs_per_s']:.1f} epochs/s ({r['training_threads']} torch thread); per "
                 f"process CPU-second the ratio is {r['gui_training_ratio_cpu']:.3f}")
    lines.append(f"  GUI timer lateness during play: p50 {r['gui_lateness_p50_ms']:.1f} ms; "
                 f"with the window idle: p99 {r['idle_lateness_p99_ms']:.1f} ms, "
                 f"max {r['idle_lateness_max_ms']:.1f} ms")
    cps = [n for n in SESSION_CHECKPOINTS if r.get(f"session_epoch_ms_{n}") is not None]
    if cps:
        lines.append("  long session, GUI-thread CPU ms: "
                     + "; ".join(f"at {n} epochs {r[f'session_epoch_ms_{n}']:.2f} per received epoch, "
                                 f"{r[f'session_frame_ms_{n}']:.1f} per frame" for n in cps)
                     + ("" if cps[-1] == SESSION_CHECKPOINTS[-1]
                        else f" (budget ran out at {r['session_epochs_reached']} epochs)"))
    lines.append("\nstart-up (medians):")
    lines.append(f"  main.py {r['startup_s']:.3f} s, bare window {r['bare_startup_s']:.3f} s"
                 + (f"; network drawn and a step possible at {r['startup_ready_s']:.3f} s, "
                    f"startup_ready_ratio {r['startup_ready_ratio']:.2f} "
                    f"({r['startup_ready_ratio_min']:.2f}-{r['startup_ready_ratio_max']:.2f})"
                    if r.get("startup_ready_s") else ""))
    ph = [(name, r[f"startup_phase_{name}_s"]) for name, _a, _b in STARTUP_PHASES
          if f"startup_phase_{name}_s" in r]
    if ph:
        lines.append("  phases (s, they overlap: the engine starts after the first paint): "
                     + ", ".join(f"{name} {v:.3f}" for name, v in ph))
    lines.append("\nkey figures:")
    for key in ("frame_ms_60", "frame_ms_5k", "frame_ms_109k", "floor_ms_60", "floor_ms_5k", "floor_ms_109k",
                "frame_vs_floor_60", "frame_vs_floor_5k", "frame_vs_floor_109k", "gui_training_ratio",
                "gui_lateness_p99_ms", "gui_lateness_max_ms", "startup_s", "bare_startup_s", "startup_ratio"):
        lines.append(f"  {key:24}{r[key]:10.3f}{flag(key)}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer frames, shorter blocks (under a minute)")
    parser.add_argument("--json", action="store_true", help="end with one line of JSON (all flat figures)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.add_argument("--pictures", action="store_true",
                        help="train with the pictures in the neurons on (View → Pictures in neurons)")
    args = parser.parse_args(argv)
    if args.pictures:
        os.environ[PICTURES_ENV] = "1"
    details: dict = {}
    result = measure(args.quick, log=None if args.quiet else lambda s: print(s, flush=True), details=details)
    print(_report({**result, **details}))
    print(f"\n(total {result['seconds']:.0f} s)")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
