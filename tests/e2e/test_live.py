"""Hover and completion that see the live interpreter, without running user code."""

from __future__ import annotations

import asyncio
import importlib.util

import pytest
from lsprotocol import types

from tests.e2e.test_lifecycle import LOOP, send_command, wait_for_state
from tests.harness import Editor

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


needs_pandas = pytest.mark.skipif(
    importlib.util.find_spec("pandas") is None,
    reason="pandas is not installed in the test interpreter; `pip install -e '.[test]'` installs it",
)

FRAMES = """\
import builtins
df = None
counting = None
renamed = None
"""
FRAME_LINES = FRAMES.splitlines()
DF, COUNTING, RENAMED = (FRAME_LINES.index(f"{name} = None") for name in ("df", "counting", "renamed"))
FRAMES_END = len(FRAME_LINES)
MAKE_FRAME = """\
import pandas as pd
df = pd.DataFrame({"price": [1.5, 2.0], "qty": [3, 4], "unit price": [0, 0], "class": [1, 1], 7: [0, 0]})
"""
MAKE_SUBCLASSES = """\
import pandas as pd

class Counting(pd.DataFrame):
    def __getattr__(self, name):
        builtins.lookups += 1
        return super().__getattr__(name)

class Renamed(pd.DataFrame):
    @property
    def columns(self):
        builtins.lookups += 1
        return pd.Index(["renamed"])

counting = Counting({"price": [1.5]})
renamed = Renamed({"price": [1.5]})
builtins.lookups = 0
"""


async def completion_after(editor: Editor, uri: str, expression: str) -> dict[str, str | None]:
    """Type ``expression.`` on a new last line, complete there, then undo the typing."""
    typed = f"{expression}."
    editor.edit(uri, (FRAMES_END, 0), (FRAMES_END, 0), typed)
    labels = await completion_labels(editor, uri, FRAMES_END, len(typed))
    editor.edit(uri, (FRAMES_END, 0), (FRAMES_END, len(typed)), "")
    return labels


@needs_pandas
async def test_completion_lists_dataframe_columns_as_runtime_items(editor: Editor) -> None:
    uri = editor.open("main.py", FRAMES)
    assert (await editor.eval(uri, MAKE_FRAME))["ok"]
    labels = await completion_after(editor, uri, "df")
    assert labels["price"] == "runtime attribute"
    assert labels["qty"] == "runtime attribute"
    assert "unit price" not in labels  # not an identifier: `df.unit price` cannot be written
    assert "class" not in labels  # a keyword
    assert "7" not in labels


@needs_pandas
async def test_hover_on_a_dataframe_shows_its_shape_and_columns(editor: Editor) -> None:
    uri = editor.open("main.py", FRAMES)
    assert (await editor.eval(uri, MAKE_FRAME))["ok"]
    text = await hover_text(editor, uri, DF, 1)
    assert "DataFrame`, len 2" in text
    assert "<DataFrame 2 rows × 5 columns: 'price', 'qty', 'unit price', 'class', 7>" in text


@needs_pandas
async def test_dataframe_subclasses_that_change_attribute_lookup_list_no_columns(editor: Editor) -> None:
    uri = editor.open("main.py", FRAMES)
    assert (await editor.eval(uri, MAKE_SUBCLASSES))["ok"]
    for name, line in (("counting", COUNTING), ("renamed", RENAMED)):
        labels = await completion_after(editor, uri, name)
        assert "price" not in labels and "renamed" not in labels
        assert f"<main.{name.capitalize()} object at 0x" in await hover_text(editor, uri, line, 1)
    assert (await editor.eval(uri, "builtins.lookups"))["value"]["repr"] == "0"


async def test_live_lookups_never_import_a_library(editor: Editor) -> None:
    uri = editor.open("main.py", SOURCE)
    await editor.eval(uri, "1")
    await hover_text(editor, uri, TABLE, 1)
    editor.edit(uri, (END, 0), (END, 0), "table.")
    await completion_labels(editor, uri, END, 6)
    editor.edit(uri, (END, 0), (END, 6), "")
    imported = await editor.eval(uri, "sorted(name for name in __import__('sys').modules if name.startswith('pandas'))")
    assert imported["value"]["repr"] == "[]"


@needs_pandas
def test_a_patched_pandas_attribute_protocol_is_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Worker code, run in this process: pandas patched by user code counts as user code."""
    import pandas as pd
    from pandas.core.generic import NDFrame

    from evalens.worker import libraries

    frame = pd.DataFrame({"price": [1.5]})
    assert libraries.attributes(frame) == ["price"]
    calls: list[str] = []
    original = NDFrame.__getattr__

    def patched(self: object, name: str) -> object:
        calls.append(name)
        return original(self, name)

    monkeypatch.setattr(NDFrame, "__getattr__", patched)
    assert libraries.attributes(frame) == []
    assert libraries.summary(frame) is None
    assert calls == []


async def test_live_values_hold_when_hover_signature_help_and_completion_come_together(editor: Editor) -> None:
    """As eglot and eldoc send them: each of ten rounds of three requests at once gets its
    live part (a lookup in flight made the others static)."""
    uri = editor.open("main.py", SOURCE)
    await editor.eval(uri, "setattr(sensor, 'dynamic_' + 'field', 1)")
    editor.edit(uri, (END, 0), (END, 0), "sensor.")
    for _ in range(10):
        hover, _signature, labels = await asyncio.gather(
            hover_text(editor, uri, TABLE, 1),
            editor.client.text_document_signature_help_async(
                types.SignatureHelpParams(types.TextDocumentIdentifier(uri), types.Position(END, 7))
            ),
            completion_labels(editor, uri, END, 7),
        )
        assert "**live** `dict`, len 1" in hover
        assert labels["dynamic_field"] == "runtime attribute"


async def test_hover_at_the_first_column_of_a_one_letter_name_shows_its_live_value(editor: Editor) -> None:
    """parso gives the newline before a name that starts a line: only names longer than the
    cursor's column showed live values."""
    uri = editor.open("main.py", "counter = 0\na = 0\nb = 'x'\nc = [1]\nd = len(c)\n")
    await editor.eval(uri, "import main")
    shown = [(await hover_text(editor, uri, line, 0)).split("---\n")[-1] for line in range(5)]
    assert shown == [
        "**live** `int`\n```python\n0\n```",
        "**live** `int`\n```python\n0\n```",
        "**live** `str`, len 1\n```python\n'x'\n```",
        "**live** `list`, len 1\n```python\n[1]\n```",
        "**live** `int`\n```python\n1\n```",
    ]
    assert (await hover_text(editor, uri, 0, 7)).endswith("**live** `int`\n```python\n0\n```")  # just after the name
