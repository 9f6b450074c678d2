"""The engine: data, network, training, snapshots, classification and model files.

Qt-free by rule (tests/test_architecture.py): usable from a script and testable without a display.
"""

from core.errors import UserError

__all__ = ["UserError"]
