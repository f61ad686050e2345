"""The faster tree queries give exactly parso's answers."""

from __future__ import annotations

import inspect
import json
import typing
from typing import Any

import parso
from hypothesis import given, settings
from hypothesis import strategies as st

from evalens.intelligence import treequeries

GRAMMAR = parso.load_grammar()
PIECES = [
    "x",
    "y",
    " = ",
    "def ",
    "class ",
    "(",
    ")",
    ":",
    "\n",
    "    ",
    ".",
    ",",
    "import ",
    "lambda",
    "'s'",
    "1",
    "[",
    "]",
]


def parso_names(module: Any) -> dict[str, list[Any]]:
    module._used_names = None
    mapping = treequeries.PARSO_GET_USED_NAMES(module)
    return {name: list(mapping[name]) for name in mapping}


def test_same_mapping_as_parso_on_real_modules() -> None:
    for source in (inspect.getsource(typing), inspect.getsource(json.decoder), inspect.getsource(inspect)):
        module = GRAMMAR.parse(source)
        ours = treequeries.used_names(module)
        assert list(ours) == list(parso_names(module))
        assert ours == parso_names(module)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=60))
def test_same_mapping_as_parso_on_broken_code(pieces: list[str]) -> None:
    module = GRAMMAR.parse("".join(pieces), error_recovery=True)
    assert treequeries.used_names(module) == parso_names(module)


def test_installed_for_every_module() -> None:
    treequeries.install()
    module = GRAMMAR.parse("a = b\nb.c(a)\n")
    assert {name: [leaf.start_pos for leaf in leaves] for name, leaves in module.get_used_names().items()} == {
        "a": [(1, 0), (2, 4)],
        "b": [(1, 4), (2, 0)],
        "c": [(2, 2)],
    }


def parso_name(module: Any, position: tuple[int, int]) -> Any:
    return treequeries.PARSO_GET_NAME_OF_POSITION(module, position)


def every_position(source: str) -> list[tuple[int, int]]:
    return [(number, column) for number, line in enumerate(source.split("\n"), 1) for column in range(len(line) + 1)]


def test_same_name_of_position_as_parso_on_a_real_module() -> None:
    source = inspect.getsource(json.decoder)
    module = GRAMMAR.parse(source)
    for position in every_position(source):
        assert treequeries.name_of_position(module, position) is parso_name(module, position), position


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_same_name_of_position_as_parso_on_broken_code(pieces: list[str]) -> None:
    source = "".join(pieces)
    module = GRAMMAR.parse(source, error_recovery=True)
    for position in every_position(source):
        assert treequeries.name_of_position(module, position) is parso_name(module, position), position
    for node in module.children:  # also asked of nodes inside the module
        if hasattr(node, "children"):
            for position in every_position(source):
                assert treequeries.name_of_position(node, position) is parso_name(node, position), position
