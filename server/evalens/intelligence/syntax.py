"""What a parse tree says without inference: its syntax errors and its imports.

Run as a script (``python -I syntax.py``), this file is the diagnostics
parser process: it reads requests from stdin, one JSON header line followed
by the document's UTF-8 text, keeps the tree of each document to diff-parse
its next version, and answers each check with one JSON line (a ``Report``).
It imports only the standard library and parso, so that it starts quickly and
needs nothing else from the server's packages.

Text that the interpreter's compiler accepts has no syntax error to report, and its
imports are read from ``ast`` (C, ten times faster than parso's parse and error walk
together: 281 files of six packages, 112,000 lines, in about 1 s instead of 8 s).
parso parses only text that does not compile, diff-parsing from the last tree it made
for that document, however old.
"""

from __future__ import annotations

import ast
import bisect
import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO


@dataclass(frozen=True)
class Point:
    """A position in a document: 0-based LSP line, code-point column, and the line's
    text before the column when it is not ASCII (to count it in the client's units)."""

    line: int
    column: int
    prefix: str | None = None


@dataclass(frozen=True)
class Import:
    names: list[str]  # the dotted module path, e.g. ["os", "path"]
    level: int  # leading dots of a relative import
    start: Point  # of the dotted path
    end: Point


@dataclass(frozen=True)
class SyntaxProblem:
    message: str
    start: Point
    end: Point


@dataclass(frozen=True)
class Report:
    problems: list[SyntaxProblem]
    imports: list[Import]

    def to_json(self) -> dict[str, Any]:
        return {
            "problems": [[p.message, _point_json(p.start), _point_json(p.end)] for p in self.problems],
            "imports": [[i.names, i.level, _point_json(i.start), _point_json(i.end)] for i in self.imports],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Report:
        return cls(
            [SyntaxProblem(str(m), Point(*s), Point(*e)) for m, s, e in data["problems"]],
            [
                Import([str(n) for n in names], int(level), Point(*s), Point(*e))
                for names, level, s, e in data["imports"]
            ],
        )


def _point_json(point: Point) -> list[Any]:
    return [point.line, point.column, point.prefix]


def report(grammar: Any, module: Any, lines: list[str]) -> Report:
    """The syntax errors and imports of a parsed module whose lines (parso's, which
    are the LSP's) are ``lines``."""

    def point(position: tuple[int, int]) -> Point:
        row, column = position
        text = lines[row - 1] if 0 < row <= len(lines) else ""
        prefix = text[:column]
        return Point(row - 1, column, None if prefix.isascii() else prefix)

    problems = [SyntaxProblem(e.message, point(e.start_pos), point(e.end_pos)) for e in grammar.iter_errors(module)]
    found = [Import(names, level, point(start), point(end)) for names, level, start, end in imports(module)]
    return Report(problems, found)


def imports(module: Any) -> Iterator[tuple[list[str], int, tuple[int, int], tuple[int, int]]]:
    """Every import statement's module paths, except those inside ``try`` (an optional import):
    names, level (leading dots), and parso's start and end (1-based line, code points)."""
    for node in _walk(module):
        if node.type == "import_name":
            for path in node.get_paths():
                yield [leaf.value for leaf in path], 0, path[0].start_pos, path[-1].end_pos
        elif node.type == "import_from":
            names = node.get_from_names()
            if names:
                yield [leaf.value for leaf in names], node.level, names[0].start_pos, names[-1].end_pos


def _walk(node: Any) -> Iterator[Any]:
    for child in getattr(node, "children", ()):
        if child.type in ("import_name", "import_from"):
            yield child
        elif child.type not in ("try_stmt", "error_node") and hasattr(child, "children"):
            yield from _walk(child)


_SPACE = r"(?:[ \t\f]|\\(?:\r\n|\r|\n))*"  # what may stand between tokens of one logical line
_NAME = r"[^\W\d]\w*"
_DOTTED = re.compile(rf"{_SPACE}({_NAME}(?:{_SPACE}\.{_SPACE}{_NAME})*)")
_AFTER_ALIAS = re.compile(rf"(?:{_SPACE}as{_SPACE}{_NAME})?{_SPACE},?")
_DOTS = re.compile(rf"(?:{_SPACE}\.)*")
_TRIES = (ast.Try, *((ast.TryStar,) if hasattr(ast, "TryStar") else ()))
_BODIES = ("body", "orelse", "finalbody", "cases")


def compiled_report(text: str, version: str | None) -> Report | None:
    """The report on ``text`` when the interpreter's compiler accepts it (no problems; the
    imports from ``ast``), None when it does not, or when it cannot judge: the configured
    version is newer than this process's Python (parso decides then)."""
    try:
        tree = compiled(text, version)
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        return None
    return None if tree is None else Report([], list(ast_imports(tree, text)))


def compiled(text: str, version: str | None) -> ast.Module | None:
    """``text`` parsed and compiled as the configured interpreter's version would (this
    process's ``compile``, or ``ast.parse`` with an older ``feature_version``); None when
    that version is newer than this process's Python, which cannot judge it. The
    compiler's ``SyntaxError`` (or ``ValueError`` for a null byte) goes to the caller."""
    own = sys.version_info[:2]
    wanted = _version(version) or own
    if wanted > own:
        return None
    if wanted < own:
        return ast.parse(text, feature_version=wanted)
    tree = ast.parse(text)
    compile(tree, "<document>", "exec", dont_inherit=True)  # the symbol table's errors too
    return tree


def ast_imports(tree: ast.Module, text: str) -> Iterator[Import]:
    """``imports`` of ``text`` parsed by ``ast`` as ``tree``: the same statements (none inside
    ``try``) at the same positions (LSP lines as parso splits them, code-point columns)."""
    from parso.utils import split_lines

    lines = split_lines(text, keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def point(offset: int) -> Point:
        row = bisect.bisect_right(starts, offset) - 1
        prefix = lines[row][: offset - starts[row]]
        return Point(row, len(prefix), None if prefix.isascii() else prefix)

    def dotted(at: int) -> tuple[list[str], int, int]:
        found = _DOTTED.match(text, at)
        assert found is not None, "a statement the compiler accepted names a module here"
        return re.findall(_NAME, found.group(1)), found.start(1), found.end(1)

    for node in _imports(tree.body):
        row = node.lineno - 1
        offset = starts[row] + len(lines[row].encode("utf-8")[: node.col_offset].decode("utf-8", "replace"))
        if isinstance(node, ast.Import):
            at = offset + len("import")
            for _alias in node.names:
                names, start, end = dotted(at)
                yield Import(names, 0, point(start), point(end))
                at = _AFTER_ALIAS.match(text, end).end()  # type: ignore[union-attr]
        elif node.module is not None:
            names, start, end = dotted(_DOTS.match(text, offset + len("from")).end())  # type: ignore[union-attr]
            yield Import(names, node.level, point(start), point(end))


def _imports(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements in ``body`` and the bodies nested in it, in order, except in ``try``."""
    for statement in body:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            yield statement
        elif not isinstance(statement, _TRIES):
            for field in _BODIES:
                for child in getattr(statement, field, ()):
                    yield from _imports([child] if isinstance(child, ast.stmt) else child.body)


def confirmed(problems: list[SyntaxProblem], text: str, version: str | None, lines: list[str]) -> list[SyntaxProblem]:
    """parso's errors that the interpreter's own compiler agrees with.

    parso's grammars stop at Python 3.9's syntax: a ``match`` statement or a parenthesized
    ``with`` is an error to it. When this process's Python is the configured
    interpreter's version, its ``compile`` decides (for an older configured version,
    ``ast.parse`` with that ``feature_version``): text it compiles has no syntax
    error; in text it does not compile, the compiler's first error is the one on its
    line, with none before it, and parso's recovery adds those after. With a configured
    version newer than this process's, parso's errors stay as they are."""
    try:
        if compiled(text, version) is None:
            return problems
    except SyntaxError as error:
        row = (error.lineno or 1) - 1
        text_line = lines[row].rstrip("\r\n") if row < len(lines) else ""
        column = min(max((error.offset or 1) - 1, 0), len(text_line))
        end_column = len(text_line)
        if error.end_lineno == error.lineno and error.end_offset and error.end_offset - 1 > column:
            end_column = min(error.end_offset - 1, len(text_line))
        start = Point(row, column, _prefix(text_line, column))
        end = Point(row, end_column, _prefix(text_line, end_column))
        on_line = [problem for problem in problems if problem.start.line == row]
        if column == len(text_line) and on_line:  # the compiler points past the line: parso's range says more
            start, end = on_line[0].start, on_line[0].end
        return [SyntaxProblem(f"{type(error).__name__}: {error.msg}", start, end)] + [
            problem for problem in problems if problem.start.line > row
        ]
    except (ValueError, TypeError, MemoryError, RecursionError):  # null bytes, an unknown feature version, depth
        return problems
    return []


def _prefix(line: str, column: int) -> str | None:
    prefix = line[:column]
    return None if prefix.isascii() else prefix


def _version(version: str | None) -> tuple[int, int] | None:
    try:
        major, minor = (version or "").split(".")[:2]
        return int(major), int(minor)
    except ValueError:
        return None


class Parser:
    """The latest tree of each document, diff-parsed from the one before."""

    def __init__(self) -> None:
        self._grammars: dict[str | None, Any] = {}
        self._trees: dict[str, tuple[Any, list[str], Any]] = {}  # path -> (grammar, lines, tree)

    def grammar(self, version: str | None) -> Any:
        from parso.grammar import load_grammar

        if version not in self._grammars:
            try:
                self._grammars[version] = load_grammar(version=version) if version else load_grammar()
            except (NotImplementedError, ValueError):
                self._grammars[version] = load_grammar()
        return self._grammars[version]

    def check(self, path: str, version: str | None, text: str) -> Report:
        from parso.utils import split_lines

        quick = compiled_report(text, version)
        if quick is not None:
            return quick  # the document's last tree, if any, stays for the next diff parse
        grammar = self.grammar(version)
        lines = split_lines(text, keepends=True)
        previous = self._trees.pop(path, None)
        if previous is not None and previous[0] is grammar:
            differ = grammar._diff_parser(grammar._pgen_grammar, grammar._tokenizer, previous[2])
            tree = differ.update(old_lines=previous[1], new_lines=lines)
        else:
            tree = grammar.parse(text, error_recovery=True)
        self._trees[path] = (grammar, lines, tree)
        found = report(grammar, tree, lines)
        return Report(confirmed(found.problems, text, version, lines), found.imports)

    def forget(self, path: str) -> None:
        self._trees.pop(path, None)


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    """Answer check requests until ``requests`` ends."""
    parser = Parser()
    while header := requests.readline():
        request = json.loads(header)
        if request["op"] == "forget":
            parser.forget(request["path"])
            continue
        text = requests.read(request["length"]).decode("utf-8", "surrogatepass")
        try:
            answer: dict[str, Any] = parser.check(request["path"], request["version"], text).to_json()
        except Exception as exc:  # a parso bug must not end the process
            parser.forget(request["path"])
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        answers.write(json.dumps(answer).encode("utf-8", "surrogatepass") + b"\n")
        answers.flush()


if __name__ == "__main__":
    try:
        serve(sys.stdin.buffer, sys.stdout.buffer)
    except BrokenPipeError:  # the server went away mid-answer
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
