"""Every answer in the form the client declared it can show, under each client's captured
capabilities (pytest-lsp's: Neovim 0.6.1 to 0.11, Emacs 29.1, VS Code 1.65.2), with
pytest-lsp holding the server to them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from lsprotocol.converters import get_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.conftest import SERVER
from tests.harness import Editor

converter = get_converter()

CLIENTS = [
    "emacs@v29.1",
    "neovim@v0.6.1",
    "neovim@v0.7.0",
    "neovim@v0.8.0",
    "neovim@v0.9.1",
    "neovim@v0.10.0",
    "neovim@v0.11.0",
    "visual-studio-code@v1.65.2",
]

SOURCE = '''\
class Sensor:
    """Reads the sensor."""
    def read(self, channel):
        """One channel's value."""
        return channel

sensor = Sensor()
'''


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER), params=CLIENTS)
async def declaring_client(
    lsp_client: LanguageClient, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[LanguageClient]:
    editor = Editor(lsp_client, tmp_path)
    capabilities = client_capabilities(request.param)
    await editor.initialize({"trusted": True}, capabilities)
    lsp_client.declared = (editor, capabilities)  # type: ignore[attr-defined]
    yield lsp_client
    await lsp_client.shutdown_session()


@pytest.fixture
def declared(declaring_client: LanguageClient) -> tuple[Editor, types.ClientCapabilities]:
    result: tuple[Editor, types.ClientCapabilities] = declaring_client.declared  # type: ignore[attr-defined]
    return result


def shown(text: str, formats: list[types.MarkupKind] | None) -> types.MarkupContent | str:
    """What a client that declared ``formats`` gets: its first, or a bare string for none."""
    return types.MarkupContent(kind=formats[0], value=text) if formats else text


async def test_hover_completion_and_signature_help_take_the_clients_forms(
    declared: tuple[Editor, types.ClientCapabilities],
) -> None:
    editor, capabilities = declared
    text = capabilities.text_document
    assert text is not None
    uri = editor.open("main.py", SOURCE)
    await editor.eval(uri, "sensor.extra_ = 1; sensor.zeta = 2")
    editor.edit(uri, (7, 0), (7, 0), "sensor.read(\nsensor.\n")  # typing after the run
    hover = await editor.client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(6, 1))
    )
    assert hover is not None
    formats = text.hover.content_format if text.hover else None
    value = hover.contents.value if isinstance(hover.contents, types.MarkupContent) else hover.contents
    assert isinstance(value, str)
    assert hover.contents == shown(value, formats)
    if formats and formats[0] == types.MarkupKind.Markdown:
        assert value.startswith("```python\nsensor = Sensor()\n```\n\n---\n**live** `main.Sensor`\n```python\n<main")
    else:
        assert value.startswith("sensor = Sensor()\n\nlive main.Sensor\n<main.Sensor object at 0x")

    listed = await editor.client.text_document_completion_async(
        types.CompletionParams(types.TextDocumentIdentifier(uri), types.Position(8, 7))
    )
    items = listed.items if isinstance(listed, types.CompletionList) else list(listed or [])
    ranked = [item.label for item in sorted(items, key=lambda item: item.sort_text or item.label)]
    assert ranked[:3] == ["extra_", "read", "zeta"]  # runtime attributes among the public names
    assert ranked[-1].startswith("__") and "extra_" not in ranked[3:]
    item = text.completion.completion_item if text.completion else None
    runtime = next(i for i in items if i.label == "zeta")
    assert runtime.detail == "runtime attribute"
    if item is not None and item.label_details_support:
        assert runtime.label_details == types.CompletionItemLabelDetails(description="runtime")
    else:
        assert runtime.label_details is None
    resolved = await editor.client.completion_item_resolve_async(next(i for i in items if i.label == "read"))
    assert resolved.documentation == shown("One channel's value.", item.documentation_format if item else None)

    signature = await editor.client.text_document_signature_help_async(
        types.SignatureHelpParams(types.TextDocumentIdentifier(uri), types.Position(7, 12))
    )
    assert signature is not None
    information = text.signature_help.signature_information if text.signature_help else None
    assert signature.signatures[0].documentation == shown(
        "One channel's value.", information.documentation_format if information else None
    )


async def test_lenses_and_hints_are_offered_only_to_clients_that_declare_them(tmp_path: Path) -> None:
    from lsprotocol.types import ClientCapabilities, InlayHintClientCapabilities, TextDocumentClientCapabilities
    from pygls.lsp.client import LanguageClient as PlainClient

    async def offered(capabilities: ClientCapabilities) -> tuple[bool, bool]:
        client = PlainClient("capabilities-test", "0")
        await client.start_io(*SERVER)
        try:
            result = await Editor(client, tmp_path).initialize({}, capabilities)
            await client.shutdown_async(None)
            client.exit(None)
        finally:
            await client.stop()
        return result.capabilities.code_lens_provider is not None, result.capabilities.inlay_hint_provider is not None

    assert await offered(ClientCapabilities()) == (False, False)
    assert await offered(client_capabilities("neovim@v0.11.0")) == (True, True)
    assert await offered(client_capabilities("visual-studio-code@v1.65.2")) == (True, False)
    hints_only = ClientCapabilities(
        text_document=TextDocumentClientCapabilities(inlay_hint=InlayHintClientCapabilities())
    )
    assert await offered(hints_only) == (False, True)


FAILING = 'def f():\n    """\n    >>> f()\n    2\n    """\n    return 1\n'


async def test_an_example_update_comes_in_the_form_the_client_declared(
    declared: tuple[Editor, types.ClientCapabilities],
) -> None:
    editor, capabilities = declared
    uri = editor.open("f.py", FAILING)
    await editor.command("evalens.doctest", {"uri": uri})
    at = types.Range(types.Position(2, 0), types.Position(2, 0))
    params = types.CodeActionParams(types.TextDocumentIdentifier(uri), at, types.CodeActionContext(diagnostics=[]))
    found = await editor.client.text_document_code_action_async(params) or []
    updates = [action for action in found if isinstance(action, types.CodeAction)]
    action_support = capabilities.text_document.code_action if capabilities.text_document else None
    if action_support is None or action_support.code_action_literal_support is None:
        assert updates == []  # a client of Commands only is offered none it could not take
        return
    edit = {"range": {"start": {"line": 3, "character": 0}, "end": {"line": 3, "character": 5}}, "newText": "    1"}
    workspace = capabilities.workspace
    if workspace and workspace.workspace_edit and workspace.workspace_edit.document_changes:
        expected: dict[str, Any] = {"documentChanges": [{"textDocument": {"uri": uri, "version": 1}, "edits": [edit]}]}
    else:
        expected = {"changes": {uri: [edit]}}
    assert [(action.title, converter.unstructure(action.edit)) for action in updates] == [
        ("Update expected output", expected),
        ("Update all expected output in this docstring", expected),
    ]
