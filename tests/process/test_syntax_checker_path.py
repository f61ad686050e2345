"""The syntax checker process finds parso when the server's own Python does not have it and
the server's packages come from PYTHONPATH (the VS Code extension's bundled libs): the
process runs isolated (-I), which drops PYTHONPATH."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from evalens.intelligence.diagnostics import SyntaxChecker

#: Pythons that may lack parso: Debian's, the venv's base
PYTHONS = ["/usr/bin/python3", getattr(sys, "_base_executable", "")]


def _lacks_parso(python: str) -> bool:
    if not os.path.exists(python):
        return False
    return subprocess.run([python, "-I", "-c", "import parso"], capture_output=True, check=False).returncode != 0


async def test_the_checker_finds_parso_from_a_python_without_it(monkeypatch: pytest.MonkeyPatch) -> None:
    bare = next((python for python in PYTHONS if python and _lacks_parso(python)), None)
    if bare is None:
        pytest.skip("no Python without parso here")
    monkeypatch.setattr(sys, "executable", bare)
    checker = SyntaxChecker()
    try:
        report = await checker.check("/project/broken.py", None, "x = (1,\n")
    finally:
        await checker.close()
    assert report is not None
    assert report.problems[0].message == "SyntaxError: '(' was never closed"
