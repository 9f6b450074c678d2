"""Writing predictions (core.classify.Predictions) to CSV: atomically, chunk by chunk, cancellable.

Qt-free, so the window's Classify dock (in a worker thread) and scripts write the same bytes.
Imports no pandas itself: the predictions carry their table.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from core.atomic import atomic_open

if TYPE_CHECKING:
    from core.classify import Predictions

CHUNK_ROWS = 20_000


class _Cancelled(Exception):
    """Raised inside atomic_open's block so that it removes the half-written file."""


def write_predictions_csv(pred: Predictions, path, cancel: threading.Event | None = None,
                          progress: Callable[[int, int], None] | None = None,
                          chunk_rows: int = CHUNK_ROWS) -> bool:
    """Write pred.to_frame() as CSV atomically (a temporary file in the same folder, flushed, then
    renamed over `path`, keeping the permission bits of a file it replaces), `chunk_rows` rows at a
    time, calling progress(rows_done, rows) after each chunk and checking `cancel` before each.

    True when written, False when cancelled (`path` untouched, no temporary file left).
    Raises OSError (write_error_message says it for a person)."""
    frame = pred.to_frame()
    n = len(frame)
    chunk_rows = max(1, int(chunk_rows))
    try:
        with atomic_open(path, "w", keep_mode=True, encoding="utf-8", newline="") as f:
            for a in range(0, max(n, 1), chunk_rows):
                if cancel is not None and cancel.is_set():
                    raise _Cancelled
                frame.iloc[a:a + chunk_rows].to_csv(f, header=a == 0, index=False)
                if progress is not None:
                    progress(min(a + chunk_rows, n), n)
    except _Cancelled:
        return False
    return True


def write_error_message(path, e: OSError) -> str:
    """What to tell a person when `path` cannot be written."""
    return f"{path} cannot be written ({e.strerror or e}). The previous file, if any, is untouched."
