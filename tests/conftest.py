import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Small networks train fastest on one thread, and a shared 2-core CI machine spin-waits badly with
# more: the app sets this per network (core.trainer.configure_threads); the tests set it once.
os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402

PENGUINS = ROOT / "resources" / "penguins.csv"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def penguins_path():
    return PENGUINS


@pytest.fixture
def write_csv(tmp_path):
    """Write text (or bytes) to a file in tmp_path and return its path."""
    def _write(content, name="data.csv"):
        p = tmp_path / name
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
        return p
    return _write
