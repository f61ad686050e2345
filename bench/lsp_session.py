"""The LSP client side the benchmarks share: start a server, initialize it as a
trusted workspace, and shut it down the way an editor does."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient


async def connect(command: list[str], workspace: Path) -> LanguageClient:
    """A started, initialized client for ``command`` with ``workspace`` as its trusted folder."""
    client = LanguageClient("bench", "0")
    await client.start_io(*command)
    await client.initialize_async(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            root_uri=workspace.as_uri(),
            workspace_folders=[types.WorkspaceFolder(workspace.as_uri(), "bench")],
            initialization_options={"trusted": True},
        )
    )
    client.initialized(types.InitializedParams())
    return client


async def disconnect(client: LanguageClient) -> None:
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
