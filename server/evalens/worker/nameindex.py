"""Where each name of a module is bound and defined, and which statements import, in text
order: kept with the module's statements from one update to the next, so an update looks
up what it needs instead of reading every statement again."""

from __future__ import annotations

import re
from typing import Dict, Iterable, List

from .statements import Statement

#: text that may call something without a name, or read names no reading can see (a few
#: more statements than need it: they are only looked at more closely)
UNKNOWABLE = re.compile(r"[\])]\s*\(|exec|eval|globals|locals|vars|__import__|import\s*\*")


class Index:
    """Where each name is bound and defined, and which statements import, in text order: kept
    with a module's statements from one update to the next."""

    def __init__(self) -> None:
        self.binders: Dict[str, List[Statement]] = {}
        self.definitions: Dict[str, List[Statement]] = {}
        self.importers: List[Statement] = []
        #: statements whose text may call something without a name, or read names no reading
        #: can see (``exec``, ``globals()``, a star import)
        self.unknowable: List[Statement] = []

    @classmethod
    def of(cls, statements: List[Statement]) -> Index:
        index = cls()
        index._add(statements)
        return index

    def _add(self, statements: Iterable[Statement]) -> None:
        for statement in statements:
            for bound in statement.binds:
                self.binders.setdefault(bound, []).append(statement)
            if statement.definition is not None:
                self.definitions.setdefault(statement.definition, []).append(statement)
            if statement.imports or statement.star is not None:
                self.importers.append(statement)
            if UNKNOWABLE.search(statement.text):
                self.unknowable.append(statement)

    def replaced(self, removed: List[Statement], added: List[Statement]) -> Index:
        """The index after ``removed`` gave way to ``added`` (lists of names they touch are
        new; the others are shared with this index, which stays as it was)."""
        other = Index()
        other.binders = dict(self.binders)
        other.definitions = dict(self.definitions)
        gone = {id(statement) for statement in removed}
        for table, names in (
            (other.binders, {bound for s in [*removed, *added] for bound in s.binds}),
            (other.definitions, {s.definition for s in [*removed, *added] if s.definition is not None}),
        ):
            for name in names:
                kept = [s for s in table.get(name, ()) if id(s) not in gone]
                fresh = [s for s in added if name in s.binds or s.definition == name]
                merged = sorted([*kept, *fresh], key=lambda s: s.start) if fresh else kept
                if merged:
                    table[name] = merged
                else:
                    table.pop(name, None)
        importers = [s for s in self.importers if id(s) not in gone]
        importers += [s for s in added if s.imports or s.star is not None]
        other.importers = sorted(importers, key=lambda s: s.start)
        unknowable = [s for s in self.unknowable if id(s) not in gone]
        unknowable += [s for s in added if UNKNOWABLE.search(s.text)]
        other.unknowable = sorted(unknowable, key=lambda s: s.start)
        return other
