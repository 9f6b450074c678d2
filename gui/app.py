"""Start the window: `python main.py [DATA.csv] [--verbose]`."""

from __future__ import annotations

import argparse
import sys


def parse_args(argv):
    p = argparse.ArgumentParser(prog="main.py", description="Open the NeuroWatch window.")
    p.add_argument("data", nargs="?", help="CSV to train on (default: the bundled penguins data)")
    p.add_argument("--verbose", action="store_true",
                   help="log every finished epoch on stderr ('epoch N: ...')")
    p.add_argument("--engine", metavar="HOST:PORT",
                   help="train on the engine served by `main.py engine --listen` at this address "
                        "(e.g. on a GPU machine, through an SSH tunnel) instead of a local one")
    p.add_argument("--key-file", metavar="FILE", help="the shared key for --engine")
    return p.parse_args(argv)


def run(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    engine = None
    if args.engine is not None or args.key_file is not None:
        from core.engine_link import parse_address, read_key
        from core.errors import UserError

        try:
            if args.engine is None:
                raise UserError("--key-file is only used with --engine HOST:PORT")
            engine = (parse_address(args.engine), read_key(args.key_file), args.key_file)
        except UserError as e:
            print(f"main.py: {e}", file=sys.stderr)
            return 2
    from PySide6.QtWidgets import QApplication

    from gui import theme
    from gui.main_window import APP_NAME, MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setStyleSheet(theme.STYLE)
    win = MainWindow(data_path=args.data, verbose=args.verbose, engine=engine)
    win.show()
    return app.exec()
