"""The language server: documents, settings, and the execution requests.

Handlers are thin: they validate with ``commands``, run through ``Engine`` and
record what came out in ``RunHistory`` for the editor features. Shutdown and exit
are ``protocol`` and ``lifecycle``.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import typing
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer

from . import __version__, intelligence, settings
from .execution import requests
from .execution.engine import Engine, Result, Workspace
from .execution.inspector import LiveInspector
from .features import editor
from .features.history import RunHistory
from .features.output import OutputChannel
from .features.progress import RunProgress
from .intelligence import IDLE_DELAY, LazyIntelligence
from .intelligence.caches import place_jedi_cache
from .lsp import textsync
from .lsp.lifecycle import SHUTDOWN_SECONDS, Lifecycle
from .lsp.protocol import EvalensProtocol
from .lsp.startcode import CodeCache
from .text.documents import Document, DocumentStore, selection
from .text.modnames import import_roots, uri_to_path

log = logging.getLogger(__name__)

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
Handler = TypeVar("Handler", bound=Callable[..., Any])


class EvalensServer(LanguageServer):
    protocol: EvalensProtocol

    def __init__(self) -> None:
        super().__init__("evalens", __version__, protocol_cls=EvalensProtocol)
        self.settings = settings.Settings()
        self.store = DocumentStore()
        self.history = RunHistory()
        self.engine = Engine(self.store, Workspace([], []), self.settings, self.send_output)
        self.configured = asyncio.Event()
        self.waiting: dict[Any, asyncio.Task[Any]] = {}
        self.live = LiveInspector(self.engine)
        self.output = OutputChannel(lambda params: self.protocol.notify("evalens/output", params))
        #: static intelligence, when registered (``create_server`` does)
        self.intelligence: LazyIntelligence | None = None
        #: where jedi keeps its parse cache (inside the workspace), None for memory only
        self.jedi_cache: str | None = None
        #: the code attrs and cattrs generate, kept across starts (``cli`` sets it)
        self.code_cache: CodeCache | None = None
        self.lifecycle = Lifecycle(self)
        self.protocol.on_cancel = self.cancel
        self.protocol.on_exit = self.lifecycle.end

    # -- settings and workspace ------------------------------------------------------

    def apply_settings(self, raw: dict[str, Any]) -> None:
        self.settings, problems = settings.merge(self.settings, raw)
        self.engine.settings = self.settings
        for problem in problems:
            self.window_show_message(types.ShowMessageParams(types.MessageType.Warning, problem))

    def workspace_folders(self) -> list[str]:
        paths = [uri_to_path(folder.uri) for folder in self.workspace.folders.values()]
        folders = [p for p in paths if p]
        if not folders and self.workspace.root_path:
            folders = [os.path.normpath(self.workspace.root_path)]
        return folders

    def refresh_workspace(self) -> None:
        folders = self.workspace_folders()
        roots = import_roots(folders)
        self.engine.workspace = Workspace(folders, roots)
        if roots != self.store.roots:
            self.store.set_roots(roots)

    async def pull_configuration(self) -> None:
        capabilities = self.client_capabilities.workspace
        if capabilities is None or not capabilities.configuration:
            return
        try:
            answer = await self.workspace_configuration_async(
                types.ConfigurationParams([types.ConfigurationItem(section="evalens")])
            )
        except Exception as exc:  # a client that fails the request keeps initializationOptions
            log.warning("workspace/configuration failed: %s", exc)
            return
        if answer and isinstance(answer[0], dict):
            self.apply_settings(settings.section_of(answer[0]))

    async def ready(self) -> None:
        """Wait (briefly) for the client's configuration before the first run."""
        if not self.configured.is_set():
            try:
                await asyncio.wait_for(self.configured.wait(), timeout=2.0)
            except asyncio.TimeoutError:
                log.warning("no workspace/configuration answer within 2 s; using initializationOptions")

    # -- requests ------------------------------------------------------------------------

    def require_trust(self) -> None:
        if not self.settings.trusted:
            raise JsonRpcException(UNTRUSTED, code=REQUEST_FAILED)

    def open_document(self, uri: str, command: str) -> Document:
        doc = self.store.get(uri)
        if doc is None:
            raise JsonRpcInvalidParams(
                f"{command}: {uri} is not an open document; open it first (textDocument/didOpen)"
            )
        return doc

    async def prepare_run(
        self, command: str, parse: Callable[[tuple[Any, ...]], DocumentRequest], args: tuple[Any, ...]
    ) -> tuple[DocumentRequest, Document]:
        """What every run on a document checks first, in this order: the arguments, the
        document, the configuration (waited for), then trust."""
        try:
            request = parse(args)
        except requests.BadRequest as exc:
            raise bad_request(exc) from None
        doc = self.open_document(request.uri, command)
        await self.ready()
        self.require_trust()
        return request, doc

    def cancel(self, msg_id: Any) -> None:
        if self.engine.running == msg_id and msg_id is not None:
            self.engine.interrupt()
        else:
            task = self.waiting.get(msg_id)
            if task is not None:
                task.cancel()

    async def run(self, doc: Document | None, request: dict[str, Any]) -> Result:
        msg_id = self.protocol.msg_id
        if msg_id is not None and msg_id not in self.protocol._request_futures:
            # Cancelled before this handler got to run: pygls has already answered.
            raise asyncio.CancelledError
        task = asyncio.current_task()
        if task is not None:
            self.waiting[msg_id] = task
        title = describe_run(doc, request)
        progress = RunProgress(self, title, lambda: self.cancel(msg_id))
        result: Result | None = None
        try:
            result = await self.engine.run(doc, request, tag=msg_id, title=title)
            return result
        finally:
            self.waiting.pop(msg_id, None)
            self.output.flush()
            progress.finish(result)

    def after_response(self, action: Callable[[], None]) -> None:
        """Run ``action`` once the current request has been answered."""
        msg_id = self.protocol.msg_id
        if msg_id is not None:
            self.protocol.after_response.setdefault(msg_id, []).append(action)
        else:
            action()

    def send_output(self, uri: str | None, stream: str, text: str) -> None:
        self.output.write(uri, stream, text)

    def after_run(self, result: Result) -> None:
        open_uris = {doc.uri for doc in self.store}
        for uri in self.history.record_outcome(result, open_uris):
            editor.publish_diagnostics(self, uri)


def describe_run(doc: Document | None, request: dict[str, Any]) -> str:
    """What a run is, in a few words, for progress and the queue in evalens.status."""
    where = doc.module.name if doc is not None else ""
    op = request.get("op")
    if op == "eval":
        code = " ".join(str(request.get("code", "")).split())
        return f"{where}: {code[:60] + ('…' if len(code) > 60 else '')}"
    if op == "call":
        return f"{where}: {request.get('target')}({request.get('argsSource') or ''})"
    if op == "runModule":
        return f"{where} as __main__"
    return "leaving a held `with` block"


def command(server: EvalensServer, name: str) -> Callable[[Handler], Handler]:
    """``server.command(name)``, with the handler's annotations and signature worked out once:
    pygls reads both at every executeCommand, and annotations kept as strings (``from
    __future__ import annotations``) are compiled again each time (0.1-0.2 ms per run)."""

    def register(handler: Handler) -> Handler:
        handler.__annotations__ = typing.get_type_hints(handler)
        handler.__signature__ = inspect.signature(handler)  # type: ignore[attr-defined]
        server.command(name)(handler)
        return handler

    return register


def bad_request(exc: requests.BadRequest) -> JsonRpcInvalidParams:
    return JsonRpcInvalidParams(str(exc))


def create_server() -> EvalensServer:
    """A server with every feature registered."""
    textsync.install()
    server = EvalensServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: EvalensServer, params: types.InitializeParams) -> None:
        ls.lifecycle.watch_parent(params.process_id)
        ls.apply_settings(settings.section_of(params.initialization_options))
        ls.refresh_workspace()
        ls.jedi_cache = place_jedi_cache(ls.workspace_folders())
        if ls.code_cache is not None:
            ls.after_response(ls.code_cache.save_in_background)
        if ls.settings.trusted:
            # Start the interpreter while the client finishes its side of the handshake.
            asyncio.ensure_future(ls.engine.ensure_session()).add_done_callback(_log_start_failure)
        if ls.intelligence is not None:
            # jedi's import would slow a first evaluation down: wait for the interpreter to be
            # idle, unless nothing can be evaluated (an untrusted workspace).
            ls.intelligence.start_when_idle(ls.engine.busy, 0.0 if not ls.settings.trusted else IDLE_DELAY)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: EvalensServer, params: types.InitializedParams) -> None:
        ls.refresh_workspace()
        try:
            await ls.pull_configuration()
        finally:
            ls.configured.set()
        if ls.settings.trusted:
            asyncio.ensure_future(ls.engine.ensure_session()).add_done_callback(_log_start_failure)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: EvalensServer, params: types.DidChangeConfigurationParams) -> None:
        if isinstance(params.settings, dict) and isinstance(params.settings.get("evalens"), dict):
            ls.apply_settings(params.settings["evalens"])
        else:
            await ls.pull_configuration()

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def did_change_folders(ls: EvalensServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        ls.refresh_workspace()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: EvalensServer, params: types.DidOpenTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.refresh_workspace()  # a `src/` folder may have appeared since
        ls.store.set(uri, ls.workspace.get_text_document(uri).source)
        intelligence.document_opened(ls, uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: EvalensServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.store.set(uri, ls.workspace.get_text_document(uri).source)
        intelligence.document_changed(ls, uri)
        if ls.history.document_changed(uri, list(params.content_changes)):
            editor.publish_diagnostics(ls, uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: EvalensServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.store.close(uri)
        ls.history.forget(uri)
        intelligence.document_closed(ls, uri)
        editor.publish_diagnostics(ls, uri)

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: EvalensServer, params: Any) -> None:
        if ls.code_cache is not None:
            # what the first messages compiled; also waits for a save under way
            await asyncio.to_thread(ls.code_cache.save)
        await ls.lifecycle.release(SHUTDOWN_SECONDS)

    @command(server, "evalens.eval")
    async def evaluate(ls: EvalensServer, *args: Any) -> Result:
        request, doc = await ls.prepare_run("evalens.eval", requests.parse_eval, args)
        message: dict[str, Any] = {"op": "eval", "bindings": request.bindings}
        span = request.span
        if span is None:
            message.update(code=request.code, filename=None, firstLine=0)
        else:
            text_doc = ls.workspace.get_text_document(doc.uri)
            start = text_doc.offset_at_position(types.Position(span.start_line, span.start_character))
            end = text_doc.offset_at_position(types.Position(span.end_line, span.end_character))
            chosen = selection(doc.text, start, end)
            message.update(code=chosen.code, filename=doc.module.path, firstLine=chosen.first_line)
        result = await ls.run(doc, message)
        if span is not None:
            ls.history.record_hint(doc.uri, types.Position(span.end_line, span.end_character), result)
            ls.after_response(lambda: editor.refresh_hints(ls))
        ls.after_run(result)
        return result

    @command(server, "evalens.call")
    async def call(ls: EvalensServer, *args: Any) -> Result:
        request, doc = await ls.prepare_run("evalens.call", requests.parse_call, args)
        message = {
            "op": "call",
            "target": request.target,
            "argsSource": request.args_source,
            "args": request.args,
            "kwargs": request.kwargs,
        }
        result = await ls.run(doc, message)
        ls.history.record_call(doc.uri, request.target, result)
        ls.after_response(lambda: editor.refresh_lenses(ls))
        ls.after_run(result)
        return result

    @command(server, "evalens.runModule")
    async def run_module(ls: EvalensServer, *args: Any) -> Result:
        _, doc = await ls.prepare_run("evalens.runModule", requests.parse_run_module, args)
        result = await ls.run(doc, {"op": "runModule"})
        ls.after_run(result)
        return result

    @command(server, "evalens.exit")
    async def exit_context(ls: EvalensServer, *args: Any) -> Result:
        try:
            request = requests.parse_exit(args)
        except requests.BadRequest as exc:
            raise bad_request(exc) from None
        await ls.ready()
        ls.require_trust()
        if not ls.engine.held:
            raise JsonRpcInvalidParams(
                "evalens.exit: no `with` block is held open; evaluate a lone `with ...:` line first"
            )
        result = await ls.run(None, {"op": "exit", "exception": request.with_exception})
        ls.after_run(result)
        return result

    @command(server, "evalens.document")
    def document(ls: EvalensServer, *args: Any) -> dict[str, Any]:
        """The server's view of an open document: its text and module name."""
        try:
            obj = requests.single_object("evalens.document", args)
            uri = requests.parse_run_module([obj]).uri
        except requests.BadRequest as exc:
            raise bad_request(exc) from None
        doc = ls.open_document(uri, "evalens.document")
        module = doc.module
        return {
            "uri": doc.uri,
            "text": doc.text,
            "version": ls.workspace.get_text_document(uri).version,
            "module": module.name if module.importable else None,
            "path": module.path,
        }

    @command(server, "evalens.interrupt")
    def interrupt(ls: EvalensServer, *args: Any) -> dict[str, bool]:
        _empty("evalens.interrupt", args)
        return {"interrupted": ls.engine.interrupt()}

    @command(server, "evalens.restart")
    async def restart(ls: EvalensServer, *args: Any) -> dict[str, int]:
        _empty("evalens.restart", args)
        await ls.ready()
        ls.require_trust()
        try:
            pid = await ls.engine.restart()
        except Exception as exc:
            raise JsonRpcException(f"evalens.restart: {exc}", code=REQUEST_FAILED) from None
        return {"pid": pid}

    @command(server, "evalens.status")
    def status(ls: EvalensServer, *args: Any) -> dict[str, Any]:
        _empty("evalens.status", args)
        analysis = ls.intelligence.status() if ls.intelligence is not None else {"state": "off", "pending": 0}
        return {**ls.engine.status(), "analysis": analysis}

    server.intelligence = intelligence.register(server)
    editor.register(server)
    return server


def _empty(command: str, args: tuple[Any, ...]) -> None:
    try:
        requests.parse_empty(command, args)
    except requests.BadRequest as exc:
        raise bad_request(exc) from None


def _log_start_failure(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("the interpreter did not start: %s", task.exception())
