"""The worker's doctest run, in this process: doctest's per-docstring debugger is made only
when an example calls it, and an example that does gets doctest's own debugger."""

from __future__ import annotations

import doctest
import io
import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest

from evalens.text import docstrings
from evalens.worker import doctests
from evalens.worker.doctestmessages import DoctestOutcome, doctest_action

SOURCE = '''\
def quiet():
    """
    >>> 1 + 1
    2
    """


def debugged():
    """
    >>> import pdb; x = 5; pdb.set_trace(); x + 1
    6
    >>> x * 2
    10
    """
'''


@pytest.fixture
def module() -> Iterator[types.ModuleType]:
    made = types.ModuleType("evalens_test_doctest_runner")
    made.__file__ = "evalens_test_doctest_runner.py"
    exec(compile(SOURCE, made.__file__, "exec"), made.__dict__)
    sys.modules[made.__name__] = made
    yield made
    del sys.modules[made.__name__]


def run(module: types.ModuleType, only: int | None = None) -> DoctestOutcome:
    found = docstrings.find(SOURCE) or []
    infos = [{"name": docstring.name, "documentLines": list(docstring.lines)} for docstring in found]
    outcome: DoctestOutcome = {"passed": 0, "failed": 0, "skipped": 0, "examples": []}
    doctests.run(module, doctest_action(infos, only), outcome)  # type: ignore[arg-type]
    return outcome


def test_a_docstring_that_never_calls_the_debugger_never_makes_one(
    module: types.ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[Any] = []
    own = doctest._OutputRedirectingPdb  # type: ignore[attr-defined]

    class Counted(own):  # type: ignore[misc, valid-type]
        def __init__(self, out: Any) -> None:
            made.append(out)
            super().__init__(out)

    monkeypatch.setattr(doctest, "_OutputRedirectingPdb", Counted)
    outcome = run(module, only=0)
    assert (outcome["passed"], outcome["failed"], made) == (1, 0, [])
    assert doctest._OutputRedirectingPdb is Counted  # type: ignore[attr-defined]  # put back after the run


def test_an_example_that_calls_pdb_gets_doctests_debugger(
    module: types.ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("p x\ncontinue\n"))
    outcome = run(module, only=1)
    assert [(example["source"], example["ok"]) for example in outcome["examples"]] == [
        ("import pdb; x = 5; pdb.set_trace(); x + 1\n", True),
        ("x * 2\n", True),
    ]
    shown = capsys.readouterr().out  # the debugger talks on the real stdout, as under doctest
    assert "(Pdb) 5\n(Pdb) " in shown
