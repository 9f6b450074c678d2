"""Visual language: one colour-blind-safe diverging pair for every signed number in the app.

Blue = positive, orange = negative (from ColorBrewer's PuOr/RdBu family, distinguishable in the
common colour-vision deficiencies); width and opacity grow with |value|.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy loads with the views, after the window's first paint
    import numpy as np

MODES = ("weights", "gradients", "updates")  # what the network view's edges show
MODE_LABELS = {"weights": "weights w", "gradients": "gradients dL/dw", "updates": "updates Δw"}
MODE_SYMBOLS = {"weights": "w", "gradients": "dL/dw", "updates": "Δw"}  # where the words do not fit

POSITIVE = (33, 102, 172)  # blue
NEGATIVE = (230, 97, 1)  # orange
NEUTRAL = (200, 200, 200)
BACKGROUND = (252, 252, 250)
TEXT = (40, 40, 40)
TRAIN = (33, 102, 172)
VALID = (230, 97, 1)
ACCENT = (0, 158, 115)  # bluish green (Okabe-Ito), for highlights
LAYER_COLOURS = [(0, 114, 178), (230, 159, 0), (0, 158, 115), (204, 121, 167), (86, 180, 233),
                 (213, 94, 0), (240, 228, 66), (0, 0, 0)]

N_LEVELS = 6  # magnitude buckets per sign


def faded(rgb, alpha: float) -> tuple[int, int, int]:
    """The opaque colour that `rgb` at opacity `alpha` (0-1) shows on the plain background.

    Qt's raster engine draws translucent lines several times slower than opaque ones (3,000
    antialiased lines: 440 vs 65 ms; a dotted 1,000-point accuracy curve: 16 vs 0.3 ms at 1 px)."""
    return tuple(round(bg + (c - bg) * alpha) for c, bg in zip(rgb, BACKGROUND, strict=True))


def hex_colour(rgb) -> str:
    return "#" + "".join(f"{int(c):02x}" for c in rgb[:3])


def signed_rgb(value: float, scale: float) -> tuple[int, int, int]:
    """Blend from light grey to blue (+) or orange (-) by |value| / scale."""
    t = 0.0 if scale <= 0 else min(1.0, abs(float(value)) / scale)
    base = POSITIVE if value >= 0 else NEGATIVE
    light = (245, 245, 245)
    return tuple(int(round(light[i] + (base[i] - light[i]) * (0.15 + 0.85 * t))) for i in range(3))


def robust_scale(values: list[np.ndarray]) -> float:
    import numpy as np

    """A scale for |values| that one outlier cannot flatten: the 99th percentile, or the max."""
    flat = np.concatenate([np.abs(np.asarray(v, dtype=np.float64)).ravel() for v in values]) \
        if values else np.zeros(1)
    flat = flat[np.isfinite(flat)]
    if flat.size == 0:
        return 1.0
    s = float(np.percentile(flat, 99)) if flat.size > 200 else float(flat.max())
    return s if s > 0 else 1.0


def levels(values: np.ndarray, scale: float) -> np.ndarray:
    import numpy as np

    """Magnitude bucket 0..N_LEVELS-1 for each value."""
    t = np.clip(np.abs(values) / (scale if scale > 0 else 1.0), 0, 1)
    return np.minimum((t * N_LEVELS).astype(np.int64), N_LEVELS - 1)


STYLE = """
QMainWindow, QDockWidget { background: #fbfbfa; }
QDockWidget::title { padding: 4px 6px; background: #eceae6; font-weight: 600; }
QGroupBox { font-weight: 600; margin-top: 10px; border: 1px solid #dedbd5; border-radius: 4px; }
QGroupBox::title { subcontrol-origin: margin; left: 8px; padding: 0 3px; }
QToolBar { spacing: 4px; }
QStatusBar QLabel { padding: 0 6px; }
"""
