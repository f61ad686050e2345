"""Before a statement runs again: making each name it reads hold the value it had at that
statement's place in the text.

A name bound by more than one statement holds the value of one of them. For each name
the statement reads (directly or through the functions it calls) that holds another
binder's value than the last one before the statement, that binder runs first, after
what it needs in turn; and what those runs left holding an earlier value than the text
has at the statement is brought forward again.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Protocol, Set

from .statements import Statement


class Places(Protocol):
    """What restoring asks of the update's plan."""

    new: List[Statement]
    holder: Dict[str, int]

    def holder_of(self, name: str) -> int: ...

    def held_by(self, index: int) -> None: ...

    def binder_positions(self, name: str) -> List[int]: ...

    def binder_count(self, name: str) -> int: ...

    def reads_through(self, statement: Statement, index: int) -> Set[str]: ...


def restore(plan: Places, index: int) -> List[int]:
    """What runs again before the statement at ``index``, in order: for each name it reads
    (directly or through the functions it calls) that holds another binder's value than the
    one before it in the text, that binder, after what it needs in turn."""
    order: List[int] = []
    _satisfy(plan, index, order, set())
    for _ in range(len(plan.new) + 1):  # what ran for it left names holding earlier values than here
        behind = sorted(
            {
                last
                for position in order
                for name in plan.new[position].binds
                if (last := _last_binder_before(plan, name, index)) is not None and plan.holder_of(name) != last
            }
        )
        if not behind:
            return order
        for position in behind:
            if _holds_all(plan, position):
                continue
            _satisfy(plan, position, order, {index})
            order.append(position)
            plan.held_by(position)
    return order


def _holds_all(plan: Places, position: int) -> bool:
    """Every name the statement at ``position`` binds holds its value already."""
    return all(plan.holder_of(name) == position for name in plan.new[position].binds)


def _last_binder_before(plan: Places, name: str, index: int) -> Optional[int]:
    before = [position for position in plan.binder_positions(name) if position < index]
    return before[-1] if before else None


def _satisfy(plan: Places, index: int, order: List[int], busy: Set[int]) -> None:
    busy.add(index)
    while True:
        missing = [
            want
            for name, want in sorted(_wanted(plan, index).items())
            if plan.holder_of(name) != want and want not in busy
        ]
        if not missing:
            return
        position = missing[0]
        _satisfy(plan, position, order, busy)
        order.append(position)
        plan.held_by(position)  # scheduled: it runs before ``index``


def _wanted(plan: Places, index: int) -> Dict[str, int]:
    """Each name the statement at ``index`` reads that this module binds more than once ->
    the position of the last statement before it that binds it (the value it must see)."""
    wanted: Dict[str, int] = {}
    for name in plan.reads_through(plan.new[index], index):
        if plan.binder_count(name) > 1 or name in plan.holder:
            before = [position for position in plan.binder_positions(name) if position < index]
            if before:
                wanted[name] = before[-1]
    return wanted
