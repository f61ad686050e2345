"""The Emacs mode (editors/emacs/evalens.el and the files it loads) in real batch Emacs with eglot (Debian's emacs-nox + elpa-eglot).

tests/editors/emacs_test.el does what a user does, with Emacs set up by the Setup block of
editors/emacs/README.md as written and the `evalens` of the README's `pipx install .` on
PATH (the default `evalens-command`): a missing `evalens` and servers that exit while
starting (the exact messages: their stderr and the fix, not eglot's "-1: Server died");
open a file (eglot starts evalens) and see its lenses without a save; evaluate a region,
part of a line and the current line, run a code lens, call with arguments and a method
(placed by the server's document symbols), see output in *evalens-output* and an error as
a Flymake diagnostic on its line, interrupt an infinite loop (`✗ KeyboardInterrupt` in the
neutral evalens-interrupted-face); the user story of stale results in a second buffer (a
loop builds up a counter and is interrupted, an unrelated function is edited without
saving and called, the counter keeps its value and its old result, like main.py's, is
shown " (stale)" in evalens-stale-face until evaluated again); an edit keeps the lenses,
moved, until the new ones arrive; a call of a function imported from another file (echo
area and output when that file is hidden, after its def line when visible); run the
module, restart; cells (`# %%`) in a file typed in and never saved (three cells, one of
them prose, a marker inside a string that is none): the server's cells and their lenses,
`C-c . n` / `C-c . p` between the markers, `C-c . .` (the value after the cell's last line,
its output, a cursor in no cell told in one line), `C-c . b` (each cell's value as its
evalens/cellDone comes, replacing its last one), the server's Run cell code action as
eglot runs it, `C-c . A` with a failing middle cell (its error, the cells after it not
run); rich output in a workspace whose `interpreter` is this venv's Python (a matplotlib
figure drawn by `plt.plot` is a link to its PNG file in batch Emacs, which is not
graphical, and an image in *evalens-output* when Emacs is made to look graphical; a value
with `_repr_html_` shows its text/plain, each once, also from cells run together); Jupyter
kernels (`evalens-select-kernel` with a stubbed `completing-read` chooses the `python3`
kernelspec, the test venv's ipykernel, and code runs there; a Jupyter Server's URL and token,
read with stubs of `read-string` and `read-passwd`, and the server's refusal told without the
token; `(evalens-select-kernel nil)` back to evalens' own interpreter); an untrusted
workspace's message and trusting it as the message says; plain eglot
configured by the top README's snippet; the server's workspace/codeLens/refresh answered;
the server ending later (its exit and last stderr lines; its last answer handled after it
ended sends nothing more); no error escaping a process filter or sentinel. With
EVALENS_SCENARIO=doctest the script plays docstring examples instead
(tests/editors/emacs_doctest_test.el: `C-c . d`, its Flymake diagnostic, the Update expected
output quick fix through `eglot-code-actions`, `C-c . u`), and with EVALENS_SCENARIO=variables
the variables view (tests/editors/emacs_variables_test.el: `C-c . v`, RET, `a`, `g`).

The mode is evalens.el and the files it loads from its own folder: each byte-compiles
without a warning in an Emacs of its own, evalens.el finds them whether it is required (the
README's Setup) or loaded by file name, none is longer than a reader can hold, and
test_contract.py's checks of evalens.el hold in all of them.
`.ci/editors.sh` installs Emacs.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .support import EDITORS, INSTALL_JUPYTER, install_kernelspec, run_log

SCRIPT = Path(__file__).with_name("emacs_test.el")


def emacs() -> str:
    path = shutil.which("emacs")
    if path is None:
        pytest.skip("emacs is not installed (run .ci/editors.sh)")
    return path


def has_eglot(binary: str) -> bool:
    probe = subprocess.run(
        [binary, "--batch", "--eval", "(kill-emacs (if (require 'eglot nil t) 0 3))"],
        capture_output=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    return probe.returncode == 0


def play(editor_env: dict[str, str], tmp_path: Path, steps: list[str], timeout: int, **extra: str) -> None:
    """Play tests/editors/emacs_test.el in a batch Emacs with eglot (the scenario and settings
    in ``extra``), then hold its report to every one of ``steps`` and to no failure."""
    binary = emacs()
    if not has_eglot(binary):
        pytest.skip("eglot is not installed (apt-get install elpa-eglot; run .ci/editors.sh)")
    env = dict(editor_env, EVALENS_PLUGIN=str(EDITORS / "emacs"), **extra)
    if "EVALENS_SCENARIO" not in extra:
        install_kernelspec(env)  # the kernel steps choose the `python3` kernelspec
    # Not -Q: Debian's site-start puts eglot on the load path.
    proc = subprocess.run(
        [binary, "--batch", "-l", str(SCRIPT)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    log = run_log(env, proc.stdout, proc.stderr)
    assert proc.returncode == 0, f"emacs exited {proc.returncode}\n{log}"
    report = Path(env["EVALENS_REPORT"]).read_text()
    assert "FAIL" not in report, log
    for step in steps:
        assert f"ok {step}" in report, log
    assert "error in process" not in proc.stderr, log


@pytest.mark.timeout(150)
def test_emacs_mode(editor_env: dict[str, str], tmp_path: Path) -> None:
    # The rich output steps set the `interpreter' setting to this venv's Python (matplotlib
    # is in the test extra), as a user points evalens at a project's environment.
    steps = [
        "load evalens.el with the README's Setup, taken literally",
        "no evalens on exec-path: the message says so",
        "a server that exits at once: its stderr and the fix",
        "a server that dies while eglot waits for its answer",
        "code lenses are shown on open, without a save",
        "a Result in one line",
        "eval a region",
        "run a lens",
        "call a method",
        "evalens-call completes",
        "an error: a diagnostic",
        "interrupt an infinite loop",
        "story: run spin() from its lens",
        "story: evaluate `counter'",
        "story: edit other() without saving",
        "story: the counter kept its value",
        "an edit: the lenses shown stay, moved with the text",
        "call an imported function, its file not open",
        "where a call's target is shown",
        "call an imported function, its file visible",
        "cells: a file typed in, never saved",
        "cells: C-c . n and C-c . p move between the markers",
        "cells: C-c . . runs the cell at point",
        "cells: C-c . b from the first runs it and the rest",
        "cells: the server's Run cell code action",
        "cells: C-c . A with a failing middle cell",
        "rich output: a matplotlib figure in a terminal Emacs",
        "rich output: in a graphical Emacs",
        "rich output: a value with _repr_html_",
        "rich output: cells, each cell's bundles once",
        "kernels: evalens-select-kernel lists the interpreters",
        "kernels: code runs in the kernel",
        "kernels: a Jupyter Server",
        "kernels: with a Jupyter Server in use",
        "kernels: (evalens-select-kernel nil) from Lisp",
        "an untrusted workspace: the message says the Emacs way to trust it",
        "plain eglot with the top README's snippet",
        "workspace/codeLens/refresh: the server asks",
        "the server ends later: its exit and last stderr lines",
        "no error escaped a server's process filter or sentinel",
    ]
    play(editor_env, tmp_path, steps, 120, EVALENS_TEST_PYTHON=sys.executable)
    # The README's Jupyter kernels section gives the install the kernel steps had.
    assert " ".join(INSTALL_JUPYTER) in (EDITORS / "emacs" / "README.md").read_text()


@pytest.mark.timeout(60)
def test_emacs_doctest(editor_env: dict[str, str], tmp_path: Path) -> None:
    """Docstring examples (tests/editors/emacs_doctest_test.el): `C-c . d` tells a failing
    example in the echo area and eglot's Flymake diagnostic is on its `>>>` line; `Update
    expected output` chosen through `eglot-code-actions` writes what it printed and a re-run
    passes; `C-c . u`, the lens, `C-u C-c . d` and a line in no docstring."""
    steps = [
        "load evalens.el with the README's Setup, taken literally",
        "doctest: the one-line outcome of an exception, no output, skipped examples, an interrupt",
        "doctest: a file with two docstrings with examples",
        "doctest: C-c . d tells the failure in the echo area",
        "doctest: Update expected output through eglot-code-actions",
        "doctest: C-c . u applies",
        "doctest: the lens (C-c . l) and C-u C-c . d run here",
        "doctest: no error escaped",
    ]
    play(editor_env, tmp_path, steps, 50, EVALENS_SCENARIO="doctest")


@pytest.mark.timeout(60)
def test_emacs_variables(editor_env: dict[str, str], tmp_path: Path) -> None:
    """The variables view (tests/editors/emacs_variables_test.el): `C-c . v` after a run lists
    the module's variables in *evalens-variables* (Name, Type, Size, Value); RET expands
    `numbers` into its items and collapses it; runs that rebind names refresh the view through
    evalens/variablesChanged, expanded entries expanded again from fresh refs (a deleted one
    gone); `… 5 more` loads the next page; `a` lists every name; while code runs `g` is told in
    one line and a RET takes effect when the run ends."""
    steps = [
        "load evalens.el with the README's Setup, taken literally",
        "variables: C-c . v after a run lists the module's variables",
        "variables: RET expands numbers into its items, and collapses it",
        "variables: a run that rebinds numbers refreshes the view (evalens/variablesChanged)",
        "variables: a long list shows a page and `… N more'; RET on it loads the next page",
        "variables: `a' lists every name (functions, `_' names), `a' again variables only",
        "variables: while code runs `g' says so in one line; RET then expands when the run ends",
        "variables: C-c . R empties the view (evalens/variablesChanged, reset)",
        "variables: no error escaped",
    ]
    play(editor_env, tmp_path, steps, 50, EVALENS_SCENARIO="variables")


#: Every file of the mode: evalens.el, the entry point a user loads, and the files it loads
#: from its own directory.
EMACS = EDITORS / "emacs"
FILES = sorted(EMACS.glob("*.el"))
#: As tests/unit/test_architecture.py's for the server: small files with one job each.
MAX_LINES = 450


@pytest.mark.parametrize("source", FILES, ids=lambda path: path.name)
def test_every_file_byte_compiles_without_a_warning(source: Path, editor_env: dict[str, str], tmp_path: Path) -> None:
    """Each file in an Emacs of its own, so that none compiles cleanly only because another
    was loaded before it; the .elc goes to a temporary folder, none into the repository."""
    binary = emacs()
    if not has_eglot(binary):
        pytest.skip("eglot is not installed (apt-get install elpa-eglot; run .ci/editors.sh)")
    target = tmp_path / f"{source.name}c"
    # evalens.el finds the files beside it itself (as `load' by file name needs); the others
    # are compiled as package.el does, their folder on load-path.
    load_path = [] if source.name == "evalens.el" else ["-L", str(EMACS)]
    # json.dumps gives a string literal Emacs reads the same way (paths have no odd characters).
    program = (
        "(progn (require 'eglot)"
        " (setq byte-compile-error-on-warn t"
        f" byte-compile-dest-file-function (lambda (_) {json.dumps(str(target))}))"
        f" (kill-emacs (if (byte-compile-file {json.dumps(str(source))}) 0 1)))"
    )
    proc = subprocess.run(
        [binary, "--batch", *load_path, "--eval", program],
        cwd=tmp_path,
        env=editor_env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0 and target.exists(), output
    assert "Warning" not in output, output
    assert not list(EMACS.glob("*.elc")), "byte-compiling left .elc files in editors/emacs"


@pytest.mark.parametrize(
    "setup",
    [
        # The README's Setup: its folder on load-path.
        f"(add-to-list 'load-path {json.dumps(str(EMACS))}) (require 'evalens)",
        # By file name, its folder not on load-path.
        f"(load {json.dumps(str(EMACS / 'evalens.el'))})",
    ],
    ids=["require", "load"],
)
def test_evalens_el_loads_the_files_beside_it(setup: str, editor_env: dict[str, str], tmp_path: Path) -> None:
    binary = emacs()
    if not has_eglot(binary):
        pytest.skip("eglot is not installed (apt-get install elpa-eglot; run .ci/editors.sh)")
    features = " ".join(path.stem for path in FILES)
    program = (
        f"(progn {setup}"
        f" (let ((missing (cl-remove-if #'featurep '({features}))))"
        "  (unless (and (commandp 'evalens-call) (commandp 'evalens-mode) (fboundp 'evalens--contact))"
        "   (push 'commands missing))"
        '  (princ (format "missing: %S\\n" missing))'
        "  (kill-emacs (if missing 1 0))))"
    )
    proc = subprocess.run(
        [binary, "--batch", "--eval", program],
        cwd=tmp_path,
        env=editor_env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_no_file_of_the_mode_is_longer_than_a_reader_can_hold() -> None:
    long = {path.name: count for path in FILES if (count := len(path.read_text().splitlines())) > MAX_LINES}
    assert long == {}
