"""Cell markers: which lines start cells, what the cells span, and the incremental index."""

from __future__ import annotations

import io
import tokenize

from hypothesis import given, settings
from hypothesis import strategies as st

from evalens.text.cells import Cell, CellIndex, cell_at, compile_markers, parse

EXAMPLE = (
    "import os\n"  # 0: in no cell
    "# %% Load the data\n"  # 1
    "rows = [1, 2]\n"  # 2
    "text = '''\n"  # 3
    "# %% inside a string: not a marker\n"  # 4
    "'''\n"  # 5
    "#%% [markdown] Notes\n"  # 6
    "# Some *prose*\n"  # 7
    "# In[12]:\n"  # 8
    "total = sum(rows)\n"  # 9
    "    # %% indented: not a marker\n"  # 10
    "# In[ ]:\n"  # 11
    "# <codecell>\n"  # 12
    "total\n"  # 13
    "\n"  # 14
)


def test_every_default_marker_and_what_each_cell_spans() -> None:
    assert parse(EXAMPLE) == [
        Cell(1, 5, "Load the data", False),
        Cell(6, 7, "Notes", True),
        Cell(8, 10, "", False),
        Cell(11, 11, "", False),
        Cell(12, 14, "", False),
    ]


def test_markdown_forms_and_titles() -> None:
    text = "# %% [md]\n# <markdowncell>\n# %%   Plot it  \n# %% [markdown]\n"
    assert parse(text) == [
        Cell(0, 0, "", True),
        Cell(1, 1, "", True),
        Cell(2, 2, "Plot it", False),
        Cell(3, 3, "", True),
    ]


def test_a_document_without_a_final_newline_and_one_without_markers() -> None:
    assert parse("# %%\nx = 1") == [Cell(0, 1, "", False)]
    assert parse("x = 1\n# not a cell\n") == []
    assert parse("") == []


def test_markers_in_strings_of_every_kind_are_not_markers() -> None:
    text = 'a = """\n# %%\n"""\nb = r\'\\\n# %%\'\nc = f"""{x}\n# %% no"""\n# %% yes\n'
    assert [cell.line for cell in parse(text)] == [7]


def test_an_unclosed_string_hides_the_markers_after_it() -> None:
    assert [cell.line for cell in parse("# %%\ns = '''\n# %%\n")] == [0]


def test_the_cell_of_a_line() -> None:
    found = parse(EXAMPLE)
    assert cell_at(found, 0) is None
    assert cell_at(found, 1) == found[0]
    assert cell_at(found, 5) == found[0]
    assert cell_at(found, 14) == found[4]


def test_custom_markers() -> None:
    markers = compile_markers((r"##\s*---", r"# COMMAND ----------"))
    text = "## --- one\nx = 1\n# COMMAND ----------\ny = 2\n# %% not one here\n"
    assert parse(text, markers) == [Cell(0, 1, "one", False), Cell(2, 4, "", False)]


def oracle(text: str) -> list[int]:
    """The marker lines by Python's own tokenizer, for text that compiles."""
    compile(text, "<cells>", "exec")
    lines = []
    one_break = text.replace("\r\n", "\n").replace("\r", "\n")  # the LSP's lines, as the tokenizer reads them
    for token in tokenize.generate_tokens(io.StringIO(one_break).readline):
        if token.type == tokenize.COMMENT and token.start[1] == 0 and token.string.startswith(("# %%", "#%%")):
            lines.append(token.start[0] - 1)
    return lines


PIECES = st.sampled_from(
    [
        *["# %%\n", "#%% t\n", "x = 1\n", "'''\n", '"""\n', "s = '# %%'\n", "'a\\\n", "  # %%\n", "(\n", ")\n", "\n"],
        *['f("#")\n', 'a = """\n# %% in\n"""\n', "b = r'''x\\\n#%%\n'''\n", "c = 1  # '# %%'\n", "d = (\n# %%\n1)\n"],
        *["y = 2\r\n", "# %% r\r\n", "z = 3\r", "#%%\r"],
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=14).map("".join))
def test_marker_lines_agree_with_the_tokenizer(text: str) -> None:
    try:
        expected = oracle(text)
    except (tokenize.TokenError, SyntaxError):
        return
    assert [cell.line for cell in parse(text)] == expected


@settings(max_examples=200, deadline=None)
@given(
    st.lists(PIECES, max_size=12).map("".join),
    st.lists(st.tuples(st.integers(0, 400), st.integers(0, 20), st.lists(PIECES, max_size=3).map("".join)), max_size=6),
)
def test_the_incremental_index_finds_what_a_fresh_parse_finds(text: str, edits: list[tuple[int, int, str]]) -> None:
    index = CellIndex()
    assert index.cells("doc", text) == parse(text)
    for at, removed, inserted in edits:
        at = min(at, len(text))
        text = text[:at] + inserted + text[at + removed :]
        assert index.cells("doc", text) == parse(text)
