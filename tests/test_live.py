"""Hover and completion that see the live interpreter, without running user code."""

from __future__ import annotations

from lsprotocol import types

from tests.conftest import Editor
from tests.test_lifecycle import LOOP, send_command, wait_for_state

SOURCE = """\
import builtins
class Sensor:
    @property
    def value(self):
        builtins.reads += 1
        return 42

    def __getattr__(self, name):
        builtins.reads += 1
        raise AttributeError(name)

    def __repr__(self):
        builtins.reads += 1
        return "Sensor()"

sensor = Sensor()
table = {"a": [1, 2, 3]}
"""


LINES = SOURCE.splitlines()
SENSOR = LINES.index("sensor = Sensor()")
TABLE = LINES.index('table = {"a": [1, 2, 3]}')
END = len(LINES)


async def hover_text(editor: Editor, uri: str, line: int, character: int) -> str:
    hover = await editor.client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, character))
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    return hover.contents.value


async def completion_labels(editor: Editor, uri: str, line: int, character: int) -> dict[str, str | None]:
    result = await editor.client.text_document_completion_async(
        types.CompletionParams(types.TextDocumentIdentifier(uri), types.Position(line, character))
    )
    items = result.items if isinstance(result, types.CompletionList) else list(result or [])
    return {item.label: item.detail for item in items}


async def test_hover_shows_the_live_value_beside_the_static_information(editor: Editor) -> None:
    uri = editor.open("main.py", SOURCE)
    await editor.eval(uri, "table['b'] = [4]")
    text = await hover_text(editor, uri, TABLE, 1)
    assert "**live** `dict`, len 2" in text
    assert "{'a': [1, 2, 3], 'b': [4]}" in text


async def test_live_lookups_never_run_user_code(editor: Editor) -> None:
    uri = editor.open("main.py", SOURCE)
    await editor.eval(uri, "builtins.reads = 0")
    editor.edit(uri, (END, 0), (END, 0), "sensor.")  # typing after the module was loaded
    text = await hover_text(editor, uri, SENSOR, 1)
    assert "<main.Sensor object at 0x" in text
    await completion_labels(editor, uri, END, 7)
    editor.edit(uri, (END, 0), (END, 7), "")
    assert (await editor.eval(uri, "builtins.reads"))["value"]["repr"] == "0"


async def test_completion_adds_runtime_attributes(editor: Editor) -> None:
    uri = editor.open("main.py", SOURCE)
    await editor.eval(uri, "setattr(sensor, 'dynamic_' + 'field', 1); sensor.__dict__.update(extra=2)")
    editor.edit(uri, (END, 0), (END, 0), "sensor.")
    labels = await completion_labels(editor, uri, END, 7)
    assert labels["dynamic_field"] == "runtime attribute"
    assert labels["extra"] == "runtime attribute"
    assert "value" in labels and labels["value"] != "runtime attribute"


async def test_a_busy_interpreter_leaves_hover_static(editor: Editor) -> None:
    uri = editor.open("main.py", SOURCE)
    await editor.eval(uri, "1")
    running = send_command(editor, "evalens.eval", {"uri": uri, "code": LOOP}, "busy-hover")
    await wait_for_state(editor, "busy")
    text = await hover_text(editor, uri, TABLE, 1)
    assert "**live**" not in text
    await editor.command("evalens.interrupt", {})
    await running
