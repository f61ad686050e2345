"""Validation of command arguments: every malformed request says what to fix."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalens.execution.requests import BadRequest, Span, check_argument_list, parse_call, parse_eval


@pytest.mark.parametrize("source", ["", "3", "3, key=2", "*xs, **kw", "a, b=[1, 2], c={'x': (1,)}", "1 # )"])
def test_argument_lists_are_accepted(source: str) -> None:
    check_argument_list(source)


@pytest.mark.parametrize(
    "source", ["1), evil(", "1)(2", "1)[0", "1) if x else (2", ")", "x for x in y)(", "1)\nimport os\nf("]
)
def test_anything_but_an_argument_list_is_refused(source: str) -> None:
    with pytest.raises(BadRequest, match="argument list"):
        check_argument_list(source)


def test_eval_needs_exactly_one_of_code_and_range() -> None:
    with pytest.raises(BadRequest, match="exactly one of `code`"):
        parse_eval([{"uri": "file:///a.py"}])
    with pytest.raises(BadRequest, match="exactly one of `code`"):
        parse_eval([{"uri": "file:///a.py", "code": "1", "range": _range(0, 0, 0, 1)}])


def test_eval_range_is_checked() -> None:
    request = parse_eval([{"uri": "file:///a.py", "range": _range(1, 2, 3, 4)}])
    assert request.span == Span(1, 2, 3, 4)
    with pytest.raises(BadRequest, match="comes before"):
        parse_eval([{"uri": "file:///a.py", "range": _range(3, 0, 1, 0)}])
    with pytest.raises(BadRequest, match=r"range.start.line"):
        parse_eval([{"uri": "file:///a.py", "range": _range(-1, 0, 1, 0)}])


def test_bad_shapes_name_the_field() -> None:
    with pytest.raises(BadRequest, match="list of one object"):
        parse_eval([])
    with pytest.raises(BadRequest, match="`uri` must be a string"):
        parse_eval([{"uri": 3, "code": "1"}])
    with pytest.raises(BadRequest, match="binding '1x'"):
        parse_eval([{"uri": "u", "code": "1", "bindings": {"1x": 1}}])
    with pytest.raises(BadRequest, match="needs `target`"):
        parse_call([{"uri": "u"}])
    with pytest.raises(BadRequest, match="`kwargs` must be a JSON object"):
        parse_call([{"uri": "u", "target": "f", "kwargs": [1]}])
    with pytest.raises(BadRequest, match="`args` must be Python source"):
        parse_call([{"uri": "u", "target": "f", "args": 3}])


def test_call_takes_source_or_json_arguments() -> None:
    assert parse_call([{"uri": "u", "target": " f ", "args": "1, k=2"}]).args_source == "1, k=2"
    request = parse_call([{"uri": "u", "target": "obj.m", "args": [1, "a"], "kwargs": {"k": None}}])
    assert (request.target, request.args, request.kwargs) == ("obj.m", [1, "a"], {"k": None})


def test_a_null_byte_is_a_bad_request_on_every_python() -> None:
    """Python before 3.11.4 raises ValueError, not SyntaxError, for one (found by the property below)."""
    with pytest.raises(BadRequest, match="null bytes"):
        check_argument_list("\x00")


@given(st.text(max_size=30))
def test_accepted_argument_lists_compile_as_one_call(source: str) -> None:
    try:
        check_argument_list(source)
    except BadRequest:
        return
    compile(f"f({source}\n)", "<test>", "eval")


def _range(a: int, b: int, c: int, d: int) -> dict[str, dict[str, int]]:
    return {"start": {"line": a, "character": b}, "end": {"line": c, "character": d}}


def test_command_handlers_give_pygls_their_annotations_ready() -> None:
    """pygls reads a command handler's type hints at every executeCommand; kept as strings
    they would be compiled again each time."""
    import typing
    from unittest.mock import patch

    from evalens.server import create_server

    server = create_server()
    for name in ("evalens.eval", "evalens.call", "evalens.status", "evalens.restart"):
        handler = server.protocol.fm.commands[name]
        function = getattr(handler, "func", handler)
        with patch("builtins.compile", side_effect=AssertionError(f"{name}: annotations compiled")):
            hints = typing.get_type_hints(function)
        assert not any(isinstance(hint, str) for hint in hints.values())
        assert "__signature__" in vars(function)
