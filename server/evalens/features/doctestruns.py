"""``evalens.doctest``: the examples of one docstring, or of every docstring of a document,
run by the stdlib's doctest in the live session after the usual reload from unsaved text
(``worker/doctests``), each example's outcome answered and kept for lenses and diagnostics
(``doctests.DoctestFeatures``).
"""

from __future__ import annotations

from typing import Any

from pygls.exceptions import JsonRpcInvalidParams

from ..execution import requests
from ..execution.results import Result
from ..text import docstrings
from ..text.docstrings import Docstring
from ..worker.doctestmessages import DocstringInfo, ExampleOutcome, doctest_action
from .runs import Runs, refused


class DoctestResult(Result, total=False):
    passed: int
    failed: int
    skipped: int
    examples: list[ExampleOutcome]


async def run_doctest(runs: Runs, args: tuple[Any, ...]) -> DoctestResult:
    request, doc = await runs.prepare("evalens.doctest", requests.parse_doctest, args)
    features = runs.host.doctests
    found = features.docstrings(doc)
    only: int | None = None
    if request.line is not None:
        # The text may not parse: its reload then says why; the docstring is found where it was.
        chosen = docstrings.at_line(found if found is not None else features.last_found(doc.uri), request.line)
        if chosen is None:
            raise _in_no_docstring(request.line, found or [])
        found = found or [chosen]
        only = found.index(chosen)
    found = found or []
    action = doctest_action([_info(docstring) for docstring in found], only)
    result = await runs.run(doc, action)
    outcome = result.pop("doctest", None)
    if outcome is None:  # the examples did not run: the reload failed, or the interpreter ended
        outcome = {"passed": 0, "failed": 0, "skipped": 0, "examples": []}
    else:
        ran = found if only is None else [found[only]]
        recorded = outcome  # the answer first; the diagnostics and lenses right after it
        runs.after_response(lambda: features.record(doc, ran, recorded, whole=only is None))
    runs.after_response(runs.host.refresh.lenses)
    answered: Result = result  # without its doctest outcome now, which goes in as the fields below
    answer: DoctestResult = {**answered, **outcome}
    return answer


def _info(docstring: Docstring) -> DocstringInfo:
    return {"name": docstring.name, "documentLines": list(docstring.lines)}


def _in_no_docstring(line: int, found: list[Docstring]) -> JsonRpcInvalidParams:
    starts = ", ".join(str(docstring.line) for docstring in found[:10]) or "none: no docstring holds >>> examples"
    return refused(
        f"evalens.doctest: line {line} is in no docstring with examples; pass a line of one, here lines {starts}, "
        "or no `line` to run every docstring",
        "noDocstring",
        docstrings=[docstring.line for docstring in found],
    )
