"""The worker's variables reader, in this process: pages, refs and the names a run changed."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalens.worker import variables
from evalens.worker.variablemessages import variables_query

MODULE = "evalens_test_variables_module"

LEAVES = st.one_of(st.integers(), st.text(max_size=5), st.none(), st.floats(allow_nan=False), st.booleans())
VALUES = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=8),
        st.tuples(inner, inner),
        st.dictionaries(st.text(max_size=3), inner, max_size=8),
        st.frozensets(st.integers(), max_size=8),
    ),
    max_leaves=30,
)


@pytest.fixture
def module() -> Iterator[types.ModuleType]:
    made = types.ModuleType(MODULE)
    sys.modules[MODULE] = made
    yield made
    del sys.modules[MODULE]


def page(reader: variables.Variables, ref: int | None, start: int, count: int) -> dict[str, Any]:
    answer = reader.answer(variables_query(MODULE if ref is None else None, ref, start, count, False, 200))
    assert "variables" in answer
    return dict(answer)


@settings(max_examples=150, deadline=None)
@given(VALUES, st.integers(min_value=1, max_value=5))
def test_pages_of_any_size_list_every_child_once_in_order(value: Any, size: int) -> None:
    made = types.ModuleType(MODULE)
    sys.modules[MODULE] = made
    try:
        made.value = value
        reader = variables.Variables()
        (entry,) = page(reader, None, 0, 100)["variables"]
        found = variables.children(value)
        assert (entry["ref"] is not None) == (found is not None and found[0] > 0)
        if entry["ref"] is None:
            return
        whole = page(reader, entry["ref"], 0, 1000)
        assert whole["total"] == len(value) == entry["size"]
        paged: list[tuple[str, str]] = []
        for start in range(0, whole["total"], size):
            part = page(reader, entry["ref"], start, size)
            assert part["total"] == whole["total"]
            paged += [(item["name"], item["repr"]) for item in part["variables"]]
        assert paged == [(item["name"], item["repr"]) for item in whole["variables"]]
        if isinstance(value, (list, tuple)):
            assert [name for name, _ in paged] == [str(index) for index in range(len(value))]
            shown = [(text, repr(item)) for (_, text), item in zip(paged, value, strict=True)]
            assert all(text == full for text, full in shown if len(full) <= 200)  # a longer one is cut
    finally:
        del sys.modules[MODULE]


NAMES = st.sampled_from(["a", "b", "c", "d", "e"])
BINDINGS = st.dictionaries(NAMES, st.one_of(st.integers(-300, 300), st.lists(st.integers(), max_size=2)))


@settings(max_examples=200, deadline=None)
@given(BINDINGS, st.lists(st.tuples(st.sampled_from(["bind", "delete", "mutate"]), NAMES, st.integers(-300, 300))))
def test_a_run_reports_exactly_the_names_whose_binding_changed(before: dict[str, Any], steps: list[Any]) -> None:
    made = types.ModuleType(MODULE)
    sys.modules[MODULE] = made
    try:
        made.__dict__.update(before)
        original = dict(made.__dict__)
        snapshot = variables.snapshot(MODULE)
        for action, name, number in steps:
            namespace = made.__dict__
            if action == "bind":
                namespace[name] = number if number % 2 else [number]
            elif action == "delete":
                namespace.pop(name, None)
            elif isinstance(namespace.get(name), list):
                namespace[name].append(number)  # a mutation: the same object
        after = made.__dict__
        expected = sorted(
            name
            for name in set(original) | set(after)
            if name not in after or name not in original or original[name] is not after[name]
        )
        assert variables.changed(MODULE, snapshot) == expected
    finally:
        del sys.modules[MODULE]


def test_hidden_kinds_show_only_with_all(module: types.ModuleType) -> None:
    module.__dict__.update(value=1, _private=2, helper=len, Klass=int, os=sys)
    reader = variables.Variables()
    assert [item["name"] for item in page(reader, None, 0, 100)["variables"]] == ["value"]
    everything = reader.answer(variables_query(MODULE, None, 0, 100, True, 200))
    assert "variables" in everything
    assert {"Klass", "_private", "helper", "os", "value"} <= {item["name"] for item in everything["variables"]}


def test_a_ref_goes_stale_when_a_run_starts(module: types.ModuleType) -> None:
    module.items = [1, 2]
    reader = variables.Variables()
    (entry,) = page(reader, None, 0, 100)["variables"]
    reader.forget()
    assert reader.answer(variables_query(None, entry["ref"], 0, 10, False, 200)) == {"stale": entry["ref"]}
    (again,) = page(reader, None, 0, 100)["variables"]
    assert again["ref"] != entry["ref"]  # refs are never given out twice
