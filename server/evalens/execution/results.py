"""The Result of a run, as the command API returns it (``docs/protocol.md``, "Result").

The worker's ``RunResult`` (value or error) plus what only the server knows:
the output captured from the interpreter's streams and how long the run took.
A long repr stays the JSON literal the worker sent (``JsonString``) all the way
into the LSP response.
"""

from __future__ import annotations

from typing import TypedDict

from ..text.jsontext import JsonString
from ..worker import messages
from ..worker.doctestmessages import DoctestOutcome
from .backend import RunOutcome, Shown


class Value(TypedDict):
    repr: str | JsonString
    type: str


class _ResultFields(TypedDict):
    ok: bool
    value: Value | None
    stdout: str
    stderr: str
    truncated: bool
    error: messages.ErrorInfo | None
    durationMs: float
    #: what was brought up to date before the run: [{"module", "patched", "rerun", "reason"?}]
    reloaded: list[messages.ReloadedModule]
    #: what the run showed, in order: MIME bundles {"data", "metadata"}, kept as encoded
    display: list[Shown]


class Result(_ResultFields, total=False):
    #: the `_N` name the value is kept under in the session (absent when the interpreter died)
    valueName: str | None
    #: a call's only: where the called function is defined, when known
    target: messages.Location | None


class Finished(Result, total=False):
    """A Result as a run gives it to the command that asked for it, which may take from it
    what only that command answers before it answers (not part of any Result answered)."""

    #: a doctest run's only: each example's outcome (``evalens.doctest`` answers with its fields)
    doctest: DoctestOutcome


def finished(outcome: RunOutcome, duration_ms: float) -> Finished:
    """The Result of a run the interpreter answered."""
    outcome_result = outcome.reply["result"]
    result: Finished = {
        "ok": outcome_result["ok"],
        # the session put a long repr there as the JSON literal it came as (a JsonString)
        "value": outcome_result["value"],  # type: ignore[typeddict-item]
        "valueName": outcome_result["valueName"],
        "error": outcome_result["error"],
        "truncated": outcome_result["truncated"] or outcome.truncated,
        "stdout": outcome.stdout,
        "stderr": outcome.stderr,
        "durationMs": round(duration_ms, 3),
        "reloaded": outcome_result["reloaded"],
        "display": list(outcome.display),
    }
    if "target" in outcome_result:
        result["target"] = outcome_result["target"]
    if "doctest" in outcome_result:
        result["doctest"] = outcome_result["doctest"]
    return result


def nothing_run() -> Finished:
    """The Result of a request that had nothing to run (a markdown cell): ok, no value."""
    return {
        "ok": True,
        "value": None,
        "stdout": "",
        "stderr": "",
        "truncated": False,
        "error": None,
        "durationMs": 0.0,
        "reloaded": [],
        "display": [],
    }


def interrupted_before_it_ran(duration_ms: float) -> Finished:
    """The Result of a run interrupted while its interpreter was still starting: it never ran."""
    return {
        **nothing_run(),
        "ok": False,
        "error": {
            "type": "KeyboardInterrupt",
            "message": "interrupted before it ran (the interpreter was starting)",
            "traceback": "KeyboardInterrupt\n",
            "frames": [],
        },
        "durationMs": duration_ms,
    }


def died(
    message: str, duration_ms: float, stdout: str = "", stderr: str = "", display: list[Shown] | None = None
) -> Finished:
    """The Result of a run whose interpreter ended (or could not start)."""
    shown = message if "fresh interpreter" in message else f"{message}; the next request starts a fresh interpreter"
    return {
        "ok": False,
        "value": None,
        "stdout": stdout,
        "stderr": stderr,
        "truncated": False,
        "error": {
            "type": "InterpreterDied",
            "message": shown,
            "traceback": f"InterpreterDied: {message}\n",
            "frames": [],
        },
        "durationMs": duration_ms,
        "reloaded": [],
        "display": list(display or ()),
    }
