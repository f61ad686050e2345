"""Completion from jedi, fast: labels and kinds at once, documentation on resolve.

jedi's ``Completion.type`` infers every from-import and signatures cost more
still, so the list carries only what jedi knows without inference and at
most ``LIMIT`` items (``isIncomplete`` when cut); ``completionItem/resolve``
fills in the signature and the docstring from the jedi objects kept on the
lane that produced them.
"""

from __future__ import annotations

import re
from typing import Any

from lsprotocol import types

from . import convert
from .clientcaps import ClientFeatures, content
from .lanes import Lane
from .snapshot import Cursor

LIMIT = 200
RUNTIME = "runtime"
_ATTRIBUTE = re.compile(r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\.(\w*)$")


def complete(script: Any, where: Cursor, lane: Lane, generation: int) -> types.CompletionList:
    completions = script.complete(where.line, where.column)
    lane.completions = (generation, completions)
    items = [
        types.CompletionItem(
            label=completion.name,
            kind=convert.completion_kind(convert.cheap_type(completion)),
            sort_text=rank(completion.name),
            data={"lane": lane.index, "generation": generation, "index": index},
        )
        for index, completion in enumerate(completions[:LIMIT])
    ]
    return types.CompletionList(is_incomplete=len(completions) > LIMIT, items=items)


def rank(name: str) -> str:
    """The sort text of a completion: keyword arguments (``x=``) first, then public
    names, private ones, dunders last, each group alphabetical; runtime attributes take
    their place among jedi's (they came after every dunder)."""
    if name.endswith("="):
        group = 0
    elif name.startswith("__") and name.endswith("__"):
        group = 3
    elif name.startswith("_"):
        group = 2
    else:
        group = 1
    return f"{group}{name.lower()}"


def resolve(item: types.CompletionItem, lane: Lane, client: ClientFeatures) -> types.CompletionItem:
    data = item.data if isinstance(item.data, dict) else {}
    generation, completions = lane.completions
    index = data.get("index")
    if data.get("generation") != generation or not isinstance(index, int) or index >= len(completions):
        return item
    completion = completions[index]
    item.detail = convert.describe(completion)
    doc = completion.docstring(raw=True).strip()
    if doc:
        item.documentation = content(doc, client.completion_documentation)
    return item


def attribute_target(line_text: str, column: int) -> tuple[str, str] | None:
    """For a cursor after ``expr.prefix``: the dotted expression and the prefix."""
    found = _ATTRIBUTE.search(line_text[:column])
    return (found.group(1), found.group(2)) if found else None


def add_runtime(result: types.CompletionList, names: list[str], prefix: str, label_details: bool) -> None:
    """Runtime attributes that jedi did not list, marked as runtime items (in their
    ``detail``, and in their label details for a client that shows them)."""
    known = {item.label for item in result.items}
    items = list(result.items)
    for name in sorted(n for n in set(names) if n.startswith(prefix) and n not in known):
        items.append(
            types.CompletionItem(
                label=name,
                kind=types.CompletionItemKind.Field,
                detail="runtime attribute",
                label_details=types.CompletionItemLabelDetails(description=RUNTIME) if label_details else None,
                sort_text=rank(name),
            )
        )
    result.items = items
