"""The stand-in module that preloading infers: a document's imports, nothing else."""

from __future__ import annotations

from evalens.intelligence.preload import import_source


def test_import_lines_become_a_module_of_their_own() -> None:
    text = (
        "import os, sys as s  # comment\n"
        "from typing import (Any,\n    List)\n"
        "from . import helpers, other as o\n"
        "from ..pkg.mod import f\n"
        "def g():\n    import json\n"
        "x = 1; import re\n"
        "from collections import abc\n"
        "import os\n"
        "text = 'import nothing from here'\n"
    )
    assert import_source(text) == (
        "import os\nimport sys\nimport json\n"
        "from . import helpers, other\nfrom ..pkg.mod import f\nfrom collections import abc\n"
        "import typing\n"
    )


def test_a_document_without_imports_has_nothing_to_preload() -> None:
    assert import_source("x = 1\nprint(x)\n") == ""


def test_preloading_gives_up_when_requests_keep_coming() -> None:
    import jedi  # type: ignore[import-untyped]

    from evalens.intelligence import overlay
    from evalens.intelligence.preload import preload

    source = "import json\nimport os\nfrom collections import abc\n"
    snap = overlay.Snapshot("python", "/w", ("/w",), {}, len)
    answers = iter([True, False])
    environment = jedi.InterpreterEnvironment()
    assert overlay.run(snap, environment, "/w/stand_in.py", source, 1, preload) == 3  # json, os, collections.abc
    assert overlay.run(snap, environment, "/w/stand_in.py", source, 2, lambda s: preload(s, lambda: next(answers))) == 1
