"""Module names from import roots, exactly as docs/protocol.md states them."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalens.text.modnames import ModuleName, import_roots, name_for_path, name_for_uri, uri_to_path

ROOTS = ["/ws", "/ws/src"]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/ws/main.py", ModuleName("main", "/ws/main.py", True, False, "/ws")),
        ("/ws/pkg/mod.py", ModuleName("pkg.mod", "/ws/pkg/mod.py", True, False, "/ws")),
        ("/ws/pkg/__init__.py", ModuleName("pkg", "/ws/pkg/__init__.py", True, True, "/ws")),
        ("/ws/src/lib/core.py", ModuleName("lib.core", "/ws/src/lib/core.py", True, False, "/ws/src")),
        ("/ws/src/lib/__init__.py", ModuleName("lib", "/ws/src/lib/__init__.py", True, True, "/ws/src")),
        ("/elsewhere/tool.py", ModuleName("tool", "/elsewhere/tool.py", True, False, "/elsewhere")),
        (
            "/elsewhere/pkg/__init__.py",
            ModuleName("__init__", "/elsewhere/pkg/__init__.py", True, False, "/elsewhere/pkg"),
        ),
    ],
)
def test_name_comes_from_the_deepest_root(path: str, expected: ModuleName) -> None:
    assert name_for_path(path, ROOTS) == expected


def test_root_prefix_is_not_enough_to_hold_a_file() -> None:
    assert name_for_path("/wsx/main.py", ["/ws"]).name == "main"
    assert name_for_path("/wsx/a/main.py", ["/ws"]).name == "main"


def test_untitled_documents_are_not_importable() -> None:
    assert name_for_uri("untitled:Untitled-1", ROOTS) == ModuleName(
        "untitled:Untitled-1", "untitled:Untitled-1", False, False
    )


def test_file_uris_are_unquoted() -> None:
    assert uri_to_path("file:///ws/my%20dir/a.py") == "/ws/my dir/a.py"
    assert name_for_uri("file:///ws/pkg/a.py", ROOTS).name == "pkg.a"


def test_src_is_a_root_only_when_it_exists() -> None:
    assert import_roots(["/a", "/b"], is_dir=lambda p: p == "/b/src") == ["/a", "/b", "/b/src"]


segment = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)


@given(st.lists(segment, min_size=1, max_size=5), st.booleans())
def test_names_follow_the_path(parts: list[str], in_src: bool) -> None:
    base = "/ws/src" if in_src else "/ws"
    path = os.path.join(base, *parts) + ".py"
    assert name_for_path(path, ROOTS).name == ".".join(parts)
