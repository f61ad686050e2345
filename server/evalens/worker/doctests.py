"""A document's docstring examples, run by the stdlib's own ``doctest`` in the live session.

What runs and how it is judged is doctest's: ``DocTestFinder`` finds the module's docstrings
as ``doctest.testmod`` does (each docstring's examples in a fresh copy of the module's
globals, docstrings in doctest's order), ``DocTestRunner`` runs them (its option directives,
its ``OutputChecker``, its exception matching). This module only records each example's
outcome, through the runner's reporting hooks, and puts it on its document line: the server
sends each docstring's name and the document line of each of its lines (``DocstringInfo``).

A docstring the server asks for alone that doctest would not find (a function defined in a
branch not taken) is parsed and run all the same: the user asked for it.
"""

from __future__ import annotations

import sys
import traceback
import types
from typing import Any, Dict, List, Optional, Tuple

from .doctestmessages import DocstringInfo, DoctestAction, DoctestOutcome, ExampleOutcome
from .messages import RunResult, ok_result
from .running import Runner

_HEADER = "Traceback (most recent call last):\n"
#: the class ``DocTestRunner.run`` makes each docstring's debugger of (doctest's own, private)
_DEBUGGER = "_OutputRedirectingPdb"


def run_result(module: types.ModuleType, action: DoctestAction, runner: Runner) -> RunResult:
    """The run's Result: ok once the examples have run (whatever their outcome), with each
    example's outcome; an error (an interrupt) keeps those that ran."""
    outcome: DoctestOutcome = {"passed": 0, "failed": 0, "skipped": 0, "examples": []}
    try:
        with runner.guard.user_code():
            run(module, action, outcome)
    except BaseException as exc:  # user code may raise anything while doctest finds its tests
        result = runner.error(exc)
    else:
        result = ok_result()
    result["doctest"] = outcome
    return result


def run(module: types.ModuleType, action: DoctestAction, outcome: DoctestOutcome) -> None:
    """Run the examples ``action`` asks for, adding each one's outcome to ``outcome`` as it ends
    (an interrupt leaves those that ran)."""
    import doctest

    runner = _Recorder(doctest, outcome)
    made = getattr(doctest, _DEBUGGER, None)
    if made is not None:  # each docstring's debugger made when an example asks for it
        setattr(doctest, _DEBUGGER, _debugger_on_demand(made))
    try:
        for test, info in _chosen_tests(doctest, module, action):
            runner.place(test, info)
            runner.run(test, clear_globs=True)
            runner.finish(test)
    finally:
        if made is not None:
            setattr(doctest, _DEBUGGER, made)
        outcome["examples"].sort(key=lambda entry: entry["line"])  # doctest runs them by name


def _debugger_on_demand(made: Any) -> Any:
    """What ``DocTestRunner.run`` makes for each docstring in place of its debugger
    (``made``, for an example's ``pdb.set_trace()``): one that makes that debugger when an
    example first calls it. Making and resetting one cost more than a quarter of a
    docstring's time (``Bdb.reset`` checks every file ``linecache`` holds against the disk),
    for a debugger hardly any example calls; until one does, doctest's own does nothing
    after each example either (its ``set_continue`` acts only once it has been used)."""

    class DebuggerOnDemand:
        def __init__(self, out: Any) -> None:
            self.out = out
            self.debugger: Any = None

        def reset(self) -> None:
            """Done when the debugger is made."""

        def set_trace(self, frame: Any = None) -> None:
            if self.debugger is None:
                self.debugger = made(self.out)
                self.debugger.reset()
            self.debugger.set_trace(frame if frame is not None else sys._getframe().f_back)

        def set_continue(self) -> None:
            if self.debugger is not None:
                self.debugger.set_continue()

    return DebuggerOnDemand


def _chosen_tests(
    doctest: Any, module: types.ModuleType, action: DoctestAction
) -> List[Tuple[Any, Optional[DocstringInfo]]]:
    """doctest's tests of the module, each with the editor's docstring it comes from."""
    name = module.__name__
    found = doctest.DocTestFinder().find(module, name)
    statics = action["docstrings"]
    unclaimed: Dict[Tuple[str, int], List[int]] = {}  # (name, line count) -> the docstrings', in order
    for index, info in enumerate(statics):
        unclaimed.setdefault((info["name"], len(info["documentLines"])), []).append(index)
    paired: List[Tuple[Any, Optional[int]]] = []
    for test in found:
        relative = test.name[len(name) + 1 :] if test.name.startswith(name + ".") else ""
        lines = test.docstring.count("\n") + 1 if test.docstring is not None else -1
        candidates = unclaimed.get((relative, lines))
        paired.append((test, candidates.pop(0) if candidates else None))
    only = action["only"]
    if only is None:
        return [(test, None if index is None else statics[index]) for test, index in paired]
    chosen: List[Tuple[Any, Optional[DocstringInfo]]] = [
        (test, statics[only]) for test, index in paired if index == only
    ]
    if not chosen:
        chosen = [(_parsed(doctest, module, statics[only]), statics[only])]
    return chosen


def _parsed(doctest: Any, module: types.ModuleType, info: DocstringInfo) -> Any:
    """The docstring as a test, from the live object it documents (its ``__doc__``)."""
    target: Any = module
    for part in info["name"].split(".") if info["name"] else []:
        target = vars(target).get(part) if hasattr(target, "__dict__") else None
    text = getattr(target, "__doc__", None) if target is not None else None
    if not isinstance(text, str):
        raise LookupError(
            f"{module.__name__}.{info['name']} is not defined in the session (its definition did not run); "
            "run the code that defines it, then its examples"
        )
    filename = getattr(module, "__file__", None)
    name = f"{module.__name__}.{info['name']}" if info["name"] else module.__name__
    return doctest.DocTestParser().get_doctest(text, module.__dict__.copy(), name, filename, None)


class _Recorder:
    """A ``DocTestRunner`` that keeps each example's outcome instead of printing a report."""

    def __init__(self, doctest: Any, outcome: DoctestOutcome) -> None:
        recorder = self
        remembered = {"output": ""}

        class Output(doctest._SpoofOut):  # type: ignore[misc]
            """doctest's capture of what an example prints, remembering its last value: an
            unexpected exception's report is not given it."""

            def getvalue(self) -> str:
                value: str = super().getvalue()
                remembered["output"] = value
                return value

        class Runner(doctest.DocTestRunner):  # type: ignore[misc]
            def report_start(self, out: Any, test: Any, example: Any) -> None:
                pass

            def report_success(self, out: Any, test: Any, example: Any, got: str) -> None:
                recorder.record(example, True, remembered["output"], got)

            def report_failure(self, out: Any, test: Any, example: Any, got: str) -> None:
                recorder.record(example, False, remembered["output"], got)

            def report_unexpected_exception(self, out: Any, test: Any, example: Any, exc_info: Any) -> None:
                text = "".join(traceback.format_exception(*exc_info))
                recorder.record(example, False, remembered["output"], remembered["output"] + text)

        #: the frame of doctest's own ``exec`` in an example's traceback
        self.own_frame = f'  File "{doctest.__file__}", '

        self.doctest = doctest
        self.runner = Runner(verbose=False, optionflags=0)
        self.runner._fakeout = Output()
        self.outcome = outcome
        self.recorded: Dict[int, ExampleOutcome] = {}
        self.lines: List[int] = []
        self.start = 0

    def place(self, test: Any, info: Optional[DocstringInfo]) -> None:
        """Where ``test``'s lines are in the document; every example reporting (doctest stops
        reporting after a first failure under REPORT_ONLY_FIRST_FAILURE)."""
        self.lines = list(info["documentLines"]) if info is not None else []
        self.start = test.lineno or 0
        self.recorded = {}
        for example in test.examples:
            example.options.pop(self.doctest.REPORT_ONLY_FIRST_FAILURE, None)

    def run(self, test: Any, clear_globs: bool) -> None:
        self.runner.run(test, clear_globs=clear_globs)

    def line_of(self, example: Any) -> int:
        number: int = example.lineno
        return self.lines[number] if number < len(self.lines) else self.start + number

    def record(self, example: Any, ok: bool, output: str, got: str) -> None:
        entry: ExampleOutcome = {
            "line": self.line_of(example),
            "source": example.source,
            "want": example.want,
            "got": got,
            "ok": ok,
            "skipped": False,
        }
        raised = got[len(output) :] if len(got) != len(output) and got.startswith(output) else ""
        if raised:
            entry["got"] = output + expected_form(raised)
            if not ok:  # what went wrong, in full; an exception that was expected needs no explaining
                entry["traceback"] = without_frame(raised, self.own_frame)
        self.recorded[id(example)] = entry
        self.outcome["passed" if ok else "failed"] += 1
        self.outcome["examples"].append(entry)

    def finish(self, test: Any) -> None:
        """The examples that did not run (skipped, or after a failure under FAIL_FAST), in place."""
        if len(self.recorded) == len(test.examples):  # every example ran, and reported in order
            return
        examples = self.outcome["examples"]
        ran = [self.recorded[id(example)] for example in test.examples if id(example) in self.recorded]
        del examples[len(examples) - len(ran) :]
        for example in test.examples:
            entry = self.recorded.get(id(example))
            if entry is None:
                entry = {
                    "line": self.line_of(example),
                    "source": example.source,
                    "want": example.want,
                    "got": "",
                    "ok": False,
                    "skipped": True,
                }
                self.outcome["skipped"] += 1
            examples.append(entry)


def without_frame(traceback_text: str, frame: str) -> str:
    """The traceback without the frame whose ``File`` line starts with ``frame`` (and its
    source lines)."""
    kept: List[str] = []
    dropping = False
    for line in traceback_text.splitlines(keepends=True):
        if line.startswith("  File "):
            dropping = line.startswith(frame)
        elif not line.startswith("    "):
            dropping = False
        if not dropping:
            kept.append(line)
    return "".join(kept)


def expected_form(traceback_text: str) -> str:
    """An exception as a doctest expects it: the header, ``...`` for the stack, and the
    exception's own lines (its type, message and notes) from its traceback's last part."""
    start = traceback_text.rfind(_HEADER)
    lines = traceback_text[start + len(_HEADER) if start >= 0 else 0 :].splitlines(keepends=True)
    own = 0
    while own < len(lines) and lines[own][:1] in (" ", "\t"):
        own += 1
    return _HEADER + "    ...\n" + "".join(lines[own:])
