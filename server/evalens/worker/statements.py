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
import re
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

#: calls that read or write names no reading can see
DYNAMIC = frozenset({"exec", "eval", "globals", "locals", "vars", "__import__"})
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class Statement:
    """One top-level statement. What it binds is read at once; what it reads and calls, and
    what a definition's body does, only when first asked (most statements of a big module
    are never asked: nothing they read changed)."""

    __slots__ = (
        "_body_calls",
        "_body_opaque",
        "_body_reads",
        "_calls",
        "_dynamic",
        "_node",
        "_opaque",
        "_reads",
        "binds",
        "context",
        "definition",
        "end",
        "first",
        "imports",
        "kind",
        "star",
        "start",
        "text",
    )

    def __init__(self, node: ast.stmt, text: str, first: int, start: int, context: Tuple[str, bool]) -> None:
        self._node: Optional[ast.stmt] = node
        self.text = text  # exact source, decorators included
        self.first = first  # 0-based line of its first character
        self.start = start  # character offsets of its text in the module's text
        self.end = start + len(text)
        self.context = context  # (module name, is a package): for relative imports
        self.kind = "def" if isinstance(node, _FUNCTIONS) else "class" if isinstance(node, ast.ClassDef) else "other"
        self.definition: Optional[str] = node.name if self.kind != "other" else None  # type: ignore[attr-defined]
        #: local name -> (module, name in it): ``from m import x as y`` gives y -> (m, x); an
        #: ``import m`` gives m -> (m, "") (the module itself)
        self.imports: Dict[str, Tuple[str, str]] = {}
        self.star: Optional[str] = None  # the module of ``from m import *``
        self._reads: Optional[FrozenSet[str]] = None
        self._calls: FrozenSet[str] = frozenset()
        self._body_reads: Optional[FrozenSet[str]] = None
        self._body_calls: FrozenSet[str] = frozenset()
        self._opaque = False
        self._body_opaque = False
        self._dynamic: Optional[str] = None
        self.binds: FrozenSet[str] = _binds(self, node)
        # The tree is not kept: a big module's trees are hundreds of thousands of objects that
        # every full collection of the garbage collector would walk. It is parsed again from
        # ``text`` when it is needed (most statements never are).
        self._node = None

    def move(self, lines: int, chars: int) -> None:
        """The statement is now ``lines`` lines and ``chars`` characters further on."""
        self.first += lines
        self.start += chars
        self.end += chars

    @property
    def node(self) -> ast.stmt:
        """The statement's tree, with its line numbers where its text is now."""
        if self._node is None:
            return ast.parse("\n" * self.first + self.text).body[0]
        return self._node

    def _described(self) -> None:
        if self._reads is None:
            _describe(self)

    @property
    def reads(self) -> FrozenSet[str]:
        """Names it reads while it runs (``name.attr`` too, for attributes of plain names)."""
        self._described()
        assert self._reads is not None
        return self._reads

    @property
    def calls(self) -> FrozenSet[str]:
        self._described()
        return self._calls

    def _body_described(self) -> None:
        if self._body_reads is None:
            _describe_body(self)

    @property
    def body_reads(self) -> FrozenSet[str]:
        """For a definition: the global names its body reads when called."""
        self._body_described()
        assert self._body_reads is not None
        return self._body_reads

    @property
    def body_calls(self) -> FrozenSet[str]:
        self._body_described()
        return self._body_calls

    @property
    def opaque(self) -> bool:
        """It calls something that has no name (``h[0]()``): any code may run there."""
        self._described()
        return self._opaque

    @property
    def body_opaque(self) -> bool:
        self._body_described()
        return self._body_opaque

    @property
    def dynamic(self) -> Optional[str]:
        """What makes its uses unknowable (``exec()``, a star import), for the Result's reason."""
        if self.star is not None:
            return f"`from {self.star} import *`"
        self._described()
        return self._dynamic


def analyse(text: str, filename: str, module: str, is_package: bool) -> List[Statement]:
    """The top-level statements of ``text`` (raises SyntaxError as ``compile`` would)."""
    return statements_in(ast.parse(text, filename).body, text, 0, 0, (module, is_package))


def statements_in(
    nodes: List[ast.stmt], text: str, line_offset: int, char_offset: int, context: Tuple[str, bool]
) -> List[Statement]:
    """Statements for ``nodes`` parsed from ``text``, which starts at line ``line_offset`` and
    character ``char_offset`` of the module's text (its line numbers are already right)."""
    starts = line_starts(text)
    found = []
    for node in nodes:
        decorators = getattr(node, "decorator_list", None)
        first_node = decorators[0] if decorators else node
        # a decorator's node starts after its `@`, which a top-level statement has in column 0
        start = starts[first_node.lineno - 1 - line_offset] + (0 if decorators else first_node.col_offset)
        end = starts[node.end_lineno - 1 - line_offset] + node.end_col_offset  # type: ignore[operator]
        found.append(Statement(node, text[start:end], first_node.lineno - 1, char_offset + start, context))
    return found


def line_starts(text: str) -> List[int]:
    """Character offsets of each line as ``ast`` counts lines (``\\n``, ``\\r\\n``, ``\\r``)."""
    return [0, *(match.end() for match in _LINE_BREAK.finditer(text))]


def future_flags(statements: List[Statement]) -> int:
    """The compiler flags of the module's ``from __future__ import ...`` (they must hold for
    every statement compiled on its own, as for the whole text)."""
    import __future__

    flags = 0
    for statement in statements:
        node = statement.node
        if not isinstance(node, ast.ImportFrom) or node.module != "__future__":
            break
        for alias in node.names:
            feature = getattr(__future__, alias.name, None)
            flags |= getattr(feature, "compiler_flag", 0)
    return flags


def _binds(statement: Statement, node: ast.stmt) -> FrozenSet[str]:
    """What a statement binds at the top level, read cheaply for the common kinds (and its
    imports), else from the full description."""
    if statement.definition is not None:
        return frozenset({statement.definition})
    if isinstance(node, ast.Import):
        for alias in node.names:
            local = alias.asname or alias.name.partition(".")[0]
            statement.imports[local] = (alias.name if alias.asname else local, "")
        return frozenset(statement.imports)
    if isinstance(node, ast.ImportFrom):
        module, is_package = statement.context
        base = _absolute(module, is_package, node.level, node.module)
        for alias in node.names:
            if alias.name == "*":
                statement.star = base
            elif base is not None:
                statement.imports[alias.asname or alias.name] = (base, alias.name)
        return frozenset(statement.imports)
    simple = isinstance(node, ast.Assign) and all(isinstance(target, ast.Name) for target in node.targets)
    if simple and not any(isinstance(inner, ast.NamedExpr) for inner in ast.walk(node.value)):  # type: ignore[attr-defined]
        return frozenset(target.id for target in node.targets)  # type: ignore[attr-defined]
    _describe(statement, node)
    return statement.binds


def _describe(statement: Statement, node: Optional[ast.stmt] = None) -> None:
    """What the statement does when it runs (for a ``def``: its signature; for a ``class``: its
    decorators, bases and body, methods' bodies excluded)."""
    node = node or statement.node
    uses = _Uses()
    if isinstance(node, _FUNCTIONS):
        uses.visit_signature(node)
    elif isinstance(node, ast.ClassDef):
        uses.visit_class(node, None)
    elif not isinstance(node, (ast.Import, ast.ImportFrom)):
        uses.visit(node)
    if statement.kind == "other" and not isinstance(node, (ast.Import, ast.ImportFrom)):
        statement.binds = frozenset(uses.stored)
    statement._reads = frozenset(uses.reads)
    statement._calls = frozenset(uses.calls)
    statement._opaque = uses.opaque
    if uses.dynamic is not None:
        statement._dynamic = f"`{uses.dynamic}()`"


def _describe_body(statement: Statement) -> None:
    """What a definition's body (a function's, a class's methods') does when called."""
    node = statement.node
    body = _Body()
    if isinstance(node, _FUNCTIONS):
        body.visit_function(node)
    elif isinstance(node, ast.ClassDef):
        _Uses().visit_class(node, body)
    statement._body_reads = frozenset(body.reads)
    statement._body_calls = frozenset(body.calls)
    statement._body_opaque = body.opaque


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

    def visit_class(self, node: ast.ClassDef, body: Optional[_Body]) -> None:
        """A class statement runs its decorators, bases and body; its methods' bodies go to
        ``body`` (None: left out)."""
        for item in [*node.decorator_list, *node.bases, *(keyword.value for keyword in node.keywords)]:
            self.visit(item)
        inner = _Uses()
        for statement in node.body:
            if isinstance(statement, _FUNCTIONS):
                inner.visit_signature(statement)
                if body is not None:
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
