"""Modules from open documents: unsaved imports, reloads in import order, packages, tracebacks."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import process_only
from tests.harness import Editor


async def test_unsaved_document_is_imported_before_disk(editor: Editor) -> None:
    editor.root.joinpath("helpers.py").write_text("def double(x):\n    return 'disk'\n")
    editor.open("helpers.py", "def double(x):\n    return 2 * x\n")
    main = editor.open("main.py", "from helpers import double\n")
    assert (await editor.eval(main, "double(21)"))["value"]["repr"] == "42"


async def test_modules_not_open_import_from_disk(editor: Editor) -> None:
    editor.root.joinpath("ondisk.py").write_text("WHERE = 'disk'\n")
    main = editor.open("main.py", "import ondisk\n")
    assert (await editor.eval(main, "ondisk.WHERE"))["value"]["repr"] == "'disk'"


async def test_edit_reloads_dependents_in_import_order(editor: Editor) -> None:
    helpers = editor.open("helpers.py", "def f():\n    return 1\n")
    editor.open("models.py", "import helpers\nLOG = []\nVALUE = helpers.f()\n")
    main = editor.open("main.py", "import models\nfrom helpers import f\nSNAP = (models.VALUE, f())\n")
    assert (await editor.eval(main, "SNAP"))["value"]["repr"] == "(1, 1)"
    editor.replace(helpers, "def f():\n    return 2\n")
    assert (await editor.eval(main, "SNAP"))["value"]["repr"] == "(2, 2)"


async def test_reload_keeps_names_bound_by_earlier_evaluations(editor: Editor) -> None:
    main = editor.open("main.py", "A = 1\n")
    await editor.eval(main, "session_only = 'kept'")
    editor.replace(main, "A = 2\n")
    assert (await editor.eval(main, "(A, session_only)"))["value"]["repr"] == "(2, 'kept')"


async def test_unchanged_modules_are_not_reexecuted(editor: Editor) -> None:
    editor.open("counter.py", "import builtins\nbuiltins.runs = getattr(builtins, 'runs', 0) + 1\n")
    other = editor.open("other.py", "X = 1\n")
    main = editor.open("main.py", "import counter, other\n")
    await editor.eval(main, "1")
    editor.replace(other, "X = 2\n")
    assert (await editor.eval(main, "(runs, other.X)"))["value"]["repr"] == "(1, 2)"


async def test_packages_and_relative_imports_from_unsaved_documents(editor: Editor) -> None:
    editor.open("pkg/__init__.py", "from .core import answer\n")
    editor.open("pkg/core.py", "from . import util\ndef answer():\n    return util.BASE + 2\n")
    editor.open("pkg/util.py", "BASE = 40\n")
    main = editor.open("main.py", "import pkg\n")
    assert (await editor.eval(main, "pkg.answer()"))["value"]["repr"] == "42"


async def test_src_layout_is_an_import_root(editor: Editor) -> None:
    (editor.root / "src").mkdir()
    editor.open("src/lib/tools.py", "NAME = __name__\n")
    main = editor.open("main.py", "from lib import tools\n")
    assert (await editor.eval(main, "tools.NAME"))["value"]["repr"] == "'lib.tools'"


async def test_tracebacks_and_getsource_show_the_buffer(editor: Editor) -> None:
    editor.root.joinpath("helpers.py").write_text("# old text on disk\n")
    helpers = editor.open("helpers.py", "def broken():\n    return undefined_name  # unsaved line\n")
    main = editor.open("main.py", "import inspect, helpers\n")
    result = await editor.eval(main, "helpers.broken()")
    assert "return undefined_name  # unsaved line" in result["error"]["traceback"]
    assert result["error"]["frames"][-1] == {"uri": helpers, "line": 1, "name": "broken"}
    source = await editor.eval(main, "inspect.getsource(helpers.broken)")
    assert source["value"]["repr"] == repr("def broken():\n    return undefined_name  # unsaved line\n")


async def test_load_error_is_a_result_and_recovers(editor: Editor) -> None:
    helpers = editor.open("helpers.py", "raise RuntimeError('cannot load')\n")
    main = editor.open("main.py", "import helpers\n")
    result = await editor.eval(main, "1")
    assert (result["error"]["type"], result["error"]["message"]) == ("RuntimeError", "cannot load")
    assert result["error"]["frames"][-1] == {"uri": helpers, "line": 0, "name": "<module>"}
    editor.replace(helpers, "OK = True\n")
    assert (await editor.eval(main, "helpers.OK"))["value"]["repr"] == "True"


async def test_import_cycle_gives_a_clear_result(editor: Editor) -> None:
    editor.open("a.py", "from b import B\nA = 1\n")
    editor.open("b.py", "from a import A\nB = 2\n")
    main = editor.open("main.py", "import a\n")
    result = await editor.eval(main, "1")
    assert result["error"]["type"] == "ImportError"
    assert "partially initialized module" in result["error"]["message"]


async def test_untitled_documents_evaluate_but_do_not_import(editor: Editor) -> None:
    scratch = editor.open_uri("untitled:Untitled-1", "x = 41\n")
    assert (await editor.eval(scratch, "x + 1"))["value"]["repr"] == "42"
    main = editor.open("main.py", "")
    result = await editor.eval(main, "import importlib; importlib.import_module('Untitled-1')")
    assert result["error"]["type"] == "ModuleNotFoundError"


@process_only("the kernel's sys.path is its kernelspec's environment (here the test environment, which holds pygls)")
async def test_server_packages_are_not_importable(editor: Editor) -> None:
    main = editor.open("main.py", "")
    for name in ("pygls", "lsprotocol", "jedi", "evalens.server"):
        result = await editor.eval(main, f"import {name}")
        assert result["error"]["type"] == "ModuleNotFoundError", name
    helper = await editor.eval(main, "import evalens; evalens.documents()")
    assert helper["value"]["repr"] == repr({"main": main})


async def test_closed_document_falls_back_to_disk(editor: Editor) -> None:
    editor.root.joinpath("late.py").write_text("WHERE = 'disk'\n")
    late = editor.open("late.py", "WHERE = 'buffer'\n")
    main = editor.open("main.py", "")
    editor.close(late)
    assert (await editor.eval(main, "import late; late.WHERE"))["value"]["repr"] == "'disk'"


async def test_document_outside_the_workspace_uses_its_folder_as_root(editor: Editor, tmp_path: Path) -> None:
    outside = tmp_path / "scripts"
    outside.mkdir()
    (outside / "sibling.py").write_text("WHERE = 'sibling on disk'\n")
    tool = editor.open_uri((outside / "tool.py").as_uri(), "import sibling\n")
    assert (await editor.eval(tool, "__name__, sibling.WHERE"))["value"]["repr"] == "('tool', 'sibling on disk')"


async def test_a_syntax_error_in_an_unsaved_module_shows_the_editors_line(editor: Editor) -> None:
    """CPython reads a SyntaxError's line from the file on disk when there is one."""
    (editor.root / "helpers.py").write_text("def double(x):\n    return 2 * x\n")
    editor.open("helpers.py", "def double(x):\n    return 2 * * x\n")
    main = editor.open("main.py", "import helpers\n")
    error = (await editor.eval(main, "import helpers"))["error"]
    assert error["traceback"].endswith("line 2\n    return 2 * * x\n               ^\nSyntaxError: invalid syntax\n")


async def test_a_src_folder_made_only_of_unsaved_documents_is_an_import_root(editor: Editor) -> None:
    """A new project created in the editor: nothing is on disk yet."""
    calc = editor.open("src/demo/calc.py", "def twice(x):\n    return 2 * x\n")
    user = editor.open("src/demo/user.py", "from demo.calc import twice\n")
    assert not (editor.root / "src").exists()
    assert (await editor.eval(user, "twice(21)"))["value"]["repr"] == "42"
    assert (await editor.eval(calc, "__name__"))["value"]["repr"] == "'demo.calc'"
