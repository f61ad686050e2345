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
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from . import collection, patching
from .messages import ReloadedModule
from .nameindex import Index
from .planning import CODE, VALUE, Changes, Plan
from .rereading import reanalyse
from .statements import Statement, analyse, future_flags


class Baseline:
    """A module's last executed text, its statements and their index (read when first needed)."""

    def __init__(self, text: str, statements: Optional[List[Statement]] = None, index: Optional[Index] = None) -> None:
        self.text = text
        self.statements = statements
        self.index = index


def statements_after(baseline: Baseline, text: str, filename: str, module: str, is_package: bool) -> Baseline:
    """The statements of ``text``, read from the baseline's where they are known (only the edited
    lines are parsed), else from the whole text."""
    if baseline.statements is None:
        return Baseline(text, analyse(text, filename, module, is_package))
    if text == baseline.text:
        return baseline
    previous, baseline.statements = baseline.statements, None  # reread moves some of them
    reread = reanalyse(baseline.text, previous, text, filename, module, is_package)
    index = (
        baseline.index.replaced(reread.replaced, reread.statements[reread.first : reread.tail_from])
        if baseline.index
        else None
    )
    return Baseline(text, reread.statements, index)


def update(
    module: types.ModuleType,
    baseline: Baseline,
    text: str,
    filename: str,
    is_package: bool,
    earlier: Dict[str, Changes],
    run: Callable[[types.CodeType], Any],
    report: Optional[ReloadedModule] = None,
) -> Tuple[ReloadedModule, Changes, Baseline]:
    """Bring ``module`` from ``baseline`` to ``text``. ``earlier``: what changed in the modules
    updated before it; ``run(code)`` executes a compiled statement in the module (as user code).
    Returns what to report (filled into ``report`` when given), what changed here, and the
    baseline of the next update. A statement that raises stops the update (the exception
    propagates; ``report`` then says what was done, the failed statement last in ``rerun``;
    ``baseline`` is no longer usable: the next update reads the text it last ran again)."""
    collecting = gc.isenabled()
    if report is None:
        report = {"module": module.__name__, "patched": [], "rerun": []}
    reasons: List[str] = []
    try:
        with collection.paused():  # tens of thousands of small objects are made here, none garbage
            changes, fresh = _update(
                module,
                baseline,
                text,
                filename,
                is_package,
                earlier,
                collection.as_user_left_it(run, collecting),
                report,
                reasons,
            )
    finally:
        report["rerun"] = sorted(set(report["rerun"]))
        if reasons:
            report["reason"] = "; ".join(dict.fromkeys(reasons))
    return report, changes, fresh


def _update(
    module: types.ModuleType,
    baseline: Baseline,
    text: str,
    filename: str,
    is_package: bool,
    earlier: Dict[str, Changes],
    run: Callable[[types.CodeType], Any],
    report: ReloadedModule,
    reasons: List[str],
) -> Tuple[Changes, Baseline]:
    name = module.__name__
    namespace = module.__dict__
    if baseline.statements is None:
        baseline.statements = analyse(baseline.text, filename, name, is_package)
        baseline.index = None
    old_index = baseline.index or Index.of(baseline.statements)
    if text == baseline.text:
        new, first, tail_from, lines = baseline.statements, 0, 0, 0
        replaced: List[Statement] = []
        index = old_index
    else:
        previous, baseline.statements = baseline.statements, None  # reread moves some of them
        new, first, tail_from, lines, replaced = reanalyse(baseline.text, previous, text, filename, name, is_package)
        index = old_index.replaced(replaced, new[first:tail_from])
    plan = Plan(text, old_index, new, index, first, tail_from, replaced, earlier)
    flags = future_flags(new)
    for gone in plan.removed_definitions():
        namespace.pop(gone, None)
    for gone in plan.unbound():
        plan.changed(gone, VALUE)
    done: Set[int] = set()

    def execute(position: int) -> None:
        report["rerun"].append(new[position].first)
        run(_compiled(new[position], filename, flags))
        done.add(position)
        plan.ran(position)

    for position in plan.candidates():
        statement, old = new[position], plan.partner(position)
        if old is not None and not plan.needs(position, reasons):
            if old is not statement and statement.definition in namespace:  # moved within the edited part
                patching.shift(namespace[statement.definition], statement.first - old.first)
            continue
        for earlier_position in plan.restore(position):
            execute(earlier_position)
        done.add(position)
        before = _ABSENT
        if statement.definition is not None and plan.defined_once(statement.definition):
            before = namespace.get(statement.definition, _ABSENT)
        if before is _ABSENT:
            execute(position)
        else:
            assert statement.definition is not None
            try:
                run(_compiled(statement, filename, flags))
            except BaseException:
                report["rerun"].append(statement.first)  # (it failed: reported as run again)
                raise
            outcome = patching.patch(statement.definition, before, namespace.get(statement.definition))
            reasons.extend(outcome.notes)
            if outcome.ok:
                namespace[statement.definition] = before
                report["patched"].append(statement.definition)
                plan.held_by(position)
                plan.changed(statement.definition, VALUE if outcome.values_changed else CODE)
            else:
                reasons.append(outcome.reason or f"{statement.definition} re-ran")
                report["rerun"].append(statement.first)
                plan.ran(position)
        if statement.star is not None:
            for changed_name, kind in earlier.get(statement.star, {}).items():
                plan.changed(changed_name, kind)
    if lines:  # the definitions after the edited part moved: so do the line numbers of their code
        for position in range(tail_from, len(new)):
            definition = new[position].definition
            if position not in done and definition is not None and definition in namespace:
                patching.shift(namespace[definition], lines)
    return plan.changes, Baseline(text, new, index)


_ABSENT = object()


def _compiled(statement: Statement, filename: str, flags: int) -> types.CodeType:
    tree = ast.Module(body=[statement.node], type_ignores=[])
    code: types.CodeType = compile(tree, filename, "exec", flags=flags, dont_inherit=True)
    return code
