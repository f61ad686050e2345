"""Folding by indentation, as editors fold Python without a language server.

A server that answers ``textDocument/foldingRange`` replaces the editor's own folding
(VS Code stops folding by indentation), so evalens answers the indentation folds too,
beside the ranges only it knows (cells).
"""

from __future__ import annotations

from .lineindex import split_lines


def indentation_folds(text: str) -> list[tuple[int, int]]:
    """(first, last) 0-based lines of each block: a line followed by lines indented more
    than it, to the last of them that is not blank. Sorted by first line."""
    folds: list[tuple[int, int]] = []
    open_blocks: list[tuple[int, int]] = []  # (indent, line) of the lines whose blocks are open
    last_text = -1  # the last line that is not blank
    for number, line in enumerate(split_lines(text)):
        body = line.rstrip("\r\n")
        if not body.strip():
            continue
        indent = len(body.expandtabs(8)) - len(body.expandtabs(8).lstrip())
        while open_blocks and open_blocks[-1][0] >= indent:
            _, start = open_blocks.pop()
            if last_text > start:
                folds.append((start, last_text))
        open_blocks.append((indent, number))
        last_text = number
    for _, start in open_blocks:
        if last_text > start:
            folds.append((start, last_text))
    return sorted(folds)
