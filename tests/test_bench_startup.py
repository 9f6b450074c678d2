"""bench/gui.py's start-up probes must not rot: one real launch of each, checked for every mark.

Nothing is timed against a target (benchmarks are not tests): the launch must reach the first network
drawn with a step possible, and every start-up phase must be found, in the right process.
"""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bench_gui():
    spec = importlib.util.spec_from_file_location("bench_gui", ROOT / "bench" / "gui.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_phases_pair_marks_and_cpu_only_within_one_process():
    g = _bench_gui()
    events = {"launch": 0.0, "probe_started": 0.2, "engine_spawn_start": 0.5, "engine_entered": 0.7,
              "engine_torch_imported": 2.2}
    cpu = {"engine_spawn_start": (1, 0.3), "engine_entered": (2, 0.01), "engine_torch_imported": (2, 1.4)}
    ph = g._phases(events)
    assert ph["python_and_pyside6_start"] == 0.2
    assert abs(ph["engine_spawn"] - 0.2) < 1e-12 and abs(ph["engine_import_torch"] - 1.5) < 1e-12
    assert "engine_read_csv" not in ph  # not reached: left out
    pc = g._phases_cpu(cpu)
    assert abs(pc["engine_import_torch"] - 1.39) < 1e-12
    assert "engine_spawn" not in pc  # begins in the window's process, ends in the engine's


def test_main_probe_reaches_a_drawn_network_and_marks_every_phase(tmp_path):
    g = _bench_gui()
    main_py, bare_py, events, env = g.write_probes(tmp_path, ready=True)
    m = g._launch(main_py, env, events=events, timeout=120)
    assert 0 < m["first_paint_s"] < m["ready_s"]
    ph = g._phases(m["events"])
    missing = [name for name, _a, _b in g.STARTUP_PHASES if name not in ph]
    assert not missing, (missing, sorted(m["events"]))
    assert all(v >= 0 for v in ph.values()), ph
    pids = {name: pid for name, (pid, _c) in m["cpu_events"].items()}
    assert pids["engine_torch_imported"] == pids["engine_csv_start"] != pids["window_init_start"]
    assert pids["session_on_ready"] == pids["window_init_start"]
    b = g._launch(bare_py, env)
    assert b["first_paint_s"] > 0 and "events" not in b
