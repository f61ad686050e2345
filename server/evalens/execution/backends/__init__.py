"""The interpreter backends (``execution.backend``'s protocols), one module each, and which one
serves a given configuration.

A new backend is a module here and one line in ``BACKENDS``: the engine takes the first
whose test accepts the settings, and switches when a change of settings picks another.
"""

from __future__ import annotations

from collections.abc import Callable

from ...settings import Settings
from ..backend import Backend, RunEvents, SessionConfig
from .kernel import KernelBackend
from .process import ProcessBackend

#: (the configuration its sessions start with, where output and displays between runs go) -> a backend
BackendFactory = Callable[[Callable[[], SessionConfig], RunEvents], Backend]

#: (does it serve these settings?, how to make it), in order of preference
BACKENDS: list[tuple[Callable[[Settings], bool], BackendFactory]] = [
    (lambda settings: settings.kernel is not None, KernelBackend),  # a Jupyter kernel
    (lambda settings: True, ProcessBackend),  # the worker in a process of the user's Python
]


def choose(settings: Settings) -> BackendFactory:
    """The factory of the first backend that serves ``settings``."""
    for serves, factory in BACKENDS:
        if serves(settings):
            return factory
    raise LookupError("no interpreter backend serves these settings")
