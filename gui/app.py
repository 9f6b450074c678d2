"""Start the window: `python main.py [DATA.csv] [--verbose]`."""

from __future__ import annotations

import argparse
import sys


def parse_args(argv):
    p = argparse.ArgumentParser(prog="main.py", description="Open the NeuroWatch window.")
    p.add_argument("data", nargs="?", help="CSV to train on (default: the bundled penguins data)")
    p.add_argument("--verbose", action="store_true",
                   help="log every finished epoch on stderr ('epoch N: ...')")
    return p.parse_args(argv)


def run(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from PySide6.QtWidgets import QApplication

    from gui import theme
    from gui.main_window import APP_NAME, MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setStyleSheet(theme.STYLE)
    win = MainWindow(data_path=args.data, verbose=args.verbose)
    win.show()
    return app.exec()
