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

A name bound by more than one statement holds, in the namespace, the value of
one of them (``_Plan.holder``). A statement that runs again must see each name
it reads as it was at its place in the text, so the binder before it runs again
first when the name holds another binder's value; and a binder reached while
its name holds an earlier value runs again, so every name ends as the text
leaves it.

What no reading can follow (``exec``, ``globals()``, a star import, a call of
something without a name) re-runs whenever something changed that it could
see, and says so in ``reason``.
"""

from __future__ import annotations

import ast
import types
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from . import patching
from .messages import ReloadedModule
from .statements import Statement, analyse

#: what changed in a module: name -> VALUE (rebound) or CODE (same object, new code);
#: EVERYTHING as a name means all of it (the module ran whole)
Changes = Dict[str, str]
VALUE = "value"
CODE = "code"
EVERYTHING = "*"
UNKNOWN = -1  # a name's holder when no statement of the new text is known to hold it


class Baseline:
    """A module's last executed text and its statements (analysed when first needed)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.statements: Optional[List[Statement]] = None


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
    name = module.__name__
    namespace = module.__dict__
    if baseline.statements is None:
        baseline.statements = analyse(baseline.text, filename, name, is_package)
    new = analyse(text, filename, name, is_package) if text != baseline.text else baseline.statements
    plan = _Plan(baseline.statements, new, earlier)
    report: ReloadedModule = {"module": name, "patched": [], "rerun": []}
    reasons: List[str] = []
    for gone in plan.removed_definitions():
        namespace.pop(gone, None)
        plan.changed(gone, VALUE)

    def execute(position: int) -> None:
        run(_compiled(new[position], filename))
        report["rerun"].append(new[position].first)
        plan.ran(position)

    for index, (statement, old) in enumerate(plan.pairs):
        plan.note(statement)
        if old is not None and not plan.needs(index, reasons):
            if statement.first != old.first and statement.definition is not None:
                patching.shift(namespace.get(statement.definition), statement.first - old.first)
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
            run(_compiled(statement, filename))
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


def _compiled(statement: Statement, filename: str) -> types.CodeType:
    tree = ast.Module(body=[statement.node], type_ignores=[])
    return compile(tree, filename, "exec", dont_inherit=True)


class _Plan:
    """Which statements of the new text run, decided in text order as changes accumulate."""

    def __init__(self, old: List[Statement], new: List[Statement], earlier: Dict[str, Changes]) -> None:
        self.old = old
        self.new = new
        self.earlier = earlier
        self.changes: Changes = {}
        self.functions: Dict[str, Statement] = {}  # the latest def/class statement of each name so far
        self.pairs = self._match()
        #: name -> the positions (in ``new``) of the statements that bind it
        self.binders: Dict[str, List[int]] = _binders(new)
        self.old_binders: Dict[str, List[int]] = _binders(old)
        self.old_positions = {id(statement): position for position, statement in enumerate(old)}
        self.matched_old = {id(partner) for _, partner in self.pairs if partner is not None}
        #: name -> the position of the statement whose value it holds now
        self.holder: Dict[str, int] = {}
        matched = {id(old): index for index, (_, old) in enumerate(self.pairs) if old is not None}
        for bound, positions in self.old_binders.items():
            if bound in self.binders:
                self.holder[bound] = matched.get(id(old[positions[-1]]), UNKNOWN)

    def _match(self) -> List[Tuple[Statement, Optional[Statement]]]:
        """Each new statement with the old one of the same text (None: new or changed)."""
        unused: Dict[str, List[Statement]] = {}
        for statement in self.old:
            unused.setdefault(statement.text, []).append(statement)
        pairs = []
        for statement in self.new:
            same = unused.get(statement.text)
            pairs.append((statement, same.pop(0) if same else None))
        return pairs

    def changed(self, name: str, kind: str) -> None:
        if self.changes.get(name) != VALUE:
            self.changes[name] = kind

    def removed_definitions(self) -> List[str]:
        """Names defined by a ``def``/``class`` of the old text that nothing in the new text binds."""
        return [s.definition for s in self.old if s.definition is not None and s.definition not in self.binders]

    def defined_once(self, name: str) -> bool:
        """Only one statement binds ``name``, in the old text and in the new: the object bound to
        it is that definition's, and may be patched. (With a second ``def f``, or another binding,
        which object is whose cannot be told: it runs again and makes a new one, as Python does.)"""
        return len(self.binders.get(name, ())) == 1 and len(self.old_binders.get(name, ())) == 1

    def note(self, statement: Statement) -> None:
        """The statement is reached (in text order): its definition is the one later calls use."""
        if statement.definition is not None:
            self.functions[statement.definition] = statement

    def ran(self, index: int) -> None:
        """The statement at ``index`` ran again: its names changed, and hold its values."""
        for bound in self.new[index].binds:
            self.changed(bound, VALUE)
        self.held_by(index)

    def held_by(self, index: int) -> None:
        for bound in self.new[index].binds:
            self.holder[bound] = index

    # -- what must run ---------------------------------------------------------------------

    def needs(self, index: int, reasons: List[str]) -> bool:
        """Whether the unchanged statement at ``index`` must run again, given the changes so far."""
        statement = self.new[index]
        if any(self.holder.get(bound, index) < index for bound in statement.binds):
            return True  # its name holds an earlier binder's value: this one must follow
        for local, (source, imported) in statement.imports.items():
            external = self.earlier.get(source)
            if external is None or not imported:  # `import m`: m's changes reach readers of `m.name`
                continue
            kind = external.get(imported) or external.get(EVERYTHING)
            if kind == VALUE:
                return True
            if kind == CODE:
                self.changed(local, CODE)
        if statement.star is not None and statement.star in self.earlier:
            reasons.append(f"line {statement.first + 1}: `from {statement.star} import *` re-runs when it changes")
            return True
        if statement.dynamic is not None and (self.changes or any(self.earlier.values())):
            reasons.append(f"line {statement.first + 1}: {statement.dynamic} may use any name, so it re-ran")
            return True
        if any(self._reads_changed_value(name) for name in statement.reads):
            return True
        if statement.opaque and self._some_call_changed():
            reasons.append(f"line {statement.first + 1}: it calls something only known when it runs, and that changed")
            return True
        if any(self._calls_changed(name, set()) for name in statement.calls):
            return True
        return self._moved_past_a_binder(index)

    def _moved_past_a_binder(self, index: int) -> bool:
        """The statement moved to the other side of a statement binding a name it reads: it saw
        another value there."""
        old = self.pairs[index][1]
        assert old is not None
        old_index = self.old_positions[id(old)]
        for name in self._reads_through(self.new[index]):
            now = [p for p in self.binders.get(name, ()) if p < index][-1:]
            then = [p for p in self.old_binders.get(name, ()) if p < old_index][-1:]
            if not now and not then:
                continue
            if not now or not then:
                return True
            partner = self.pairs[now[0]][1]
            if partner is not None and partner is not self.old[then[0]]:
                return True  # another unchanged statement binds it before this one now
            if partner is None and id(self.old[then[0]]) in self.matched_old:
                return True  # a new statement binds it before this one, in front of the old binder
        return False

    def restore(self, index: int) -> List[int]:
        """What runs again before the statement at ``index``, in order: for each name it reads
        (directly or through the functions it calls) that holds another binder's value than the
        one before it in the text, that binder, after what it needs in turn."""
        order: List[int] = []
        self._satisfy(index, order, set())
        return order

    def _satisfy(self, index: int, order: List[int], busy: Set[int]) -> None:
        busy.add(index)
        while True:
            missing = [
                want
                for name, want in sorted(self._wanted(index).items())
                if self.holder.get(name, UNKNOWN) != want and want not in busy
            ]
            if not missing:
                return
            position = missing[0]
            self._satisfy(position, order, busy)
            order.append(position)
            self.held_by(position)  # scheduled: it runs before ``index``

    def _wanted(self, index: int) -> Dict[str, int]:
        """Each name the statement at ``index`` reads that this module binds -> the position of
        the last statement before it that binds it (the value it must see)."""
        wanted: Dict[str, int] = {}
        for name in self._reads_through(self.new[index]):
            before = [position for position in self.binders.get(name, ()) if position < index]
            if before:
                wanted[name] = before[-1]
        return wanted

    def _reads_through(self, statement: Statement) -> Set[str]:
        reads = set(statement.reads)
        todo = list(statement.calls)
        if statement.opaque:  # it may call any of them
            todo.extend(self.functions)
        seen: Set[str] = set()
        while todo:
            called = todo.pop()
            if called in seen:
                continue
            seen.add(called)
            definition = self.functions.get(called)
            if definition is not None:
                reads |= definition.body_reads
                todo.extend(definition.body_calls)
                if definition.body_opaque:
                    todo.extend(self.functions)
        return reads

    # -- what changed ----------------------------------------------------------------------

    def _some_call_changed(self) -> bool:
        """Calling some function or class may give something else now: its code changed (here
        or in a module updated before), or it reads a changed value."""
        kinds = [*self.changes.values(), *(kind for changes in self.earlier.values() for kind in changes.values())]
        return CODE in kinds or any(self._calls_changed(name, set()) for name in list(self.functions))

    def _reads_changed_value(self, name: str) -> bool:
        if self.changes.get(name) == VALUE:
            return True
        head, _, attr = name.partition(".")
        return bool(attr) and self._module_name_changed(head, attr) == VALUE

    def _module_name_changed(self, local: str, attr: str) -> Optional[str]:
        """The change of ``attr`` of the module bound to ``local`` by an ``import``, if any."""
        for statement in self.new:
            target = statement.imports.get(local)
            if target is not None and not target[1]:
                changes = self.earlier.get(target[0], {})
                return VALUE if EVERYTHING in changes else changes.get(attr)
        return None

    def _calls_changed(self, name: str, seen: Set[str]) -> bool:
        """Whether calling ``name`` runs changed code or reads a changed value (through the
        module's functions and classes it calls, transitively)."""
        if name in seen:
            return False
        seen.add(name)
        if self.changes.get(name) is not None:
            return True
        head, _, attr = name.partition(".")
        if attr and self._module_name_changed(head, attr) is not None:
            return True
        definition = self.functions.get(name)
        if definition is None:
            return False
        if any(self._reads_changed_value(read) for read in definition.body_reads):
            return True
        if definition.body_opaque and CODE in self.changes.values():
            return True
        return any(self._calls_changed(called, seen) for called in definition.body_calls)


def _binders(statements: List[Statement]) -> Dict[str, List[int]]:
    found: Dict[str, List[int]] = {}
    for position, statement in enumerate(statements):
        for bound in statement.binds:
            found.setdefault(bound, []).append(position)
    return found
