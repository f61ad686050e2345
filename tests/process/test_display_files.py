"""What a run showed, saved for clients without a display panel: linked from the inlay hint's
tooltip, in a folder of the server's own that is gone once the server has ended."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from tests.process.stdio_client import StdioServer, notification

PLOT = "import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\n"


@pytest.fixture
async def server() -> AsyncIterator[StdioServer]:
    started = await StdioServer.start()
    yield started
    await started.kill()


async def wait_for_file(path: Path) -> bytes:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while not path.is_file() or path.stat().st_size == 0:
        assert loop.time() < deadline, f"{path} was not written"
        await asyncio.sleep(0.02)
    return path.read_bytes()


async def test_the_hint_of_a_run_that_plotted_links_to_the_image_removed_when_the_server_ends(
    server: StdioServer, tmp_path: Path
) -> None:
    await server.initialize(tmp_path, {}, {"trusted": True})
    uri = await server.open(tmp_path / "plot.py", PLOT)
    span = {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 20}}
    result = await server.command("run", "evalens.eval", {"uri": uri, "range": span})
    assert [bundle["data"]["text/plain"] for bundle in result["display"]] == ["<Figure size 640x480 with 1 Axes>"]
    whole = {"start": {"line": 0, "character": 0}, "end": {"line": 2, "character": 0}}
    answer = await server.request("hints", "textDocument/inlayHint", {"textDocument": {"uri": uri}, "range": whole})
    [hint] = answer["result"]
    assert hint["label"].startswith("⇒ [<matplotlib.lines.Line2D object at ")
    tooltip = hint["tooltip"]
    assert tooltip["kind"] == "markdown"
    [(name, link)] = re.findall(r"\[([^\]]+)\]\((file://[^)]+)\)", tooltip["value"])
    assert tooltip["value"] == f"`<Figure size 640x480 with 1 Axes>` [{name}]({link})"
    path = Path(unquote(urlparse(link).path))
    assert (await wait_for_file(path))[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.name == name == "display-1.png"

    assert (await server.request("bye", "shutdown", None))["result"] is None
    await server.send(notification("exit", None))
    assert await server.exit_code(timeout=5) == 0
    assert not path.parent.exists()
