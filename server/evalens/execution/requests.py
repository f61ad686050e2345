"""The command API's argument objects, validated before anything runs.

Each ``parse_*`` function takes the raw ``arguments`` list of
``workspace/executeCommand`` and returns a typed request, or raises
``BadRequest`` with a message that says what to fix.
"""

from __future__ import annotations

import ast
import keyword
from dataclasses import dataclass, field
from typing import Any


class BadRequest(ValueError):
    """A malformed command request; the message tells the client what to fix."""


@dataclass(frozen=True)
class Span:
    start_line: int
    start_character: int
    end_line: int
    end_character: int


@dataclass(frozen=True)
class EvalRequest:
    uri: str
    code: str | None
    span: Span | None
    bindings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CallRequest:
    uri: str
    target: str
    args_source: str | None
    args: list[Any]
    kwargs: dict[str, Any]


@dataclass(frozen=True)
class RunModuleRequest:
    uri: str


def single_object(command: str, arguments: tuple[Any, ...] | list[Any]) -> dict[str, Any]:
    if len(arguments) != 1 or not isinstance(arguments[0], dict):
        raise BadRequest(
            f"{command} takes `arguments` as a list of one object, e.g. "
            f'[{{"uri": "file:///path/to/file.py", ...}}]; got {_short(list(arguments))}'
        )
    return arguments[0]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 120 else text[:117] + "..."


def _string(obj: dict[str, Any], key: str, command: str, required: bool = True) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise BadRequest(f"{command} needs `{key}` (a string)")
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{command}: `{key}` must be a string, not {type(value).__name__}")
    return value


def _uri(obj: dict[str, Any], command: str) -> str:
    uri = _string(obj, "uri", command)
    assert uri is not None
    if not uri:
        raise BadRequest(f"{command}: `uri` is empty; pass the URI of an open document")
    return uri


def _position(value: Any, where: str) -> tuple[int, int]:
    if not isinstance(value, dict):
        raise BadRequest(f"evalens.eval: `range.{where}` must be an object {{line, character}}")
    line, character = value.get("line"), value.get("character")
    for name, item in (("line", line), ("character", character)):
        if not isinstance(item, int) or isinstance(item, bool) or item < 0:
            raise BadRequest(f"evalens.eval: `range.{where}.{name}` must be an integer >= 0, not {item!r}")
    assert isinstance(line, int) and isinstance(character, int)
    return line, character


def parse_span(value: Any) -> Span:
    if not isinstance(value, dict):
        raise BadRequest("evalens.eval: `range` must be an object {start: {line, character}, end: {line, character}}")
    start = _position(value.get("start"), "start")
    end = _position(value.get("end"), "end")
    if end < start:
        raise BadRequest("evalens.eval: `range.end` comes before `range.start`")
    return Span(start[0], start[1], end[0], end[1])


def parse_eval(arguments: tuple[Any, ...] | list[Any]) -> EvalRequest:
    command = "evalens.eval"
    obj = single_object(command, arguments)
    uri = _uri(obj, command)
    code = _string(obj, "code", command, required=False)
    span = parse_span(obj["range"]) if obj.get("range") is not None else None
    if (code is None) == (span is None):
        raise BadRequest(f"{command} needs exactly one of `code` (source text) and `range` (a range of the document)")
    bindings = obj.get("bindings") or {}
    if not isinstance(bindings, dict):
        raise BadRequest(f"{command}: `bindings` must be an object mapping names to JSON values")
    for name in bindings:
        if not name.isidentifier() or keyword.iskeyword(name):
            raise BadRequest(f"{command}: binding {name!r} is not a valid Python identifier")
    return EvalRequest(uri, code, span, dict(bindings))


def check_argument_list(source: str) -> None:
    """Accept ``source`` only if it is exactly an argument list, like ``3, key=2``."""
    text = f"__evalens__({source}\n)"
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError) as exc:  # ValueError: a null byte, before Python 3.11.4
        raise BadRequest(f"evalens.call: `args` is not a valid argument list ({_reason(exc)}): {source!r}") from None
    call = tree.body
    if not (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id == "__evalens__"
        and call.end_lineno == text.count("\n") + 1
        and call.end_col_offset == 1
    ):
        raise BadRequest(f"evalens.call: `args` must be only an argument list such as `3, key=2`, not {source!r}")


def check_expression(source: str, what: str) -> None:
    try:
        ast.parse(source.strip(), mode="eval")
    except (SyntaxError, ValueError) as exc:
        raise BadRequest(f"evalens.call: `{what}` must be a Python expression ({_reason(exc)}): {source!r}") from None


def _reason(exc: SyntaxError | ValueError) -> str:
    return exc.msg if isinstance(exc, SyntaxError) else str(exc)


def parse_call(arguments: tuple[Any, ...] | list[Any]) -> CallRequest:
    command = "evalens.call"
    obj = single_object(command, arguments)
    uri = _uri(obj, command)
    target = _string(obj, "target", command)
    assert target is not None
    if not target.strip():
        raise BadRequest(f"{command}: `target` is empty; name a callable, e.g. `main` or `obj.method`")
    check_expression(target, "target")
    raw_args = obj.get("args")
    args_source: str | None = None
    args: list[Any] = []
    if isinstance(raw_args, str):
        check_argument_list(raw_args)
        args_source = raw_args
    elif isinstance(raw_args, list):
        args = raw_args
    elif raw_args is not None:
        raise BadRequest(
            f"{command}: `args` must be Python source of an argument list (a string) or a JSON list, "
            f"not {type(raw_args).__name__}"
        )
    kwargs = obj.get("kwargs") or {}
    if not isinstance(kwargs, dict):
        raise BadRequest(f"{command}: `kwargs` must be a JSON object of keyword arguments")
    for name in kwargs:
        if not name.isidentifier():
            raise BadRequest(f"{command}: keyword argument {name!r} is not a valid Python identifier")
    return CallRequest(uri, target.strip(), args_source, args, dict(kwargs))


def parse_run_module(arguments: tuple[Any, ...] | list[Any]) -> RunModuleRequest:
    obj = single_object("evalens.runModule", arguments)
    return RunModuleRequest(_uri(obj, "evalens.runModule"))


#: what ``evalens.runCell`` runs from the cell at ``line``
CELL_SCOPES = ("cell", "above", "below", "all")


@dataclass(frozen=True)
class RunCellRequest:
    uri: str
    line: int
    scope: str


def parse_run_cell(arguments: tuple[Any, ...] | list[Any]) -> RunCellRequest:
    """``evalens.runCell`` takes ``{uri, line, scope?}``: ``line`` any 0-based line of the cell."""
    command = "evalens.runCell"
    obj = single_object(command, arguments)
    uri = _uri(obj, command)
    line = obj.get("line")
    if isinstance(line, bool) or not isinstance(line, int) or line < 0:
        raise BadRequest(f"{command} needs `line`, a 0-based line of the cell (an integer >= 0), not {_short(line)}")
    scope = obj.get("scope", "cell")
    if scope not in CELL_SCOPES:
        choices = ", ".join(f'"{name}"' for name in CELL_SCOPES)
        raise BadRequest(f"{command}: `scope` must be one of {choices}, not {_short(scope)}")
    return RunCellRequest(uri, line, scope)


@dataclass(frozen=True)
class DoctestRequest:
    uri: str
    line: int | None  # a line of the docstring to run; None: the whole document


def parse_doctest(arguments: tuple[Any, ...] | list[Any]) -> DoctestRequest:
    """``evalens.doctest`` takes ``{uri, line?}``: ``line`` any 0-based line of the docstring."""
    command = "evalens.doctest"
    obj = single_object(command, arguments)
    uri = _uri(obj, command)
    line = obj.get("line")
    if line is not None and (isinstance(line, bool) or not isinstance(line, int) or line < 0):
        raise BadRequest(
            f"{command}: `line` must be a 0-based line of a docstring (an integer >= 0), or absent for "
            f"every docstring of the document; not {_short(line)}"
        )
    return DoctestRequest(uri, line)


@dataclass(frozen=True)
class ExitRequest:
    with_exception: bool


def parse_exit(arguments: tuple[Any, ...] | list[Any]) -> ExitRequest:
    """``evalens.exit`` takes ``[{}]`` or ``[{"exception": true}]``."""
    if len(arguments) == 0:
        return ExitRequest(False)
    obj = single_object("evalens.exit", arguments)
    value = obj.get("exception", False)
    if not isinstance(value, bool):
        raise BadRequest("evalens.exit: `exception` must be true (pass the last run's exception) or false")
    return ExitRequest(value)


def parse_empty(command: str, arguments: tuple[Any, ...] | list[Any]) -> None:
    """``interrupt``, ``restart`` and ``status`` take ``[{}]`` (an empty list is accepted too)."""
    if len(arguments) == 0:
        return
    if len(arguments) != 1 or not isinstance(arguments[0], (dict, type(None))):
        raise BadRequest(f"{command} takes `arguments` as [{{}}]; got {_short(list(arguments))}")


@dataclass(frozen=True)
class VariablesRequest:
    uri: str | None
    ref: int | None
    start: int
    count: int
    everything: bool  # `all`
    repr_chars: int
    names: list[str] | None


#: the most entries one page of `evalens.variables` holds
MAX_PAGE = 1000


def parse_variables(arguments: tuple[Any, ...] | list[Any], default_count: int, default_chars: int) -> VariablesRequest:
    """``evalens.variables`` takes ``[{uri?, ref?, start?, count?, all?, reprChars?, names?}]``
    (or no arguments: the namespace of the last run's module)."""
    command = "evalens.variables"
    obj = single_object(command, arguments) if arguments else {}
    uri = _string(obj, "uri", command, required=False)
    if uri == "":
        raise BadRequest(f"{command}: `uri` is empty; pass the URI of a document, or none for the last run's")

    def integer(key: str, default: int | None, least: int, most: int | None, what: str) -> int | None:
        value = obj.get(key, default)
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or value < least
            or (most is not None and value > most)
        ):
            raise BadRequest(f"{command}: `{key}` must be {what}; not {_short(value)}")
        return value

    ref = integer("ref", None, 1, None, "a `ref` from an earlier answer (an integer >= 1), or absent")
    start = integer("start", 0, 0, None, "the index of the page's first entry (an integer >= 0)")
    count = integer("count", default_count, 0, MAX_PAGE, f"how many entries the page holds (0 to {MAX_PAGE})")
    chars = integer("reprChars", default_chars, 1, None, "the longest repr of an entry (an integer >= 1)")
    everything = obj.get("all", False)
    if not isinstance(everything, bool):
        raise BadRequest(f"{command}: `all` must be true or false; not {_short(everything)}")
    names = obj.get("names")
    if names is not None and (not isinstance(names, list) or not all(isinstance(name, str) for name in names)):
        raise BadRequest(f"{command}: `names` must be a list of names (strings), or absent; not {_short(names)}")
    if names is not None and ref is not None:
        raise BadRequest(f"{command}: `names` picks entries of a namespace; it does not go with `ref`")
    assert start is not None and count is not None and chars is not None
    return VariablesRequest(uri, ref, start, count, everything, chars, names)
