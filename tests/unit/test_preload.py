"""The stand-in module that preloading infers: a document's imports, nothing else."""

from __future__ import annotations

import sys
from pathlib import Path
from unittest.mock import patch

from parso.grammar import load_grammar

from evalens.intelligence.preload import JEDI_LATEST_GRAMMAR, import_source


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

    from evalens.intelligence import overlay, patches

    patches.install(None)  # as the server does when it loads jedi
    from evalens.intelligence.preload import preload

    source = "import json\nimport os\nfrom collections import abc\n"
    snap = overlay.Snapshot("python", "/w", ("/w",), {}, len)
    answers = iter([True, False])
    environment = jedi.InterpreterEnvironment()
    assert overlay.run(snap, environment, "/w/stand_in.py", source, 1, preload) == 3  # json, os, collections.abc
    assert overlay.run(snap, environment, "/w/stand_in.py", source, 2, lambda s: preload(s, lambda: next(answers))) == 1


def test_the_head_start_parses_with_the_grammars_jedi_then_asks_for(tmp_path: Path) -> None:
    """The first request on a document finds its tree parsed (and both of jedi's grammars
    loaded) while the environment was starting, for an interpreter of the server's version."""
    import jedi
    from jedi.inference import InferenceState  # type: ignore[import-untyped]

    from evalens.intelligence.preload import head_start
    from evalens.intelligence.trees import TREES

    path, text = str(tmp_path / "first.py"), "import os\nvalue = os.sep\n"
    assert head_start([(path, text, 3)]) == 1
    environment = jedi.create_environment(sys.executable, safe=False)
    state = InferenceState(jedi.Project(str(tmp_path)), environment=environment)
    assert state.latest_grammar is load_grammar(version=JEDI_LATEST_GRAMMAR)

    grammar = environment.get_grammar()
    with patch.object(grammar, "parse", side_effect=AssertionError("parsed again")):
        lease = TREES.acquire(grammar, path, text, 3)
    try:
        assert lease.tree.get_code() == text  # type: ignore[no-untyped-call]
    finally:
        TREES.release(lease)
        TREES.forget(path)
