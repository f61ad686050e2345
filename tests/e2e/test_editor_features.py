"""Code actions, code lenses, inlay hints and run diagnostics, end to end."""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from evalens.features.oneline import inline
from evalens.worker.messages import RAW_REPR
from tests.harness import Editor, plain, wait_until

SOURCE = """\
def ready():
    return 6 * 7

def needs(x):
    return x

def fails():
    return {}['missing']

async def later(n=1):
    return n
"""


def position_range(a: int, b: int, c: int, d: int) -> types.Range:
    return types.Range(types.Position(a, b), types.Position(c, d))


async def lenses(editor: Editor, uri: str) -> list[tuple[int, str, Any]]:
    found = await editor.client.text_document_code_lens_async(types.CodeLensParams(types.TextDocumentIdentifier(uri)))
    return [
        (lens.range.start.line, lens.command.title, plain(lens.command.arguments))
        for lens in found or []
        if lens.command
    ]


async def actions(editor: Editor, uri: str, span: types.Range) -> list[tuple[str, str, Any]]:
    found = await editor.client.text_document_code_action_async(
        types.CodeActionParams(types.TextDocumentIdentifier(uri), span, types.CodeActionContext(diagnostics=[]))
    )
    result = []
    for action in found or []:
        assert isinstance(action, types.Command)
        result.append((action.title, action.command, plain(action.arguments)))
    return result


async def test_lenses_sit_above_functions_callable_without_arguments(editor: Editor) -> None:
    uri = editor.open("lib.py", SOURCE)
    assert await lenses(editor, uri) == [
        (0, "▶ ready()", [{"uri": uri, "target": "ready"}]),
        (6, "▶ fails()", [{"uri": uri, "target": "fails"}]),
        (9, "▶ later()", [{"uri": uri, "target": "later"}]),
    ]


async def test_lens_title_shows_the_last_result_after_a_run(editor: Editor) -> None:
    uri = editor.open("lib.py", SOURCE)
    (_, _, arguments), *_ = await lenses(editor, uri)
    result = await editor.command("evalens.call", *arguments)
    assert result["value"]["repr"] == "42"
    await wait_until(lambda: "codeLens" in editor.refreshes)
    titles = [title for _, title, _ in await lenses(editor, uri)]
    assert titles[0] == "▶ ready() ⇒ 42"
    await editor.call(uri, "fails")
    titles = [title for _, title, _ in await lenses(editor, uri)]
    assert titles[1] == "▶ fails() ⇒ KeyError: 'missing'"


async def test_selection_offers_evaluate_and_def_offers_call(editor: Editor) -> None:
    uri = editor.open("lib.py", SOURCE)
    expression = position_range(1, 11, 1, 16)
    assert await actions(editor, uri, expression) == [
        (
            "evalens: Evaluate selection",
            "evalens.eval",
            [{"uri": uri, "range": {"start": {"line": 1, "character": 11}, "end": {"line": 1, "character": 16}}}],
        )
    ]
    statements = await actions(editor, uri, position_range(0, 0, 2, 0))
    assert [title for title, _, _ in statements] == ["evalens: Run selected statements", "evalens: Call ready()"]
    on_def = await actions(editor, uri, position_range(3, 4, 3, 4))
    assert on_def == [("evalens: Call needs()", "evalens.call", [{"uri": uri, "target": "needs"}])]
    assert await actions(editor, uri, position_range(1, 4, 1, 14)) == []  # `return 6 *` does not parse


async def test_no_lenses_or_actions_in_an_untrusted_workspace(untrusted: Editor) -> None:
    uri = untrusted.open("lib.py", SOURCE)
    assert await lenses(untrusted, uri) == []
    assert await actions(untrusted, uri, position_range(0, 0, 2, 0)) == []


async def test_inlay_hint_shows_the_value_at_the_end_of_the_range(editor: Editor) -> None:
    uri = editor.open("calc.py", "a = 6\nb = 7\na * b\n")
    await editor.eval(uri, range={"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 5}})
    hints = await editor.client.text_document_inlay_hint_async(
        types.InlayHintParams(types.TextDocumentIdentifier(uri), position_range(0, 0, 3, 0))
    )
    assert [(h.position.line, h.position.character, h.label) for h in hints or []] == [(2, 5, "⇒ 42")]
    editor.edit(uri, (0, 0), (0, 0), "# comment\n")
    hints = await editor.client.text_document_inlay_hint_async(
        types.InlayHintParams(types.TextDocumentIdentifier(uri), position_range(0, 0, 4, 0))
    )
    assert [(h.position.line, h.label) for h in hints or []] == [(3, "⇒ 42")]
    editor.edit(uri, (3, 0), (3, 5), "a + b")
    hints = await editor.client.text_document_inlay_hint_async(
        types.InlayHintParams(types.TextDocumentIdentifier(uri), position_range(0, 0, 4, 0))
    )
    assert list(hints or []) == []


async def test_failed_run_is_a_diagnostic_at_its_innermost_frame(editor: Editor) -> None:
    helpers = editor.open("helpers.py", "def explode():\n    raise ValueError('boom')\n")
    main = editor.open("main.py", "from helpers import explode\n")
    await editor.eval(main, "explode()")
    await wait_until(lambda: bool(editor.client.diagnostics.get(helpers)))
    (diagnostic,) = editor.client.diagnostics[helpers]
    assert (diagnostic.source, diagnostic.message) == ("evalens", "ValueError: boom")
    assert diagnostic.range == position_range(1, 4, 1, 28)
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    await editor.eval(main, "1")
    await wait_until(lambda: list(editor.client.diagnostics[helpers]) == [])


async def test_diagnostic_clears_when_its_document_changes(editor: Editor) -> None:
    main = editor.open("main.py", "x = 1\n")
    await editor.eval(main, range={"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 5}})
    await editor.eval(main, "1 / 0")  # the innermost frame is the input, not a document
    assert list(editor.client.diagnostics.get(main, [])) == []
    editor.replace(main, "def f():\n    return 1 / 0\n")
    await editor.call(main, "f")
    await wait_until(lambda: len(editor.client.diagnostics.get(main, [])) == 1)
    editor.edit(main, (1, 15), (1, 16), "1")
    await wait_until(lambda: list(editor.client.diagnostics[main]) == [])


async def test_a_long_repr_arrives_whole_and_its_hint_shows_its_start(editor: Editor) -> None:
    """A repr longer than RAW_REPR travels as a JSON literal spliced into the response:
    quotes, backslashes, newlines, non-ASCII and astral characters come through unchanged."""
    from tests.e2e.test_settings import configure

    configure(editor, {"limits": {"reprChars": 1_000_000}})
    uri = editor.open("big.py", "piece = 'q\"\\\\\\n\u00e9\U0001f600 '\nbig = piece * 20000\nbig\n")
    result = await editor.eval(uri, range={"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 3}})
    expected = repr('q"\\\n\u00e9\U0001f600 ' * 20000)
    assert len(expected) > RAW_REPR
    assert (result["value"]["repr"], result["value"]["type"], result["truncated"]) == (expected, "str", False)
    hints = await editor.client.text_document_inlay_hint_async(
        types.InlayHintParams(types.TextDocumentIdentifier(uri), position_range(0, 0, 3, 0))
    )
    assert [h.label for h in hints or []] == [inline({"ok": True, "value": {"repr": expected}})]


async def test_an_interrupt_is_not_a_diagnostic(editor: Editor) -> None:
    """The user's interrupt stops their code wherever it was: that line is not an error, and
    the failure shown before it goes."""
    from tests.e2e.test_lifecycle import send_command

    main = editor.open("main.py", "import time\ndef spin():\n    while True:\n        time.sleep(0.01)\nx = 1 / 0\n")
    await editor.call(main, "spin")  # loading main.py fails at line 4
    await wait_until(lambda: [d.range.start.line for d in editor.client.diagnostics.get(main, [])] == [4])
    editor.replace(
        main, "import time\ndef spin():\n    print('spinning', flush=True)\n    while True:\n        time.sleep(0.01)\n"
    )
    await wait_until(lambda: list(editor.client.diagnostics[main]) == [])
    published = editor.published[main]
    running = send_command(editor, "evalens.call", {"uri": main, "target": "spin"}, "spin-1")
    # in spin: an interrupt that lands before the worker has read the run stops it with no frame
    await wait_until(lambda: any(o["text"] == "spinning\n" for o in editor.output))
    assert await editor.command("evalens.interrupt", {}) == {"interrupted": True}
    result = plain(await running)
    assert (result["error"]["type"], result["error"]["frames"][-1]["uri"]) == ("KeyboardInterrupt", main)
    for code in ("1 / 0", "2"):  # later runs: whatever the interrupt published is out by now
        await editor.eval(main, code)
    assert editor.published[main] == published
    assert list(editor.client.diagnostics[main]) == []
