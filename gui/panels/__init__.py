"""The window's dock panels, one module each. To add a dock: write a module with a `Panel` subclass
(see base.py) and add its class to PANELS; the order is the order of the docks in the View menu
and, within a dock group, of its tabs."""

from gui.panels.base import LEFT, RIGHT, Panel
from gui.panels.classify import ClassifyDockPanel
from gui.panels.confusion import ConfusionPanel
from gui.panels.gradients import GradientsPanel
from gui.panels.lesson import LessonPanel
from gui.panels.loss import LossPanel
from gui.panels.regions import RegionsPanel
from gui.panels.residuals import ResidualsPanel
from gui.panels.training import TrainingPanel
from gui.panels.walkthrough import WalkthroughPanel
from gui.panels.weight import WeightPanel

PANELS: list[type[Panel]] = [TrainingPanel, LossPanel, GradientsPanel, WalkthroughPanel,
                             RegionsPanel, WeightPanel, ConfusionPanel, ClassifyDockPanel,
                             LessonPanel]
PANELS.append(ResidualsPanel)  # regression: predicted against true

__all__ = ["LEFT", "PANELS", "RIGHT", "Panel"]
