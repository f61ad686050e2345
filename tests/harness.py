"""The LSP client side that tests and benchmarks share.

An :class:`Editor` drives any pygls ``LanguageClient`` (pytest-lsp's is a subclass) the
way an editor does: it initializes the session, opens, edits and closes documents
(keeping their versions), runs evalens' commands, and records what the server sends
of its own accord: ``evalens/output`` notifications, codeLens and inlayHint refresh
requests, and how many times each document has had diagnostics published.

The tests' fixtures (tests/conftest.py) and the benchmarks (bench/lsp_session.py)
build on it. Benchmarks time some of these calls, so the methods that a benchmark
times (:meth:`Editor.execute`, :meth:`Editor.evaluate`, :meth:`Editor.insert`) do
what a bare client call would and nothing more: no conversion of the answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

#: The client capabilities to claim: none, the capabilities themselves, or the name of an
#: editor whose capabilities pytest-lsp records ("visual-studio-code", "neovim", ...).
Capabilities = str | types.ClientCapabilities | None


def initialize_params(
    root: Path, options: dict[str, Any] | None, capabilities: Capabilities = None
) -> types.InitializeParams:
    """What an editor sends in ``initialize`` for a workspace of one folder, ``root``.

    ``options`` are the initializationOptions, as they are."""
    if capabilities is None:
        claimed = types.ClientCapabilities()
    elif isinstance(capabilities, str):
        from pytest_lsp import client_capabilities  # a test dependency, imported only when asked

        claimed = client_capabilities(capabilities)
    else:
        claimed = capabilities
    return types.InitializeParams(
        capabilities=claimed,
        root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        initialization_options=options,
    )


def plain(value: Any) -> Any:
    """A command's answer or a notification's params as plain JSON values (the client
    gives dicts, or namedtuples for methods it does not know)."""
    if hasattr(value, "_asdict"):
        return {key: plain(item) for key, item in value._asdict().items()}
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def field(value: Any, name: str) -> Any:
    """One field of an answer as the client gave it, a dict or an object, without
    converting the rest (for code that is timed)."""
    return value[name] if isinstance(value, dict) else getattr(value, name)


def keep_evalens_params_as_json(client: LanguageClient) -> None:
    """Hand the params of evalens' own notifications to handlers as the JSON objects they are.
    pygls' client makes namedtuples of params it has no type for, renaming the keys that are
    not identifiers: a display's ``{"text/plain": ...}`` would arrive as ``{"_0": ...}``."""
    from pygls.protocol import JsonRPCNotification, _params_field_structure_hook

    def structure(message: dict[str, Any], cls: type) -> Any:
        if str(message.get("method", "")).startswith("evalens/"):
            return cls(**message)
        return _params_field_structure_hook(message, cls)

    client.protocol._converter.register_structure_hook(JsonRPCNotification, structure)


def listen(client: LanguageClient, method: str, handler: Callable[[Any], None]) -> None:
    """Call ``handler`` with the params of every ``method`` the server sends. A handler the
    client already has for it (pytest-lsp's client keeps the diagnostics it is sent) runs first."""
    features = client.protocol.fm.features
    earlier = features.pop(method, None)
    if earlier is None:
        client.feature(method)(handler)
        return
    if asyncio.iscoroutinefunction(earlier):
        raise TypeError(f"cannot chain onto the client's asynchronous handler of {method}")

    def both(params: Any) -> Any:
        answer = earlier(params)
        handler(params)
        return answer

    client.feature(method)(both)


class Editor:
    """What an editor does: open and edit documents, run commands, collect what the server sends."""

    def __init__(self, client: LanguageClient, root: Path) -> None:
        self.client = client
        self.root = root
        self.versions: dict[str, int] = {}  # uri -> the version last sent
        self.output: list[dict[str, Any]] = []  # evalens/output params, in order
        self.displays: list[dict[str, Any]] = []  # evalens/display params, in order
        self.changes: list[dict[str, Any]] = []  # evalens/variablesChanged params, in order
        self.refreshes: list[str] = []  # "codeLens" / "inlayHint", one per refresh request
        self.published: dict[str, int] = {}  # uri -> diagnostics publications so far
        self._publication = asyncio.Event()

        def on_output(params: Any) -> None:
            self.output.append(plain(params))

        def on_display(params: Any) -> None:
            self.displays.append(plain(params))

        def on_lens_refresh(params: Any) -> None:
            self.refreshes.append("codeLens")

        def on_hint_refresh(params: Any) -> None:
            self.refreshes.append("inlayHint")

        def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
            self.published[params.uri] = self.published.get(params.uri, 0) + 1
            self._publication.set()

        keep_evalens_params_as_json(client)
        listen(client, "evalens/output", on_output)
        listen(client, "evalens/display", on_display)
        listen(client, "evalens/variablesChanged", lambda params: self.changes.append(plain(params)))
        listen(client, types.WORKSPACE_CODE_LENS_REFRESH, on_lens_refresh)
        listen(client, types.WORKSPACE_INLAY_HINT_REFRESH, on_hint_refresh)
        listen(client, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, on_diagnostics)

    async def initialize(self, options: dict[str, Any] | None, capabilities: Capabilities = None) -> Any:
        """``initialize`` (see :func:`initialize_params`) and ``initialized``; the server's answer."""
        params = initialize_params(self.root, options, capabilities)
        session = getattr(self.client, "initialize_session", None)
        if session is not None:  # pytest-lsp's: it also holds the server to the capabilities claimed
            return await session(params)
        result = await self.client.initialize_async(params)
        self.client.initialized(types.InitializedParams())
        return result

    # Documents

    def uri(self, relative: str) -> str:
        return (self.root / relative).as_uri()

    def open(self, relative: str, text: str, on_disk: bool = False) -> str:
        """Open ``relative`` (under the root) with ``text``, written to disk too if ``on_disk``; its uri."""
        path = self.root / relative
        if on_disk:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return self.open_uri(path.as_uri(), text)

    def open_uri(self, uri: str, text: str) -> str:
        self.versions[uri] = 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text))
        )
        return uri

    def replace(self, uri: str, text: str) -> None:
        """A didChange with the whole new text."""
        self.versions[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                [types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    def edit(self, uri: str, start: tuple[int, int], end: tuple[int, int], text: str) -> None:
        """An incremental didChange replacing ``start``-``end`` (line, UTF-16 character) by ``text``."""
        self.versions[uri] += 1
        change = types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(*start), types.Position(*end)), text=text
        )
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]), [change]
            )
        )

    def insert(self, uri: str, line: int, text: str) -> None:
        """An incremental didChange inserting ``text`` at the start of ``line``."""
        self.versions[uri] += 1
        at = types.Position(line, 0)
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                [types.TextDocumentContentChangePartial(range=types.Range(at, at), text=text)],
            )
        )

    def close(self, uri: str) -> None:
        self.client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=uri)))

    # Commands

    async def execute(self, name: str, *arguments: Any) -> Any:
        """``workspace/executeCommand``; the answer as the client gives it (nothing converted)."""
        return await self.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=name, arguments=list(arguments))
        )

    async def command(self, name: str, *arguments: Any) -> Any:
        """``workspace/executeCommand``; the answer as plain JSON values."""
        return plain(await self.execute(name, *arguments))

    async def eval(self, uri: str, code: str | None = None, **fields: Any) -> dict[str, Any]:
        """``evalens.eval``'s Result, whatever its outcome."""
        obj: dict[str, Any] = {"uri": uri, **fields}
        if code is not None:
            obj["code"] = code
        result: dict[str, Any] = await self.command("evalens.eval", obj)
        return result

    async def call(self, uri: str, target: str, **fields: Any) -> dict[str, Any]:
        """``evalens.call``'s Result, whatever its outcome."""
        result: dict[str, Any] = await self.command("evalens.call", {"uri": uri, "target": target, **fields})
        return result

    async def status(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.command("evalens.status", {})
        return result

    async def evaluate(self, uri: str, code: str) -> Any:
        """``evalens.eval`` of code that must succeed: its Result as the client gives it
        (nothing converted: benchmarks time this); a failed run raises, with its error."""
        result = await self.execute("evalens.eval", {"uri": uri, "code": code})
        if not field(result, "ok"):
            raise RuntimeError(f"evaluation of {code[:60]!r} failed: {field(result, 'error')}")
        return result

    async def settled(self, timeout: float = 60.0) -> float:
        """Wait until evalens reports its analysis idle (jedi loaded, every diagnostics pass,
        preload and environment start over): the steady state. Seconds waited."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        while True:
            analysis = (await self.status())["analysis"]
            if analysis["state"] == "idle":
                return loop.time() - started
            if loop.time() - started > timeout:
                raise TimeoutError(f"evalens' analysis still {analysis} after {timeout} s")
            await asyncio.sleep(0.05)  # polling a condition, not a guess at how long it takes

    # What the server sent

    async def wait_published(self, uris: Iterable[str], timeout: float = 120.0, after: int = 0) -> bool:
        """Wait until every one of ``uris`` has had more than ``after`` diagnostics publications; False on timeout."""
        wanted = set(uris)

        async def wait() -> None:
            while any(self.published.get(uri, 0) <= after for uri in wanted):
                self._publication.clear()
                await self._publication.wait()

        try:
            await asyncio.wait_for(wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True


async def wait_until(predicate: Callable[[], object], timeout: float = 10.0) -> None:
    """Poll a condition fed by notifications (no fixed sleeps)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)
