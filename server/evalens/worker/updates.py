"""Bringing a loaded module up to date by re-running only what changed and what depends on it.

``update`` compares the statements of the text a module last ran with those of
its new text. A statement whose text is unchanged (wherever it moved) is not
run again; a new or changed one runs, in text order, in the module's existing
namespace. A ``def`` or ``class`` that runs again and had an object before is
patched into that object (``patching``), so its identity is kept: it then counts
as changed only for the statements that call it. Every other statement that runs
rebinds its names, and each later statement that reads one of them, or calls a
function or class whose body does (transitively), runs again too. Changes in
modules updated before this one (``Changes``) reach it through its imports. A
definition removed from the text is removed from the namespace.

How a name bound by several statements ends as the text leaves it, and how a big
module is looked at through its text, is ``planning``'s.

What no reading can follow (``exec``, ``globals()``, a star import, a call of
something without a name) re-runs whenever something changed that it could
see, and says so in ``reason``.
"""

from __future__ import annotations

import ast
import gc
import types
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import patching
from .messages import ReloadedModule
from .planning import CODE, VALUE, Changes, Plan
from .rereading import reanalyse
from .statements import Statement, analyse, future_flags


class Baseline:
    """A module's last executed text and its statements (analysed when first needed)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.statements: Optional[List[Statement]] = None


def statements_after(baseline: Baseline, text: str, filename: str, module: str, is_package: bool) -> List[Statement]:
    """The statements of ``text``, read from the baseline's where they are known (only the edited
    lines are parsed), else from the whole text."""
    if baseline.statements is None:
        return analyse(text, filename, module, is_package)
    if text == baseline.text:
        return baseline.statements
    previous, baseline.statements = baseline.statements, None  # reanalyse moves some of them
    return reanalyse(baseline.text, previous, text, filename, module, is_package)[0]


def update(
    module: types.ModuleType,
    baseline: Baseline,
    text: str,
    filename: str,
    is_package: bool,
    earlier: Dict[str, Changes],
    run: Callable[[types.CodeType], Any],
) -> Tuple[ReloadedModule, Changes, List[Statement]]:
    """Bring ``module`` from ``baseline`` to ``text``. ``earlier``: what changed in the modules
    updated before it; ``run(code)`` executes a compiled statement in the module (as user code).
    Returns what to report, what changed here, and the new text's statements (the next baseline).
    A statement that raises stops the update (the exception propagates)."""
    collecting = gc.isenabled()
    gc.disable()  # tens of thousands of small objects are made here: no collection pass over them
    try:
        return _update(module, baseline, text, filename, is_package, earlier, run)
    finally:
        if collecting:
            gc.enable()


def _update(
    module: types.ModuleType,
    baseline: Baseline,
    text: str,
    filename: str,
    is_package: bool,
    earlier: Dict[str, Changes],
    run: Callable[[types.CodeType], Any],
) -> Tuple[ReloadedModule, Changes, List[Statement]]:
    name = module.__name__
    namespace = module.__dict__
    if baseline.statements is None:
        baseline.statements = analyse(baseline.text, filename, name, is_package)
    previous = list(baseline.statements)
    if text == baseline.text:
        new, unchanged, tail_from, lines = previous, dict(enumerate(previous)), len(previous), 0
    else:
        baseline.statements = None  # reanalyse moves some of them: they are the new text's now
        new, unchanged, tail_from, lines = reanalyse(baseline.text, previous, text, filename, name, is_package)
    plan = Plan(previous, new, unchanged, earlier)
    flags = future_flags(new)
    report: ReloadedModule = {"module": name, "patched": [], "rerun": []}
    reasons: List[str] = []
    for gone in plan.removed_definitions():
        namespace.pop(gone, None)
    for gone in plan.unbound():
        plan.changed(gone, VALUE)

    def execute(position: int) -> None:
        run(_compiled(new[position], filename, flags))
        report["rerun"].append(new[position].first)
        plan.ran(position)

    for index, (statement, old) in enumerate(plan.pairs):
        plan.note(statement)
        if old is not None and not plan.needs(index, reasons):
            # the line numbers of its code: those after the edited part moved by ``lines``
            moved = (lines if index >= tail_from else 0) if old is statement else statement.first - old.first
            if moved and statement.definition is not None and statement.definition in namespace:
                patching.shift(namespace[statement.definition], moved)
            continue
        for position in plan.restore(index):
            execute(position)
        before = _ABSENT
        if statement.definition is not None and plan.defined_once(statement.definition):
            before = namespace.get(statement.definition, _ABSENT)
        if before is _ABSENT:
            execute(index)
        else:
            assert statement.definition is not None
            run(_compiled(statement, filename, flags))
            outcome = patching.patch(statement.definition, before, namespace.get(statement.definition))
            reasons.extend(outcome.notes)
            if outcome.ok:
                namespace[statement.definition] = before
                report["patched"].append(statement.definition)
                plan.held_by(index)
                plan.changed(statement.definition, VALUE if outcome.values_changed else CODE)
            else:
                reasons.append(outcome.reason or f"{statement.definition} re-ran")
                report["rerun"].append(statement.first)
                plan.ran(index)
        if statement.star is not None:
            for changed_name, kind in earlier.get(statement.star, {}).items():
                plan.changed(changed_name, kind)
    report["rerun"] = sorted(set(report["rerun"]))
    if reasons:
        report["reason"] = "; ".join(dict.fromkeys(reasons))
    return report, plan.changes, new


_ABSENT = object()


def _compiled(statement: Statement, filename: str, flags: int) -> types.CodeType:
    tree = ast.Module(body=[statement.node], type_ignores=[])
    code: types.CodeType = compile(tree, filename, "exec", flags=flags, dont_inherit=True)
    return code
