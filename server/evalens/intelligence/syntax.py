"""What a parse tree says without inference: its syntax errors and its imports."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Import:
    names: list[str]  # the dotted module path, e.g. ["os", "path"]
    level: int  # leading dots of a relative import
    start: tuple[int, int]  # of the dotted path (1-based line, code points)
    end: tuple[int, int]


@dataclass(frozen=True)
class SyntaxProblem:
    message: str
    start: tuple[int, int]
    end: tuple[int, int]


def syntax_errors(grammar: Any, module: Any) -> list[SyntaxProblem]:
    return [SyntaxProblem(error.message, error.start_pos, error.end_pos) for error in grammar.iter_errors(module)]


def imports(module: Any) -> Iterator[Import]:
    """Every import statement's module paths, except those inside ``try`` (an optional import)."""
    for node in _walk(module):
        if node.type == "import_name":
            for path in node.get_paths():
                yield Import([leaf.value for leaf in path], 0, path[0].start_pos, path[-1].end_pos)
        elif node.type == "import_from":
            names = node.get_from_names()
            if names:
                yield Import([leaf.value for leaf in names], node.level, names[0].start_pos, names[-1].end_pos)


def _walk(node: Any) -> Iterator[Any]:
    for child in getattr(node, "children", ()):
        if child.type in ("import_name", "import_from"):
            yield child
        elif child.type not in ("try_stmt", "error_node") and hasattr(child, "children"):
            yield from _walk(child)
