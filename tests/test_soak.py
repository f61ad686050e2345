"""Thousands of evaluations: the server's memory stays flat."""

from __future__ import annotations

import os
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.conftest import Editor

EVALUATIONS = int(os.environ.get("EVALENS_SOAK", "10000"))
#: Growth allowed after warm-up, in kB of resident memory.
BOUND_KB = 8 * 1024


def server_rss_kb(client: LanguageClient) -> int:
    server = client._server
    assert server is not None
    for line in Path(f"/proc/{server.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


async def test_ten_thousand_evaluations_do_not_grow_the_server(editor: Editor) -> None:
    uri = editor.open("main.py", "counter = 0\n")
    # A hover loads the static intelligence (jedi) now, not in the middle of the measurement.
    hover = types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(0, 1))
    assert await editor.client.text_document_hover_async(hover) is not None
    for _ in range(500):
        await editor.eval(uri, "counter += 1")
    before = server_rss_kb(editor.client)
    for _ in range(EVALUATIONS):
        result = await editor.eval(uri, "counter += 1\ncounter")
        assert result["ok"], result
    assert result["value"]["repr"] == str(500 + EVALUATIONS)
    after = server_rss_kb(editor.client)
    print(f"server RSS {before} kB -> {after} kB over {EVALUATIONS} evaluations")
    assert after - before < BOUND_KB, (before, after)
