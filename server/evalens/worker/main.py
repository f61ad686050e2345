"""The worker's request loop: read a request, run it, answer, mark the output.

After every run the worker flushes the user's streams and writes the session's
token to file descriptors 1 and 2, so the server knows it has seen all output
of that run before it answers the editor.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib
import importlib.machinery
import importlib.util
import os
import sys
import threading
import types
from typing import Any, BinaryIO, Dict, List, Optional, Tuple, Union, cast

from . import collection, doctests, figures, importhook, inspection, messages, planning, updates, variables
from .displays import Displays
from .doctestmessages import ACTION_DOCTEST
from .importhook import DocumentTable
from .messages import (
    DocumentInfo,
    HelloInfo,
    HelloReply,
    HelloRequest,
    InspectReply,
    InspectRequest,
    Query,
    Run,
    RunReply,
    RunRequest,
    RunResult,
)
from .running import Interruptible, Runner
from .streams import Budget, StreamKeeper
from .variablemessages import QUERY_VARIABLES

RUN_WHOLE = 'the `reload` setting is "module": its whole text ran again'


def _apply_memory_limit(megabytes: int) -> None:
    if megabytes <= 0:
        return
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return
    limit = megabytes * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


class Worker:
    """One interpreter session: documents, modules, and the run loop."""

    def __init__(self, reader: Optional[BinaryIO], writer: Optional[BinaryIO], in_kernel: bool = False) -> None:
        self.reader = reader
        self.writer = writer
        #: inside a Jupyter kernel (``kernelside``): the kernel owns the process, its streams,
        #: its signals and matplotlib; the worker only answers
        self.in_kernel = in_kernel
        self.table = DocumentTable()
        self.variables = variables.Variables()
        self.guard = Interruptible()
        self.runner = Runner(self.table, self.guard, 10000)
        self.token = b""
        self.roots: List[str] = []
        self.reported_modules: Optional[Dict[str, str]] = None
        self.budget = Budget()
        self.keeper: Optional[StreamKeeper] = None
        self.pid = os.getpid()
        self.output_bytes = 1_000_000
        self.module_count = -1
        self.loaded_count = -1
        self.reported_loaded: Dict[str, int] = {}  # module -> revision, as the server last heard
        #: module name -> its last executed text's statements, for the next statement-level update
        self.baselines: Dict[str, updates.Baseline] = {}
        #: what bringing modules up to date did before the current run
        self.reloaded: List[messages.ReloadedModule] = []
        self.request_id = 0  # of the run being answered
        self._sending = threading.Lock()  # a thread may show a display while a reply is written
        self.displays = Displays(self.send, self.note, self.flush_output)
        self.runner.on_value = self.displays.show_value
        self.runner.note = self.note

    # -- setup -----------------------------------------------------------

    def hello(self, message: HelloRequest) -> HelloInfo:
        self.token = message["token"].encode()
        self.roots = [os.path.abspath(p) for p in message["roots"]]
        self.runner.repr_chars = message["reprChars"]
        self.output_bytes = message["outputBytes"]
        self.displays.limit = message["displayBytes"]
        self.displays.formatter.repr_chars = message["reprChars"]
        for entry in reversed(self.roots + list(message["extraPaths"])):
            if entry not in sys.path:
                sys.path.insert(0, entry)
        importhook.install(self.table, message["hidden"], {"display": self.displays.display})
        if not self.in_kernel:  # a process of our own: its streams, limits, signals, matplotlib
            self.keeper = StreamKeeper(self.budget)
            figures.install(figures.FigureTracker(self.displays, message["figureFormat"]))
            os.register_at_fork(after_in_child=self._after_fork_in_child)
            if not hasattr(builtins, "display"):  # as in Jupyter, cells copied from a notebook call it
                builtins.display = self.displays.display  # type: ignore[attr-defined]
            _apply_memory_limit(message["memoryMB"])
            self.guard.install()
        return {"pid": os.getpid(), "python": sys.version.split()[0], "executable": sys.executable}

    # -- documents and modules ---------------------------------------------

    def module_for(self, doc: DocumentInfo) -> types.ModuleType:
        """The document's module, loaded first if it is not loaded yet."""
        name = doc["name"]
        module = sys.modules.get(name)
        if module is not None:
            return module
        if doc["importable"]:
            return importlib.import_module(name)
        module = types.ModuleType(name)
        module.__file__ = doc["path"]
        sys.modules[name] = module
        try:
            importhook.execute_document(module, doc, self.table)
        except BaseException:
            del sys.modules[name]
            raise
        return module

    def empty_module_for(self, doc: DocumentInfo) -> types.ModuleType:
        """The document's module for a cell run: loaded as it is, or made empty (``__name__``,
        ``__file__``, a spec whose origin is the file) without running any of its text. It
        counts as having run nothing, so a run that brings it up to date runs its whole text."""
        name = doc["name"]
        module = sys.modules.get(name)
        if module is not None:
            return module
        spec = importlib.machinery.ModuleSpec(name, None, origin=doc["path"])
        spec.has_location = True
        if doc["isPackage"]:
            spec.submodule_search_locations = [os.path.dirname(doc["path"])]
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        self.table.executed[name] = ""
        return module

    def reload(self, names: List[str], mode: str) -> None:
        """Bring loaded modules up to date, in order: the statements that changed and their
        dependents (``RELOAD_CHANGED``), or the whole text again (``RELOAD_MODULE``). What was
        done is appended to ``self.reloaded`` as it happens."""
        earlier: Dict[str, planning.Changes] = {}
        for name in names:
            module = sys.modules.get(name)
            if module is None:
                continue
            source = self.source_of(name, module)
            if source is None:
                continue
            text, filename, revision = source
            importhook.bind_submodules(module)
            if revision is None:  # (an open document's text is registered as it arrives)
                importhook.register_source(filename, text)
            if mode == messages.RELOAD_MODULE:
                self.run_whole(module, name, text, filename)
                earlier[name] = {planning.EVERYTHING: planning.VALUE}
            else:
                earlier[name] = self.update(module, name, text, filename, earlier)
            if revision is not None:
                self.table.loaded[name] = revision
            self.table.executed[name] = text

    def source_of(self, name: str, module: types.ModuleType) -> Optional[Tuple[str, str, Optional[int]]]:
        """The text a loaded module is brought up to, its file name, and its revision when it
        is an open document (None for a file on disk)."""
        doc = self.table.by_name.get(name)
        if doc is not None:
            return doc["text"], doc["path"], doc["revision"]
        filename = module.__dict__.get("__file__")
        if not (isinstance(filename, str) and filename.endswith(".py") and os.path.isfile(filename)):
            return None
        with open(filename, encoding="utf-8") as source:
            return source.read(), filename, None

    def run_whole(self, module: types.ModuleType, name: str, text: str, filename: str) -> None:
        """The first stage's reload: the module's whole text runs again in its namespace."""
        baseline = self.baseline_of(name, text)
        with collection.paused():
            fresh = updates.statements_after(baseline, text, filename, name, hasattr(module, "__path__"))
        self.baselines[name] = fresh
        exec(collection.compiled(text, filename, "exec"), module.__dict__)
        rerun = [statement.first for statement in fresh.statements or ()]
        self.reloaded.append({"module": name, "patched": [], "rerun": rerun, "reason": RUN_WHOLE})

    def baseline_of(self, name: str, text: str) -> updates.Baseline:
        """What the module last ran (a file on disk reloaded for the first time: ``text``)."""
        previous = self.table.executed.get(name, text)
        baseline = self.baselines.get(name)
        if baseline is None or baseline.text != previous:
            baseline = self.baselines[name] = updates.Baseline(previous)
        return baseline

    def update(
        self, module: types.ModuleType, name: str, text: str, filename: str, earlier: Dict[str, planning.Changes]
    ) -> planning.Changes:
        baseline = self.baseline_of(name, text)
        previous = baseline.text
        is_package = hasattr(module, "__path__")
        report: messages.ReloadedModule = {"module": name, "patched": [], "rerun": []}
        try:
            _, changes, self.baselines[name] = updates.update(
                module, baseline, text, filename, is_package, earlier, lambda code: exec(code, module.__dict__), report
            )
        except BaseException:  # a statement failed: what ran before it, and it, are reported
            if report["patched"] or report["rerun"]:
                self.reloaded.append(report)
            raise
        if text != previous or report["patched"] or report["rerun"]:
            self.reloaded.append(report)
        return changes

    def prepare(self, sync: messages.Sync, mode: str) -> Optional[RunResult]:
        """Apply the editor's changes; an error here is the run's Result."""
        self.take_documents(sync)
        # The request is read and its documents stored: from here on an interrupt reaches
        # user code, and the server's grace period before a kill may start.
        self.send(messages.encode(messages.run_started(self.request_id)))
        reload = sync["reload"]
        if not reload:
            return None
        result = self.runner.guarded(lambda: self.reload(reload, mode))
        return None if result["ok"] else result

    def take_documents(self, sync: messages.Sync) -> None:
        """The editor's documents and import roots of ``sync`` (no module runs)."""
        for root in reversed(sync["roots"]):
            if root not in sys.path:
                sys.path.insert(0, root)
                self.roots.append(root)
        self.table.update(sync["documents"], sync["closed"])

    def namespace_of(self, name: str, cell: bool = False) -> Dict[str, Any]:
        doc = self.table.by_name[name]
        if cell:
            return self.empty_module_for(doc).__dict__
        result: Dict[str, Any] = {}

        def load() -> None:
            result["module"] = self.module_for(doc)

        failure = self.runner.guarded(load)
        if not failure["ok"]:
            raise _LoadFailed(failure)
        module: types.ModuleType = result["module"]
        return module.__dict__

    def user_modules(self) -> Dict[str, str]:
        return importhook.user_modules(self.roots, self.table)

    # -- what a run shows -------------------------------------------------------

    def send(self, data: bytes) -> None:
        """Write one message (or a display and its bundle) on the channel (none in a kernel:
        there the kernel's own messages carry what the worker says)."""
        if self.writer is None:
            return
        with self._sending:
            self.writer.write(data)
            self.writer.flush()

    def flush_output(self) -> None:
        if self.keeper is not None:
            self.keeper.flush()

    def note(self, text: str) -> None:
        """A line on the run's stderr from evalens itself (a display that could not be shown):
        our own stream even where user code replaced ``sys.stderr``; in a kernel, the kernel's."""
        (self.keeper.stderr if self.keeper is not None else sys.stderr).write(f"evalens: {text}\n")

    # -- requests ----------------------------------------------------------

    def run(self, run: Run) -> RunResult:
        failure = self.prepare(run["sync"], run["reload"])
        if failure is not None:
            return failure
        action = run["action"]
        if action["kind"] == messages.ACTION_EXIT:
            return self.runner.exit_context(action["exception"])
        module = run["module"]
        assert module is not None, f"a {action['kind']} run names its module"
        if action["kind"] == messages.ACTION_RUN_MODULE:
            doc = self.table.by_name[module]
            return self.runner.run_main(doc["path"], doc["text"])
        try:
            namespace = self.namespace_of(module, run["cell"])
        except _LoadFailed as failed:
            return failed.result
        if action["kind"] == ACTION_DOCTEST:
            return doctests.run_result(sys.modules[module], action, self.runner)
        if action["kind"] == messages.ACTION_EVAL:
            namespace.update(action["bindings"])
            return self.runner.run_source(namespace, action["code"], action["filename"], action["firstLine"])
        return self.runner.call(namespace, action["target"], action["argsSource"], action["args"], action["kwargs"])

    def inspect(self, query: Query) -> Any:
        """Live values for hover and completion; runs no user code."""
        try:
            if query["kind"] == messages.QUERY_DESCRIBE:
                return inspection.describe(query["module"], query["name"], min(self.runner.repr_chars, 2000))
            if query["kind"] == QUERY_VARIABLES:
                return self.variables.answer(query)
            return inspection.attributes(query["module"], query["expression"])
        except Exception as exc:  # report, never crash the session over a lookup
            return {"failed": f"{type(exc).__name__}: {exc}"}

    def _after_fork_in_child(self) -> None:
        """A process forked by user code must never speak on the channel."""
        for stream in (self.reader, self.writer):
            if stream is not None:
                with contextlib.suppress(OSError):
                    os.close(stream.fileno())

    def leave_if_forked_child(self) -> None:
        """A forked child that finished the user's code ends here, quietly."""
        if os.getpid() != self.pid:
            if self.keeper is not None:
                self.keeper.flush()
            os._exit(0)

    def mark_output(self) -> List[str]:
        """Flush the user's streams, then end this run's output with the token."""
        if self.in_kernel:  # the kernel says when a run's output is whole (its idle status)
            return []
        if self.keeper is not None:
            self.keeper.flush()
        for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
            try:
                if stream is not None:
                    stream.flush()
            except BaseException:  # a closed or replaced stream is the user's business
                pass
        marked = []
        for fd, name in ((1, "stdout"), (2, "stderr")):
            try:
                os.write(fd, self.token)
                marked.append(name)
            except OSError:
                pass
        return marked

    def answer(self, message: Dict[str, Any]) -> Union[HelloReply, InspectReply, RunReply]:
        op = message["op"]
        if op == messages.OP_HELLO:
            hello = cast(HelloRequest, message)
            return {"id": hello["id"], "hello": self.hello(hello)}
        if op == messages.OP_INSPECT:
            inspect = cast(InspectRequest, message)
            return {"id": inspect["id"], "inspected": self.inspect(inspect["query"])}
        return self.answer_run(cast(RunRequest, message))

    def answer_run(self, request: RunRequest) -> RunReply:
        self.guard.begin(request["interrupts"])
        self.request_id = request["id"]
        self.budget.reset(self.output_bytes)
        self.reloaded = []
        self.displays.begin(request["id"])
        self.variables.forget()
        module = request["run"]["module"]
        before = variables.snapshot(module)
        try:
            result = self.run(request["run"])
        except KeyboardInterrupt as exc:  # the interrupt landed between user code and us
            result = self.runner.error(exc)
        self.leave_if_forked_child()
        figures.show_changed(self.guard.user_code, self.note)
        if self.budget.dropped or self.displays.dropped:
            result["truncated"] = True
        self.displays.end()
        result["reloaded"] = self.reloaded
        reply: RunReply = {"id": request["id"], "result": result, "held": [], "marked": []}
        if module is not None:
            reply["changed"] = variables.changed(module, before)
        if self.keeper is not None:
            self.keeper.flush()
            repaired = self.keeper.restore()
            if repaired:
                reply["repaired"] = repaired
        # Rescan sys.modules only when something was imported, dropped or reloaded.
        if (
            len(sys.modules) != self.module_count
            or len(self.table.loaded) != self.loaded_count
            or request["run"]["sync"]["reload"]
        ):
            self.module_count, self.loaded_count = len(sys.modules), len(self.table.loaded)
            modules = self.user_modules()
            if modules != self.reported_modules:
                reply["modules"] = modules
                self.reported_modules = modules
        if self.table.loaded != self.reported_loaded:
            # Only what changed: a session with many modules sends a few entries, not all of them.
            reply["loaded"] = {
                name: revision
                for name, revision in self.table.loaded.items()
                if self.reported_loaded.get(name) != revision
            }
            reply["unloaded"] = [name for name in self.reported_loaded if name not in self.table.loaded]
            self.reported_loaded = dict(self.table.loaded)
        reply["held"] = self.runner.held.descriptions()
        reply["marked"] = self.mark_output()
        return reply

    def serve(self) -> None:
        assert self.reader is not None, "a worker in a kernel answers through kernelside"
        for line in self.reader:
            reply = self.answer(messages.decode(line))
            self.send(messages.encode_reply(reply))


class _LoadFailed(Exception):
    def __init__(self, result: RunResult) -> None:
        super().__init__(result["error"])
        self.result = result


def serve(read_fd: int, write_fd: int) -> None:
    """Entry point called by the bootstrap with the two private channel fds."""
    for fd in (read_fd, write_fd):
        os.set_inheritable(fd, False)
    reader = os.fdopen(read_fd, "rb")
    writer = os.fdopen(write_fd, "wb")
    Worker(reader, writer).serve()
