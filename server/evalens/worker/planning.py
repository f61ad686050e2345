"""Which statements of a module's new text run again, decided in text order as changes
accumulate (``updates`` runs them). See ``updates`` for the rules.

A name bound by more than one statement holds, in the namespace, the value of one of
them (``Plan.holder``). A statement that runs again must see each name it reads as it
was at its place in the text, so the binder before it runs again first when the name
holds another binder's value (``restore``); and a binder reached while its name holds an
earlier value runs again, so every name ends as the text leaves it.

Most statements of a big module are looked at only through their text: one can read a
changed name, or call a function whose body does, only if its text holds that name
(``_may_see_a_change``).
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Set, Tuple

from .statements import Statement

#: what changed in a module: name -> VALUE (rebound) or CODE (same object, new code);
#: EVERYTHING as a name means all of it (the module ran whole)
Changes = Dict[str, str]
VALUE = "value"
CODE = "code"
EVERYTHING = "*"
UNKNOWN = -1  # a name's holder when no statement of the new text is known to hold it
#: text that may call something without a name, or read names no reading can see
_UNKNOWABLE = re.compile(r"[\])]\s*\(|\b(?:exec|eval|globals|locals|vars|__import__)\b|\bimport\s*\*")


class Plan:
    """Which statements of the new text run, decided in text order as changes accumulate."""

    def __init__(
        self, old: List[Statement], new: List[Statement], unchanged: Dict[int, Statement], earlier: Dict[str, Changes]
    ) -> None:
        self.old = old
        self.new = new
        self.earlier = earlier
        self.changes: Changes = {}
        self.functions: Dict[str, Statement] = {}  # the latest def/class statement of each name so far
        self.pairs = self._match(unchanged)
        self.kept_in_place = set(unchanged)  # positions outside the edited part: their order is the old one
        #: name -> every def/class statement of it (a name may be defined twice)
        self.definitions: Dict[str, List[Statement]] = {}
        for statement in new:
            if statement.definition is not None:
                self.definitions.setdefault(statement.definition, []).append(statement)
        self._suspected: Optional[Tuple[Tuple[int, int], Set[str]]] = None
        #: local name -> module, for this module's ``import m`` / ``import m as n``
        self.module_aliases: Dict[str, str] = {}
        for statement in new:
            for local, (source, imported) in statement.imports.items():
                if not imported:
                    self.module_aliases[local] = source
        #: name -> the positions (in ``new``) of the statements that bind it
        self.binders: Dict[str, List[int]] = _binders(new)
        self.old_binders: Dict[str, List[int]] = _binders(old)
        self.old_positions = {id(statement): position for position, statement in enumerate(old)}
        #: id of an old statement -> the position of the new one that is it
        self.matched = {id(partner): index for index, (_, partner) in enumerate(self.pairs) if partner is not None}
        self.matched_old = self.matched  # (membership: the old statement is still there)
        #: name -> the position of the statement whose value it holds now
        self.holder: Dict[str, int] = {}
        for bound, positions in self.old_binders.items():
            if bound in self.binders:
                self.holder[bound] = self.matched.get(id(old[positions[-1]]), UNKNOWN)

    def _match(self, unchanged: Dict[int, Statement]) -> List[Tuple[Statement, Optional[Statement]]]:
        """Each new statement with the old one of the same text (None: new or changed).
        ``unchanged`` already pairs those outside the edited part; the rest are paired by text."""
        taken = {id(statement) for statement in unchanged.values()}
        unused: Dict[str, List[Statement]] = {}
        for statement in self.old:
            if id(statement) not in taken:
                unused.setdefault(statement.text, []).append(statement)
        pairs: List[Tuple[Statement, Optional[Statement]]] = []
        for index, statement in enumerate(self.new):
            partner = unchanged.get(index)
            if partner is None:
                same = unused.get(statement.text)
                partner = same.pop(0) if same else None
            pairs.append((statement, partner))
        return pairs

    def changed(self, name: str, kind: str) -> None:
        if self.changes.get(name) != VALUE:
            self.changes[name] = kind

    def unbound(self) -> Set[str]:
        """Names an old statement that is gone bound, and no new or changed statement binds:
        they now hold what an earlier binder left, or nothing."""
        gone: Set[str] = set()
        for statement in self.old:
            if id(statement) not in self.matched:
                gone |= statement.binds
        for statement, partner in self.pairs:
            if partner is None:
                gone -= statement.binds
        return gone

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
        if (self.changes or any(self.earlier.values())) and self._may_see_a_change(statement):
            if statement.dynamic is not None:
                reasons.append(f"line {statement.first + 1}: {statement.dynamic} may use any name, so it re-ran")
                return True
            if any(self._reads_changed_value(name) for name in statement.reads):
                return True
            if statement.opaque and self._some_call_changed():
                reasons.append(
                    f"line {statement.first + 1}: it calls something only known when it runs, and that changed"
                )
                return True
            if any(self._calls_changed(name, set()) for name in statement.calls):
                return True
        return index not in self.kept_in_place and self._moved_past_a_binder(index)

    def _may_see_a_change(self, statement: Statement) -> bool:
        """A quick look at the text before a careful one: a statement can only read a changed
        name, or call a function that does, if its text holds that name, unless it calls
        something without a name or uses ``exec``/``globals()``... (a module of 50,000 lines
        is not read statement by statement for a one-line edit)."""
        text = statement.text
        return _UNKNOWABLE.search(text) is not None or any(word in text for word in self._suspects())

    def _suspects(self) -> Set[str]:
        """The changed names, the attributes changed in modules updated before (with the local
        names of modules that ran whole), and the functions and classes whose bodies may use one
        of them (transitively), as words to look for."""
        key = (len(self.changes), tuple(self.changes.values()).count(CODE))
        if self._suspected is not None and self._suspected[0] == key:
            return self._suspected[1]
        words = set(self.changes)
        for source, changes in self.earlier.items():
            words.update(attr for attr in changes if attr != EVERYTHING)
            if EVERYTHING in changes:
                words.update(local for local, module in self.module_aliases.items() if module == source)
        definitions = self.definitions
        grew = True
        while grew:
            grew = False
            for name, statements in definitions.items():
                if name not in words and any(word in s.text for s in statements for word in words):
                    words.add(name)
                    grew = True
        self._suspected = (key, words)
        return words

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
        source = self.module_aliases.get(local)
        if source is None:
            return None
        changes = self.earlier.get(source, {})
        return VALUE if EVERYTHING in changes else changes.get(attr)

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
