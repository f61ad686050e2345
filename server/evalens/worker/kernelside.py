"""The worker inside a Jupyter kernel: what the server's executes there call.

The server sends the worker's modules into the kernel once (``bootstrap.kernel_source``),
then each request (hello, run, inspect) as an execute whose code calls ``answer`` with the
request as a string literal. The reply is not printed: it comes back in the execute_reply's
``user_expressions`` (``reply()`` gives an object whose ``_repr_json_`` is the reply), so
nothing of evalens' own shows in the kernel's output. What user code prints is the
kernel's own ``stream`` output, what it shows the kernel's ``display_data``: the worker
publishes its bundles (a value's, ``evalens.display``'s) through IPython's display
publisher. The kernel keeps its streams, signals, limits and matplotlib backend.
"""

from __future__ import annotations

import json
import signal
from typing import Any, Dict, Optional

from . import messages
from .main import Worker
from .mimebundles import Base64


class Session:
    """The one worker of this kernel and its last reply."""

    def __init__(self) -> None:
        self.worker = Worker(None, None, in_kernel=True)
        self.worker.displays.publish = publish
        self.last: Any = None

    def answer(self, request: Dict[str, Any]) -> None:
        """Answer ``request`` with the worker's interrupt guard in place of the kernel's SIGINT
        handler: an interrupt that lands in the worker's own code (bringing modules up to
        date, building the reply) waits for user code, or is dropped, instead of leaving the
        worker half way (the server sends interrupts again until the run ends)."""
        guard = self.worker.guard
        guard.begin(guard.received)  # earlier interrupts were for earlier requests
        try:
            kernels_handler = guard.install()
        except ValueError:  # not the main thread (a kernel subshell): the kernel's handler stays
            kernels_handler = None
        try:
            self.last = self.worker.answer(request)
        except KeyboardInterrupt as exc:  # one that landed outside user code: the run's
            if request.get("op") != messages.OP_RUN:
                raise
            self.interrupted(request, exc)
        finally:
            if kernels_handler is not None:
                signal.signal(signal.SIGINT, kernels_handler)

    def interrupted(self, request: Dict[str, Any], exc: KeyboardInterrupt) -> None:
        """``request``, a run, answered as interrupted."""
        result = self.worker.runner.error(exc)
        self.last = {"id": request["id"], "result": result, "held": [], "marked": []}


_SESSION: Optional[Session] = None


def _session() -> Session:
    global _SESSION
    if _SESSION is None:
        _SESSION = Session()
    return _SESSION


def answer(request: str) -> None:
    """Answer one request (JSON text); ``reply()`` gives the answer."""
    session = _session()
    session.last = None
    session.answer(json.loads(request))


def recover(request: str) -> None:
    """After an interrupt landed in the kernel's own code around a request (ipykernel then
    drops it, or the reply's expression, or the cell before ``answer`` ran): ``reply()``
    gives the answer if the request was answered, else, for a run that never began, the run
    as interrupted."""
    asked = json.loads(request)
    session = _session()
    last = session.last
    if isinstance(last, dict) and last.get("id") == asked["id"]:
        return
    session.last = None
    if asked.get("op") == messages.OP_RUN:
        # the server counts the run's documents as sent: they are taken (the modules to
        # reload are not run: the server still sees them as not up to date)
        session.worker.take_documents(asked["run"]["sync"])
        session.interrupted(asked, KeyboardInterrupt())


class Reply:
    """The last answer, as the ``application/json`` of a user expression."""

    def _repr_json_(self) -> Any:
        return _SESSION.last if _SESSION is not None else None

    def __repr__(self) -> str:
        return "<evalens reply>"


def detach() -> None:
    """Take evalens out of this kernel, which it attached to and now lets go of: its import
    finders, its modules (the worker's, the ``evalens`` helper), the texts it registered
    with linecache. What user code made (its modules, its variables) stays: it is the
    user's."""
    import linecache
    import sys

    global _SESSION
    if _SESSION is not None:
        for path in list(_SESSION.worker.table.by_path):
            linecache.cache.pop(path, None)
        _SESSION = None
    sys.meta_path[:] = [finder for finder in sys.meta_path if not _ours(type(finder))]
    helper = sys.modules.get("evalens")
    if helper is not None and _ours(type(getattr(helper, "__loader__", None))):
        del sys.modules["evalens"]
    for name in [name for name in sys.modules if name.partition(".")[0] == "_evalens_worker"]:
        del sys.modules[name]


def _ours(kind: type) -> bool:
    """A class of the worker's, or the finder the kernel bootstrap installs."""
    return kind.__module__.partition(".")[0] == "_evalens_worker" or (
        kind.__name__ == "Sources" and kind.__qualname__.startswith("_evalens_install")
    )


def reply() -> Reply:
    return Reply()


def publish(bundle: messages.DisplayBundle) -> None:
    """A bundle as the kernel's ``display_data`` (binary types as their base64 text)."""
    from IPython.display import publish_display_data

    data = {
        mime: value.decode("ascii") if isinstance(value, Base64) else value for mime, value in bundle["data"].items()
    }
    publish_display_data(data, bundle["metadata"])  # type: ignore[no-untyped-call]
