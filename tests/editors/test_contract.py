"""The editor clients against the server's contract, read from their sources (no editor needed).

Each client keeps the server's command names in one place: VS Code's
editors/vscode/src/protocol.ts (with the interfaces of what the server answers),
Neovim's lua/evalens/protocol.lua, Emacs' `evalens-server-commands`. These tests fail
when one of them names a command the server does not have, when a client sends a
server command by a name written anywhere else, when protocol.ts' commands that answer
with a Result are not exactly the server's, and when an interface of protocol.ts differs
from the server's TypedDict of the same name (fields, `?:` for optional ones, types).
"""

from __future__ import annotations

import json
import re
import types
import typing
from pathlib import Path
from typing import Any

import pytest

import evalens
from evalens.execution import engine, results
from evalens.features import cells, commands, doctestruns, output, runs
from evalens.text.jsontext import JsonString, JsonValue
from evalens.worker import doctestmessages, messages, variablemessages

from .support import EDITORS

VSCODE = EDITORS / "vscode"
PROTOCOL_TS = VSCODE / "src" / "protocol.ts"
NVIM_LUA = EDITORS / "nvim" / "lua" / "evalens"
PROTOCOL_LUA = NVIM_LUA / "protocol.lua"
EVALENS_EL = EDITORS / "emacs" / "evalens.el"

SERVER_COMMANDS = set(commands.COMMANDS)


def _answers_a_result(handler: Any) -> bool:
    return typing.get_type_hints(handler).get("return") is results.Result


#: The commands whose handler answers with a Result.
RESULT_COMMANDS = {name for name, handler in commands.COMMANDS.items() if _answers_a_result(handler)}

#: protocol.ts interface -> the server's TypedDict it mirrors.
INTERFACES: dict[str, Any] = {
    "Value": results.Value,
    "Frame": messages.Frame,
    "Location": messages.Location,
    "ReloadedModule": messages.ReloadedModule,
    "ErrorInfo": messages.ErrorInfo,
    "Result": results.Result,
    "OutputParams": output.OutputParams,  # the evalens/output notification
    "Queued": engine.Queued,
    "AnalysisStatus": runs.AnalysisStatus,
    "Status": commands.Status,  # the answer of evalens.status
    "CellRun": cells.CellRun,
    "RunCellResult": cells.RunCellResult,  # the answer of evalens.runCell
    "DisplayBundle": messages.DisplayBundle,  # an entry of Result.display
    "ExampleOutcome": doctestmessages.ExampleOutcome,  # an entry of DoctestResult.examples
    "DoctestResult": doctestruns.DoctestResult,  # the answer of evalens.doctest
    "Variable": variablemessages.Variable,  # an entry of VariablesPage.variables
    "VariablesPage": variablemessages.VariablesPage,  # the answer of evalens.variables
}
#: protocol.ts interfaces that are not the server's own types.
CLIENT_INTERFACES = {"JsonRange"}  # an LSP Range

#: A server command name in a string literal.
NAME = re.compile(r"""["'](evalens\.[A-Za-z]\w*(?:\.\w+)*)["']""")


def server_notifications() -> set[str]:
    """The notification methods the server sends (`notify("evalens/...")` in its source)."""
    found: set[str] = set()
    for path in Path(evalens.__file__).parent.rglob("*.py"):
        found.update(re.findall(r"""notify\(\s*["'](evalens/[\w/]+)["']""", path.read_text()))
    return found


def notifications_in(text: str) -> set[str]:
    """Notification methods in string literals (`"evalens/output"`)."""
    return set(re.findall(r"""["'](evalens/[A-Za-z][\w/]*)["']""", text))


def test_the_server_side_is_read_right() -> None:
    """The facts the other tests compare against (so that a change in how they are found shows)."""
    assert {"evalens.eval", "evalens.call", "evalens.interrupt"} <= SERVER_COMMANDS
    assert "evalens.eval" in RESULT_COMMANDS and "evalens.interrupt" not in RESULT_COMMANDS
    assert "evalens/output" in server_notifications()


# -- VS Code: protocol.ts ----------------------------------------------------------------


def ts_object(text: str, name: str) -> dict[str, str]:
    """The string values of `export const NAME = { key: "value", ... } as const`."""
    match = re.search(rf"export const {name} = \{{(.*?)\}} as const;", text, re.S)
    assert match, f"no `export const {name} = {{...}} as const` in {PROTOCOL_TS}"
    return dict(re.findall(r"""(\w+):\s*["']([^"']+)["']""", match.group(1)))


def ts_interfaces(text: str) -> dict[str, dict[str, tuple[bool, str]]]:
    """`export interface` name -> field -> (optional, TypeScript type), with the fields of
    the interface it `extends`, if any (declared before it)."""
    found: dict[str, dict[str, tuple[bool, str]]] = {}
    for match in re.finditer(r"^export interface (\w+)(?: extends (\w+))? \{\n(.*?)^\}", text, re.M | re.S):
        base = match.group(2)
        assert base is None or base in found, f"{match.group(1)} extends {base}, not declared before it"
        fields: dict[str, tuple[bool, str]] = dict(found[base]) if base else {}
        for line in match.group(3).splitlines():
            line = line.split("//")[0].strip()
            if not line:
                continue
            field = re.fullmatch(r"(\w+)(\?)?:\s*(.+?);", line)
            assert field, f"a field of interface {match.group(1)} this test cannot read: {line!r}"
            fields[field.group(1)] = (field.group(2) == "?", field.group(3))
        found[match.group(1)] = fields
    return found


def ts_union(ts_type: str) -> set[str]:
    """A TypeScript union's parts (a ``|`` inside ``<...>`` belongs to its generic)."""
    parts, depth, start = set(), 0, 0
    for index, char in enumerate(ts_type + "|"):
        depth += {"<": 1, ">": -1}.get(char, 0)
        if char == "|" and depth == 0:
            parts.add(ts_type[start:index].strip())
            start = index + 1
    return parts


#: TypeScript types of the contract that are no interface of protocol.ts
PLAIN_TS = {
    "string",
    "number",
    "boolean",
    "null",
    "Record<string, unknown>",
    "Record<string, string>",
    "Record<string, string | boolean>",
}


def as_ts(hint: Any) -> set[str]:
    """The TypeScript types a Python annotation is written as, as a union's parts."""
    if hint is type(None):
        return {"null"}
    if hint is str or hint is JsonString:  # a long repr is a JSON string literal on the wire
        return {"string"}
    if isinstance(hint, type) and issubclass(hint, JsonValue) and hint is not JsonString:  # a display bundle
        return {"DisplayBundle"}
    if typing.get_origin(hint) is dict and typing.get_args(hint) == (str, Any):
        return {"Record<string, unknown>"}
    if typing.get_origin(hint) is dict and typing.get_args(hint) == (str, str):
        return {"Record<string, string>"}
    if typing.get_origin(hint) is dict and typing.get_args(hint) == (str, str | bool):
        return {"Record<string, string | boolean>"}
    if hint is int or hint is float:
        return {"number"}
    if hint is bool:
        return {"boolean"}
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return set().union(*(as_ts(arg) for arg in typing.get_args(hint)))
    if origin is list:
        (item,) = as_ts(typing.get_args(hint)[0])
        return {f"{item}[]"}
    if typing.is_typeddict(hint):
        return {hint.__name__}
    raise AssertionError(f"no TypeScript type known for {hint!r}")


@pytest.fixture(scope="module")
def protocol_ts() -> str:
    return PROTOCOL_TS.read_text()


def test_protocol_ts_names_only_server_commands(protocol_ts: str) -> None:
    names = set(ts_object(protocol_ts, "Command").values())
    assert names, "no commands in protocol.ts"
    assert names <= SERVER_COMMANDS, f"not server commands: {sorted(names - SERVER_COMMANDS)}"


def test_protocol_ts_result_commands_are_the_servers(protocol_ts: str) -> None:
    command = ts_object(protocol_ts, "Command")
    match = re.search(r"export const RESULT_COMMANDS\b.*?\(\[(.*?)\]\)", protocol_ts, re.S)
    assert match, "no RESULT_COMMANDS set in protocol.ts"
    keys = re.findall(r"Command\.(\w+)", match.group(1))
    assert keys and all(key in command for key in keys), match.group(1)
    assert {command[key] for key in keys} == RESULT_COMMANDS


def test_protocol_ts_notification_is_the_servers(protocol_ts: str) -> None:
    match = re.search(r"""export const OUTPUT_NOTIFICATION = ["']([^"']+)["']""", protocol_ts)
    assert match and match.group(1) in server_notifications()


def test_protocol_ts_interfaces_match_the_servers_typeddicts(protocol_ts: str) -> None:
    interfaces = ts_interfaces(protocol_ts)
    unknown = set(interfaces) - set(INTERFACES) - CLIENT_INTERFACES
    assert not unknown, f"protocol.ts interfaces this test does not map to the server's: {sorted(unknown)}"
    problems = []
    for name, typed_dict in INTERFACES.items():
        fields = interfaces.get(name)
        if fields is None:
            problems.append(f"{name}: missing from protocol.ts")
            continue
        hints = typing.get_type_hints(typed_dict)
        if set(fields) != set(hints):
            problems.append(
                f"{name}: fields {sorted(fields)} in protocol.ts, {sorted(hints)} in {typed_dict.__module__}"
            )
        for field in set(fields) & set(hints):
            optional, ts_type = fields[field]
            if optional != (field in typed_dict.__optional_keys__):
                problems.append(f"{name}.{field}: {'optional' if optional else 'required'} in protocol.ts")
            if ts_union(ts_type) != as_ts(hints[field]):
                problems.append(f"{name}.{field}: `{ts_type}` in protocol.ts, {hints[field]} on the server")
    assert not problems, "\n".join(problems)


def test_every_typeddict_a_mirrored_one_refers_to_is_mirrored() -> None:
    for typed_dict in INTERFACES.values():
        for hint in typing.get_type_hints(typed_dict).values():
            for part in as_ts(hint):
                name = part.removesuffix("[]")
                assert name in PLAIN_TS or name in INTERFACES, (typed_dict, name)


# -- VS Code: the rest of the extension ----------------------------------------------------


def vscode_client_names() -> set[str]:
    """evalens.* names of VS Code's own: contributed commands, settings and colours."""
    package = json.loads((VSCODE / "package.json").read_text())
    contributes = package["contributes"]
    names = {command["command"] for command in contributes["commands"]}
    names |= set(contributes["configuration"]["properties"])
    names |= {color["id"] for color in contributes["colors"]}
    return names | set(ts_object((VSCODE / "src" / "commands.ts").read_text(), "EditorCommand").values())


def test_vscode_editor_commands_are_not_server_commands() -> None:
    package = json.loads((VSCODE / "package.json").read_text())
    contributed = {command["command"] for command in package["contributes"]["commands"]}
    editor = set(ts_object((VSCODE / "src" / "commands.ts").read_text(), "EditorCommand").values())
    assert contributed <= editor, f"contributed but not registered: {sorted(contributed - editor)}"
    used = {binding["command"] for binding in package["contributes"]["keybindings"]}
    used |= {item["command"] for menu in package["contributes"]["menus"].values() for item in menu}
    assert used <= contributed, sorted(used - contributed)
    assert not editor & SERVER_COMMANDS, sorted(editor & SERVER_COMMANDS)


def test_vscode_names_server_commands_only_in_protocol_ts() -> None:
    own = vscode_client_names()
    problems = []
    for path in sorted((VSCODE / "src").glob("*.ts")):
        if path == PROTOCOL_TS:
            continue
        text = path.read_text()
        for match in NAME.finditer(text):
            name = match.group(1)
            if text[: match.start()].endswith("createStatusBarItem("):
                continue  # the status bar item's id, not a command
            if name in SERVER_COMMANDS and name not in own:
                problems.append(f"{path.name}: {name} (use `Command` from protocol.ts)")
            elif name not in own:
                problems.append(f"{path.name}: {name} is neither a server command nor the extension's own")
        for notification in notifications_in(text) - server_notifications():
            problems.append(f"{path.name}: {notification} is not a notification of the server")
    assert not problems, "\n".join(problems)


# -- Neovim ---------------------------------------------------------------------------------


def lua_commands() -> dict[str, str]:
    text = PROTOCOL_LUA.read_text()
    match = re.search(r"^M\.commands = \{(.*?)^\}", text, re.M | re.S)
    assert match, f"no M.commands table in {PROTOCOL_LUA}"
    return dict(re.findall(r"""(\w+)\s*=\s*["']([^"']+)["']""", match.group(1)))


def test_nvim_protocol_names_only_server_commands() -> None:
    names = set(lua_commands().values())
    assert names, "no commands in protocol.lua"
    assert names <= SERVER_COMMANDS, f"not server commands: {sorted(names - SERVER_COMMANDS)}"
    notifications = notifications_in(PROTOCOL_LUA.read_text())
    assert notifications and notifications <= server_notifications(), notifications


def test_nvim_sends_server_commands_through_protocol_lua() -> None:
    keys = set(lua_commands())
    problems = []
    for path in sorted(NVIM_LUA.glob("*.lua")):
        if path == PROTOCOL_LUA:
            continue
        text = path.read_text()
        for match in NAME.finditer(text):
            if not text[: match.start()].endswith("require("):
                problems.append(f"{path.name}: {match.group(1)} (use protocol.commands)")
        # `protocol.commands.X`, or `X` of a local alias of protocol.commands
        aliases = ["protocol.commands", *re.findall(r"local (\w+) = protocol\.commands\b", text)]
        for alias in aliases:
            for key in re.findall(rf"(?<![\w.]){re.escape(alias)}\.(\w+)", text):
                if key not in keys:
                    problems.append(f"{path.name}: {alias}.{key} is not in protocol.lua")
        for notification in notifications_in(text) - server_notifications():
            problems.append(f"{path.name}: {notification} is not a notification of the server")
    assert not problems, "\n".join(problems)


# -- Emacs ----------------------------------------------------------------------------------


def elisp_commands(text: str) -> dict[str, str]:
    match = re.search(r"\(defconst evalens-server-commands\s+'\((.*?)\)\s*\"", text, re.S)
    assert match, f"no evalens-server-commands in {EVALENS_EL}"
    return dict(re.findall(r"""\(([\w-]+) \. "([^"]+)"\)""", match.group(1)))


def test_emacs_names_only_server_commands_and_sends_them_by_role() -> None:
    """evalens.el holds the table; every file of the mode sends commands by role only."""
    table = elisp_commands(EVALENS_EL.read_text())
    names = set(table.values())
    assert names, "no commands in evalens-server-commands"
    assert names <= SERVER_COMMANDS, f"not server commands: {sorted(names - SERVER_COMMANDS)}"
    problems: list[str] = []
    roles: set[str] = set()
    notifications: set[str] = set()
    for path in sorted(EVALENS_EL.parent.glob("*.el")):
        text = path.read_text()
        if path == EVALENS_EL:
            text = text.replace(re.search(r"\(defconst evalens-server-commands.*?\n\n", text, re.S)[0], "")
        problems += [f"{path.name}: {name} named outside evalens-server-commands" for name in NAME.findall(text)]
        used = set(re.findall(r"\(evalens--command '([\w-]+)\)", text))
        problems += [f"{path.name}: no command for the role {role}" for role in sorted(used - set(table))]
        roles |= used
        notifications |= set(re.findall(r"\(eql (evalens/[\w/]+)\)", text))  # eglot's handlers
    assert not problems, "\n".join(problems)
    assert roles, "no file sends a command by its role"
    assert notifications and notifications <= server_notifications(), notifications
