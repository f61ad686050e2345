"""Thousands of evaluations: the server's memory stays flat."""

from __future__ import annotations

import os
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.conftest import KERNEL
from tests.harness import Editor, wait_until

#: a kernel round trip takes longer: fewer within the test timeout
EVALUATIONS = int(os.environ.get("EVALENS_SOAK", "2000" if KERNEL else "10000"))
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


async def test_keystrokes_without_requests_between_them_do_not_grow_the_server(editor: Editor) -> None:
    """pygls keeps a future per notification until something removes it; a long stretch of
    typing with no request in between must not pile them up."""
    uri = editor.open("typing.py", "x = 1\n")
    await editor.eval(uri, "x")  # warm: the interpreter, and a first response
    hover = types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(0, 0))
    await editor.client.text_document_hover_async(hover)

    def error_lines() -> list[int]:
        return [d.range.start.line for d in editor.client.diagnostics.get(uri, []) if d.source == "evalens"]

    for index in range(500):
        editor.replace(uri, f"x = {index}\n")
    editor.replace(uri, "x = (\n")  # a syntax error, published once the changes are handled
    await wait_until(lambda: bool(error_lines()), timeout=30)
    first = error_lines()
    before = server_rss_kb(editor.client)
    for index in range(EVALUATIONS):
        editor.replace(uri, f"x = {index}\n")
    editor.replace(uri, "\n\nx = (\n")  # the last change: the same error two lines down
    await wait_until(lambda: error_lines() == [line + 2 for line in first], timeout=60)
    after = server_rss_kb(editor.client)  # read before any request could tidy up
    print(f"server RSS {before} kB -> {after} kB over {EVALUATIONS} changes")
    assert after - before < BOUND_KB // 2, (before, after)
