"""Reload what changed, keep the rest: only changed statements and their dependents run
again, definitions are patched in place, and every Result says what was done."""

from __future__ import annotations

from typing import Any

from tests.e2e.test_settings import configure
from tests.harness import Editor


async def value(editor: Editor, uri: str, code: str) -> str:
    result = await editor.eval(uri, code)
    assert result["error"] is None, result["error"]["traceback"]
    return str(result["value"]["repr"]) if result["value"] else "∅"


async def reloaded(editor: Editor, uri: str, code: str = "None") -> list[dict[str, Any]]:
    result = await editor.eval(uri, code)
    assert result["error"] is None, result["error"]["traceback"]
    entries: list[dict[str, Any]] = result["reloaded"]
    return entries


async def test_state_survives_an_unrelated_edit(editor: Editor) -> None:
    source = "counter = 0\n\ndef bump():\n    global counter\n    counter += 1\n"
    main = editor.open("main.py", source)
    assert await value(editor, main, "bump(); bump(); counter") == "2"
    editor.replace(main, source + "\ndef other():\n    return 1\n")
    assert await reloaded(editor, main) == [{"module": "main", "patched": [], "rerun": [6]}]
    assert await value(editor, main, "counter") == "2"
    assert await reloaded(editor, main) == []  # nothing changed since


async def test_side_effects_of_unchanged_statements_are_not_repeated(editor: Editor) -> None:
    main = editor.open("main.py", "LOG = []\nLOG.append('loaded')\nx = 1\n")
    assert await value(editor, main, "LOG") == "['loaded']"
    editor.replace(main, "LOG = []\nLOG.append('loaded')\nx = 2\n")
    assert await reloaded(editor, main, "(LOG, x)") == [{"module": "main", "patched": [], "rerun": [2]}]
    assert await value(editor, main, "(LOG, x)") == "(['loaded'], 2)"


async def test_dependents_run_again_directly_and_through_functions(editor: Editor) -> None:
    main = editor.open("main.py", "x = 1\ny = x + 1\ndef f():\n    return x * 10\nz = f()\nw = 'untouched'\n")
    assert await value(editor, main, "(y, z)") == "(2, 10)"
    editor.replace(main, "x = 5\ny = x + 1\ndef f():\n    return x * 10\nz = f()\nw = 'untouched'\n")
    assert await reloaded(editor, main) == [{"module": "main", "patched": [], "rerun": [0, 1, 4]}]
    assert await value(editor, main, "(y, z, w)") == "(6, 50, 'untouched')"


async def test_a_change_reaches_dependents_across_three_modules(editor: Editor) -> None:
    a = editor.open("a.py", "X = 1\nSIDE = []\n")
    editor.open("b.py", "from a import X\nY = X + 1\nB_ONLY = 'kept'\n")
    main = editor.open("main.py", "import b\nZ = b.Y + 1\n")
    assert await value(editor, main, "Z") == "3"
    editor.replace(a, "X = 10\nSIDE = []\n")
    assert await reloaded(editor, main) == [
        {"module": "a", "patched": [], "rerun": [0]},
        {"module": "b", "patched": [], "rerun": [0, 1]},
        {"module": "main", "patched": [], "rerun": [1]},
    ]
    assert await value(editor, main, "(Z, b.B_ONLY)") == "(12, 'kept')"


async def test_a_patched_function_keeps_its_identity_everywhere(editor: Editor) -> None:
    helpers = editor.open("helpers.py", "def f():\n    return 1\n")
    main = editor.open("main.py", "from helpers import f\nHANDLERS = [f]\nRESULT = f()\n")
    assert await value(editor, main, "held = f; (HANDLERS[0](), RESULT)") == "(1, 1)"
    editor.replace(helpers, "def f():\n    '''Now two.'''\n    return 2\n")
    assert await reloaded(editor, main) == [
        {"module": "helpers", "patched": ["f"], "rerun": []},
        {"module": "main", "patched": [], "rerun": [2]},  # RESULT calls f; HANDLERS only holds it
    ]
    assert await value(editor, main, "(HANDLERS[0](), held(), RESULT, held is f, f.__doc__)") == (
        "(2, 2, 2, True, 'Now two.')"
    )


async def test_methods_are_patched_into_the_class_old_instances_use(editor: Editor) -> None:
    source = "class Counter:\n    def __init__(self):\n        self.n = 0\n    def step(self):\n        return 1\n"
    main = editor.open("main.py", source)
    await value(editor, main, "obj = Counter(); bound = obj.step; Old = Counter")
    editor.replace(main, source.replace("return 1", "return 2") + "    def extra(self):\n        return 'new'\n")
    assert await reloaded(editor, main) == [{"module": "main", "patched": ["Counter"], "rerun": []}]
    assert await value(
        editor, main, "(obj.step(), bound(), obj.extra(), Old is Counter, isinstance(obj, Counter))"
    ) == ("(2, 2, 'new', True, True)")


async def test_a_method_using_super_keeps_working_after_a_patch(editor: Editor) -> None:
    source = "class Base:\n    def hi(self):\n        return 'base'\nclass Child(Base):\n    def hi(self):\n        return super().hi() + '!'\n"
    main = editor.open("main.py", source)
    assert await value(editor, main, "kid = Child(); kid.hi()") == "'base!'"
    editor.replace(main, source.replace("'!'", "'?'") + "    def more(self):\n        return super().hi()\n")
    assert await value(editor, main, "(kid.hi(), kid.more())") == "('base?', 'base')"


async def test_what_cannot_be_patched_runs_again_and_says_why(editor: Editor) -> None:
    source = "from dataclasses import dataclass\n@dataclass\nclass Point:\n    x: int\nP = Point(1)\n"
    main = editor.open("main.py", source)
    assert await value(editor, main, "P") == "Point(x=1)"
    editor.replace(main, source.replace("    x: int\n", "    x: int\n    y: int = 0\n"))
    entries = await reloaded(editor, main)
    assert [(e["module"], e["patched"], e["rerun"]) for e in entries] == [("main", [], [1, 5])]
    assert entries[0]["reason"] == "Point: a dataclass is rebuilt, not updated"
    assert await value(editor, main, "P") == "Point(x=1, y=0)"


async def test_a_removed_definition_leaves_the_namespace(editor: Editor) -> None:
    main = editor.open("main.py", "def old():\n    return 1\nKEEP = 1\n")
    assert await value(editor, main, "old()") == "1"
    editor.replace(main, "KEEP = 1\n")
    result = await editor.eval(main, "old()")
    assert (result["ok"], result["error"]["type"]) == (False, "NameError")


async def test_the_module_setting_runs_the_whole_text_again(editor: Editor) -> None:
    configure(editor, {"reload": "module"})
    main = editor.open("main.py", "counter = 0\n\ndef bump():\n    global counter\n    counter += 1\n")
    assert await value(editor, main, "bump(); counter") == "1"
    editor.replace(main, "counter = 0\n\ndef bump():\n    global counter\n    counter += 2\n")
    assert await reloaded(editor, main) == [
        {
            "module": "main",
            "patched": [],
            "rerun": [0, 2],
            "reason": 'the `reload` setting is "module": its whole text ran again',
        }
    ]
    assert await value(editor, main, "counter") == "0"


async def test_dynamic_uses_run_again_whenever_something_changed(editor: Editor) -> None:
    main = editor.open("main.py", "x = 1\ny = 2\nSEEN = dict(globals())['x']\n")
    assert await value(editor, main, "SEEN") == "1"
    editor.replace(main, "x = 3\ny = 2\nSEEN = dict(globals())['x']\n")
    entries = await reloaded(editor, main)
    assert [(e["rerun"], e["reason"]) for e in entries] == [
        ([0, 2], "line 3: `globals()` may use any name, so it re-ran")
    ]
    assert await value(editor, main, "SEEN") == "3"


async def test_the_worked_example_of_the_protocol(editor: Editor) -> None:
    source = (
        "import time\n"
        "DATA = time.sleep(0) or LOADS.append(1) or 'big'\n"
        "counter = 0\n"
        "def bump():\n"
        "    global counter\n"
        "    counter += 1\n"
    )
    main = editor.open("main.py", "LOADS = []\n")
    await value(editor, main, "import builtins; builtins.LOADS = LOADS")
    editor.replace(main, source)
    assert await value(editor, main, "bump(); bump(); counter") == "2"
    editor.replace(main, source.replace("counter += 1", "counter += 10"))
    result = await editor.eval(main, "bump(); counter")
    assert (result["value"]["repr"], result["reloaded"]) == (
        "12",
        [{"module": "main", "patched": ["bump"], "rerun": []}],
    )
    editor.replace(main, source.replace("counter += 1", "counter += 10").replace("counter = 0", "counter = 100"))
    result = await editor.eval(main, "bump(); (counter, LOADS)")
    assert (result["value"]["repr"], result["reloaded"]) == (
        "(110, [1])",
        [{"module": "main", "patched": [], "rerun": [2]}],
    )


async def test_results_shown_before_a_reload_are_marked_stale_until_they_run_again(editor: Editor) -> None:
    from lsprotocol import types

    source = "def total():\n    return 40 + 2\n\nx = total()\nx\n"
    main = editor.open("main.py", source)
    whole = types.Range(types.Position(0, 0), types.Position(6, 0))

    async def hints() -> list[str]:
        found = await editor.client.text_document_inlay_hint_async(
            types.InlayHintParams(types.TextDocumentIdentifier(main), whole)
        )
        return [hint.label for hint in found or []]  # type: ignore[misc]

    async def lens() -> str:
        found = await editor.client.text_document_code_lens_async(
            types.CodeLensParams(types.TextDocumentIdentifier(main))
        )
        return next(item.command.title for item in found or [] if item.command)

    x_line = {"start": {"line": 4, "character": 0}, "end": {"line": 4, "character": 1}}
    await editor.eval(main, range=x_line)
    await editor.call(main, "total")
    assert (await hints(), await lens()) == (["⇒ 42"], "▶ total() ⇒ 42")
    editor.edit(main, (1, 16), (1, 17), "3")  # 40 + 2 -> 40 + 3, the hint's line untouched
    result = await editor.eval(main, "'something else'")
    assert result["reloaded"] == [{"module": "main", "patched": ["total"], "rerun": [3, 4]}]
    assert (await hints(), await lens()) == (["⇒ 42 (stale)"], "▶ total() ⇒ 42 (stale)")
    await editor.eval(main, range=x_line)
    await editor.call(main, "total")
    assert (await hints(), await lens()) == (["⇒ 43"], "▶ total() ⇒ 43")
