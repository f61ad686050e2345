"""Imports read from ``ast`` for text that compiles agree with parso's reading of the same text."""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

import parso
from hypothesis import given, settings
from hypothesis import strategies as st
from parso.utils import split_lines

from evalens.intelligence.syntax import Import, Parser, Point, Report, compiled_report, report

VERSION = f"{sys.version_info[0]}.{sys.version_info[1]}"
GRAMMAR = parso.load_grammar(version=VERSION)


def parso_report(text: str) -> Report:
    return report(GRAMMAR, GRAMMAR.parse(text, error_recovery=True), split_lines(text, keepends=True))


def stdlib_sample() -> list[Path]:
    """Every tenth module of the standard library (about 90 files, a few of each style)."""
    files = sorted(Path(sysconfig.get_paths()["stdlib"]).rglob("*.py"))
    return [path for path in files if "test" not in path.parts and "site-packages" not in path.parts][::10]


def test_the_standard_library_reads_the_same_through_ast_and_parso() -> None:
    compared = 0
    for path in stdlib_sample():
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        quick = compiled_report(text, VERSION)
        if quick is None:
            continue
        assert quick.imports == parso_report(text).imports, path
        compared += 1
    assert compared >= 50


SPACE = st.sampled_from([" ", "  ", "\t", " \f", " \\\n ", "\\\n"])
NAME = st.sampled_from(["os", "a", "é", "ñame", "x1", "_p"])
GAP = SPACE | st.just("")
DOTTED = st.tuples(NAME, st.lists(st.tuples(GAP, GAP, NAME), max_size=2)).map(
    lambda d: d[0] + "".join(f"{before}.{after}{name}" for before, after, name in d[1])
)
ALIAS = st.tuples(DOTTED, st.none() | NAME).map(lambda a: a[0] if a[1] is None else f"{a[0]} as {a[1]}")
IMPORT = st.lists(ALIAS, min_size=1, max_size=3).map(lambda aliases: "import " + " , ".join(aliases))
FROM = st.tuples(st.sampled_from(["", ".", "..", "...", ". .", "...."]), DOTTED | st.just(""), SPACE).map(
    lambda f: f"from {f[0]}{' ' if f[0] and f[1] else ''}{f[1] or ('' if f[0] else 'm')}{f[2]}import z"
)
PREFIX = st.sampled_from(["", "x = 'é'; ", "if x:\n    ", "def f():\n    ", "try:\n    ", "class C:\n  "])
HANDLER = "except E:\n    pass\n"
SUFFIX = st.sampled_from(["\n", "\r\n", "  # c\n", ";y = 1\n"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(PREFIX, IMPORT | FROM, SUFFIX), min_size=1, max_size=4))
def test_generated_import_statements_read_the_same_through_ast_and_parso(parts: list[tuple[str, str, str]]) -> None:
    text = "".join(
        prefix + statement + suffix + (HANDLER if prefix.startswith("try") else "")
        for prefix, statement, suffix in parts
    )
    quick = compiled_report(text, VERSION)
    assert quick is not None, text
    assert quick.imports == parso_report(text).imports


def test_text_that_does_not_compile_is_left_to_parso() -> None:
    assert compiled_report("x = (\n", VERSION) is None
    assert compiled_report("return 1\n", VERSION) is None  # the compiler's own check, not the parser's
    assert compiled_report("import os\n", "9.9") is None  # a newer Python than this one: parso decides


def test_imports_in_a_match_case_are_read() -> None:
    text = "match x:\n    case 1:\n        import m\n"
    assert Parser().check("a.py", VERSION, text) == Report([], [Import(["m"], 0, Point(2, 15), Point(2, 16))])


def test_a_compiler_error_that_parso_misses_is_reported() -> None:
    assert Parser().check("a.py", VERSION, "def f():\n    nonlocal q\n").problems[0].message == (
        "SyntaxError: no binding for nonlocal 'q' found"
    )
