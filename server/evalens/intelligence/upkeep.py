"""Work on documents that nobody waits for: warming jedi up, preloading what opened
documents import, and scheduling the diagnostics pass of each change.

``Upkeep`` runs it on the background lane (or, for a lane's jedi environment, on
that lane without counting it as busy), so requests always find a free lane.
"""

from __future__ import annotations

import asyncio
import os
from collections import deque
from collections.abc import Awaitable
from typing import Any, TypeVar

from ..text.documents import Document
from ..text.modnames import uri_to_path
from . import overlay
from .diagnostics import Diagnostics
from .host import Host
from .lanes import Lane, Lanes
from .preload import STAND_IN, head_start, import_source, preload
from .snapshot import snapshot
from .trees import TREES

T = TypeVar("T")
WARM_UP_DELAY = 2.0  # seconds after the first document opens
PRELOAD_QUEUE = 4  # opened documents waiting for their imports to be preloaded
PRELOAD_MAX_LINES = 5000  # longer documents are not preloaded


class Upkeep:
    def __init__(self, host: Host, lanes: Lanes, diagnostics: Diagnostics) -> None:
        self.host = host
        self.lanes = lanes
        self.diagnostics = diagnostics
        self.warmed = False
        self._background: set[asyncio.Future[Any]] = set()
        self._preloads: deque[str] = deque(maxlen=PRELOAD_QUEUE)  # opened documents, newest last
        self._preloading = False
        self._first_lane_ready: asyncio.Future[None] | None = None
        self._warming_later: asyncio.TimerHandle | None = None

    def pending(self) -> int:
        """Documents waiting for preloading, background jobs, environments still to start."""
        later = 1 if self._warming_later is not None else 0
        return len(self._preloads) + len(self._background) + later

    def changed(self, uri: str, everyone: bool) -> None:
        """A document changed, or opened (``everyone``: a new module may satisfy the imports
        that other documents could not resolve, so those are checked again too)."""
        if not self.warmed:
            self.warmed = True
            self._warm_up()
        targets = [uri, *(other for other in self.diagnostics.unresolved() if other != uri)] if everyone else [uri]
        for target in targets:
            self.diagnostics.schedule(target)
        if everyone:
            self._schedule_preload(uri)

    def closed(self, uri: str) -> None:
        """A closed module may have satisfied imports: check the documents that name it."""
        self.diagnostics.forget(uri)
        path = uri_to_path(uri) or uri
        stem = os.path.splitext(os.path.basename(path))[0]
        name = os.path.basename(os.path.dirname(path)) if stem == "__init__" else stem
        for doc in self.host.store:
            if name in doc.text:
                self.diagnostics.schedule(doc.uri)
        TREES.forget(path)

    def _warm_up(self) -> None:
        """Start jedi's environment on the first lane now, on the others a little later
        (so they do not compete with the first requests for the CPU). Preloading, on the
        background lane, waits for the first lane's."""
        executable = snapshot(self.host).executable
        self.diagnostics.interpreter(executable)
        self._first_lane_ready = self._in_background(self._warm_lane(executable, self.lanes.lanes[0]))
        opened = [(doc.module.path, doc.text, doc.revision) for doc in self.host.store if _preloadable(doc)]
        opened = opened[-PRELOAD_QUEUE:]  # the newest: an editor restoring many tabs shows the last one
        self._in_background(self.lanes.run("head start", lambda _: head_start(opened), 0, self.lanes.background))
        later = [*self.lanes.lanes[1:], self.lanes.background]
        self._warming_later = asyncio.get_running_loop().call_later(WARM_UP_DELAY, self._warm_lanes, executable, later)

    async def _warm_lane(self, executable: str, lane: Lane) -> None:
        await self.lanes.run("warm-up", lambda lane: lane.environment(executable), None, lane, counted=False)

    def _warm_lanes(self, executable: str, lanes: list[Lane]) -> None:
        self._warming_later = None
        for lane in lanes:
            self._in_background(self._warm_lane(executable, lane))

    def _schedule_preload(self, uri: str) -> None:
        """Preload the imports of an opened document: the newest few, one at a time, so
        preloading never takes more than one lane."""
        doc = self.host.store.get(uri)
        if uri in self._preloads or doc is None or not _preloadable(doc):
            return
        self._preloads.append(uri)
        if not self._preloading:
            self._preloading = True
            self._in_background(self._drain_preloads())

    async def _drain_preloads(self) -> None:
        try:
            if self._first_lane_ready is not None:
                await self._first_lane_ready  # one jedi environment starting at a time
            while self._preloads:
                await self._preload(self._preloads.pop())
        finally:
            self._preloading = False

    async def _preload(self, uri: str) -> None:
        """Parse the opened document (the first request on it then finds its tree) and infer
        what it imports."""
        doc = self.host.store.get(uri)
        if doc is None or not doc.module.importable:  # (the import roots may have changed since)
            return
        text, source, revision = doc.text, import_source(doc.text), doc.revision
        snap = snapshot(self.host)
        path = doc.module.path
        stand_in = os.path.join(os.path.dirname(path), STAND_IN)

        def work(lane: Lane) -> int:
            if not self.lanes.wait_quiet():  # a request under way parses the document itself
                return 0
            environment = lane.environment(snap.executable)
            TREES.warm(environment.get_grammar(), path, text, revision)
            if not source:
                return 0
            pause = self.lanes.wait_quiet
            return overlay.run(snap, environment, stand_in, source, revision, lambda s: preload(s, pause), lane.states)

        await self.lanes.run("preload", work, 0, self.lanes.background)

    def _in_background(self, job: Awaitable[T]) -> asyncio.Future[T]:
        task = asyncio.ensure_future(job)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task


def _preloadable(doc: Document) -> bool:
    """An importable document short enough to parse ahead (a very long one takes seconds of
    the server's CPU, which the first request on it pays anyway)."""
    return doc.module.importable and doc.text.count("\n") <= PRELOAD_MAX_LINES
