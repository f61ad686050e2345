"""What the worker of a session holds, as the server's mirror of it sees it: no process needed."""

from __future__ import annotations

from pathlib import Path

from evalens.execution.mirror import WorkerMirror
from evalens.execution.reloads import ImportCache
from evalens.text.documents import DocumentStore
from evalens.worker.messages import RunReply, ok_result

ROOT = "/w"


def store_with(**texts: str) -> tuple[DocumentStore, dict[str, str]]:
    store = DocumentStore([ROOT])
    uris = {}
    for name, text in texts.items():
        uris[name] = Path(ROOT, f"{name}.py").as_uri()
        store.set(uris[name], text)
    return store, uris


def reply(**fields: object) -> RunReply:
    answer: RunReply = {"id": 1, "result": ok_result(), "held": [], "marked": ["stdout", "stderr"]}
    answer.update(fields)  # type: ignore[typeddict-item]
    return answer


def test_a_new_session_gets_every_open_document_once() -> None:
    store, _ = store_with(a="x = 1\n", b="import a\n")
    mirror = WorkerMirror([ROOT])
    first = mirror.sync(store, [ROOT], ImportCache())
    assert [(doc["name"], doc["text"]) for doc in first["documents"]] == [("a", "x = 1\n"), ("b", "import a\n")]
    assert first["closed"] == first["reload"] == first["roots"] == []
    second = mirror.sync(store, [ROOT], ImportCache())
    assert second == {"documents": [], "closed": [], "reload": [], "roots": []}


def test_an_edit_sends_that_document_alone() -> None:
    store, uris = store_with(a="x = 1\n", b="y = 2\n")
    mirror = WorkerMirror([ROOT])
    mirror.sync(store, [ROOT], ImportCache())
    store.set(uris["b"], "y = 3\n")
    assert [(doc["name"], doc["text"]) for doc in mirror.sync(store, [ROOT], ImportCache())["documents"]] == [
        ("b", "y = 3\n")
    ]


def test_a_closed_document_is_no_longer_served() -> None:
    store, uris = store_with(a="x = 1\n", b="y = 2\n")
    mirror = WorkerMirror([ROOT])
    mirror.sync(store, [ROOT], ImportCache())
    store.close(uris["a"])
    assert mirror.sync(store, [ROOT], ImportCache())["closed"] == ["a"]
    assert mirror.sync(store, [ROOT], ImportCache())["closed"] == []


def test_a_changed_loaded_module_reloads_with_its_dependents_in_import_order() -> None:
    store, uris = store_with(base="N = 1\n", middle="from base import N\n", top="import middle\n", other="z = 0\n")
    mirror = WorkerMirror([ROOT])
    imports = ImportCache()
    mirror.sync(store, [ROOT], imports)
    loaded = {name: store.get(uri).revision for name, uri in uris.items()}  # type: ignore[union-attr]
    mirror.learn(reply(modules={name: f"{ROOT}/{name}.py" for name in uris}, loaded=loaded))
    store.set(uris["base"], "N = 2\n")
    assert mirror.sync(store, [ROOT], imports)["reload"] == ["base", "middle", "top"]


def test_the_worker_reports_what_it_loaded_and_dropped() -> None:
    mirror = WorkerMirror([ROOT])
    mirror.learn(reply(modules={"a": "/w/a.py"}, loaded={"a": 3, "b": 4}, held=["open('f') as f"]))
    mirror.learn(reply(loaded={"a": 5}, unloaded=["b"]))
    assert (mirror.modules, mirror.loaded, mirror.held) == ({"a": "/w/a.py"}, {"a": 5}, [])


def test_roots_that_appear_later_travel_with_every_run() -> None:
    store, _ = store_with(a="x = 1\n")
    mirror = WorkerMirror([ROOT])
    assert mirror.sync(store, [ROOT, "/w/src"], ImportCache())["roots"] == ["/w/src"]
    assert mirror.sync(store, [ROOT, "/w/src"], ImportCache())["roots"] == ["/w/src"]


def test_a_document_run_cell_by_cell_is_never_brought_up_to_date_by_a_run() -> None:
    store, uris = store_with(base="N = 1\n", notebook="import base\n# %%\nx = base.N\n")
    mirror = WorkerMirror([ROOT])
    imports = ImportCache()
    mirror.sync(store, [ROOT], imports)
    loaded = {name: store.get(uri).revision for name, uri in uris.items()}  # type: ignore[union-attr]
    mirror.learn(reply(modules={name: f"{ROOT}/{name}.py" for name in uris}, loaded=loaded))
    store.set(uris["base"], "N = 2\n")
    store.set(uris["notebook"], "import base\n# %%\nx = base.N * 2\n")
    assert mirror.sync(store, [ROOT], imports, keep="notebook")["reload"] == ["base"]
    mirror.learn(reply(loaded={"base": store.get(uris["base"]).revision}))  # type: ignore[union-attr]
    assert mirror.sync(store, [ROOT], imports)["reload"] == []  # a later run elsewhere: still not
    store.set(uris["base"], "N = 3\n")
    assert mirror.sync(store, [ROOT], imports)["reload"] == ["base"]  # not even as base's dependent
    assert WorkerMirror([ROOT]).by_cells == set()  # a fresh interpreter: a module like any other
