"""Real packages with every file open in the editor and one of them edited, unsaved: the
reload must leave them working as a fresh import of the edited files would."""

from __future__ import annotations

import shutil
from pathlib import Path

import rich
import toolz

from tests.harness import Editor


def open_package(editor: Editor, package: Path, name: str | None = None) -> dict[str, str]:
    """Copy ``package`` into the workspace and open every one of its files; relative path -> uri."""
    target = editor.root / (name or package.name)
    shutil.copytree(package, target, ignore=shutil.ignore_patterns("__pycache__"))
    uris = {}
    for path in sorted(target.rglob("*.py")):
        relative = str(path.relative_to(editor.root))
        uris[relative] = editor.open(relative, path.read_text(encoding="utf-8"))
    return uris


def edited(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


async def test_a_package_init_that_deletes_its_submodule_reloads(editor: Editor) -> None:
    uris = open_package(editor, Path(toolz.__file__).parent)
    main = editor.open("main.py", "import toolz.curried\n")
    first = await editor.eval(main, "toolz.curried.get(0)((1, 2))")
    assert (first["ok"], first["value"]["repr"] if first["value"] else first["error"]) == (True, "1")
    itertoolz = uris["toolz/itertoolz.py"]
    text = (editor.root / "toolz" / "itertoolz.py").read_text()
    editor.replace(itertoolz, edited(text, "def second(seq):\n", "def second(seq):\n    # edited, unsaved\n"))
    again = await editor.eval(main, "toolz.curried.get(0)((1, 2))")
    assert again["error"] is None, again["error"]["traceback"]
    assert again["value"]["repr"] == "1"


async def test_modules_another_package_makes_from_open_files_are_not_reloaded(editor: Editor) -> None:
    """tlz's import hook makes ``tlz.curried`` out of ``toolz.curried``, with toolz's file as its
    ``__file__``: it is not that open document's module, and must not run its text."""
    uris = open_package(editor, Path(toolz.__file__).parent)
    shutil.copytree(Path(toolz.__file__).parent.parent / "tlz", editor.root / "tlz")
    curried = uris["toolz/curried/__init__.py"]
    on_disk = editor.root / "toolz" / "curried" / "__init__.py"
    counted = "import builtins\nbuiltins.curried_runs = getattr(builtins, 'curried_runs', 0) + 1\n"
    on_disk.write_text(counted + on_disk.read_text())  # saved: the same text on disk and in the editor
    editor.replace(curried, on_disk.read_text())
    main = editor.open("main.py", "import tlz.curried\n")
    first = await editor.eval(main, "(curried_runs, tlz.curried.get(0)((1, 2)))")
    assert first["error"] is None, first["error"]["traceback"]
    assert first["value"]["repr"] == "(1, 1)"
    for _ in range(2):
        again = await editor.eval(main, "curried_runs")
        assert (again["ok"], again["value"]["repr"]) == (True, "1")


PRINT = "import io\nfrom rich.console import Console\nconsole = Console(file=io.StringIO(), width=40, force_jupyter=False, color_system=None)\nconsole.print('[bold]hi[/bold] there')\nconsole.file.getvalue()"


async def test_modules_reload_in_the_order_their_module_level_imports_give(editor: Editor) -> None:
    """rich imports ``Text`` inside functions and under ``if TYPE_CHECKING:`` in modules that
    ``rich.text`` imports at module level: those are not edges, or ``rich.text`` reloads after
    modules that keep the old ``Text``."""
    uris = open_package(editor, Path(rich.__file__).parent)
    main = editor.open("main.py", "")
    first = await editor.eval(main, PRINT)
    assert first["error"] is None, first["error"]["traceback"]
    assert first["value"]["repr"] == "'hi there\\n'"
    for edited_module in ("rich/style.py", "rich/text.py", "rich/segment.py"):
        text = (editor.root / edited_module).read_text()
        editor.replace(uris[edited_module], text + "\n# edited, unsaved\n")
        again = await editor.eval(main, PRINT)
        assert again["error"] is None, f"after editing {edited_module}: " + again["error"]["traceback"]
        assert again["value"]["repr"] == "'hi there\\n'"
