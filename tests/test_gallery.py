"""docs/gallery.py runs (as the stop hook runs it) and writes every picture, none of them blank."""

import os
import subprocess
import sys

from PySide6.QtGui import QImage

from conftest import ROOT

sys.path.insert(0, str(ROOT / "docs"))
import gallery  # noqa: E402


def expected(out):
    names = [f"readme/{f}" for f in gallery.README]
    for data in gallery.DATASETS:
        for w, h in gallery.SIZES:
            tag = f"{data}_{w}x{h}"
            names += [f"{tag}_window_{scene}.png" for scene in gallery.TAB_SCENES]
            names += [f"{tag}_dock_{d}.png" for docks in gallery.TAB_SCENES.values() for d in docks]
            names += [f"{tag}_dock_loss.png", f"{tag}_dock_weight_study.png"]
        names += [f"{data}_dialog_import.png", f"{data}_900x600_dialog_import.png",
                  f"{data}_dialog_lr_demo.png"]
    return [out / n for n in names]


def distinct_colours(path) -> int:
    img = QImage(str(path)).scaled(120, 90)
    return len({img.pixel(x, y) for x in range(img.width()) for y in range(img.height())})


def test_gallery_writes_every_picture(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    docs = {f: (ROOT / "docs" / f).stat().st_mtime_ns for f in gallery.README}
    r = subprocess.run([sys.executable, str(ROOT / "docs" / "gallery.py"), str(tmp_path)], cwd=ROOT,
                       env=env, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "Traceback" not in r.stderr
    missing = [p.name for p in expected(tmp_path) if not p.is_file()]
    assert not missing, missing
    for p in expected(tmp_path):
        img = QImage(str(p))
        assert img.width() >= 200 and img.height() >= 150, p.name
        assert distinct_colours(p) > 8, f"{p.name} looks blank"
    assert (tmp_path / "layout.txt").read_text(encoding="utf-8").startswith("== penguins_900x600")
    # without --readme the README's own pictures are left alone
    assert {f: (ROOT / "docs" / f).stat().st_mtime_ns for f in gallery.README} == docs
