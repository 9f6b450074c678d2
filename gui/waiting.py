"""Waiting in the GUI thread without starving the worker thread of the GIL.

QTest.qWait sleeps inside C++ while holding the GIL, so a Python worker thread barely runs while a
test (or a script) waits with it. A QEventLoop releases the GIL while idle: use these instead.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEventLoop, QTimer


def wait_ms(ms: int):
    loop = QEventLoop()
    QTimer.singleShot(int(ms), loop.quit)
    loop.exec()


def wait_until(condition, timeout: float = 10.0, poll_ms: int = 20) -> bool:
    """Run the event loop until condition() is true or `timeout` seconds pass; return the result."""
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            return bool(condition())
        wait_ms(poll_ms)
    return True
