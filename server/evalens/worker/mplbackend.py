"""The evalens matplotlib backend (``module://_evalens_worker.mplbackend``).

Agg draws; nothing is drawn until a figure is shown. A change to a figure is
reported to the worker's ``figures.FigureTracker`` instead of redrawing it, and
``plt.show()`` / ``fig.show()`` show figures through it. matplotlib imports this
module (and only when the user's code uses pyplot).
"""

from __future__ import annotations

from typing import Any

import matplotlib
from matplotlib import _pylab_helpers
from matplotlib.backend_bases import FigureManagerBase
from matplotlib.backends.backend_agg import FigureCanvasAgg

from . import figures


def _tracker() -> figures.FigureTracker | None:
    return figures.ACTIVE


class FigureCanvasEvalens(FigureCanvasAgg):
    """Agg's canvas; a change is remembered, to be shown at the end of the run."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tracker = _tracker()
        if tracker is not None:
            tracker.changed(self.figure)

    def draw_idle(self, *args: Any, **kwargs: Any) -> None:
        tracker = _tracker()
        if tracker is not None:
            tracker.changed(self.figure)


class FigureManagerEvalens(FigureManagerBase):
    def show(self) -> None:  # fig.show()
        tracker = _tracker()
        if tracker is not None:
            tracker.show([self.canvas.figure], close=False)


FigureCanvasEvalens.manager_class = FigureManagerEvalens  # type: ignore[assignment]
# Interactive mode: pyplot tells the canvas of every change (``draw_idle``), so that the
# figures a run changed are known as it ends (ipykernel's inline backend does the same).
matplotlib.interactive(True)
FigureCanvas = FigureCanvasEvalens
FigureManager = FigureManagerEvalens


def show(*args: Any, **kwargs: Any) -> None:
    """``plt.show()``: every open figure, in the order they were made; then they are closed."""
    tracker = _tracker()
    if tracker is not None:
        tracker.show(figures.open_figures(), close=True)


def draw_if_interactive() -> None:
    manager = _pylab_helpers.Gcf.get_active()
    tracker = _tracker()
    if manager is not None and tracker is not None:
        tracker.changed(manager.canvas.figure)
