"""Faults to inject into the training engine. Qt-free and importable by the engine's process,
which is spawned with this test process's sys.path (so jobs must be module-level functions)."""


def boom(trainer):
    raise RuntimeError("injected fault")
