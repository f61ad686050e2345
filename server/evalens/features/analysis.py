"""What the editor features need to know about source text, read with ``ast``.

Nothing here runs user code: functions that can be called without arguments,
the function defined on a line, and whether a selection is runnable code.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class FunctionDef:
    qualname: str
    line: int  # 0-based line of the ``def`` (decorators excluded)
    callable_without_arguments: bool


def _needs_no_arguments(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    args = node.args
    positional = args.posonlyargs + args.args
    required_positional = len(positional) - len(args.defaults)
    required_keyword = sum(1 for default in args.kw_defaults if default is None)
    return required_positional == 0 and required_keyword == 0


def functions(source: str) -> list[FunctionDef]:
    """Top-level functions and the methods of top-level classes, in source order."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    found: list[FunctionDef] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.append(FunctionDef(node.name, node.lineno - 1, _needs_no_arguments(node)))
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    found.append(FunctionDef(f"{node.name}.{item.name}", item.lineno - 1, False))
    return found


def function_at_line(source: str, line: int) -> FunctionDef | None:
    for function in functions(source):
        if function.line == line:
            return function
    return None


def runnable_kind(code: str) -> str | None:
    """``"expression"``, ``"statements"``, or None when the text does not parse."""
    if not code.strip():
        return None
    try:
        ast.parse(code, mode="eval")
        return "expression"
    except SyntaxError:
        pass
    try:
        ast.parse(code, mode="exec")
        return "statements"
    except SyntaxError:
        return None
