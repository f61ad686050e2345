"""The messages of a doctest run (``evalens.doctest``): what the server asks
(``DoctestAction``, with the editor's docstrings) and what each example came to
(``DoctestOutcome``, in the run's ``RunResult``). Shared by the server and the worker as
``messages`` is: stdlib-only, CPython 3.9+.
"""

from __future__ import annotations

from typing import Final, List, Literal, Optional, TypedDict

ACTION_DOCTEST: Final = "doctest"  # run a document's docstring examples, as doctest does


class DocstringInfo(TypedDict):
    """A docstring with examples as the editor's text has it (``text.docstrings``)."""

    name: str  # doctest's name for it, without the module's: "Class.method"; "" for the module's
    documentLines: List[int]  # the document line of each line of its value


class DoctestAction(TypedDict):
    kind: Literal["doctest"]
    docstrings: List[DocstringInfo]  # the document's docstrings with examples
    only: Optional[int]  # the one (an index of ``docstrings``) to run; None: all doctest finds


def doctest_action(docstrings: List[DocstringInfo], only: Optional[int]) -> DoctestAction:
    return {"kind": ACTION_DOCTEST, "docstrings": docstrings, "only": only}


class _ExampleFields(TypedDict):
    line: int  # the document line of its ``>>>``
    source: str
    want: str
    got: str  # what it printed; for an exception, as doctest expects it (header, ``...``, message)
    ok: bool
    skipped: bool


class ExampleOutcome(_ExampleFields, total=False):
    traceback: str  # the exception's whole traceback, when a failing example raised one


class DoctestOutcome(TypedDict):
    passed: int
    failed: int
    skipped: int
    examples: List[ExampleOutcome]
