"""``with`` blocks entered by evaluating their header, held open, then exited."""

from __future__ import annotations

import pytest
from pygls.exceptions import JsonRpcException

from tests.harness import Editor

SOURCE = """\
import contextlib

log = []

@contextlib.contextmanager
def resource(name):
    log.append(f"open {name}")
    try:
        yield name.upper()
    except ValueError as exc:
        log.append(f"handled {exc}")
    finally:
        log.append(f"close {name}")

def work():
    with resource("db") as handle:
        return handle
"""


def header_range(line: int, end: int) -> dict[str, dict[str, int]]:
    return {"start": {"line": line, "character": 4}, "end": {"line": line, "character": end}}


async def test_with_header_enters_and_binds_and_exit_leaves(editor: Editor) -> None:
    uri = editor.open("res.py", SOURCE)
    entered = await editor.eval(uri, range=header_range(15, 38))
    assert entered["value"] == {"repr": "'DB'", "type": "str"}
    assert (await editor.eval(uri, "handle, log"))["value"]["repr"] == "('DB', ['open db'])"
    assert (await editor.command("evalens.status", {}))["held"] == ['resource("db") as handle']
    left = await editor.command("evalens.exit", {})
    assert (left["ok"], left["value"]["repr"]) == (True, "False")
    assert (await editor.eval(uri, "log"))["value"]["repr"] == "['open db', 'close db']"
    assert (await editor.command("evalens.status", {}))["held"] == []


async def test_exit_with_the_last_exception_lets_the_manager_handle_it(editor: Editor) -> None:
    uri = editor.open("res.py", SOURCE)
    await editor.eval(uri, "with resource('a') as first, resource('b') as second:")
    failed = await editor.eval(uri, "raise ValueError('oops')")
    assert failed["error"]["type"] == "ValueError"
    inner = await editor.command("evalens.exit", {"exception": True})
    assert inner["value"]["repr"] == "True"  # the generator manager swallowed it
    outer = await editor.command("evalens.exit", {})
    assert outer["ok"] is True
    result = await editor.eval(uri, "log")
    assert result["value"]["repr"] == "['open a', 'open b', 'handled oops', 'close b', 'close a']"


async def test_exit_without_a_held_block_is_a_bad_request(editor: Editor) -> None:
    editor.open("res.py", SOURCE)
    with pytest.raises(JsonRpcException, match="no `with` block is held open"):
        await editor.command("evalens.exit", {})


async def test_a_non_context_manager_is_a_clear_error(editor: Editor) -> None:
    uri = editor.open("res.py", SOURCE)
    result = await editor.eval(uri, "with 42 as x:")
    assert result["error"]["type"] == "TypeError"
    assert "does not support the context manager protocol" in result["error"]["message"]
