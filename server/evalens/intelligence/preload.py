"""Load what an opened document imports before the first request needs it.

The first completion in a freshly opened file pays for reading the stubs and
modules it imports (parsed trees come from jedi's disk cache, the compiled
ones from the environment's subprocess): tens to hundreds of milliseconds
the user feels on their first ``.``. Opening a document therefore infers
each module it imports once, on the background lane: the trees land in the
process-wide parser cache.

The work is done on a small stand-in module holding only the document's
import lines (``import_source``), placed in the document's folder so relative
imports resolve the same way: preloading never parses the document itself,
and never holds its parse tree, which would make a request on the document
parse it from scratch instead of updating the tree in place.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from parso.grammar import load_grammar

from .trees import TREES

LIMIT = 100  # imported names looked at per document
STAND_IN = "__evalens_preload__.py"  # the stand-in module's file name, next to the document
#: the grammar every jedi InferenceState loads besides its environment's (``latest_grammar``)
JEDI_LATEST_GRAMMAR = "3.13"

_IMPORT = re.compile(r"^[ \t]*import[ \t]+([\w. \t,]+?)[ \t]*(?:#.*)?$", re.MULTILINE)
_FROM = re.compile(r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+([\w \t,]+?)[ \t]*(?:#.*)?$", re.MULTILINE)
_FROM_BLOCK = re.compile(r"^[ \t]*from[ \t]+([A-Za-z_][\w.]*)[ \t]+import[ \t]*\(", re.MULTILINE)


def import_source(text: str) -> str:
    """The document's import statements as a module of their own, one per line.

    Single-line ``import`` and ``from`` statements are kept as written (without
    ``as`` renames); a parenthesised ``from x import (`` keeps its module as
    ``import x``. Imports on a line with other code are not looked at.
    """
    lines: list[str] = []
    for match in _IMPORT.finditer(text):
        modules = [part.split()[0] for part in match.group(1).split(",") if part.split()]
        lines.extend(f"import {module}" for module in modules)
    for match in _FROM.finditer(text):
        names = [part.split()[0] for part in match.group(3).split(",") if part.split()]
        if names and match.group(1) + match.group(2):
            lines.append(f"from {match.group(1)}{match.group(2)} import {', '.join(names)}")
    lines.extend(f"import {match.group(1)}" for match in _FROM_BLOCK.finditer(text))
    return "".join(f"{line}\n" for line in dict.fromkeys(lines))


def preload(script: Any, pause: Callable[[], bool] = lambda: True) -> int:
    """Infer the modules that the script's import statements name; return how many names were
    inferred. ``pause`` is called before each: it returns once no request is waiting, so
    preloading never competes with one for the interpreter lock for longer than one module;
    when it returns False (requests kept coming), preloading gives up and frees its lane."""
    script._inference_state.builtins_module  # noqa: B018 (loading it is the point)
    count = 0
    for node in script._module_node.iter_imports():
        for path in node.get_paths():
            if count >= LIMIT:
                return count
            if not pause():
                return count
            leaf = path[-1]
            script.infer(leaf.line, leaf.column)
            count += 1
    return count


def head_start(documents: Iterable[tuple[str, str, int]]) -> int:
    """What the first request on a document waits for besides jedi's environment: the
    grammars, and the document's tree. Run while that environment's subprocess starts (a
    tenth of a second, spent waiting on a pipe); returns how many documents were parsed.

    The environment's grammar is not known before its subprocess answers, so the documents
    (``(path, text, revision)``) are parsed with the server's own Python's grammar: the
    same object as the environment's when the versions match (parso keeps one per
    version), and merely unused when they do not.
    """
    grammar = load_grammar()
    load_grammar(version=JEDI_LATEST_GRAMMAR)
    count = 0
    for path, text, revision in documents:
        TREES.warm(grammar, path, text, revision)
        count += 1
    return count
