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


#: the form of one kind of answer: a markup kind, or None for a bare string (the client declared none)
Form = types.MarkupKind | None


def preferred(formats: Sequence[types.MarkupKind] | None) -> Form:
    """The client's first declared format that evalens writes; plain text when it declares
    only others; None when it declares none (MarkupContent is then not known to be understood)."""
    if not formats:
        return None
    return next((kind for kind in formats if kind in (MARKDOWN, PLAINTEXT)), PLAINTEXT)


def content(text: str, form: Form) -> types.MarkupContent | str:
    """``text`` in ``form``: MarkupContent of that kind, or the bare string."""
    return types.MarkupContent(kind=form, value=text) if form is not None else text


@dataclass(frozen=True)
class ClientFeatures:
    hover: Form = None
    completion_documentation: Form = None
    signature_documentation: Form = None
    label_details: bool = False

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
        )
