"""evalens.eval end to end: expressions, statements, ranges, bindings, output, errors."""

from __future__ import annotations

from typing import Any

from tests.conftest import process_only
from tests.harness import Editor, wait_until


def span(a: int, b: int, c: int, d: int) -> dict[str, Any]:
    return {"start": {"line": a, "character": b}, "end": {"line": c, "character": d}}


async def test_result_has_the_spec_shape(editor: Editor) -> None:
    uri = editor.open("main.py", "x = 20\n")
    result = await editor.eval(uri, "x * 2 + 2")
    assert set(result) >= {"ok", "value", "stdout", "stderr", "truncated", "error", "durationMs"}
    assert result["ok"] is True
    assert result["value"] == {"repr": "42", "type": "int"}
    assert (result["stdout"], result["stderr"], result["truncated"], result["error"]) == ("", "", False, None)
    assert isinstance(result["durationMs"], float | int) and result["durationMs"] >= 0


async def test_statements_give_the_trailing_expression_or_nothing(editor: Editor) -> None:
    uri = editor.open("main.py", "")
    assert (await editor.eval(uri, "y = 5\ny + 1"))["value"] == {"repr": "6", "type": "int"}
    result = await editor.eval(uri, "z = y * 3")
    assert result["ok"] is True and result["value"] is None
    assert (await editor.eval(uri, "z"))["value"]["repr"] == "15"
    assert (await editor.eval(uri, "None"))["value"] == {"repr": "None", "type": "NoneType"}


async def test_code_runs_in_the_document_module_namespace(editor: Editor) -> None:
    uri = editor.open("pkg/mod.py", "VALUE = 'from the buffer'\n")
    result = await editor.eval(uri, "__name__, VALUE")
    assert result["value"]["repr"] == "('pkg.mod', 'from the buffer')"


async def test_range_is_dedented_and_maps_to_document_lines(editor: Editor) -> None:
    text = "def f():\n    a = 2\n    b = a * 21\n    return b\n"
    uri = editor.open("main.py", text)
    result = await editor.eval(uri, range=span(1, 0, 2, 14))
    assert result["ok"] is True and result["value"] is None
    assert (await editor.eval(uri, "b"))["value"]["repr"] == "42"
    failing = await editor.eval(uri, range=span(3, 4, 3, 12))
    assert failing["error"]["type"] == "SyntaxError"
    assert failing["error"]["frames"][-1] == {"uri": uri, "line": 3, "name": "<module>"}


async def test_range_expression_inside_a_line(editor: Editor) -> None:
    uri = editor.open("main.py", "total = sum([1, 2, 3]) * 2\n")
    result = await editor.eval(uri, range=span(0, 8, 0, 22))
    assert result["value"] == {"repr": "6", "type": "int"}


async def test_range_positions_are_utf16(editor: Editor) -> None:
    uri = editor.open("main.py", "s = '😀'; t = len(s) + 1\n")
    # '😀' is two UTF-16 code units: `len(s) + 1` starts at character 14.
    result = await editor.eval(uri, range=span(0, 14, 0, 24))
    assert result["value"]["repr"] == "2"


async def test_bindings_inject_json_values(editor: Editor) -> None:
    uri = editor.open("main.py", "")
    result = await editor.eval(
        uri, "sorted(data['xs']) + [flag, nothing]", bindings={"data": {"xs": [3, 1]}, "flag": True, "nothing": None}
    )
    assert result["value"]["repr"] == "[1, 3, True, None]"


@process_only("what fd 1 and child processes write reaches the kernel's clients only as the kernel forwards it")
async def test_output_is_captured_and_streamed(editor: Editor) -> None:
    uri = editor.open("main.py", "import os, sys\n")
    code = "print('out'); print('err', file=sys.stderr); os.write(1, b'fd1\\n'); os.system('echo child')"
    result = await editor.eval(uri, code)
    assert result["stdout"] == "out\nfd1\nchild\n"
    assert result["stderr"] == "err\n"
    await wait_until(
        lambda: "".join(o["text"] for o in editor.output if o["stream"] == "stdout") == "out\nfd1\nchild\n"
    )
    assert {o["uri"] for o in editor.output} == {uri}


async def test_printing_the_protocol_cannot_corrupt_the_channel(editor: Editor) -> None:
    uri = editor.open("main.py", "")
    code = 'print(\'{"id": 1, "result": {"ok": true}}\'); print("Content-Length: 10\\r\\n\\r\\n")\n40 + 2'
    result = await editor.eval(uri, code)
    assert result["value"]["repr"] == "42"
    assert result["stdout"].startswith('{"id": 1')


async def test_error_is_structured_with_frames_in_documents(editor: Editor) -> None:
    uri = editor.open("main.py", "def inner():\n    raise ValueError('bad value')\n\ndef outer():\n    inner()\n")
    result = await editor.eval(uri, "outer()")
    assert result["ok"] is False and result["value"] is None
    error = result["error"]
    assert (error["type"], error["message"]) == ("ValueError", "bad value")
    assert error["frames"] == [
        {"uri": None, "line": 0, "name": "<module>"},
        {"uri": uri, "line": 4, "name": "outer"},
        {"uri": uri, "line": 1, "name": "inner"},
    ]
    assert "raise ValueError('bad value')" in error["traceback"]
    assert "evalens" not in error["traceback"].replace("<evalens-input", "")


async def test_results_stay_alive_as_underscore_names(editor: Editor) -> None:
    uri = editor.open("main.py", "")
    await editor.eval(uri, "[1, 2]")
    await editor.eval(uri, "'second'")
    result = await editor.eval(uri, "(_1, _2, _)")
    assert result["value"]["repr"] == "([1, 2], 'second', 'second')"


async def test_repr_is_cut_to_the_limit(editor: Editor) -> None:
    uri = editor.open("main.py", "")
    result = await editor.eval(uri, "'x' * 20000")
    assert result["truncated"] is True
    assert len(result["value"]["repr"]) == 10001


async def test_repr_failure_is_reported_not_fatal(editor: Editor) -> None:
    uri = editor.open("main.py", "class Bad:\n    def __repr__(self):\n        raise RuntimeError('nope')\n")
    result = await editor.eval(uri, "Bad()")
    assert result["ok"] is True
    assert result["value"] == {"repr": "<Bad object; repr failed: RuntimeError(nope)>", "type": "main.Bad"}


async def test_top_level_await_runs(editor: Editor) -> None:
    uri = editor.open("main.py", "import asyncio\n")
    result = await editor.eval(uri, "await asyncio.sleep(0, result=7)")
    assert result["value"]["repr"] == "7"


@process_only(
    "input() asks the kernel's stdin channel, which evalens does not offer: ipykernel raises StdinNotImplementedError"
)
async def test_input_gets_end_of_file(editor: Editor) -> None:
    uri = editor.open("main.py", "")
    result = await editor.eval(uri, "input('name? ')")
    assert result["error"]["type"] == "EOFError"


async def test_system_exit_is_a_result(editor: Editor) -> None:
    uri = editor.open("main.py", "import sys\n")
    result = await editor.eval(uri, "sys.exit(3)")
    assert (result["error"]["type"], result["error"]["message"]) == ("SystemExit", "exit code 3")
    assert (await editor.eval(uri, "1"))["ok"] is True
