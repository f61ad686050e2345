"""The stdlib's own doctests agree: stdlib modules copied into the workspace under other names,
their examples run by evalens.doctest and by ``python -m doctest`` on the same file, the same
interpreter; the counts and the failing examples' lines must be the same.

The copies fail some of their examples, so the comparison has failures to compare: examples
naming the module they were written in (``textwrap.shorten``), exceptions printed under
another module's name (``_pydecimal`` calls itself ``decimal``, whose C twin its examples
import), and a copy of ``statistics`` edited to fail in the other ways doctest knows (wrong
output, an unexpected exception, an exception under its new module name) and to skip (``+SKIP``,
``+FAIL_FAST``).
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import process_only
from tests.harness import Editor


@dataclass(frozen=True)
class Copy:
    """A stdlib module copied into the workspace as ``copied_<module>.py``, with ``edits``
    (old, new: each old text must be there) made to it."""

    module: str
    edits: tuple[tuple[str, str], ...] = ()
    fails: bool = False  # some of its examples fail
    skips: bool = False  # some are not attempted

    @property
    def name(self) -> str:
        return f"copied_{self.module.lstrip('_')}"


STATISTICS = Copy(
    "statistics",
    (
        # wrong output, and the rest of mean's docstring not run
        (">>> mean([1, 2, 3, 4, 4])\n    2.8\n", ">>> mean([1, 2, 3, 4, 4])  # doctest: +FAIL_FAST\n    2.9\n"),
        (">>> median([1, 3, 5])\n", ">>> median([])\n"),  # an exception where a value was expected
        (">>> median_low([1, 3, 5])\n", ">>> median_low([1, 3, 5])  # doctest: +SKIP\n"),
        (  # the exception is copied_statistics.StatisticsError now
            ">>> median_high([1, 3, 5])\n    3\n",
            ">>> median_high([])\n    Traceback (most recent call last):\n    statistics.StatisticsError: no median\n",
        ),
        (  # ...which IGNORE_EXCEPTION_DETAIL accepts
            ">>> median_high([1, 3, 5, 7])\n    5\n",
            ">>> median_high([])  # doctest: +IGNORE_EXCEPTION_DETAIL\n"
            "    Traceback (most recent call last):\n    statistics.StatisticsError: no median\n",
        ),
        # 4.38961843444... no longer matches
        ("stdev([2.5, 3.25, 5.5, 11.25, 11.75])  #doctest: +ELLIPSIS", "stdev([2.5, 3.25, 5.5, 11.25, 11.75])"),
    ),
    fails=True,
    skips=True,
)
COPIES = [
    pytest.param(STATISTICS, id="statistics-edited"),
    pytest.param(Copy("difflib"), id="difflib"),
    pytest.param(Copy("textwrap", fails=True), id="textwrap"),
    pytest.param(
        Copy("_pydecimal", fails=True),
        id="_pydecimal",
        # doctest's finder leaves out a class whose module (by its __module__) is not the one it
        # searches: with the C ``decimal`` imported (ipykernel imports it), _pydecimal's classes,
        # whose __module__ is "decimal", belong to that one, and only its module docstring counts
        marks=process_only("`decimal` is imported before the copy: doctest finds 39 examples instead of 509"),
    ),
]

#: Every example doctest's finder finds in the module, as ``python -m doctest`` imports it:
#: ``[test name, the example's 0-based line in the file, whether it is marked +SKIP]``.
FIND = """
import doctest, json, sys
sys.path.insert(0, ".")
module = __import__(sys.argv[1])
found = doctest.DocTestFinder().find(module)
print(json.dumps([
    [test.name, None if test.lineno is None else test.lineno + example.lineno,
     bool(example.options.get(doctest.SKIP))]
    for test in found for example in test.examples
]))
"""


@dataclass
class Verdict:
    """What ``python -m doctest -v`` printed: its counts, and the 1-based line of each failing
    example (its failure reports' ``File "...", line N, in name``), in the order reported."""

    attempted: int
    passed: int
    failed: int
    failing: list[int]


def clean_environment() -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), "NO_COLOR": "1", "PYTHON_COLORS": "0"}


def python_m_doctest(python: str, path: Path) -> Verdict:
    done = subprocess.run(
        [python, "-m", "doctest", "-v", path.name],
        cwd=path.parent,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    out = done.stdout
    assert done.returncode == (1 if "***Test Failed***" in out else 0), done.stderr
    attempted = re.search(r"^(\d+) tests? in \d+ items?\.$", out, re.MULTILINE)
    passed = re.search(r"^(\d+) passed\b", out, re.MULTILINE)  # "N passed and K failed." (3.13: "N passed.")
    failed = re.search(r"^\*\*\*Test Failed\*\*\* (\d+) failures?", out, re.MULTILINE)
    assert attempted and passed, out[-2000:]
    assert failed or re.search(r"^Test passed\.$", out, re.MULTILINE), out[-2000:]
    headers = re.findall(r'^File "(.*)", line (\S+), in \S+$', out, re.MULTILINE)
    assert all(Path(file).name == path.name and line.isdigit() for file, line in headers), headers
    return Verdict(
        attempted=int(attempted[1]),
        passed=int(passed[1]),
        failed=int(failed[1]) if failed else 0,
        failing=[int(line) for _, line in headers],
    )


def doctest_finds(python: str, path: Path) -> list[list[Any]]:
    done = subprocess.run(
        [python, "-c", FIND, path.stem],
        cwd=path.parent,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    found: list[list[Any]] = json.loads(done.stdout)
    return found


async def session_python(editor: Editor) -> tuple[str, Path]:
    """The interpreter that runs the session's code, and its stdlib folder."""
    probe = editor.open("probe.py", "")
    result = await editor.eval(probe, "__import__('sys').executable, __import__('sysconfig').get_path('stdlib')")
    assert result["ok"], result["error"]
    python, stdlib = ast.literal_eval(result["value"]["repr"])
    return python, Path(stdlib)


def copy_into(editor: Editor, stdlib: Path, copy: Copy) -> tuple[Path, str]:
    text = (stdlib / f"{copy.module}.py").read_text(encoding="utf-8")
    for old, new in copy.edits:
        assert old in text, f"{copy.module}.py of this Python has no {old!r}"
        text = text.replace(old, new, 1)
    uri = editor.open(f"{copy.name}.py", text, on_disk=True)
    return editor.root / f"{copy.name}.py", uri


@pytest.mark.parametrize("copy", COPIES)
async def test_every_example_has_the_outcome_python_m_doctest_gives_it(editor: Editor, copy: Copy) -> None:
    python, stdlib = await session_python(editor)
    path, uri = copy_into(editor, stdlib, copy)
    ours: dict[str, Any] = await editor.command("evalens.doctest", {"uri": uri})
    assert ours["ok"], ours["error"]
    theirs = python_m_doctest(python, path)
    found = doctest_finds(python, path)

    # the examples doctest finds, each on its line (none without one: the report would say "line ?")
    assert all(line is not None for _, line, _ in found)
    assert [example["line"] for example in ours["examples"]] == sorted(line for _, line, _ in found)
    # the counts python -m doctest prints
    assert (ours["passed"] + ours["failed"], ours["passed"], ours["failed"]) == (
        theirs.attempted,
        theirs.passed,
        theirs.failed,
    )
    assert ours["skipped"] == len(found) - theirs.attempted
    # each failing example, by the line of its >>> (python -m doctest's are 1-based)
    failing = sorted(example["line"] + 1 for example in ours["examples"] if not (example["ok"] or example["skipped"]))
    assert failing == sorted(theirs.failing)
    skipped_by_directive = {line for _, line, skip in found if skip}
    assert skipped_by_directive <= {example["line"] for example in ours["examples"] if example["skipped"]}

    # and the comparison compared something
    assert theirs.attempted >= 2
    assert (theirs.failed > 0, ours["skipped"] > 0) == (copy.fails, copy.skips)
