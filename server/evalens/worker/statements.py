"""A module's top-level statements, read with ``ast``: what each binds, reads and calls.

This is what a statement-level reload (``updates``) decides with. For each
top-level statement: its exact text (decorators included) and first line; the
names it binds; the names it reads and calls while it runs (decorators,
defaults, base classes and class bodies run, function bodies do not), with
``name.attr`` for attributes of plain names so that ``helpers.VALUE`` is seen as
a use of module ``helpers``' name; for a ``def`` or ``class``, the global names
its body reads and calls when it is called; what its imports bind to; and
whether it does something no reading can follow (``exec``, ``globals()``, a star
import), which makes it re-run whenever anything it could see changed.

A superset is always safe (it only re-runs more); a missing use is a stale value.
"""

from __future__ import annotations

import ast
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

#: calls that read or write names no reading can see
DYNAMIC = frozenset({"exec", "eval", "globals", "locals", "vars", "__import__"})
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


class Statement:
    __slots__ = (
        "binds",
        "body_calls",
        "body_opaque",
        "body_reads",
        "calls",
        "definition",
        "dynamic",
        "first",
        "imports",
        "kind",
        "node",
        "opaque",
        "reads",
        "star",
        "text",
    )

    def __init__(self, node: ast.stmt, text: str, first: int) -> None:
        self.node = node
        self.text = text  # exact source, decorators included
        self.first = first  # 0-based line of its first character
        self.kind = "def" if isinstance(node, _FUNCTIONS) else "class" if isinstance(node, ast.ClassDef) else "other"
        self.definition: Optional[str] = node.name if self.kind != "other" else None  # type: ignore[attr-defined]
        self.binds: FrozenSet[str] = frozenset()
        self.reads: FrozenSet[str] = frozenset()
        self.calls: FrozenSet[str] = frozenset()
        self.body_reads: FrozenSet[str] = frozenset()
        self.body_calls: FrozenSet[str] = frozenset()
        #: it (or a def's or class's body) calls something that has no name, like ``h[0]()``:
        #: any code changed may run there
        self.opaque = False
        self.body_opaque = False
        #: local name -> (module, name in it): ``from m import x as y`` gives y -> (m, x); an
        #: ``import m`` gives m -> (m, "") (the module itself)
        self.imports: Dict[str, Tuple[str, str]] = {}
        self.star: Optional[str] = None  # the module of ``from m import *``
        self.dynamic: Optional[str] = None  # what makes its uses unknowable, for the Result's reason


def analyse(text: str, filename: str, module: str, is_package: bool) -> List[Statement]:
    """The top-level statements of ``text`` (raises SyntaxError as ``compile`` would)."""
    tree = ast.parse(text, filename)
    starts = _line_starts(text)
    found = []
    for node in tree.body:
        first_node = node.decorator_list[0] if getattr(node, "decorator_list", None) else node  # type: ignore[attr-defined]
        start = starts[first_node.lineno - 1] + first_node.col_offset
        end = starts[node.end_lineno - 1] + node.end_col_offset  # type: ignore[operator]
        statement = Statement(node, text[start:end], first_node.lineno - 1)
        _describe(statement, module, is_package)
        found.append(statement)
    return found


def first_lines(text: str, filename: str) -> List[int]:
    """The 0-based first line of each top-level statement (decorators included)."""
    lines = []
    for node in ast.parse(text, filename).body:
        decorators = getattr(node, "decorator_list", None)
        lines.append((decorators[0] if decorators else node).lineno - 1)
    return lines


def _line_starts(text: str) -> List[int]:
    """Character offsets of each line as ``ast`` counts lines (``\\n``, ``\\r\\n``, ``\\r``)."""
    starts = [0]
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char == "\n" or (char == "\r" and not text.startswith("\n", index + 1)):
            starts.append(index + 1)
        index += 1
    return starts


def _describe(statement: Statement, module: str, is_package: bool) -> None:
    node = statement.node
    uses = _Uses()
    binds: Set[str] = set()
    if isinstance(node, _FUNCTIONS):
        binds.add(node.name)
        uses.visit_signature(node)
        body = _Body()
        body.visit_function(node)
        statement.body_reads, statement.body_calls = frozenset(body.reads), frozenset(body.calls)
        statement.body_opaque = body.opaque
    elif isinstance(node, ast.ClassDef):
        binds.add(node.name)
        body = _Body()
        uses.visit_class(node, body)
        statement.body_reads, statement.body_calls = frozenset(body.reads), frozenset(body.calls)
        statement.body_opaque = body.opaque
    elif isinstance(node, ast.Import):
        for alias in node.names:
            local = alias.asname or alias.name.partition(".")[0]
            binds.add(local)
            statement.imports[local] = (alias.name if alias.asname else local, "")
    elif isinstance(node, ast.ImportFrom):
        base = _absolute(module, is_package, node.level, node.module)
        for alias in node.names:
            if alias.name == "*":
                statement.star = base
                statement.dynamic = f"`from {base} import *`"
            elif base is not None:
                local = alias.asname or alias.name
                binds.add(local)
                statement.imports[local] = (base, alias.name)
    else:
        uses.visit(node)
        binds.update(uses.stored)
    statement.binds = frozenset(binds | uses.stored)
    statement.reads = frozenset(uses.reads)
    statement.calls = frozenset(uses.calls)
    statement.opaque = uses.opaque
    if uses.dynamic is not None and statement.dynamic is None:
        statement.dynamic = f"`{uses.dynamic}()`"


def _absolute(module: str, is_package: bool, level: int, target: Optional[str]) -> Optional[str]:
    if level == 0:
        return target
    package = module.split(".") if is_package else module.split(".")[:-1]
    if level - 1 > len(package):
        return None
    base = package[: len(package) - (level - 1)]
    if target:
        base.append(target)
    return ".".join(base) or None


class _Uses(ast.NodeVisitor):
    """What a statement reads, calls and binds while it runs (function bodies excluded)."""

    def __init__(self) -> None:
        self.reads: Set[str] = set()
        self.calls: Set[str] = set()
        self.stored: Set[str] = set()
        self.dynamic: Optional[str] = None
        self.opaque = False  # calls something that has no name (``h[0]()``)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.reads.add(node.id)
        else:
            self.stored.add(node.id)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.value, ast.Name) and isinstance(node.ctx, ast.Load):
            self.reads.add(f"{node.value.id}.{node.attr}")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name):
            self.calls.add(func.id)
            if func.id in DYNAMIC:
                self.dynamic = func.id
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            self.calls.add(f"{func.value.id}.{func.attr}")
        elif not isinstance(func, ast.Attribute):  # h[0](), make()(), (lambda: 1)(): no name to follow
            self.opaque = True
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:  # a def nested in a class body
        self.stored.add(node.name)
        self.visit_signature(node)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Lambda(self, node: ast.Lambda) -> None:
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                self.visit(default)

    def visit_signature(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        """What a ``def`` evaluates when it runs: decorators, defaults, annotations."""
        for item in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
            if item is not None:
                self.visit(item)
        arguments = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
        arguments += [arg for arg in (node.args.vararg, node.args.kwarg) if arg is not None]
        for annotation in [arg.annotation for arg in arguments] + [node.returns]:
            if annotation is not None:
                self.visit(annotation)

    def visit_class(self, node: ast.ClassDef, body: _Body) -> None:
        """A class statement runs its decorators, bases and body; its methods' bodies go to ``body``."""
        for item in [*node.decorator_list, *node.bases, *(keyword.value for keyword in node.keywords)]:
            self.visit(item)
        inner = _Uses()
        for statement in node.body:
            if isinstance(statement, _FUNCTIONS):
                inner.visit_signature(statement)
                body.visit_function(statement)
            elif isinstance(statement, ast.ClassDef):
                inner.visit_class(statement, body)
            else:
                inner.visit(statement)
        self.reads |= inner.reads
        self.calls |= inner.calls
        self.dynamic = self.dynamic or inner.dynamic
        self.opaque = self.opaque or inner.opaque


class _Body(ast.NodeVisitor):
    """The global names function bodies read and call when they are called."""

    def __init__(self) -> None:
        self.reads: Set[str] = set()
        self.calls: Set[str] = set()
        self.opaque = False

    def visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        uses = _Uses()
        local: Set[str] = set()
        declared_global: Set[str] = set()
        arguments = node.args
        for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg]:
            if arg is not None:
                local.add(arg.arg)
        body = node.body if isinstance(node.body, list) else [node.body]
        for part in body:
            for inner in ast.walk(part):
                if isinstance(inner, ast.Global):
                    declared_global.update(inner.names)
                elif isinstance(inner, (*_FUNCTIONS, ast.ClassDef)) and inner is not node:
                    local.add(inner.name)
                elif isinstance(inner, ast.Name) and not isinstance(inner.ctx, ast.Load):
                    local.add(inner.id)
                elif isinstance(inner, (ast.Import, ast.ImportFrom)):
                    local.update((alias.asname or alias.name).partition(".")[0] for alias in inner.names)
            uses.visit(part)
            for nested in ast.walk(part):
                if isinstance(nested, (*_FUNCTIONS, ast.Lambda)):
                    self.visit_function(nested)
        free = local - declared_global

        def outside(name: str) -> bool:
            return name.partition(".")[0] not in free

        self.reads.update(name for name in uses.reads if outside(name))
        self.calls.update(name for name in uses.calls if outside(name))
        self.opaque = self.opaque or uses.opaque
