"""The docstrings of a document that hold ``>>>`` examples, where they are, and where each
line of their text sits in the document; read with ``ast`` and the stdlib's own doctest
parser, without running anything.

A docstring is found where ``doctest.DocTestFinder`` looks for one: the module's, and those
of the classes and functions defined at module level or in a class body (nested classes
included; also under ``if``, ``try``, ``with`` and loops, whose branches decide at run time
which one exists), never in a function's body; and the strings of a module-level
``__test__`` dictionary. Its ``name`` is doctest's name for it without the module's
(``"Class.method"``, ``""`` for the module's own, ``"__test__.key"``).

A docstring's value can differ from its source text: an escape such as ``\\n`` adds a line,
a backslash at the end of a line removes one. ``lines`` maps each line of the value to the
document line it comes from, which is what puts an example's result on its ``>>>`` line.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .lineindex import split_lines

if TYPE_CHECKING:
    import doctest


@dataclass(frozen=True)
class Example:
    """One ``>>>`` example of a docstring, by lines of the docstring's value."""

    index: int  # its place in the docstring
    source: str
    want: str
    exc_msg: str | None  # the expected exception's message, when it expects one
    first: int  # the value line of its ``>>>``
    source_lines: int  # its ``>>>`` and ``...`` lines
    want_lines: int  # its expected output's lines
    indent: int  # of its ``>>>``
    options: dict[int, bool]  # its option directives


@dataclass(frozen=True)
class Docstring:
    name: str
    text: str  # its value
    line: int  # 0-based first document line of the literal (where its lens goes)
    end: int  # 0-based last document line of the literal
    owner: int  # 0-based first line of what it documents (a decorator, ``def``, ``class``; 0 for the module)
    lines: tuple[int, ...]  # the document line of each line of ``text``
    raw: bool  # a raw string: backslashes are the text's own
    quote: str  # its quotes: '\"\"\"', "'''", '"' or "'"
    examples: tuple[Example, ...]

    def holds(self, line: int) -> bool:
        """``line`` is in this docstring or the header of what it documents."""
        return self.owner <= line <= self.end

    def document_line(self, value_line: int) -> int:
        return self.lines[min(value_line, len(self.lines) - 1)]


_QUOTES = ('"""', "'''", '"', "'")
_NEWLINE = re.compile(r"\r\n?|\n")
#: in a string that is not raw: an escape (a backslash and what it takes) or a line break
_ESCAPE = re.compile(
    r"\\(?:N\{[^}]*\}|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|\r\n?|.)|\r\n?|\n", re.S
)
#: the escapes that can stand for a line break (``\n``, ``\x0a``, ``\012``, ``\u000a``, ``\N{LINE FEED}``)
_MAY_BREAK = frozenset("nxuUN01234567")


def find(source: str) -> list[Docstring] | None:
    """The docstrings of ``source`` that hold examples, in document order; None when it does
    not parse (the caller keeps what it knew)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    lines = split_lines(source)
    parser = _parser()
    found = []
    for name, owner, node in _literals(tree):
        docstring = _docstring(name, owner, node, lines, parser)
        if docstring is not None:
            found.append(docstring)
    return sorted(found, key=lambda doc: doc.line)


def at_line(docstrings: list[Docstring], line: int) -> Docstring | None:
    """The docstring holding ``line``; the innermost one, when a class's header holds a method's."""
    holding = [doc for doc in docstrings if doc.holds(line)]
    return max(holding, key=lambda doc: doc.owner, default=None)


def _parser() -> doctest.DocTestParser:
    import doctest  # the stdlib's own parser: examples are what doctest finds, no more

    return doctest.DocTestParser()


def _literals(tree: ast.Module) -> Iterator[tuple[str, int, ast.Constant]]:
    """(name, owner line, string literal) of each docstring and ``__test__`` string."""
    doc = _doc_node(tree.body)
    if doc is not None:
        yield "", 0, doc
    yield from _in_body(tree.body, "")
    for statement in _flattened(tree.body):
        if not (isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Dict)):
            continue
        if any(isinstance(target, ast.Name) and target.id == "__test__" for target in statement.targets):
            for key, value in zip(statement.value.keys, statement.value.values, strict=True):
                if isinstance(key, ast.Constant) and isinstance(key.value, str) and _is_string(value):
                    assert isinstance(value, ast.Constant)
                    yield f"__test__.{key.value}", value.lineno - 1, value


def _in_body(body: list[ast.stmt], prefix: str) -> Iterator[tuple[str, int, ast.Constant]]:
    for statement in _flattened(body):
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            name = prefix + statement.name
            doc = _doc_node(statement.body)
            owner = min([statement.lineno, *(d.lineno for d in statement.decorator_list)]) - 1
            if doc is not None:
                yield name, owner, doc
            if isinstance(statement, ast.ClassDef):
                yield from _in_body(statement.body, name + ".")


def _flattened(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of ``body``, and of the blocks of its ``if``, ``try``, ``with`` and loops."""
    for statement in body:
        yield statement
        if isinstance(statement, (ast.If, ast.For, ast.AsyncFor, ast.While)):
            yield from _flattened(statement.body)
            yield from _flattened(statement.orelse)
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            yield from _flattened(statement.body)
        elif isinstance(statement, ast.Try):
            for block in (statement.body, statement.orelse, statement.finalbody):
                yield from _flattened(block)
            for handler in statement.handlers:
                yield from _flattened(handler.body)


def _doc_node(body: list[ast.stmt]) -> ast.Constant | None:
    if body and isinstance(body[0], ast.Expr) and _is_string(body[0].value):
        value = body[0].value
        assert isinstance(value, ast.Constant)
        return value
    return None


def _is_string(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _docstring(
    name: str, owner: int, node: ast.Constant, lines: list[str], parser: doctest.DocTestParser
) -> Docstring | None:
    text = node.value
    if not isinstance(text, str) or ">>>" not in text:
        return None
    examples = _examples(text, parser)
    if not examples:
        return None
    first, last = node.lineno - 1, (node.end_lineno or node.lineno) - 1
    literal = _literal_source(lines, node)
    count = text.count("\n") + 1
    mapped = value_lines(literal, first) if literal is not None else None
    raw, placed = mapped if mapped is not None else (False, ())
    if len(placed) != count:  # not one plain literal (an implicit concatenation): line for line
        placed = tuple(range(first, first + count))
    quote = _quote_of(literal) if literal is not None else '"""'
    return Docstring(name, text, first, last, min(owner, first), placed, raw, quote, examples)


def _examples(text: str, parser: doctest.DocTestParser) -> tuple[Example, ...]:
    try:
        parsed = parser.parse(text)
    except ValueError:  # doctest's own complaint (an example's indentation): it runs into the same
        return ()
    examples: list[Example] = []
    for piece in parsed:
        if isinstance(piece, str):
            continue
        indent = piece.indent
        examples.append(
            Example(
                index=len(examples),
                source=piece.source,
                want=piece.want,
                exc_msg=piece.exc_msg,
                first=piece.lineno,
                source_lines=piece.source.count("\n") or 1,
                want_lines=piece.want.count("\n"),
                indent=indent,
                options=dict(piece.options),
            )
        )
    return tuple(examples)


def _literal_source(lines: list[str], node: ast.Constant) -> str | None:
    """The literal's source text (``ast`` counts columns in UTF-8 bytes)."""
    if node.end_lineno is None or node.end_col_offset is None:
        return None
    first, last = node.lineno - 1, node.end_lineno - 1
    if last >= len(lines):
        return None
    if first == last:
        return lines[first].encode()[node.col_offset : node.end_col_offset].decode(errors="replace")
    head = lines[first].encode()[node.col_offset :].decode(errors="replace")
    tail = lines[last].encode()[: node.end_col_offset].decode(errors="replace")
    return head + "".join(lines[first + 1 : last]) + tail


def _quote_of(literal: str) -> str:
    body = literal.lstrip("rRbBuUfF")
    return next((quote for quote in _QUOTES if body.startswith(quote)), '"')


def value_lines(literal: str, first: int) -> tuple[bool, tuple[int, ...]] | None:
    """Whether the literal is raw, and the document line of each line of its value; None for
    what is not one plain literal (an implicit concatenation)."""
    prefix = len(literal) - len(literal.lstrip("rRbBuUfF"))
    raw = "r" in literal[:prefix].lower()
    quote = _quote_of(literal)
    if not literal.endswith(quote) or len(literal) < prefix + 2 * len(quote):
        return None
    body = literal[prefix + len(quote) : len(literal) - len(quote)]
    line = first
    mapped = [first]
    for match in (_NEWLINE if raw else _ESCAPE).finditer(body):
        token = match.group()
        if token[0] != "\\":  # a line break of the source, and of the value
            line += 1
            mapped.append(line)
        elif token[1] in "\r\n":  # a backslash ending the line: the value goes on
            line += 1
        elif token[1] in _MAY_BREAK:
            mapped.extend([line] * _decoded(token).count("\n"))
    return raw, tuple(mapped)


def _decoded(escape: str) -> str:
    try:
        value = ast.literal_eval(f'"{escape}"')
    except (SyntaxError, ValueError):  # a malformed escape does not parse: the literal would not either
        return ""
    return value if isinstance(value, str) else ""
