"""core/ stays Qt-free: the engine must run without a display and from a plain script."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("PySide6", "pyqtgraph", "gui", "shiboken6", "PyQt5", "PyQt6")


def test_core_sources_import_no_qt_or_gui():
    offenders = []
    for path in (ROOT / "core").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for n in names:
                if n.split(".")[0] in FORBIDDEN:
                    offenders.append(f"{path.name}:{node.lineno} imports {n}")
    assert not offenders, offenders


def test_importing_every_core_module_loads_no_qt():
    code = (
        "import sys, pkgutil, importlib, core\n"
        "for m in pkgutil.iter_modules(core.__path__):\n"
        "    importlib.import_module('core.' + m.name)\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}]\n"
        f"print(bad); sys.exit(1 if bad else 0)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_cli_commands_do_not_load_qt(tmp_path):
    code = (
        "import sys; sys.argv=['main.py','train','resources/penguins.csv','--epochs','1','--quiet'];"
        "import main; rc = main.main(sys.argv[1:]);"
        "bad=[m for m in sys.modules if m.split('.')[0] in ('PySide6','pyqtgraph','gui')];"
        "print(bad); sys.exit(rc or (1 if bad else 0))"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_the_first_frame_imports_nothing_heavy():
    """Staged start-up: the window module (what the first frame needs) loads no numpy, pandas,
    pyqtgraph, torch or multiprocessing, nor the controls and the engine's client; they load after
    the first paint."""
    code = ("import sys, gui.app, gui.main_window; "
            "print(sorted(m for m in ('numpy', 'pandas', 'pyqtgraph', 'torch', 'multiprocessing', "
            "'gui.controls', 'gui.worker', 'core.engine_server') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=str(ROOT))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", out.stdout


def test_gui_writes_no_files_itself():
    """Writing CSV and files' permissions are core's work (core.predictions, core.atomic): gui/ calls
    them, it does not write tables, make temporary files or set modes itself."""
    forbidden_calls = {"to_csv", "writer", "DictWriter", "mkstemp", "NamedTemporaryFile", "umask", "chmod"}
    offenders = []
    for path in (ROOT / "gui").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
                if name in forbidden_calls:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} calls {name}")
            elif isinstance(node, ast.Import) and any(a.name in ("csv", "tempfile") for a in node.names):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} imports csv/tempfile")
    assert not offenders, offenders
