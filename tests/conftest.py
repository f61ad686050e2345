"""Shared fixtures: a real evalens server over stdio, driven by pytest-lsp through the
client harness that the benchmarks use too (tests/harness.py)."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.harness import Editor

SERVER = [sys.executable, "-m", "evalens"]
# The servers the tests start run user code with their own Python, whatever environment the
# test run happens to be started from (an activated venv would be the users' interpreter).
for _active in ("VIRTUAL_ENV", "CONDA_PREFIX"):
    os.environ.pop(_active, None)
#: The client capabilities the sessions claim, as pytest-lsp records them.
CAPABILITIES = "visual-studio-code"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    return root


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def trusted_client(lsp_client: LanguageClient, workspace: Path) -> AsyncIterator[LanguageClient]:
    """A trusted workspace with a fast interrupt escalation."""
    editor = Editor(lsp_client, workspace)
    await editor.initialize({"trusted": True, "limits": {"interruptGraceSeconds": 1}}, CAPABILITIES)
    lsp_client.editor = editor  # type: ignore[attr-defined]
    yield lsp_client
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def untrusted_client(lsp_client: LanguageClient, workspace: Path) -> AsyncIterator[LanguageClient]:
    editor = Editor(lsp_client, workspace)
    await editor.initialize({}, CAPABILITIES)
    lsp_client.editor = editor  # type: ignore[attr-defined]
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
