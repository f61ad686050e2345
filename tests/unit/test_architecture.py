"""The shape of the package: no import cycles, a worker that needs only the standard
library, modules of a readable size. The layers are import-linter's contracts
(``pyproject.toml``, run by ``lint-imports`` in CI)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

import grimp
import pytest

SERVER = Path(__file__).resolve().parents[2] / "server" / "evalens"
MAX_LINES = 450


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("evalens", include_external_packages=True, exclude_type_checking_imports=False)


def cycles(modules: Iterable[str], imports_of: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in sorted(imports_of.get(module, ())):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(modules):
        if module not in index:
            visit(module)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    imports = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(imports, imports) == [["a", "b", "c"]]


def test_no_import_cycles_type_checking_imports_included(graph: grimp.ImportGraph) -> None:
    ours = {module for module in graph.modules if module.startswith("evalens")}
    imports = {module: graph.find_modules_directly_imported_by(module) & ours for module in ours}
    assert cycles(ours, imports) == []


MATPLOTLIB = ("matplotlib",)  # grimp names an outside package by its top level


def test_the_worker_imports_only_the_standard_library(graph: grimp.ImportGraph) -> None:
    worker = {module for module in graph.modules if module.startswith("evalens.worker")}
    outside = {
        (module, imported)
        for module in worker
        for imported in graph.find_modules_directly_imported_by(module)
        if not imported.startswith("evalens.worker") and imported.split(".")[0] not in sys.stdlib_module_names
    }
    # the matplotlib backend: loaded by the user's matplotlib, never by the worker itself; and
    # in a Jupyter kernel, the kernel's own IPython publishes the worker's displays
    assert outside == {("evalens.worker.mplbackend", module) for module in MATPLOTLIB} | {
        ("evalens.worker.kernelside", "IPython")
    }


def test_no_module_is_longer_than_a_reader_can_hold() -> None:
    long = {
        str(path.relative_to(SERVER)): count
        for path in SERVER.rglob("*.py")
        if (count := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
