"""The LSP handlers of the static intelligence: each copies what it needs on the
event loop, runs the jedi work on a lane, and converts the answer."""

from __future__ import annotations

import asyncio
import logging
import os
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from lsprotocol import types

from ..text.modnames import uri_to_path
from . import completion, hover, navigation, overlay, runtime, symbols
from .diagnostics import Diagnostics
from .lanes import Lane, Lanes
from .preload import STAND_IN, head_start, import_source, preload
from .snapshot import Cursor, Snapshot, cursor, snapshot
from .symbolindex import SymbolIndex
from .trees import TREES

if TYPE_CHECKING:
    from ..server import EvalensServer
    from ..text.documents import Document

log = logging.getLogger(__name__)
T = TypeVar("T")
WARM_UP_DELAY = 2.0  # seconds after the first document opens
PRELOAD_QUEUE = 4  # opened documents waiting for their imports to be preloaded
PRELOAD_MAX_LINES = 5000  # longer documents are not preloaded


class Intelligence:
    def __init__(self, ls: EvalensServer, lanes: int = 3) -> None:
        self.lanes = Lanes(lanes)
        self.diagnostics = Diagnostics(ls, self.lanes)
        self.symbol_index = SymbolIndex()
        self.warmed = False
        self._background: set[asyncio.Future[Any]] = set()
        self._preloads: deque[str] = deque(maxlen=PRELOAD_QUEUE)  # opened documents, newest last
        self._preloading = False
        self._first_lane_ready: asyncio.Future[None] | None = None
        self._warming_later: asyncio.TimerHandle | None = None

    def pending(self) -> int:
        """Work under way or scheduled: requests and background jobs on the lanes, documents
        waiting for diagnostics or preloading, environments still to start. 0 when settled."""
        lanes = sum(lane.pending for lane in [*self.lanes.lanes, self.lanes.background])
        later = 1 if self._warming_later is not None else 0
        return lanes + self.diagnostics.pending() + len(self._preloads) + len(self._background) + later

    async def _on_script(
        self,
        ls: EvalensServer,
        what: str,
        where: Cursor | None,
        job: Callable[[Any, Cursor, Snapshot, Lane], T],
        default: T,
        lane: Lane | None = None,
    ) -> T:
        if where is None:
            return default
        snap = snapshot(ls)

        def work(lane: Lane) -> T:
            environment = lane.environment(snap.executable)
            return overlay.run(
                snap,
                environment,
                where.path,
                where.doc.text,
                where.doc.revision,
                lambda script: job(script, where, snap, lane),
                lane.states,
            )

        return await self.lanes.run(what, work, default, lane)

    # -- handlers ---------------------------------------------------------------

    async def completion(self, ls: EvalensServer, params: types.CompletionParams) -> types.CompletionList | None:
        generation = next(self.lanes.generations)
        where = cursor(ls, params.text_document.uri, params.position)
        statically = self._on_script(
            ls,
            "completion",
            where,
            lambda script, where, snap, lane: completion.complete(script, where, lane, generation),
            None,
        )
        target = None
        if where is not None and getattr(ls, "live", None) is not None:
            target = completion.attribute_target(where.text, where.column)
        if target is None or where is None:
            return await statically
        result, names = await asyncio.gather(statically, runtime.attributes(ls, where.doc.module.name, target[0]))
        if result is None:
            result = types.CompletionList(is_incomplete=False, items=[])
        if names:
            completion.add_runtime(result, names, target[1])
        return result

    async def resolve(self, ls: EvalensServer, item: types.CompletionItem) -> types.CompletionItem:
        data = item.data if isinstance(item.data, dict) else {}
        index = data.get("lane")
        if not isinstance(index, int) or not 0 <= index < len(self.lanes.lanes):
            return item
        lane = self.lanes.lanes[index]
        return await self.lanes.run("completionItem/resolve", lambda lane: completion.resolve(item, lane), item, lane)

    async def hover(self, ls: EvalensServer, params: types.HoverParams) -> types.Hover | None:
        with_live = getattr(ls, "live", None) is not None
        found = await self._on_script(
            ls,
            "hover",
            cursor(ls, params.text_document.uri, params.position),
            lambda script, where, snap, lane: hover.hover(script, where, snap, with_live),
            None,
        )
        if found is None:
            return None
        text = found.markdown
        doc = ls.store.get(params.text_document.uri)
        if found.module_name is not None and doc is not None:
            value = await runtime.describe(ls, doc.module.name, found.module_name)
            if value is not None:
                text = f"{text}\n\n---\n{runtime.hover_section(value)}"
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text), range=found.range)

    async def signature_help(self, ls: EvalensServer, params: types.SignatureHelpParams) -> types.SignatureHelp | None:
        return await self._on_script(
            ls,
            "signatureHelp",
            cursor(ls, params.text_document.uri, params.position),
            lambda script, where, snap, lane: hover.signature_help(script, where),
            None,
        )

    async def definition(self, ls: EvalensServer, params: types.DefinitionParams) -> list[types.Location]:
        return await self._on_script(
            ls,
            "definition",
            cursor(ls, params.text_document.uri, params.position),
            lambda script, where, snap, lane: navigation.definition(script, where, snap),
            [],
        )

    async def declaration(self, ls: EvalensServer, params: types.DeclarationParams) -> list[types.Location]:
        return await self._on_script(
            ls,
            "declaration",
            cursor(ls, params.text_document.uri, params.position),
            lambda script, where, snap, lane: navigation.declaration(script, where, snap),
            [],
        )

    async def references(self, ls: EvalensServer, params: types.ReferenceParams) -> list[types.Location]:
        include = params.context.include_declaration
        return await self._on_script(
            ls,
            "references",
            cursor(ls, params.text_document.uri, params.position),
            lambda script, where, snap, lane: navigation.references(script, where, snap, include),
            [],
        )

    async def highlight(
        self, ls: EvalensServer, params: types.DocumentHighlightParams
    ) -> list[types.DocumentHighlight]:
        return await self._on_script(
            ls,
            "documentHighlight",
            cursor(ls, params.text_document.uri, params.position),
            lambda script, where, snap, lane: navigation.highlight(script, where, snap),
            [],
        )

    async def document_symbols(
        self, ls: EvalensServer, params: types.DocumentSymbolParams
    ) -> list[types.DocumentSymbol]:
        return await self._on_script(
            ls,
            "documentSymbol",
            cursor(ls, params.text_document.uri, types.Position(0, 0)),
            lambda script, where, snap, lane: symbols.document_symbols(
                script._module_node, script._code_lines, snap.units
            ),
            [],
        )

    async def workspace_symbols(
        self, ls: EvalensServer, params: types.WorkspaceSymbolParams
    ) -> list[types.WorkspaceSymbol]:
        snap = snapshot(ls)
        docs = [(doc.uri, doc.module.path, doc.text, doc.revision) for doc in ls.store]
        query = params.query
        folders = list(ls.engine.workspace.folders)

        def work(lane: Lane) -> list[types.WorkspaceSymbol]:
            grammar = lane.environment(snap.executable).get_grammar()
            found: list[types.WorkspaceSymbol] = []
            for uri, path, text, revision in docs:
                lease = TREES.acquire(grammar, path, text, revision)
                try:
                    tree_symbols = symbols.document_symbols(lease.tree, lease.lines, snap.units)
                finally:
                    TREES.release(lease)
                found.extend(s for s in symbols.flatten(tree_symbols, uri) if symbols.matches(query, s.name))
            open_paths = {os.path.normpath(path) for _uri, path, _text, _revision in docs}
            return found + self.symbol_index.query(grammar, folders, open_paths, query, snap.units)

        return await self.lanes.run("workspace/symbol", work, [])

    # -- documents ----------------------------------------------------------------

    def changed(self, ls: EvalensServer, uri: str, everyone: bool) -> None:
        """A document changed, or opened (``everyone``: a new module may satisfy the imports
        that other documents could not resolve, so those are checked again too)."""
        if not self.warmed:
            self.warmed = True
            self._warm_up(ls)
        targets = [uri, *(other for other in self.diagnostics.unresolved() if other != uri)] if everyone else [uri]
        for target in targets:
            self.diagnostics.schedule(ls, target)
        if everyone:
            self._schedule_preload(ls, uri)

    def closed(self, ls: EvalensServer, uri: str) -> None:
        """A closed module may have satisfied imports: check the documents that name it."""
        self.diagnostics.forget(uri)
        path = uri_to_path(uri) or uri
        stem = os.path.splitext(os.path.basename(path))[0]
        name = os.path.basename(os.path.dirname(path)) if stem == "__init__" else stem
        for doc in ls.store:
            if name in doc.text:
                self.diagnostics.schedule(ls, doc.uri)
        TREES.forget(path)

    def _warm_up(self, ls: EvalensServer) -> None:
        """Start jedi's environment on the first lane now, on the others a little later
        (so they do not compete with the first requests for the CPU). Preloading, on the
        background lane, waits for the first lane's."""
        executable = snapshot(ls).executable
        self.diagnostics.interpreter(executable)
        self._first_lane_ready = self._in_background(self._warm_lane(executable, self.lanes.lanes[0]))
        opened = [(doc.module.path, doc.text, doc.revision) for doc in ls.store if _preloadable(doc)]
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

    def _schedule_preload(self, ls: EvalensServer, uri: str) -> None:
        """Preload the imports of an opened document: the newest few, one at a time, so
        preloading never takes more than one lane."""
        doc = ls.store.get(uri)
        if uri in self._preloads or doc is None or not _preloadable(doc):
            return
        self._preloads.append(uri)
        if not self._preloading:
            self._preloading = True
            self._in_background(self._drain_preloads(ls))

    async def _drain_preloads(self, ls: EvalensServer) -> None:
        try:
            if self._first_lane_ready is not None:
                await self._first_lane_ready  # one jedi environment starting at a time
            while self._preloads:
                await self._preload(ls, self._preloads.pop())
        finally:
            self._preloading = False

    async def _preload(self, ls: EvalensServer, uri: str) -> None:
        """Parse the opened document (the first request on it then finds its tree) and infer
        what it imports."""
        doc = ls.store.get(uri)
        if doc is None or not doc.module.importable:  # (the import roots may have changed since)
            return
        text, source, revision = doc.text, import_source(doc.text), doc.revision
        snap = snapshot(ls)
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
