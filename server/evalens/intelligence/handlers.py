"""The LSP requests of the static intelligence: each copies what it needs on the event
loop, runs the jedi work on a lane, and converts the answer.

Most requests have one shape (a position in a document, one jedi call, a default
when there is no answer): ``AT_CURSOR`` lists them. Completion and hover add live
values from the interpreter; the symbol requests read parse trees.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from lsprotocol import types

from . import completion, hover, navigation, overlay, runtime, symbols
from .clientcaps import ClientFeatures, content
from .diagnostics import Diagnostics
from .host import Host
from .lanes import Lane, Lanes
from .snapshot import Cursor, Snapshot, cursor, snapshot
from .symbolindex import SymbolIndex
from .trees import TREES
from .upkeep import Upkeep

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class CursorJob:
    """A request answered by one jedi call at the cursor."""

    name: str  # for the logs
    job: Callable[[Any, Cursor, Snapshot, Any, ClientFeatures], Any]  # (script, cursor, snapshot, params, client)
    default: Any  # the answer when there is none


#: LSP method -> how it is answered
AT_CURSOR: dict[str, CursorJob] = {
    types.TEXT_DOCUMENT_SIGNATURE_HELP: CursorJob(
        "signatureHelp",
        lambda script, where, snap, params, client: hover.signature_help(script, where, client),
        None,
    ),
    types.TEXT_DOCUMENT_DEFINITION: CursorJob(
        "definition", lambda script, where, snap, params, client: navigation.definition(script, where, snap), []
    ),
    types.TEXT_DOCUMENT_DECLARATION: CursorJob(
        "declaration", lambda script, where, snap, params, client: navigation.declaration(script, where, snap), []
    ),
    types.TEXT_DOCUMENT_REFERENCES: CursorJob(
        "references",
        lambda script, where, snap, params, client: navigation.references(
            script, where, snap, params.context.include_declaration
        ),
        [],
    ),
    types.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT: CursorJob(
        "documentHighlight", lambda script, where, snap, params, client: navigation.highlight(script, where, snap), []
    ),
}


class Intelligence:
    def __init__(self, host: Host, lanes: int = 3) -> None:
        self.host = host
        self.lanes = Lanes(lanes)
        self.diagnostics = Diagnostics(host, self.lanes)
        self.symbol_index = SymbolIndex()
        self.upkeep = Upkeep(host, self.lanes, self.diagnostics)

    def pending(self) -> int:
        """Work under way or scheduled: requests and background jobs on the lanes, documents
        waiting for diagnostics or preloading, environments still to start. 0 when settled."""
        lanes = sum(lane.pending for lane in [*self.lanes.lanes, self.lanes.background])
        return lanes + self.diagnostics.pending() + self.upkeep.pending()

    async def _on_script(
        self,
        what: str,
        where: Cursor | None,
        job: Callable[[Any, Cursor, Snapshot, Lane], T],
        default: T,
        lane: Lane | None = None,
    ) -> T:
        if where is None:
            return default
        snap = snapshot(self.host)

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

    # -- requests ----------------------------------------------------------------

    async def at_cursor(self, method: str, params: Any) -> Any:
        """One of ``AT_CURSOR``'s requests."""
        answer = AT_CURSOR[method]
        client = self.host.client_features
        where = cursor(self.host, params.text_document.uri, params.position)
        return await self._on_script(
            answer.name,
            where,
            lambda script, where, snap, lane: answer.job(script, where, snap, params, client),
            answer.default,
        )

    async def completion(self, params: types.CompletionParams) -> types.CompletionList | None:
        generation = next(self.lanes.generations)
        where = cursor(self.host, params.text_document.uri, params.position)
        statically = self._on_script(
            "completion",
            where,
            lambda script, where, snap, lane: completion.complete(script, where, lane, generation),
            None,
        )
        target = completion.attribute_target(where.text, where.column) if where is not None else None
        if target is None or where is None:
            return await statically
        live = runtime.attributes(self.host.live, where.doc.module.name, target[0])
        result, names = await asyncio.gather(statically, live)
        if result is None:
            result = types.CompletionList(is_incomplete=False, items=[])
        if names:
            completion.add_runtime(result, names, target[1], self.host.client_features.label_details)
        return result

    async def resolve(self, item: types.CompletionItem) -> types.CompletionItem:
        data = item.data if isinstance(item.data, dict) else {}
        index = data.get("lane")
        if not isinstance(index, int) or not 0 <= index < len(self.lanes.lanes):
            return item
        lane = self.lanes.lanes[index]
        client = self.host.client_features
        return await self.lanes.run(
            "completionItem/resolve", lambda lane: completion.resolve(item, lane, client), item, lane
        )

    async def hover(self, params: types.HoverParams) -> types.Hover | None:
        form = self.host.client_features.hover
        markdown = form == types.MarkupKind.Markdown
        found = await self._on_script(
            "hover",
            cursor(self.host, params.text_document.uri, params.position),
            lambda script, where, snap, lane: hover.hover(script, where, snap, True, form),
            None,
        )
        if found is None:
            return None
        text = found.text
        doc = self.host.store.get(params.text_document.uri)
        if found.module_name is not None and doc is not None:
            value = await runtime.describe(self.host.live, doc.module.name, found.module_name)
            if value is not None:
                rule = "\n\n---\n" if markdown else "\n\n"
                text = f"{text}{rule}{runtime.hover_section(value, markdown)}"
        return types.Hover(contents=content(text, form), range=found.range)

    async def document_symbols(self, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
        """The classes, functions and module-level names, inside the cells (``# %%``) they are in."""
        uri = params.text_document.uri
        cells = self.host.cells_of(uri)
        return await self._on_script(
            "documentSymbol",
            cursor(self.host, uri, types.Position(0, 0)),
            lambda script, where, snap, lane: symbols.in_cells(
                symbols.document_symbols(script._module_node, script._code_lines, snap.units),
                cells,
                script._code_lines,
                snap.units,
            ),
            [],
        )

    async def workspace_symbols(self, params: types.WorkspaceSymbolParams) -> list[types.WorkspaceSymbol]:
        snap = snapshot(self.host)
        docs = [(doc.uri, doc.module.path, doc.text, doc.revision) for doc in self.host.store]
        query = params.query
        folders = list(self.host.project.folders)

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
