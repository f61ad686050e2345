"""The faster name index gives exactly parso's mapping."""

from __future__ import annotations

import inspect
import json
import typing
from typing import Any

import parso
from hypothesis import given, settings
from hypothesis import strategies as st

from evalens.intelligence import usednames

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
    mapping = usednames.PARSO_GET_USED_NAMES(module)
    return {name: list(mapping[name]) for name in mapping}


def test_same_mapping_as_parso_on_real_modules() -> None:
    for source in (inspect.getsource(typing), inspect.getsource(json.decoder), inspect.getsource(inspect)):
        module = GRAMMAR.parse(source)
        ours = usednames.used_names(module)
        assert list(ours) == list(parso_names(module))
        assert ours == parso_names(module)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=60))
def test_same_mapping_as_parso_on_broken_code(pieces: list[str]) -> None:
    module = GRAMMAR.parse("".join(pieces), error_recovery=True)
    assert usednames.used_names(module) == parso_names(module)


def test_installed_for_every_module() -> None:
    usednames.install()
    module = GRAMMAR.parse("a = b\nb.c(a)\n")
    assert {name: [leaf.start_pos for leaf in leaves] for name, leaves in module.get_used_names().items()} == {
        "a": [(1, 0), (2, 4)],
        "b": [(1, 4), (2, 0)],
        "c": [(2, 2)],
    }
