"""``with`` blocks held open across evaluations.

Evaluating a lone ``with`` header (``with open(p) as f:``) enters its context
managers, binds the targets in the module and keeps the managers on a stack;
``exit_innermost`` leaves the innermost one, without an exception or with the
exception of the last failed run, as the body of the block would have.
"""

from __future__ import annotations

import ast
from typing import Any, Callable, Dict, List, Optional, Tuple

_VALUE = "__evalens_entered__"


def lone_with_header(code: str, first_line: int, filename: str) -> Optional[ast.With]:
    """The ``with`` statement ``code`` opens, when ``code`` is only its header."""
    stripped = code.rstrip()
    if not stripped.endswith(":") or not stripped.lstrip().startswith("with"):
        return None
    try:
        ast.parse(code)
        return None
    except SyntaxError:
        pass
    try:
        tree = ast.parse("\n" * first_line + stripped + "\n pass\n", filename)
    except SyntaxError:
        return None
    if len(tree.body) != 1:
        return None
    node = tree.body[0]
    if isinstance(node, ast.With) and len(node.body) == 1 and isinstance(node.body[0], ast.Pass):
        return node
    return None


def _segment(source: str, node: ast.AST) -> str:
    return ast.get_source_segment(source, node) or type(node).__name__


class HeldContexts:
    """The stack of context managers entered by lone ``with`` headers."""

    def __init__(self) -> None:
        self.stack: List[Tuple[str, Any, Callable[..., Any]]] = []

    def descriptions(self) -> List[str]:
        return [description for description, _, _ in self.stack]

    def enter(self, node: ast.With, namespace: Dict[str, Any], filename: str, source: str) -> Any:
        """Enter each item of the header in order; the last ``__enter__`` value is the result."""
        value: Any = None
        for item in node.items:
            expression = ast.Expression(item.context_expr)
            manager = eval(compile(expression, filename, "eval", dont_inherit=True), namespace)
            cls = type(manager)
            try:
                enter, leave = cls.__enter__, cls.__exit__
            except AttributeError:
                raise TypeError(
                    f"'{cls.__module__}.{cls.__qualname__}' object does not support the context manager protocol"
                ) from None
            value = enter(manager)
            description = _segment(source, item.context_expr)
            if item.optional_vars is not None:
                description += " as " + _segment(source, item.optional_vars)
            self.stack.append((description, manager, leave))
            if item.optional_vars is not None:
                statement = ast.Assign(targets=[item.optional_vars], value=ast.Name(_VALUE, ast.Load()))
                assign = ast.Module(body=[ast.copy_location(statement, node)], type_ignores=[])
                ast.fix_missing_locations(assign)
                namespace[_VALUE] = value
                try:
                    exec(compile(assign, filename, "exec", dont_inherit=True), namespace)
                finally:
                    del namespace[_VALUE]
        return value

    def exit_innermost(self, error: Optional[BaseException]) -> Any:
        """Leave the innermost held context; True means it suppressed ``error``."""
        _, manager, leave = self.stack.pop()
        if error is None:
            return leave(manager, None, None, None)
        return leave(manager, type(error), error, error.__traceback__)
