"""The composition root: the language server's parts, made and wired, and its handlers
registered.

``EvalensServer`` holds the parts (documents, settings, the engine, the run
history, the diagnostics board, static intelligence) and is the ``Host`` each
feature area asks for: ``features.runs.RunHost``, ``intelligence.Host``,
``lsp.lifecycle.Parts``. The handlers of documents and configuration live here;
the execution commands in ``features.commands``, the editor features in
``features.editor``, static intelligence in ``intelligence``. How pygls is
adapted is indexed in ``lsp.pygls_fixes``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from collections.abc import Callable
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.progress import Progress
from pygls.workspace import TextDocument

from . import __version__, intelligence, settings
from .execution.backend import Shown
from .execution.engine import Engine
from .execution.inspector import LiveInspector
from .features import commands
from .features.cells import CellFeatures
from .features.displayfiles import DisplayFiles
from .features.doctests import DoctestFeatures, EditSupport
from .features.editor import EditorFeatures
from .features.history import RunHistory
from .features.output import OutputChannel
from .features.runs import AnalysisStatus, Runs
from .features.variables import VariablesView
from .intelligence import IDLE_DELAY, LazyIntelligence
from .intelligence.caches import place_jedi_cache
from .intelligence.clientcaps import ClientFeatures
from .lsp import pygls_fixes
from .lsp.diagnostics import STATIC, DiagnosticsBoard
from .lsp.lifecycle import SHUTDOWN_SECONDS, Lifecycle
from .lsp.protocol import EvalensProtocol
from .lsp.refresh import ClientRefresh
from .lsp.startcode import CodeCache
from .text.cells import Cell
from .text.documents import DocumentStore
from .text.modnames import Project, import_roots, uri_to_path

log = logging.getLogger(__name__)


class EvalensServer(LanguageServer):
    protocol: EvalensProtocol

    def __init__(self) -> None:
        super().__init__("evalens", __version__, protocol_cls=EvalensProtocol)
        self.settings = settings.Settings()
        self.store = DocumentStore()
        self.history = RunHistory()
        self.engine = Engine(self.store, Project([], []), self.settings, self.send_output)
        self.configured = asyncio.Event()
        self.live = LiveInspector(self.engine)
        self.output = OutputChannel(lambda params: self.protocol.notify("evalens/output", params))
        self.engine.on_display = self.send_display
        self.display_files = DisplayFiles()
        self.board = DiagnosticsBoard(self.publish_diagnostics)
        self.refresh = ClientRefresh(self)
        self.cells = CellFeatures(lambda: self.settings)
        self.doctests = DoctestFeatures(self.board, self.client_units, lambda: self.edit_support)
        self.variables = VariablesView(self.store, self.notify_after_response)
        self.engine.on_changed = self.variables.run_changed
        self.engine.on_reset = self.variables.reset
        self.editor = EditorFeatures(
            self.store,
            self.history,
            self.board,
            lambda: self.settings.trusted,
            self.text_document,
            self.cells,
            self.doctests,
        )
        self.runs = Runs(self)
        #: static intelligence, when registered (``create_server`` does)
        self.intelligence: LazyIntelligence | None = None
        #: where jedi keeps its parse cache (inside the workspace), None for memory only
        self.jedi_cache: str | None = None
        #: the code attrs and cattrs generate, kept across starts (``cli`` sets it)
        self.code_cache: CodeCache | None = None
        self.lifecycle = Lifecycle(self, self.protocol.exit_code)
        self.protocol.on_cancel = self.runs.cancel
        self.protocol.on_exit = self.lifecycle.end

    # -- settings and workspace ------------------------------------------------------

    def apply_settings(self, raw: dict[str, Any]) -> None:
        self.settings, problems = settings.merge(self.settings, raw)
        self.engine.settings = self.settings
        for problem in problems:
            self.window_show_message(types.ShowMessageParams(types.MessageType.Warning, problem))

    @property
    def project(self) -> Project:
        """The workspace folders and import roots (kept by the engine)."""
        return self.engine.project

    def workspace_folders(self) -> list[str]:
        paths = [uri_to_path(folder.uri) for folder in self.workspace.folders.values()]
        folders = [p for p in paths if p]
        if not folders and self.workspace.root_path:
            folders = [os.path.normpath(self.workspace.root_path)]
        return folders

    def refresh_workspace(self, opening: str | None = None) -> None:
        """The import roots again: a ``src/`` folder counts once it exists on disk or holds an
        open document (also ``opening``'s), as in a project created in the editor and not saved."""
        folders = self.workspace_folders()
        held = [doc.module.path for doc in self.store]
        if opening is not None and (path := uri_to_path(opening)) is not None:
            held.append(path)

        def exists(root: str) -> bool:
            inside = root.rstrip(os.sep) + os.sep
            return os.path.isdir(root) or any(path.startswith(inside) for path in held)

        roots = import_roots(folders, exists)
        self.engine.project = Project(folders, roots)
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

    # -- what the feature areas ask of the server (their Host protocols) ---------------

    def text_document(self, uri: str) -> TextDocument:
        return self.workspace.get_text_document(uri)

    @functools.cached_property
    def client_features(self) -> ClientFeatures:
        """Read once: requests come after ``initialize`` has set the capabilities."""
        return ClientFeatures.of(self.client_capabilities)

    def position_units(self) -> Any:
        return self.workspace.position_codec.client_num_units

    def client_units(self, uri: str) -> Callable[[str], int]:
        """The length of a text of ``uri`` in the client's position units."""
        return self.text_document(uri).position_codec.client_num_units

    @functools.cached_property
    def edit_support(self) -> EditSupport:
        """Read once: code actions come after ``initialize`` has set the capabilities."""
        text, workspace = self.client_capabilities.text_document, self.client_capabilities.workspace
        action = text.code_action if text is not None else None
        edit = workspace.workspace_edit if workspace is not None else None
        return EditSupport(
            literals=bool(action is not None and action.code_action_literal_support is not None),
            versioned=bool(edit is not None and edit.document_changes),
        )

    def running(self) -> bool:
        return self.engine.busy()

    def run_progress(self) -> Progress | None:
        window = self.client_capabilities.window
        return self.work_done_progress if window is not None and window.work_done_progress else None

    def cells_of(self, uri: str) -> list[Cell]:
        doc = self.store.get(uri)
        return [] if doc is None else self.cells.of(doc)

    def analysis_status(self) -> AnalysisStatus:
        return self.intelligence.status() if self.intelligence is not None else {"state": "off", "pending": 0}

    def send_output(self, uri: str | None, stream: str, text: str) -> None:
        self.output.write(uri, stream, text)

    def send_display(self, uri: str | None, shown: Shown) -> None:
        """``evalens/display`` ``{uri, data, metadata}``, after the output printed before it."""
        self.output.flush()
        self.protocol.notify("evalens/display", shown.with_uri(uri))

    def notify_after_response(self, method: str, params: Any) -> None:
        """A notification, once the request being handled (if any) has been answered."""
        self.protocol.after_current_response(lambda: self.protocol.notify(method, params))

    def publish_diagnostics(self, uri: str, diagnostics: list[types.Diagnostic]) -> None:
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics))

    def publish_static_diagnostics(self, uri: str, diagnostics: list[types.Diagnostic]) -> None:
        self.board.set(uri, STATIC, diagnostics)

    # -- lsp.lifecycle.Parts -------------------------------------------------------------

    async def stop(self) -> None:
        await self.engine.shutdown()
        self.display_files.remove()

    def kill(self, reason: str) -> None:
        self.engine.kill(reason)
        self.display_files.remove()
        if self.intelligence is not None:
            self.intelligence.shutdown()

    def settle(self, timeout: float) -> None:
        if self.code_cache is not None:
            self.code_cache.settle(timeout)


def create_server() -> EvalensServer:
    """A server with every feature registered."""
    pygls_fixes.install()
    server = EvalensServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: EvalensServer, params: types.InitializeParams) -> None:
        ls.lifecycle.watch_parent(params.process_id)
        ls.apply_settings(settings.section_of(params.initialization_options))
        ls.refresh_workspace()
        ls.jedi_cache = place_jedi_cache(ls.workspace_folders(), ls.settings.trusted)
        if ls.code_cache is not None:
            ls.protocol.after_current_response(ls.code_cache.save_in_background)
        if ls.settings.trusted:
            # Start the interpreter while the client finishes its side of the handshake.
            asyncio.ensure_future(ls.engine.start()).add_done_callback(_log_start_failure)
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
            asyncio.ensure_future(ls.engine.start()).add_done_callback(_log_start_failure)

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
        ls.refresh_workspace(uri)  # a `src/` folder may have appeared since, or be this document's
        ls.store.set(uri, ls.text_document(uri).source)
        if ls.intelligence is not None:
            ls.intelligence.document_opened(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: EvalensServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        doc = ls.store.set(uri, ls.text_document(uri).source)
        ls.doctests.document_changed(doc)
        if ls.intelligence is not None:
            ls.intelligence.document_changed(uri)
        if ls.history.document_changed(uri, list(params.content_changes)):
            ls.editor.show_run_failure(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: EvalensServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.store.close(uri)
        ls.history.forget(uri)
        ls.cells.forget(uri)
        ls.doctests.forget(uri)
        if ls.intelligence is not None:
            ls.intelligence.document_closed(uri)
        ls.board.forget(uri)

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: EvalensServer, params: Any) -> None:
        if ls.code_cache is not None:
            # what the first messages compiled; also waits for a save under way
            await asyncio.to_thread(ls.code_cache.save)
        await ls.lifecycle.release(SHUTDOWN_SECONDS)

    for name, handler in commands.COMMANDS.items():
        pygls_fixes.command(server, name, _command(server.runs, handler))
    pygls_fixes.feature(server, types.TEXT_DOCUMENT_CODE_ACTION, server.editor.code_actions)
    pygls_fixes.feature(server, types.TEXT_DOCUMENT_CODE_LENS, server.editor.code_lenses)
    pygls_fixes.feature(server, types.TEXT_DOCUMENT_INLAY_HINT, server.editor.inlay_hints)
    pygls_fixes.feature(server, types.TEXT_DOCUMENT_FOLDING_RANGE, server.editor.folding_ranges)
    server.intelligence = intelligence.register(server, server)
    return server


def _command(runs: Runs, handler: commands.Handler) -> Any:
    """A plain function for pygls, which hands a command's ``arguments`` as positional ones."""
    if asyncio.iscoroutinefunction(handler):

        async def run_async(*args: Any) -> Any:
            return await handler(runs, args)

        return run_async

    def run(*args: Any) -> Any:
        return handler(runs, args)

    return run


def _log_start_failure(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("the interpreter did not start: %s", task.exception())
