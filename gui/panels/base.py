"""What a dock panel is: a title, a default place, a widget made on demand, and bind(session).

A panel module holds one subclass of `Panel` and is listed once in gui/panels/__init__.py; the window
makes a dock for each (a placeholder until the views load), builds the widget, calls `bind`, and then
asks it to draw the snapshot on show, in steps the window spreads over frame ticks while training
plays. A panel whose dock is hidden (a tab behind another, closed) is not drawn; it draws the shown
snapshot when its dock comes up again.

Keep a panel module light at import (Qt only): the window imports the list before its first paint;
import numpy, pyqtgraph and the widget's own module inside `create`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDockWidget, QWidget

    from gui.main_window import MainWindow
    from gui.session import Session

LEFT, RIGHT = "left", "right"


class Panel:
    name: str = ""  # the dock's key in window.docks and its object name (dock_<name>)
    title: str = ""  # the dock's title
    area: str = RIGHT  # LEFT or RIGHT dock area
    below: str | None = None  # split below this panel's dock
    tab_with: str | None = None  # a tab in this panel's dock group
    raised: bool = False  # the tab shown first in its group
    follows_playing: bool = True  # drawn while training plays (else only when paused)

    def __init__(self, window: MainWindow):
        self.window = window
        self.session: Session = window.session
        self.widget: QWidget | None = None

    @property
    def dock(self) -> QDockWidget:
        return self.window.docks[self.name]

    def create(self) -> QWidget:
        """Build the panel's widget (heavy imports here)."""
        raise NotImplementedError

    def bind(self):
        """Connect the widget to the session and the window (signals both ways)."""

    def network_ready(self, snap, info: dict):
        """A new network is in charge (new data, reset, continue from a past epoch)."""

    def steps(self) -> list:
        """Functions of the shown snapshot that draw this panel; the window may run them in separate
        frame ticks while training plays (none for a panel that draws no snapshot)."""
        return [self.refresh] if type(self).refresh is not Panel.refresh else []

    def refresh(self, snap):
        """Draw the snapshot shown."""

    def visible(self) -> bool:
        return not self.dock.visibleRegion().isEmpty()

    def shown(self, visible: bool):
        """Its dock came up (draw what is shown now) or went away."""
        if visible:
            snap = self.session.displayed_snapshot()
            if snap is not None and (self.follows_playing or not self.session.playing):
                self.refresh(snap)

    def shutdown(self):
        """The window closes: stop any background work."""
