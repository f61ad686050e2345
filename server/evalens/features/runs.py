"""What every run from the editor goes through, around the engine: the checks before it
(arguments, the document, the configuration, trust), cancellation, progress, streamed
output, and afterwards the history and the run-failure diagnostic.

``Runs`` holds that; the command handlers (``commands``) hold only what each command
does. ``RunHost`` is what ``Runs`` needs of the server, and all it may touch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypedDict, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.progress import Progress
from pygls.workspace import TextDocument

from ..execution import requests
from ..execution.engine import Engine, EngineStatus
from ..execution.results import Finished, Result
from ..lsp.protocol import EvalensProtocol
from ..lsp.refresh import ClientRefresh
from ..settings import Settings
from ..text.documents import Document, DocumentStore
from ..worker import messages
from ..worker.doctestmessages import ACTION_DOCTEST
from .displayfiles import DisplayFiles
from .editor import EditorFeatures
from .history import RunHistory
from .output import OutputChannel
from .progress import RunProgress

if TYPE_CHECKING:
    from .cells import CellFeatures  # which runs cells through Runs
    from .doctests import DoctestFeatures  # whose examples run through Runs
    from .variables import VariablesView  # whose pages are read between runs

#: JSON-RPC error code for requests refused by policy (LSP's RequestFailed).
REQUEST_FAILED = -32803
UNTRUSTED = (
    "evalens does not run code in an untrusted workspace: set the `trusted` setting to true "
    '(initializationOptions {"trusted": true} or the `evalens.trusted` configuration) '
    "once you trust this workspace's code"
)


class HasUri(Protocol):
    """A parsed command request that names a document."""

    @property
    def uri(self) -> str: ...


DocumentRequest = TypeVar("DocumentRequest", bound=HasUri)


class AnalysisStatus(TypedDict):
    """``analysis`` in ``evalens.status``."""

    state: str  # "off", "waiting" (jedi not loaded yet), "loading", "busy" or "idle"
    pending: int  # jobs and documents under way


class Status(EngineStatus):
    """The answer of ``evalens.status`` (and of ``evalens.attach``)."""

    analysis: AnalysisStatus


@dataclass(frozen=True)
class Step:
    """One run of a sequence (``Runs.run_steps``): what progress and status call it, the
    action, and what to do with its Result once it is recorded."""

    title: str
    action: messages.Action
    after: Callable[[Result], None] | None = None


class RunHost(Protocol):
    """What runs need of the language server."""

    store: DocumentStore
    engine: Engine
    history: RunHistory
    editor: EditorFeatures
    cells: CellFeatures
    doctests: DoctestFeatures
    variables: VariablesView
    output: OutputChannel
    refresh: ClientRefresh
    protocol: EvalensProtocol
    display_files: DisplayFiles

    @property
    def settings(self) -> Settings: ...

    def apply_settings(self, raw: dict[str, Any]) -> None:
        """Settings given at run time (``evalens.attach``), as if the client had sent them."""
        ...

    def text_document(self, uri: str) -> TextDocument: ...

    def run_progress(self) -> Progress | None:
        """pygls' work-done progress, when the client supports it."""
        ...

    async def ready(self) -> None:
        """Wait (briefly) for the client's configuration before the first run."""
        ...

    def analysis_status(self) -> AnalysisStatus:
        """``analysis`` in ``evalens.status``: how far the static analysis has got."""
        ...


def bad_request(exc: requests.BadRequest) -> JsonRpcInvalidParams:
    return JsonRpcInvalidParams(str(exc))


def refused(message: str, reason: str, **data: Any) -> JsonRpcInvalidParams:
    """An ``InvalidParams`` error whose ``data`` names the ``reason`` (and what else a client
    needs to recover), so a client can act on it without reading the message."""
    error = JsonRpcInvalidParams(message)
    error.data = {"reason": reason, **data}
    return error


class Runs:
    def __init__(self, host: RunHost) -> None:
        self.host = host
        #: requests waiting for the interpreter, by request id (cancelled by ``$/cancelRequest``)
        self.waiting: dict[Any, asyncio.Task[Any]] = {}

    def require_trust(self) -> None:
        if not self.host.settings.trusted:
            raise JsonRpcException(UNTRUSTED, code=REQUEST_FAILED, data={"reason": "untrusted"})

    def open_document(self, uri: str, command: str) -> Document:
        doc = self.host.store.get(uri)
        if doc is None:
            raise JsonRpcInvalidParams(
                f"{command}: {uri} is not an open document; open it first (textDocument/didOpen)"
            )
        return doc

    async def prepare(
        self, command: str, parse: Callable[[tuple[Any, ...]], DocumentRequest], args: tuple[Any, ...]
    ) -> tuple[DocumentRequest, Document]:
        """What every run on a document checks first, in this order: the arguments, the
        document, the configuration (waited for), then trust."""
        try:
            request = parse(args)
        except requests.BadRequest as exc:
            raise bad_request(exc) from None
        doc = self.open_document(request.uri, command)
        await self.host.ready()
        self.require_trust()
        return request, doc

    def cancel(self, msg_id: Any) -> None:
        """The client cancelled request ``msg_id``: interrupt it if it runs, drop it if it waits."""
        engine = self.host.engine
        if engine.running == msg_id and msg_id is not None:
            engine.interrupt()
        else:
            task = self.waiting.get(msg_id)
            if task is not None:
                task.cancel()

    async def run(self, doc: Document | None, action: messages.Action) -> Finished:
        """Run ``action`` for the request being handled, then record its outcome."""
        return (await self.run_steps(doc, [Step(describe_run(doc, action), action)]))[0]

    async def run_steps(self, doc: Document | None, steps: list[Step], cell: bool = False) -> list[Finished]:
        """Run ``steps`` back to back for the request being handled, in one turn of the
        interpreter, each outcome recorded as it comes; the first that fails, or a
        cancellation, ends the sequence. The Results of the steps run, in order."""
        protocol = self.host.protocol
        msg_id = protocol.msg_id
        if msg_id is not None and not protocol.is_pending(msg_id):
            # Cancelled before this handler got to run: pygls has already answered.
            raise asyncio.CancelledError
        task = asyncio.current_task()
        if task is not None:
            self.waiting[msg_id] = task
        progress = RunProgress(self.host.run_progress(), steps[0].title, lambda: self.cancel(msg_id))
        done: list[Finished] = []
        engine = self.host.engine
        try:
            async with engine.turn(doc.uri if doc is not None else None, msg_id, steps[0].title) as entry:
                for step in steps:
                    if done and (not done[-1]["ok"] or (msg_id is not None and not protocol.is_pending(msg_id))):
                        break
                    entry["title"] = step.title
                    progress.report(step.title)
                    result = await engine.run_in_turn(doc, step.action, cell)
                    self.host.output.flush()
                    done.append(result)
                    self._show_outcome(result)
                    if step.after is not None:
                        step.after(result)
        finally:
            self.waiting.pop(msg_id, None)
            self.host.output.flush()
            progress.finish(done[-1] if done else None)
        return done

    def _show_outcome(self, result: Result) -> None:
        """The failure of this run as a diagnostic, the last one's cleared; earlier results
        marked stale when this run brought code up to date."""
        if self.host.history.record_reloads(result):
            self.after_response(self.host.refresh.hints)
            self.after_response(self.host.refresh.lenses)
        open_uris = {doc.uri for doc in self.host.store}
        for uri in self.host.history.record_outcome(result, open_uris):
            self.host.editor.show_run_failure(uri)

    def record_hint(
        self, uri: str, end: types.Position, result: Result, replacing: tuple[int, int] | None = None
    ) -> None:
        """The result's inlay hint (``RunHistory.record_hint``), with what it showed saved as
        files that its tooltip links to."""
        for shown in result["display"]:
            self.host.display_files.save(shown)
        self.host.history.record_hint(uri, end, result, replacing)

    def status(self) -> Status:
        return {**self.host.engine.status(), "analysis": self.host.analysis_status()}

    def after_response(self, action: Callable[[], None]) -> None:
        """Run ``action`` once the current request has been answered."""
        self.host.protocol.after_current_response(action)


def describe_run(doc: Document | None, action: messages.Action) -> str:
    """What a run is, in a few words, for progress and the queue in evalens.status."""
    where = doc.module.name if doc is not None else ""
    if action["kind"] == messages.ACTION_EVAL:
        code = " ".join(action["code"].split())
        return f"{where}: {code[:60] + ('…' if len(code) > 60 else '')}"
    if action["kind"] == messages.ACTION_CALL:
        return f"{where}: {action['target']}({action['argsSource'] or ''})"
    if action["kind"] == messages.ACTION_RUN_MODULE:
        return f"{where} as __main__"
    if action["kind"] == ACTION_DOCTEST:
        only = action["only"]
        if only is None:
            return f"{where}: examples"
        return f"{where}: examples of {action['docstrings'][only]['name'] or 'the module'}"
    return "leaving a held `with` block"
