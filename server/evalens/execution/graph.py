"""The import graph of loaded user modules and the order to reload them in.

Pure functions: ``imports_of`` reads a module's imports from its source without
running it; ``reload_order`` picks the modules a change reaches (the changed
ones and every loaded module that imports them, directly or through others)
and orders them so each comes after what it imports.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping


def _with_parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def resolve_relative(module: str, is_package: bool, level: int, target: str | None) -> str | None:
    """The absolute name of ``from <level dots><target> import ...`` in ``module``."""
    package = module if is_package else module.rpartition(".")[0]
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    if target:
        base.append(target)
    return ".".join(base) or None


def imports_of(module: str, source: str, is_package: bool = False) -> frozenset[str]:
    """Every module name ``source`` imports while the module itself runs, parents included (a
    superset is fine): imports in function bodies run later, when the function is called, and
    find the module reloaded by then; those under ``if TYPE_CHECKING:`` never run. Counting
    them as edges reloaded ``rich.text`` after modules that import it at module level; nor do
    those of an ``if __name__ == "__main__":`` block."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return frozenset()
    found: set[str] = set()
    for node in _run_at_import(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.update(_with_parents(alias.name))
        elif isinstance(node, ast.ImportFrom):
            relative = node.level > 0
            base = resolve_relative(module, is_package, node.level, node.module) if relative else node.module
            if base is None:
                continue
            found.update(_with_parents(base))
            found.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    found.discard(module)
    return frozenset(found)


def _run_at_import(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of ``body`` that run when the module is imported, nested ones included
    (class bodies, ``if``, ``try``, ``with``, loops, ``match``); function bodies, ``if
    TYPE_CHECKING:`` and ``if __name__ == "__main__":`` blocks left out."""
    for node in body:
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if isinstance(node, ast.If) and (_is_type_checking(node.test) or _is_main_guard(node.test)):
            yield from _run_at_import(node.orelse)
            continue
        for field in ("body", "orelse", "finalbody"):
            nested = getattr(node, field, None)
            if isinstance(nested, list):
                yield from _run_at_import([item for item in nested if isinstance(item, ast.stmt)])
        for handler in getattr(node, "handlers", []):
            yield from _run_at_import(handler.body)
        for case in getattr(node, "cases", []):
            yield from _run_at_import(case.body)


def _is_type_checking(test: ast.expr) -> bool:
    """``TYPE_CHECKING`` or ``typing.TYPE_CHECKING`` (any module's name before the dot)."""
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _is_main_guard(test: ast.expr) -> bool:
    """``__name__ == "__main__"``, either way round."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    names = [side for side in sides if isinstance(side, ast.Name) and side.id == "__name__"]
    mains = [side for side in sides if isinstance(side, ast.Constant) and side.value == "__main__"]
    return len(names) == 1 and len(mains) == 1


def dependents(changed: Iterable[str], imports: Mapping[str, Iterable[str]]) -> set[str]:
    """The changed modules and every module in ``imports`` that reaches one of them."""
    importers: dict[str, set[str]] = {}
    for module, imported in imports.items():
        for name in imported:
            importers.setdefault(name, set()).add(module)
    reached = {name for name in changed if name in imports}
    todo = list(reached)
    while todo:
        for importer in importers.get(todo.pop(), ()):
            if importer not in reached:
                reached.add(importer)
                todo.append(importer)
    return reached


def reload_order(changed: Iterable[str], imports: Mapping[str, Iterable[str]]) -> list[str]:
    """Modules to re-execute after ``changed`` changed, each after what it imports.

    ``imports`` maps each loaded module to the names it imports; only loaded
    modules are reloaded. Cycles are broken deterministically (by name).
    """
    affected = dependents(changed, imports)
    order: list[str] = []
    state: dict[str, int] = {}  # 1: visiting, 2: done

    def visit(name: str) -> None:
        stack: list[tuple[str, list[str]]] = [(name, sorted(set(imports[name]) & affected, reverse=True))]
        state[name] = 1
        while stack:
            current, pending = stack[-1]
            while pending and state.get(pending[-1]):
                pending.pop()
            if pending:
                nxt = pending.pop()
                state[nxt] = 1
                stack.append((nxt, sorted(set(imports[nxt]) & affected, reverse=True)))
                continue
            stack.pop()
            state[current] = 2
            order.append(current)

    for name in sorted(affected):
        if not state.get(name):
            visit(name)
    return order
