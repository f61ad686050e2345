"""Shared fixtures: a real evalens server over stdio, driven by pytest-lsp through the
client harness that the benchmarks use too (tests/harness.py)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

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
#: ``EVALENS_TEST_KERNEL=python3 pytest tests/e2e``: every trusted session runs user code in
#: that Jupyter kernelspec instead of evalens' own interpreter (the kernel backend's switch);
#: ``EVALENS_TEST_KERNEL=server``: in a python3 kernel of one Jupyter Server on loopback
KERNEL = os.environ.get("EVALENS_TEST_KERNEL") or None
_SERVER: list[Any] = []


def kernel_setting() -> dict[str, object]:
    """The kernel setting of the switch: a kernelspec, or a kernel of the shared server."""
    assert KERNEL is not None
    if KERNEL != "server":
        return {"spec": KERNEL}
    if not _SERVER:
        import atexit
        import tempfile

        from tests.jupyter_servers import jupyter_server

        folder = Path(tempfile.mkdtemp(prefix="evalens-switch-"))
        running = jupyter_server("jupyter-server", folder)
        _SERVER.append(running.__enter__())
        atexit.register(running.__exit__, None, None, None)
    setting: dict[str, object] = _SERVER[0].setting(spec="python3")
    return setting


def process_only(reason: str) -> pytest.MarkDecorator:
    """Skips a test under the kernel switch: what it checks is evalens' own interpreter
    process's, which a kernel does its own way (``reason`` says how)."""
    return pytest.mark.skipif(KERNEL is not None, reason=f"with a kernel, {reason}")


def not_through_a_server(reason: str) -> pytest.MarkDecorator:
    """Skips a test under ``EVALENS_TEST_KERNEL=server`` (``reason`` says why)."""
    return pytest.mark.skipif(KERNEL == "server", reason=f"through a Jupyter Server, {reason}")


def trusted_options(**more: object) -> dict[str, object]:
    """The initializationOptions of a trusted session, with the kernel of the switch if set."""
    options: dict[str, object] = {"trusted": True, **more}
    if KERNEL is not None:
        options["kernel"] = kernel_setting()
    return options


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    return root


@contextlib.asynccontextmanager
async def session(
    lsp_client: LanguageClient, workspace: Path, options: dict[str, Any]
) -> AsyncIterator[LanguageClient]:
    """A session initialized with ``options``, its ``Editor`` as ``lsp_client.editor``; shut
    down after, unless the test ended it itself."""
    editor = Editor(lsp_client, workspace)
    await editor.initialize(options, CAPABILITIES)
    lsp_client.editor = editor  # type: ignore[attr-defined]
    yield lsp_client
    with contextlib.suppress(RuntimeError):  # "Client has been stopped": the test ended it
        await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def trusted_client(lsp_client: LanguageClient, workspace: Path) -> AsyncIterator[LanguageClient]:
    """A trusted workspace with a fast interrupt escalation."""
    async with session(lsp_client, workspace, trusted_options(limits={"interruptGraceSeconds": 1})) as client:
        yield client


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def untrusted_client(lsp_client: LanguageClient, workspace: Path) -> AsyncIterator[LanguageClient]:
    async with session(lsp_client, workspace, {}) as client:
        yield client


@pytest.fixture
def editor(trusted_client: LanguageClient) -> Editor:
    result: Editor = trusted_client.editor  # type: ignore[attr-defined]
    return result


@pytest.fixture
def untrusted(untrusted_client: LanguageClient) -> Editor:
    result: Editor = untrusted_client.editor  # type: ignore[attr-defined]
    return result
