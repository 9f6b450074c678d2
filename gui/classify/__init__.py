"""The Classify dock: ClassifyPanel (panel.py) and its pieces, one module each: the table of
predictions (table.py), the probability bars and class colours (bars.py), the one-observation form
(form.py) and the worker thread (worker.py). Writing predictions to CSV lives in core.predictions."""

from gui.classify.panel import UNTRAINED_TEXT, ClassifyPanel
from gui.classify.table import PROB_ROLE

__all__ = ["PROB_ROLE", "UNTRAINED_TEXT", "ClassifyPanel"]
