"""Errors the person can act on.

A UserError carries one clear sentence that names the file, row or column and says what to do.
The command line prints it and exits 2; the window shows it in a dialog. Anything else escaping
the engine is a bug.
"""


class UserError(Exception):
    """Bad input: the message is written for the person, not the programmer."""


class DataError(UserError):
    """A data file (CSV) cannot be used as asked."""


class LoadCancelled(UserError):
    """Reading a file was cancelled on request (`cancel` in core.table, core.dataset): nothing was changed."""


class ModelFileError(UserError):
    """A model file cannot be read or written."""


class DivergenceError(UserError):
    """Training produced a non-finite loss; the last finite weights were restored."""

    def __init__(self, message: str, epoch: int):
        super().__init__(message)
        self.epoch = epoch


class EpochCancelled(Exception):
    """An epoch was abandoned on request (closing, resetting); the weights are as before it."""
