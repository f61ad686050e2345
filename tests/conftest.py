"""Shared fixtures: a real evalens server over stdio, driven by pytest-lsp."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

SERVER = [sys.executable, "-m", "evalens"]


def plain(value: Any) -> Any:
    """Command results as plain JSON values (the client may give namedtuples)."""
    if hasattr(value, "_asdict"):
        return {key: plain(item) for key, item in value._asdict().items()}
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


class Editor:
    """What an editor does: open and edit documents, run commands, collect notifications."""

    def __init__(self, client: LanguageClient, root: Path) -> None:
        self.client = client
        self.root = root
        self.versions: dict[str, int] = {}
        self.output: list[dict[str, Any]] = []
        self.refreshes: list[str] = []

    def uri(self, relative: str) -> str:
        return (self.root / relative).as_uri()

    def open(self, relative: str, text: str, on_disk: bool = False) -> str:
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
        self.versions[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                [types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    def edit(self, uri: str, start: tuple[int, int], end: tuple[int, int], text: str) -> None:
        self.versions[uri] += 1
        change = types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(*start), types.Position(*end)), text=text
        )
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]), [change]
            )
        )

    def close(self, uri: str) -> None:
        self.client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=uri)))

    async def command(self, name: str, *arguments: Any) -> Any:
        result = await self.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=name, arguments=list(arguments))
        )
        return plain(result)

    async def eval(self, uri: str, code: str | None = None, **fields: Any) -> dict[str, Any]:
        obj: dict[str, Any] = {"uri": uri, **fields}
        if code is not None:
            obj["code"] = code
        result: dict[str, Any] = await self.command("evalens.eval", obj)
        return result

    async def call(self, uri: str, target: str, **fields: Any) -> dict[str, Any]:
        result: dict[str, Any] = await self.command("evalens.call", {"uri": uri, "target": target, **fields})
        return result


async def start_editor(
    client: LanguageClient, root: Path, options: dict[str, Any] | None, capabilities: str = "visual-studio-code"
) -> Editor:
    editor = Editor(client, root)

    @client.feature("evalens/output")
    def on_output(params: Any) -> None:
        editor.output.append(plain(params))

    @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def on_lens_refresh(params: Any) -> None:
        editor.refreshes.append("codeLens")

    @client.feature(types.WORKSPACE_INLAY_HINT_REFRESH)
    def on_hint_refresh(params: Any) -> None:
        editor.refreshes.append("inlayHint")

    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(capabilities),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            initialization_options=options,
        )
    )
    return editor


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    return root


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def trusted_client(lsp_client: LanguageClient, workspace: Path) -> AsyncIterator[LanguageClient]:
    """A trusted workspace with a fast interrupt escalation."""
    options = {"trusted": True, "limits": {"interruptGraceSeconds": 1}}
    lsp_client.editor = await start_editor(lsp_client, workspace, options)  # type: ignore[attr-defined]
    yield lsp_client
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def untrusted_client(lsp_client: LanguageClient, workspace: Path) -> AsyncIterator[LanguageClient]:
    lsp_client.editor = await start_editor(lsp_client, workspace, {})  # type: ignore[attr-defined]
    yield lsp_client
    await lsp_client.shutdown_session()


@pytest.fixture
def editor(trusted_client: LanguageClient) -> Editor:
    result: Editor = trusted_client.editor  # type: ignore[attr-defined]
    return result


@pytest.fixture
def untrusted(untrusted_client: LanguageClient) -> Editor:
    result: Editor = untrusted_client.editor  # type: ignore[attr-defined]
    return result


async def wait_until(predicate: Any, timeout: float = 10.0) -> None:
    """Poll a condition fed by notifications (no fixed sleeps)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)
