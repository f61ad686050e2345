"""The rule cell runs build on: a cell run does not bring its own document up to date.

In a document with cell markers, what runs there is what the user runs: the engine's
``cell`` runs leave that document's module as it is (an empty one when it is not loaded
yet), now and in every later run of that interpreter, and bring up to date only the
modules it imports. Driven through the engine and a
real interpreter, since the command that uses it (``evalens.runCell``) comes with cells.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from evalens.execution.engine import Engine
from evalens.execution.results import Result
from evalens.settings import Settings
from evalens.text.documents import Document, DocumentStore
from evalens.text.modnames import Project
from evalens.worker import messages

NOTEBOOK = """\
import helpers
print("the whole file ran")
# %%
counter = 0
# %%
counter += helpers.STEP
counter
"""


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    root = str(tmp_path)
    running = Engine(DocumentStore([root]), Project([root], [root]), Settings(trusted=True))
    yield running
    await running.shutdown()


def open_document(engine: Engine, path: Path, text: str) -> Document:
    return engine.store.set(path.as_uri(), text)


def lines(text: str, first: int, last: int) -> str:
    return "".join(text.splitlines(keepends=True)[first : last + 1])


async def run_cell(engine: Engine, doc: Document, first: int, last: int) -> Result:
    code = lines(doc.text, first, last)
    return await engine.run(doc, messages.eval_action(code, str(doc.module.path), first), cell=True)


async def test_a_first_cell_run_starts_from_an_empty_module_and_runs_only_the_cell(
    engine: Engine, tmp_path: Path
) -> None:
    open_document(engine, tmp_path / "helpers.py", "STEP = 1\n")
    doc = open_document(engine, tmp_path / "notebook.py", NOTEBOOK)
    first = await run_cell(engine, doc, 3, 3)
    assert (first["ok"], first["stdout"], first["reloaded"]) == (True, "", [])
    probe = messages.eval_action("(__name__, __file__, 'helpers' in dir())")
    names = await engine.run(doc, probe, cell=True)
    assert names["value"] == {"repr": repr(("notebook", str(tmp_path / "notebook.py"), False)), "type": "tuple"}


async def test_an_edit_of_the_cell_document_is_not_run_but_an_edit_of_what_it_imports_is(
    engine: Engine, tmp_path: Path
) -> None:
    helpers = open_document(engine, tmp_path / "helpers.py", "STEP = 1\n")
    doc = open_document(engine, tmp_path / "notebook.py", NOTEBOOK)
    await run_cell(engine, doc, 0, 1)
    await run_cell(engine, doc, 3, 3)
    await run_cell(engine, doc, 5, 6)
    engine.store.set(helpers.uri, "STEP = 10\n")
    doc = open_document(engine, tmp_path / "notebook.py", NOTEBOOK.replace("counter = 0", "counter = 100"))
    after = await run_cell(engine, doc, 5, 6)
    assert (after["value"], after["stdout"]) == ({"repr": "11", "type": "int"}, "")
    assert after["reloaded"] == [{"module": "helpers", "patched": [], "rerun": [0]}]


async def test_a_later_run_that_is_not_a_cell_run_does_not_run_the_document_either(
    engine: Engine, tmp_path: Path
) -> None:
    """Its text runs only cell by cell (SPEC), until a fresh interpreter."""
    open_document(engine, tmp_path / "helpers.py", "STEP = 1\n")
    doc = open_document(engine, tmp_path / "notebook.py", NOTEBOOK)
    await run_cell(engine, doc, 0, 0)
    plain = await engine.run(doc, messages.eval_action("'counter' in dir(), helpers.STEP"))
    assert (plain["value"], plain["stdout"], plain["reloaded"]) == ({"repr": "(False, 1)", "type": "tuple"}, "", [])
    await engine.restart()
    fresh = await engine.run(doc, messages.eval_action("counter"))
    assert (fresh["value"], fresh["stdout"]) == ({"repr": "1", "type": "int"}, "the whole file ran\n")
