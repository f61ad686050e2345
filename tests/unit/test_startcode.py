"""The start-up code cache: the code attrs and cattrs generate, compiled once and reused."""

from __future__ import annotations

import marshal
import os
import sys
import threading
from pathlib import Path
from types import CodeType

import attr
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalens.lsp import startcode
from evalens.lsp.startcode import HEADER, CodeCache

SOURCE = "def double(x):\n    return 2 * x\n"


def saved(path: str, *filenames: str) -> None:
    """A cache that compiled ``SOURCE`` under each name and saved."""
    cache = CodeCache(path)
    for filename in filenames:
        cache.compile(SOURCE, filename, "exec")
    assert cache.save() is True


def make_point_class() -> type:
    @attr.define
    class Point:
        x: int
        y: int = 0

    return Point


# -- end to end: the server's own start ---------------------------------------------------------


def test_a_second_cache_reuses_what_the_first_compiled(tmp_path: Path) -> None:
    path = str(tmp_path / "code.marshal")
    first = CodeCache(path)
    compiled = first.compile(SOURCE, "<generated double>", "exec")
    assert (first.reused, first.compiled) == (0, 1)
    assert first.save() is True
    assert first.save() is False  # nothing new since

    second = CodeCache(path)
    reused = second.compile(SOURCE, "<generated double>", "exec")
    assert (second.reused, second.compiled) == (1, 0)
    assert reused == compiled
    namespace: dict[str, object] = {}
    exec(reused, namespace)
    assert namespace["double"](21) == 42  # type: ignore[operator]


def test_another_source_or_name_or_mode_is_compiled_again(tmp_path: Path) -> None:
    path = str(tmp_path / "code.marshal")
    saved(path, "<generated double>")
    second = CodeCache(path)
    second.compile(SOURCE.replace("2 *", "3 *"), "<generated double>", "exec")
    second.compile(SOURCE, "<generated triple>", "exec")
    second.compile("1 + 1", "<generated double>", "eval")
    assert (second.reused, second.compiled) == (0, 3)


def test_a_save_keeps_only_what_this_process_used(tmp_path: Path) -> None:
    path = str(tmp_path / "code.marshal")
    saved(path, "<old>")
    second = CodeCache(path)  # reads <old>, compiles and saves <new> only
    second.compile(SOURCE, "<new>", "exec")
    assert second.save() is True
    third = CodeCache(path)
    third.compile(SOURCE, "<old>", "exec")
    third.compile(SOURCE, "<new>", "exec")
    assert (third.reused, third.compiled) == (1, 1)


@pytest.mark.parametrize(
    "content",
    [b"", b"garbage", HEADER + b"\x00\x01", HEADER + marshal.dumps([1, 2]), b"evalens-startcode-1\n\x00\x00\x0d\x0a"],
    ids=["empty", "garbage", "damaged", "not a table", "another python"],
)
def test_an_unusable_file_means_compiling(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "code.marshal"
    path.write_bytes(content)
    cache = CodeCache(str(path))
    assert cache.compile(SOURCE, "<x>", "exec") == compile(SOURCE, "<x>", "exec")
    assert (cache.reused, cache.compiled) == (0, 1)
    assert cache.save() is True
    again = CodeCache(str(path))  # the file it wrote instead is usable
    again.compile(SOURCE, "<x>", "exec")
    assert (again.reused, again.compiled) == (1, 0)


def test_settle_waits_for_a_background_save_to_be_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The server ends with os._exit right after settle: a save still writing would
    # leave its temporary file and no cache.
    path = str(tmp_path / "code.marshal")
    cache = CodeCache(path)
    cache.compile(SOURCE, "<generated double>", "exec")
    writing, go_on = threading.Event(), threading.Event()
    write = cache._write

    def slow_write(target: str, table: dict[bytes, CodeType]) -> bool:
        writing.set()
        go_on.wait(10)
        return write(target, table)

    monkeypatch.setattr(cache, "_write", slow_write)
    cache.save_in_background()
    assert writing.wait(10)
    cache.settle(0.01)  # gives up: the write is still held
    assert not os.path.exists(path)
    go_on.set()
    cache.settle(10)
    assert os.listdir(tmp_path) == ["code.marshal"]
    reloaded = CodeCache(path)
    reloaded.compile(SOURCE, "<generated double>", "exec")
    assert (reloaded.reused, reloaded.compiled) == (1, 0)


def test_a_few_new_snippets_do_not_rewrite_the_file(tmp_path: Path) -> None:
    path = tmp_path / "code.marshal"
    cache = CodeCache(str(path), worth_saving=2)
    cache.compile(SOURCE, "<one>", "exec")
    assert cache.save() is False and not path.exists()
    cache.compile(SOURCE, "<two>", "exec")
    assert cache.save() is True and path.exists()


def test_an_unwritable_folder_is_not_an_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    cache = CodeCache(str(tmp_path / "file" / "code.marshal"))  # a folder that cannot exist
    cache.compile(SOURCE, "<x>", "exec")
    assert cache.save() is False


def test_calls_it_cannot_key_go_to_the_builtin(tmp_path: Path) -> None:
    import ast

    cache = CodeCache(str(tmp_path / "code.marshal"))
    tree = ast.parse("x = 1")
    assert isinstance(cache.compile(tree, "<ast>", "exec"), type(compile("", "", "exec")))
    assert isinstance(cache.compile("x = 1", "<ast>", "exec", flags=ast.PyCF_ONLY_AST), ast.Module)
    assert cache.compile("x = 1", "<o>", "exec", optimize=2) is not None
    assert (cache.reused, cache.compiled) == (0, 0)


def test_attrs_classes_made_while_installed_compile_through_the_cache(tmp_path: Path) -> None:
    import attr._make

    path = str(tmp_path / "code.marshal")
    first = CodeCache(path)
    with first.installed("attr._make"):
        assert attr._make.__dict__["compile"] == first.compile
        make_point_class()
    assert "compile" not in attr._make.__dict__  # the builtin again
    assert (first.reused, first.compiled) == (0, 1)  # attrs compiles a class's methods in one script
    first.save()

    second = CodeCache(path)
    with second.installed("attr._make"):
        point = make_point_class()
    assert (second.reused, second.compiled) == (1, 0)
    assert point(1) == point(1, 0)
    assert repr(point(2, 3)) == "Point(x=2, y=3)"


def test_the_users_cache_without_bytecode(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    name = f"startcode.{sys.implementation.cache_tag}.marshal"
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    assert startcode.default_path({"XDG_CACHE_HOME": "/cache"}) == os.path.join("/cache", "evalens", name)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    (tmp_path / "a-file").write_text("")
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path / "a-file"))  # no folder can be made there
    assert startcode.default_path({"XDG_CACHE_HOME": "/cache"}) == os.path.join("/cache", "evalens", name)
    monkeypatch.setattr(sys, "pycache_prefix", "/somewhere")
    path = startcode.default_path()
    assert path is not None and path.startswith("/somewhere" + os.sep)
    assert path.endswith(f"startcode.{sys.implementation.cache_tag}.marshal")


@given(st.lists(st.sampled_from(["x", "1", "+", "*", "(", ")", " ", "y", "-", "f(", "[", "]"]), max_size=20))
def test_cached_code_is_what_compile_gives(tokens: list[str]) -> None:
    """For any source, compiled or not: the cache answers what ``compile`` answers, both times."""
    source = "".join(tokens)
    try:
        expected = compile(source, "<prop>", "eval")
    except SyntaxError:
        with pytest.raises(SyntaxError):
            CodeCache(None).compile(source, "<prop>", "eval")
        return
    cache = CodeCache(None)
    assert cache.compile(source, "<prop>", "eval") == expected
    assert cache.compile(source, "<prop>", "eval") == expected
