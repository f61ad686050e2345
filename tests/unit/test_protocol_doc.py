"""docs/protocol.md documents everything the server offers: a command, a setting, a
field or a notification added to the code without a word there fails here."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest

from evalens.execution import results
from evalens.features import cells, commands, doctestruns, output
from evalens.settings import KEYS
from evalens.worker import doctestmessages, messages, variablemessages

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "protocol.md").read_text()


def fields(typed: type) -> list[str]:
    return sorted(typing.get_type_hints(typed))


def in_code(name: str) -> bool:
    return f"`{name}`" in DOC or f'"{name}"' in DOC


@pytest.mark.parametrize("command", sorted(commands.COMMANDS))
def test_every_command_is_documented(command: str) -> None:
    assert f"| `{command}` |" in DOC and f"**`{command}`**" in DOC


@pytest.mark.parametrize("key", KEYS)
def test_every_setting_is_documented(key: str) -> None:
    assert f"| `{key}` |" in DOC


@pytest.mark.parametrize(
    "typed",
    [
        results.Result,
        results.Value,
        messages.ErrorInfo,
        messages.Frame,
        commands.Status,
        output.OutputParams,
        cells.CellRun,
        doctestruns.DoctestResult,
        doctestmessages.ExampleOutcome,
        variablemessages.Variable,
        variablemessages.VariablesPage,
    ],
)
def test_every_field_is_documented(typed: type) -> None:
    assert [name for name in fields(typed) if not in_code(name)] == []


def test_every_notification_the_server_sends_is_documented() -> None:
    sent = set()
    for path in (ROOT / "server" / "evalens").rglob("*.py"):
        sent.update(re.findall(r'"(evalens/[A-Za-z]+)"', path.read_text()))
    assert "evalens/output" in sent  # the scan finds what the server sends
    assert [method for method in sent if f"| `{method}` |" not in DOC] == []
