"""Pictures of File → Open network on a PyTorch state_dict, with docs/gallery.py's helpers.

    QT_QPA_PLATFORM=offscreen python docs/import_pictures.py OUTDIR [--readme]

Trains the README's network in plain PyTorch (the penguins, standardised), saves its state_dict,
and opens it in a window of 1400x860 and of 900x600, on the penguins and on the penguins with long
species names: OUTDIR/<data>_<W>x<H>_import_dialog.png (the dialog) and ..._imported.png (the
window showing the network, an observation lit). With --readme, docs/import_network.png and
docs/import_network_dialog.png are written too. Under `if __name__ == "__main__"`: the engine is a
spawned process that re-imports this script.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "docs", ROOT / "tests"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


def train_readme_network(csv: Path, out: Path):
    """The README's loop: nn.Sequential(4-8-3, ReLU) on standardised penguins, 60 epochs."""
    import pandas as pd
    import torch
    from torch import nn

    df = pd.read_csv(csv).dropna()
    classes = sorted(df["species"].unique())
    X = torch.tensor(df[FEATURES].values, dtype=torch.float32)
    y = torch.tensor(df["species"].map(classes.index).values)
    mean, std = X.mean(0), X.std(0, correction=0)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(60):
        opt.zero_grad()
        nn.functional.cross_entropy(model((X - mean) / std), y).backward()
        opt.step()
    torch.save(model.state_dict(), out)
    return out


def render(name, data, pt, size, out: Path, work: Path, findings: list):
    import gallery as g
    import layout_check

    from gui.waiting import wait_until

    tag = f"{name}_{size[0]}x{size[1]}"
    w = g.make_window(data, work, size)
    try:
        g.wait_ready(w)
        w.import_network_dialog = None
        w.files.open_network(str(pt))
        if not wait_until(lambda: getattr(w, "import_network_dialog", None) is not None, 60):
            raise RuntimeError(f"no dialog: {w.last_error}")
        dlg = w.import_network_dialog
        dlg.set_values(scaling="data")
        g.settle(150)
        g.grab(dlg, out / f"{tag}_import_dialog.png")
        findings += [f"{tag} dialog: {f}" for f in layout_check.check(dlg)]
        dlg.accept()
        if not wait_until(lambda: w.session.ready and w.session.data.scaler.std[0] != 1, 60):
            raise RuntimeError(f"not opened: {w.last_error}")
        g.show_dock(w, "classify")
        g.classify_file(w, data, row=200)
        w._draw(force=True)
        w.view.finish_animation()
        g.settle(300)
        g.grab(w, out / f"{tag}_imported.png")
        findings += [f"{tag} window: {f}" for f in layout_check.check(w)]
    finally:
        g.close_window(w)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--readme", action="store_true")
    args = ap.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import gallery as g

    app = g.make_app()
    out = args.outdir
    out.mkdir(parents=True, exist_ok=True)
    findings: list[str] = []
    with tempfile.TemporaryDirectory(prefix="import-pictures-") as tmp:
        work = Path(tmp)
        paths = g.write_datasets(work)
        pt = train_readme_network(paths["penguins"], work / "penguins.pt")
        for name in ("penguins", "penguins-long"):
            for size in g.SIZES:
                render(name, paths[name], pt, size, out, work, findings)
    (out / "layout.txt").write_text("\n".join(findings) + "\n", encoding="utf-8")
    if args.readme:
        shutil.copyfile(out / "penguins_1400x860_imported.png", ROOT / "docs" / "import_network.png")
        shutil.copyfile(out / "penguins_1400x860_import_dialog.png",
                        ROOT / "docs" / "import_network_dialog.png")
    print(f"pictures in {out}; layout findings: {len(findings)}")
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
