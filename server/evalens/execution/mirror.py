"""What the worker of one session holds, as the server knows it: which text of each open
document it has, which modules it loaded at which revision, the `with` blocks it holds.

A ``WorkerMirror`` is made for each new session (a fresh interpreter holds
nothing), turns the document store into the ``Sync`` the next run carries (only
what the worker lacks, and the loaded modules a change reaches, in import
order), and learns from each run's reply. Plain data: tests drive it without
processes.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..text.documents import Document, DocumentStore
from ..worker import messages
from . import graph, reloads


class WorkerMirror:
    def __init__(self, started_roots: Sequence[str] = ()) -> None:
        #: the import roots the session started with (later ones travel with each run)
        self.started_roots = list(started_roots)
        #: uri -> (module name, revision) of the text the worker has
        self.sent: dict[str, tuple[str, int]] = {}
        #: module name -> revision of the text it last executed
        self.loaded: dict[str, int] = {}
        #: loaded user module -> its file name
        self.modules: dict[str, str] = {}
        #: `with` items held open in the interpreter, outermost first
        self.held: list[str] = []
        #: modules run cell by cell: no run brings them up to date again (their text runs
        #: only as the user runs it), until a fresh interpreter
        self.by_cells: set[str] = set()

    def sync(
        self, store: DocumentStore, roots: Sequence[str], imports: reloads.ImportCache, keep: str | None = None
    ) -> messages.Sync:
        """What the next run must carry for the worker to see ``store`` as it is now; from
        here on the mirror counts it as sent. The module ``keep`` (a cell run's own
        document) is not brought up to date, now or by any later run: what runs in a
        document run cell by cell is what the user runs there."""
        if keep is not None:
            self.by_cells.add(keep)
        documents: list[messages.DocumentInfo] = []
        open_names = set()
        open_paths: dict[str, Document] = {}
        for doc in store:
            module = doc.module
            open_names.add(module.name)
            open_paths[module.path] = doc
            if self.sent.get(doc.uri) != (module.name, doc.revision):
                documents.append(
                    {
                        "name": module.name,
                        "path": module.path,
                        "uri": doc.uri,
                        "text": doc.text,
                        "revision": doc.revision,
                        "importable": module.importable,
                        "isPackage": module.is_package,
                        "root": module.root,
                    }
                )
                self.sent[doc.uri] = (module.name, doc.revision)
        closed = []
        for uri, (name, _) in list(self.sent.items()):
            if store.get(uri) is None:
                del self.sent[uri]
                if name not in open_names:
                    closed.append(name)
        stale = []
        for name, path in self.modules.items():
            opened = open_paths.get(path)
            if opened is not None and name not in self.by_cells and self.loaded.get(name) != opened.revision:
                stale.append(name)
        reload: list[str] = []
        if stale:
            reload = graph.reload_order(stale, reloads.affected(stale, self.modules, open_paths, imports))
            reload = [name for name in reload if name not in self.by_cells]  # (it imports a changed module)
        new_roots = [root for root in roots if root not in self.started_roots]
        return {"documents": documents, "closed": closed, "reload": reload, "roots": new_roots}

    def learn(self, reply: messages.RunReply) -> None:
        """What a run's reply says the worker now holds."""
        if "modules" in reply:
            self.modules = reply["modules"]
        self.loaded.update(reply.get("loaded", {}))
        for name in reply.get("unloaded", []):
            self.loaded.pop(name, None)
        self.held = reply["held"]
