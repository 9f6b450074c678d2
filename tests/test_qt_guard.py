"""Guard against PySide6 6.12.0 on Python < 3.12, which aborts the interpreter (DEVELOPERS.md)."""

import sys


def test_none_refcount_survives_qt_calls_that_return_nothing(qapp):
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    before = sys.getrefcount(None)
    for i in range(1000):
        label.setText(str(i))
    after = sys.getrefcount(None)
    # an affected build drops one reference to None per call (immortal None on >= 3.12 is constant)
    assert after >= before - 50, (
        f"PySide6 leaks references to None ({before} -> {after}): this install will abort with "
        f"'none_dealloc'. Use PySide6-Essentials < 6.12 on Python < 3.12.")
