"""NeuroWatch: watch a neural network learn.

    python main.py [DATA.csv] [--verbose]      open the window (penguins when no file is named)
    python main.py train DATA.csv [options]    train headless (see `python main.py train --help`)
    python main.py classify MODEL DATA.csv     classify observations with a saved network
    python main.py example NAME --out FILE.csv write a generated 2-D problem (circle, xor, ...)
    python main.py import MODEL.pt [options]   a PyTorch state_dict as a network file of this program
    python main.py engine --listen HOST:PORT --key-file FILE   serve the training engine
    python main.py --engine HOST:PORT --key-file FILE          open the window on such an engine
"""

import sys

COMMANDS = ("train", "classify", "example", "import", "engine")


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    words = [a for a in argv if a != "--debug"]
    if words and (words[0] in COMMANDS or words[0] in ("-h", "--help")):
        from core.cli import main as cli_main

        return cli_main(argv)
    from gui.app import run

    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
