"""Which statements of a module's new text run again, decided in text order as changes
accumulate (``updates`` runs them; see there for the rules).

Only some statements are looked at, so that a one-line edit of a module of
50,000 lines costs about what the edited lines cost (``Plan.candidates``): the
edited ones; the statements that bind a name whose value is another binder's;
imports, when modules updated before changed; and those whose text holds a
changed name, or the name of a function or class whose text does (found by a
search of the whole text, in C), or something no reading can follow. Any other
statement cannot see a change.

A name bound by more than one statement holds, in the namespace, the value of one
of them (``Plan.holder``). A statement that runs again must see each name it reads
as it was at its place in the text, so the binder before it runs again first when
the name holds another binder's value (``restore``); and a binder reached while its
name holds an earlier value runs again, so every name ends as the text leaves it.
"""

from __future__ import annotations

import bisect
import heapq
from typing import Dict, Iterable, List, Optional, Set, Tuple

from . import restoring
from .nameindex import Index
from .statements import Statement

#: what changed in a module: name -> VALUE (rebound) or CODE (same object, new code);
#: EVERYTHING as a name means all of it (the module ran whole)
Changes = Dict[str, str]
VALUE = "value"
CODE = "code"
EVERYTHING = "*"


class Plan:
    """The decisions of one update. ``new`` is the new text's statements; those before
    ``first`` and from ``tail_from`` on are the old ones unchanged (``replaced`` are the old
    statements the edited part replaced)."""

    def __init__(
        self,
        text: str,
        old_index: Index,
        new: List[Statement],
        index: Index,
        first: int,
        tail_from: int,
        replaced: List[Statement],
        earlier: Dict[str, Changes],
    ) -> None:
        self.text = text
        self.old_index = old_index
        self.new = new
        self.index = index
        self.first = first
        self.tail_from = tail_from
        self.replaced = replaced
        self.earlier = earlier
        self.changes: Changes = {}
        self.starts = [statement.start for statement in new]
        self._gone = {id(old) for old in replaced}
        self.partners = self._match()  # position in the edited part -> the old statement of the same text
        self.matched = {id(old): position for position, old in self.partners.items()}
        self.module_aliases = {
            local: source
            for statement in index.importers
            for local, (source, imported) in statement.imports.items()
            if not imported
        }
        #: name -> the position of the statement whose value it holds now (for names the
        #: edited part binds; any other name holds its last binder's)
        self.holder: Dict[str, int] = {}
        touched = {bound for s in [*replaced, *new[first:tail_from]] for bound in s.binds}
        for name in touched:
            binders = old_index.binders.get(name)
            if binders and name in index.binders:
                final = binders[-1]
                if id(final) not in self._gone:
                    self.holder[name] = self.position(final)
                else:  # moved within the edited part (the same text), or gone
                    self.holder[name] = self.matched.get(id(final), -1)
        self._heap: List[int] = []
        self._queued: Set[int] = set()
        self._unknowable_searched = False
        self._searched: Set[str] = set()  # words whose occurrences were queued
        self._suspects: Set[str] = set()
        self._expanded: Set[str] = set()  # suspects whose mentions in definitions were followed
        self._opaque: Optional[Set[str]] = None

    def _match(self) -> Dict[int, Statement]:
        unused: Dict[str, List[Statement]] = {}
        for statement in self.replaced:
            unused.setdefault(statement.text, []).append(statement)
        partners = {}
        for position in range(self.first, self.tail_from):
            same = unused.get(self.new[position].text)
            if same:
                partners[position] = same.pop(0)
        return partners

    def position(self, statement: Statement) -> int:
        """The position in ``new`` of one of its statements."""
        return bisect.bisect_left(self.starts, statement.start)

    def old_position(self, statement: Statement) -> int:
        """The position in the old text of an old statement (the edited part took
        ``len(replaced)`` places where it now takes ``tail_from - first``)."""
        if id(statement) in self._gone:
            return self.first + next(i for i, s in enumerate(self.replaced) if s is statement)
        position = self.position(statement)
        return position if position < self.first else position - (self.tail_from - self.first) + len(self.replaced)

    def partner(self, position: int) -> Optional[Statement]:
        """The old statement the one at ``position`` is (None: it is new or changed)."""
        if self.first <= position < self.tail_from:
            return self.partners.get(position)
        return self.new[position]

    def binder_positions(self, name: str) -> List[int]:
        return [self.position(s) for s in self.index.binders.get(name, ())]

    def holder_of(self, name: str) -> int:
        if name in self.holder:
            return self.holder[name]
        binders = self.index.binders.get(name)
        return self.position(binders[-1]) if binders else -1

    def changed(self, name: str, kind: str) -> None:
        if self.changes.get(name) != VALUE:
            self.changes[name] = kind

    # -- which statements to look at ------------------------------------------------------------

    def candidates(self) -> Iterable[int]:
        """The positions to look at, in text order; more are found as changes accumulate."""
        for position in range(self.first, self.tail_from):
            self._queue(position)
        for name, held in self.holder.items():
            for position in self.binder_positions(name):
                if position > held:
                    self._queue(position)
        if any(self.earlier.values()):
            for statement in self.index.importers:
                self._queue(self.position(statement))
        done = -1
        while True:
            self._look_for_changes(done)
            if not self._heap:
                return
            position = heapq.heappop(self._heap)
            if position <= done:
                continue
            done = position
            yield position

    def _queue(self, position: int) -> None:
        if position not in self._queued:
            self._queued.add(position)
            heapq.heappush(self._heap, position)

    def _look_for_changes(self, after: int) -> None:
        """Queue the statements after ``after`` whose text may see what changed so far."""
        if not (self.changes or any(self.earlier.values())):
            return
        start = self.new[after].end if after >= 0 else 0
        if not self._unknowable_searched:
            self._unknowable_searched = True
            for statement in self.index.unknowable:
                if statement.start >= start:
                    self._queue(self.position(statement))
        words = self.suspects() - self._searched
        if words:
            self._searched |= words
            self._queue_spans(_occurrences(self.text, words, start))

    def _queue_spans(self, spans: Iterable[Tuple[int, int]]) -> None:
        """Queue the statements holding these spans of the text."""
        for begin, end in spans:
            position = bisect.bisect_right(self.starts, begin) - 1
            if position >= 0 and self.new[position].end >= end:
                self._queue(position)

    def suspects(self) -> Set[str]:
        """The changed names, the attributes changed in modules updated before (with the local
        names of modules that ran whole), and the functions and classes whose text holds one
        of them (transitively): a statement that can see a change holds one of these words."""
        words = self._suspects
        words.update(self.changes)
        for source, changes in self.earlier.items():
            words.update(attr for attr in changes if attr != EVERYTHING)
            if EVERYTHING in changes:
                words.update(local for local, module in self.module_aliases.items() if module == source)
        while words - self._expanded:
            fresh = words - self._expanded
            self._expanded |= fresh
            words |= self._mentioning(fresh)
        return words

    # -- what runs ------------------------------------------------------------------------------

    def ran(self, index: int) -> None:
        """The statement at ``index`` ran again: its names changed, and hold its values (later
        binders of them then run too)."""
        for bound in self.new[index].binds:
            self.changed(bound, VALUE)
        self.held_by(index)

    def held_by(self, index: int) -> None:
        for bound in self.new[index].binds:
            self.holder[bound] = index
            for position in self.binder_positions(bound):
                if position > index:
                    self._queue(position)

    def unbound(self) -> Set[str]:
        """Names an old statement that is gone bound, and no new or changed statement binds:
        they now hold what an earlier binder left, or nothing."""
        gone: Set[str] = set()
        for statement in self.replaced:
            if id(statement) not in self.matched:
                gone |= statement.binds
        for position in range(self.first, self.tail_from):
            if position not in self.partners:
                gone -= self.new[position].binds
        return gone

    def removed_definitions(self) -> List[str]:
        """Names defined by a ``def``/``class`` the edit took away that nothing binds now."""
        return [
            s.definition for s in self.replaced if s.definition is not None and s.definition not in self.index.binders
        ]

    def defined_once(self, name: str) -> bool:
        """Only one statement binds ``name``, in the old text and in the new: the object bound to
        it is that definition's, and may be patched. (With a second ``def f``, or another binding,
        which object is whose cannot be told: it runs again and makes a new one, as Python does.)"""
        return len(self.index.binders.get(name, ())) == 1 and len(self.old_index.binders.get(name, ())) == 1

    def needs(self, index: int, reasons: List[str]) -> bool:
        """Whether the unchanged statement at ``index`` must run again, given the changes so far."""
        statement = self.new[index]
        if any(self.holder_of(bound) < index for bound in statement.binds):
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
        if self.changes or any(self.earlier.values()):
            if statement.dynamic is not None:
                reasons.append(f"line {statement.first + 1}: {statement.dynamic} may use any name, so it re-ran")
                return True
            if any(self._reads_changed_value(name) for name in statement.reads):
                return True
            if statement.opaque and self._some_call_changed(index):
                reasons.append(
                    f"line {statement.first + 1}: it calls something only known when it runs, and that changed"
                )
                return True
            if any(self._calls_changed(name, index, set()) for name in statement.calls):
                return True
        return self.first <= index < self.tail_from and self._moved_past_a_binder(index)

    def _moved_past_a_binder(self, index: int) -> bool:
        """The statement moved to the other side of a statement binding a name it reads: it saw
        another value there."""
        old = self.partners[index]
        old_index = self.old_position(old)
        for name in self.reads_through(self.new[index], index):
            now = [p for p in self.binder_positions(name) if p < index][-1:]
            then = [s for s in self.old_index.binders.get(name, ()) if self.old_position(s) < old_index][-1:]
            if not now and not then:
                continue
            if not now or not then:
                return True
            partner = self.partner(now[0])
            if partner is not None and partner is not then[0]:
                return True  # another unchanged statement binds it before this one now
            if partner is None and (id(then[0]) in self.matched or id(then[0]) not in self._gone):
                return True  # a new statement binds it before this one, in front of the old binder
        return False

    def restore(self, index: int) -> List[int]:
        """What runs again before the statement at ``index``, in order (``restoring``)."""
        return restoring.restore(self, index)

    def binder_count(self, name: str) -> int:
        return len(self.index.binders.get(name, ()))

    def definition_before(self, name: str, index: int) -> Optional[Statement]:
        """The last ``def``/``class`` of ``name`` before position ``index`` (the one a call there runs)."""
        found = None
        for statement in self.index.definitions.get(name, ()):
            if self.position(statement) >= index:
                break
            found = statement
        return found

    def _opaque_callees(self) -> List[str]:
        """What a call of something without a name may run: the functions and classes that can
        see a change, or that read a name bound more than once."""
        if self._opaque is None:
            rebound = {name for name, binders in self.index.binders.items() if len(binders) > 1} | set(self.holder)
            self._opaque = self._mentioning(rebound)
        return sorted(self.suspects() | self._opaque)

    def _mentioning(self, names: Set[str]) -> Set[str]:
        """The functions and classes whose text holds one of ``names``."""
        found: Set[str] = set()
        if not names:
            return found
        for begin, end in _occurrences(self.text, names, 0):
            position = bisect.bisect_right(self.starts, begin) - 1
            definition = self.new[position].definition if position >= 0 else None
            if definition is not None and self.new[position].end >= end:
                found.add(definition)
        return found

    def reads_through(self, statement: Statement, index: int) -> Set[str]:
        reads = set(statement.reads)
        todo = list(statement.calls)
        everything: Set[str] = set()  # reached by a call without a name: any definition of them
        if statement.opaque:  # it may call any of them
            everything.update(self._opaque_callees())
            todo.extend(everything)
        seen: Set[str] = set()
        while todo:
            called = todo.pop()
            if called in seen:
                continue
            seen.add(called)
            definitions = (
                [d for d in self.index.definitions.get(called, ()) if self.position(d) < index]
                if called in everything
                else [d for d in (self.definition_before(called, index),) if d is not None]
            )
            for definition in definitions:
                reads |= definition.body_reads
                todo.extend(definition.body_calls)
                if definition.body_opaque:
                    everything.update(self._opaque_callees())
                    todo.extend(self._opaque_callees())
        return reads

    # -- what changed ---------------------------------------------------------------------------

    def _some_call_changed(self, index: int) -> bool:
        """Calling some function or class may give something else now: its code changed (here
        or in a module updated before), or it reads a changed value."""
        kinds = [*self.changes.values(), *(kind for changes in self.earlier.values() for kind in changes.values())]
        if CODE in kinds:
            return True
        # any definition may be held somewhere (``handlers = [f]``), also one a later ``def`` replaced
        for name in self.suspects():
            for definition in self.index.definitions.get(name, ()):
                if self.position(definition) < index and self._body_changed(definition, index, {name}):
                    return True
        return False

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

    def _calls_changed(self, name: str, index: int, seen: Set[str]) -> bool:
        """Whether calling ``name`` at position ``index`` runs changed code or reads a changed
        value (through the module's functions and classes it calls, transitively)."""
        if name in seen:
            return False
        seen.add(name)
        if self.changes.get(name) is not None:
            return True
        head, _, attr = name.partition(".")
        if attr and self._module_name_changed(head, attr) is not None:
            return True
        definition = self.definition_before(name, index)
        return definition is not None and self._body_changed(definition, index, seen)

    def _body_changed(self, definition: Statement, index: int, seen: Set[str]) -> bool:
        """Whether calling the function or class ``definition`` makes reads a changed value or
        runs changed code, transitively."""
        if any(self._reads_changed_value(read) for read in definition.body_reads):
            return True
        if definition.body_opaque and CODE in self.changes.values():
            return True
        return any(self._calls_changed(called, index, seen) for called in definition.body_calls)


def _occurrences(text: str, words: Iterable[str], start: int) -> Iterable[Tuple[int, int]]:
    """The spans of ``words`` as whole words in ``text`` from ``start`` (``str.find`` runs in C
    and scans a 50,000-line module in a fraction of a millisecond; ``re`` with ``\\b`` takes 20)."""
    for word in words:
        at = text.find(word, start)
        while at >= 0:
            end = at + len(word)
            if not (at > 0 and _in_word(text[at - 1])) and not (end < len(text) and _in_word(text[end])):
                yield at, end
            at = text.find(word, at + 1)


def _in_word(char: str) -> bool:
    return char.isalnum() or char == "_"
