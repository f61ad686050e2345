"""matplotlib figures as displays: the evalens backend's other half, and how it gets chosen.

When the user set no ``MPLBACKEND``, ``install`` puts a finder on
``sys.meta_path`` that lets ``import matplotlib`` run as usual and then selects
the evalens backend (``module://_evalens_worker.mplbackend``), which turns on
interactive mode once pyplot loads it, as ipykernel does with its inline backend
(a user who picks another backend first keeps matplotlib as it was). Nothing imports matplotlib
before the user does, and no environment variable is set that a child process
(another Python) could not honour.

In interactive mode pyplot tells a figure's canvas each time the figure
changes (``draw_idle``): the backend reports it here (``changed``), without
drawing. ``plt.show()`` shows every open figure and closes them, as a GUI
window or Jupyter's inline backend would; at the end of a run, each figure
still open that changed during it is shown (``end_of_run``), in the order the
figures were made. A figure with nothing in it is not shown. A ``Figure`` that
is a run's value is shown as its image (``bundle``), as IPython does.

``ACTIVE`` is the one module-level state: matplotlib imports the backend
module by name, and that module finds the worker's tracker here.
"""

from __future__ import annotations

import base64
import importlib.abc
import importlib.machinery
import io
import os
import sys
import types
from typing import Any, Callable, ContextManager, Dict, List, Optional, Sequence

from . import messages
from .displays import Displays
from .mimebundles import Base64
from .reprs import bounded_repr

BACKEND = "module://_evalens_worker.mplbackend"


class FigureTracker:
    """The figures of the session that changed since they were last shown."""

    def __init__(self, displays: Displays, figure_format: str = "png") -> None:
        self.displays = displays
        self.figure_format = figure_format
        self._changed: Dict[int, Any] = {}

    # -- what the backend reports ---------------------------------------------------------

    def changed(self, figure: Any) -> None:
        self._changed[id(figure)] = figure

    def show(self, figures: Sequence[Any], close: bool) -> None:
        """Show ``figures`` now (``plt.show()``, ``fig.show()``); close them after."""
        for figure in figures:
            self.emit(figure)
        if close and figures:
            pyplot = sys.modules.get("matplotlib.pyplot")
            if pyplot is not None:
                for figure in figures:
                    pyplot.close(figure)

    # -- what the worker asks ---------------------------------------------------------------

    def end_of_run(self) -> None:
        """Show the open figures that changed during the run (then nothing is pending)."""
        if not self._changed:
            return
        changed, self._changed = self._changed, {}
        for figure in open_figures():
            if id(figure) in changed:
                try:
                    self.emit(figure)
                except Exception as exc:  # the user's figure: said, and the others still shown
                    name = f"figure {getattr(figure, 'number', '?')}"
                    self.displays.note(f"{name} could not be drawn: {type(exc).__name__}: {exc}")

    def bundle(self, value: Any) -> Optional[messages.DisplayBundle]:
        """A figure's bundle when ``value`` is a matplotlib ``Figure`` (None otherwise, or when
        it is empty); it counts as shown."""
        figure_module = sys.modules.get("matplotlib.figure")
        if figure_module is None or not isinstance(value, figure_module.Figure):
            return None
        self._changed.pop(id(value), None)
        return self.render(value)

    # -- rendering ------------------------------------------------------------------------------

    def emit(self, figure: Any) -> None:
        self._changed.pop(id(figure), None)
        bundle = self.render(figure)
        if bundle is not None:
            self.displays.emit(bundle)

    def render(self, figure: Any) -> Optional[messages.DisplayBundle]:
        """The figure as PNG (at its dpi, or twice that for ``retina``) or SVG, with its repr."""
        if not _has_content(figure):
            return None
        text = bounded_repr(figure, self.displays.formatter.repr_chars)[0]
        buffer = io.BytesIO()
        metadata: Dict[str, Any] = {}
        if self.figure_format == "svg":
            figure.savefig(buffer, format="svg")
            return {"data": {"text/plain": text, "image/svg+xml": buffer.getvalue().decode("utf-8")}, "metadata": {}}
        if self.figure_format == "retina":
            width, height = figure.get_size_inches() * figure.dpi
            figure.savefig(buffer, format="png", dpi=2 * figure.dpi)
            metadata["image/png"] = {"width": round(float(width)), "height": round(float(height))}
        else:
            figure.savefig(buffer, format="png")
        encoded = Base64(base64.b64encode(buffer.getbuffer()))
        return {"data": {"text/plain": text, "image/png": encoded}, "metadata": metadata}


def open_figures() -> List[Any]:
    """pyplot's open figures, in the order they were made (their numbers)."""
    helpers = sys.modules.get("matplotlib._pylab_helpers")
    if helpers is None:
        return []
    managers = sorted(helpers.Gcf.figs.items(), key=lambda item: item[0])
    return [manager.canvas.figure for _, manager in managers]


def _has_content(figure: Any) -> bool:
    """IPython shows no image for a figure without axes or artists."""
    return any(getattr(figure, name, None) for name in ("axes", "lines", "images", "texts", "patches", "artists"))


def show_changed(user_code: Callable[[], ContextManager[None]], note: Callable[[str], None]) -> None:
    """As a run ends: the figures that changed during it, drawn as user code (interruptible)."""
    tracker = ACTIVE
    if tracker is None:
        return
    try:
        with user_code():
            tracker.end_of_run()
    except KeyboardInterrupt:
        note("interrupted while drawing the run's figures; not all were shown")
    except Exception as exc:  # a figure that cannot be drawn is the user's problem, said
        note(f"a figure could not be drawn: {type(exc).__name__}: {exc}")


#: the worker's tracker, for the backend module that matplotlib imports by name
ACTIVE: Optional[FigureTracker] = None


# -- choosing the backend --------------------------------------------------------------------


class _ThenSelectBackend(importlib.abc.Loader):
    """matplotlib's own loader, and then the evalens backend, unless the user chose one."""

    def __init__(self, inner: importlib.abc.Loader) -> None:
        self.inner = inner

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> Optional[types.ModuleType]:
        return self.inner.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        self.inner.exec_module(module)
        if not os.environ.get("MPLBACKEND"):
            module.rcParams["backend"] = BACKEND

    def __getattr__(self, name: str) -> Any:  # get_source, get_resource_reader, ...
        return getattr(self.inner, name)


class _MatplotlibFinder(importlib.abc.MetaPathFinder):
    """Finds ``matplotlib`` as every other finder would, with the loader above around it."""

    def find_spec(
        self, fullname: str, path: Optional[Sequence[str]], target: Optional[types.ModuleType] = None
    ) -> Optional[importlib.machinery.ModuleSpec]:
        if fullname != "matplotlib":
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _ThenSelectBackend(spec.loader)
                return spec
        return None


def install(tracker: FigureTracker) -> None:
    """Make ``tracker`` the one the backend reports to; select the backend when matplotlib
    is imported, unless ``MPLBACKEND`` is set."""
    global ACTIVE
    ACTIVE = tracker
    displays = tracker.displays
    displays.special = tracker.bundle
    if not os.environ.get("MPLBACKEND") and "matplotlib" not in sys.modules:
        sys.meta_path.insert(0, _MatplotlibFinder())
