"""The engine over any backend: a fake one here, registered as a new backend would be."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from evalens.execution import backends
from evalens.execution.backend import InterpreterDied, RunEvents, RunOutcome, SessionConfig, SessionState
from evalens.execution.backends.process import ProcessBackend
from evalens.execution.engine import Engine
from evalens.settings import Settings
from evalens.text.documents import DocumentStore
from evalens.text.modnames import Project
from evalens.worker import messages

ROOT = "/w"


class FakeSession:
    """Answers every run with ``value`` and remembers what it was sent."""

    def __init__(self, config: SessionConfig, value: str) -> None:
        self.config = config
        self.pid: int | None = 4242
        self.python: str | None = "3.99.0"
        self.executable = config.executable
        self.state = SessionState.IDLE
        self.value = value
        self.sent: list[messages.Run] = []
        self.death: str | None = None
        self.dies_running: str | None = None  # the interpreter ends during the next run, saying this

    @property
    def alive(self) -> bool:
        return self.death is None

    async def run(self, body: messages.Run, events: RunEvents) -> RunOutcome:
        if self.dies_running is not None:
            self.death = self.dies_running
        if self.death is not None:
            raise InterpreterDied(self.death)
        self.sent.append(body)
        events.output("stdout", "printed\n")
        events.display({"data": {"text/plain": "<Figure>", "image/png": "iVBORw0KGgo="}, "metadata": {}})
        result = messages.ok_result({"repr": self.value, "type": "str"}, "_1")
        reply: messages.RunReply = {"id": 1, "result": result, "held": ["with x"], "marked": []}
        return RunOutcome(reply, "printed\n", "", False)

    async def inspect(self, query: messages.Query) -> Any:
        return None

    def interrupt(self) -> bool:
        return False

    def kill(self, reason: str) -> None:
        self.death = reason


class FakeBackend:
    def __init__(self, config: Callable[[], SessionConfig], between_runs: RunEvents) -> None:
        self.config = config
        self.sessions: list[FakeSession] = []
        self.stopped = False

    @property
    def session(self) -> FakeSession | None:
        return self.sessions[-1] if self.sessions else None

    @property
    def starting(self) -> bool:
        return False

    async def start(self) -> FakeSession:
        if self.session is None or not self.session.alive:
            self.sessions.append(FakeSession(self.config(), f"'session {len(self.sessions) + 1}'"))
        assert self.session is not None
        return self.session

    async def restart(self) -> FakeSession:
        if self.session is not None:
            self.session.kill("restarted")
        return await self.start()

    def kill(self, reason: str) -> None:
        if self.session is not None:
            self.session.kill(reason)

    async def shutdown(self) -> None:
        self.stopped = True


def engine_with(text: str, **settings: Any) -> tuple[Engine, Any]:
    store = DocumentStore([ROOT])
    doc = store.set(Path(ROOT, "main.py").as_uri(), text)
    return Engine(store, Project([ROOT], [ROOT]), Settings(trusted=True, **settings), backend=FakeBackend), doc


async def test_a_run_becomes_a_result_with_the_output_and_the_document_synced_once() -> None:
    engine, doc = engine_with("x = 1\n")
    printed: list[tuple[str | None, str, str]] = []
    engine.on_output = lambda uri, stream, text: printed.append((uri, stream, text))
    shown: list[tuple[str | None, messages.DisplayBundle]] = []
    engine.on_display = lambda uri, bundle: shown.append((uri, bundle))
    result = await engine.run(doc, messages.eval_action("x"))
    assert {key: result[key] for key in ("ok", "value", "valueName", "stdout", "truncated")} == {
        "ok": True,
        "value": {"repr": "'session 1'", "type": "str"},
        "valueName": "_1",
        "stdout": "printed\n",
        "truncated": False,
    }
    assert printed == [(doc.uri, "stdout", "printed\n")]
    assert shown == [(doc.uri, {"data": {"text/plain": "<Figure>", "image/png": "iVBORw0KGgo="}, "metadata": {}})]
    await engine.run(doc, messages.eval_action("x"))
    session = engine.backend.session
    assert isinstance(session, FakeSession)
    assert [len(body["sync"]["documents"]) for body in session.sent] == [1, 0]
    assert [body["module"] for body in session.sent] == ["main", "main"]
    assert engine.held == ["with x"]


async def test_a_dead_interpreter_gives_interpreter_died_and_the_next_session_a_new_mirror() -> None:
    engine, doc = engine_with("x = 1\n")
    await engine.run(doc, messages.eval_action("x"))
    first = engine.backend.session
    assert isinstance(first, FakeSession)
    first.dies_running = "the test killed it"
    died = await engine.run(doc, messages.eval_action("x"))
    assert died["error"] is not None
    assert (died["ok"], died["error"]["type"]) == (False, "InterpreterDied")
    assert died["error"]["message"] == "the test killed it; the next request starts a fresh interpreter"
    assert engine.held == []
    again = await engine.run(doc, messages.eval_action("x"))
    assert again["value"] == {"repr": "'session 2'", "type": "str"}
    session = engine.backend.session
    assert isinstance(session, FakeSession)
    assert len(session.sent[0]["sync"]["documents"]) == 1  # a fresh worker is sent every document again


async def test_a_registered_backend_takes_over_when_the_settings_call_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backends, "BACKENDS", [(lambda s: s.interpreter == "fake", FakeBackend), *backends.BACKENDS])
    store = DocumentStore([ROOT])
    doc = store.set(Path(ROOT, "main.py").as_uri(), "")
    engine = Engine(store, Project([ROOT], [ROOT]), Settings(trusted=True))
    assert isinstance(engine.backend, ProcessBackend)  # nothing started yet
    engine.settings = dataclasses.replace(engine.settings, interpreter="fake")
    result = await engine.run(doc, messages.eval_action("1"))
    assert isinstance(engine.backend, FakeBackend)
    assert result["value"] == {"repr": "'session 1'", "type": "str"}
    assert engine.status()["python"] == "3.99.0"
