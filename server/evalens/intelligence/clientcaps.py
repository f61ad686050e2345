"""What the client declared it can show, for the answers static intelligence builds.

A client that declares only plain text (eglot without markdown-mode, Emacs 29.1's
captured capabilities) got markdown fences and ``**live**`` as raw text, and the
``runtime`` label detail went to clients that declare no ``labelDetailsSupport``
(every client pytest-lsp ships). Each answer now takes its form from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lsprotocol import types

MARKDOWN = types.MarkupKind.Markdown
PLAINTEXT = types.MarkupKind.PlainText


def preferred(formats: Sequence[types.MarkupKind] | None) -> types.MarkupKind:
    """The client's first declared format that evalens writes; plain text when it declares none."""
    for kind in formats or ():
        if kind in (MARKDOWN, PLAINTEXT):
            return kind
    return PLAINTEXT


def content(text: str, kind: types.MarkupKind, declared: bool) -> types.MarkupContent | str:
    """``text`` as MarkupContent of ``kind``, or as a bare string to a client that declared
    no format (MarkupContent is then not known to be understood)."""
    return types.MarkupContent(kind=kind, value=text) if declared else text


@dataclass(frozen=True)
class ClientFeatures:
    hover: types.MarkupKind = PLAINTEXT
    completion_documentation: types.MarkupKind = PLAINTEXT
    signature_documentation: types.MarkupKind = PLAINTEXT
    label_details: bool = False
    #: whether the client declared any format, per answer (a bare string goes otherwise)
    hover_declared: bool = False
    completion_declared: bool = False
    signature_declared: bool = False

    @classmethod
    def of(cls, capabilities: types.ClientCapabilities) -> ClientFeatures:
        text = capabilities.text_document
        hover = text.hover if text else None
        completion = text.completion if text else None
        item = completion.completion_item if completion else None
        signature = text.signature_help if text else None
        information = signature.signature_information if signature else None
        return cls(
            hover=preferred(hover.content_format if hover else None),
            completion_documentation=preferred(item.documentation_format if item else None),
            signature_documentation=preferred(information.documentation_format if information else None),
            label_details=bool(item and item.label_details_support),
            hover_declared=bool(hover and hover.content_format),
            completion_declared=bool(item and item.documentation_format),
            signature_declared=bool(information and information.documentation_format),
        )
