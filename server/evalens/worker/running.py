"""Running user code in module namespaces and describing what came of it.

Every entry point returns a ``RunResult``: a value (bounded repr and type) or
a structured error whose traceback frames are mapped to document URIs, with
the worker's own frames removed.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import linecache
import os
import signal
import sys
import traceback
import types
from typing import Any, Callable, Dict, List, Optional, Tuple

from .collection import compiled, paused
from .contexts import HeldContexts, lone_with_header
from .importhook import DocumentTable, register_source
from .messages import ErrorInfo, Frame, Location, RunResult, error_result, ok_result
from .reprs import bounded_repr

_WORKER_DIR = os.path.dirname(os.path.abspath(__file__))
_NO_VALUE = object()
CO_COROUTINE = 0x0080  # inspect.CO_COROUTINE, without importing inspect at start-up
#: Typed-in inputs whose source stays available to tracebacks.
KEEP_INPUTS = 1000


class Interruptible:
    """Turns SIGINT into KeyboardInterrupt only while user code runs.

    The server counts the interrupts it sends and each run request carries that
    count. Interrupts the server sent before writing a request were meant for
    earlier runs (they can land after their run ended): ``begin`` drops them.
    One sent later belongs to this run even when it lands before user code
    starts (while the request is still being read): it is raised as soon as
    user code starts.
    """

    def __init__(self) -> None:
        self.active = False
        self.received = 0  # SIGINTs this process has seen
        self.settled = 0  # of those, the ones no run is waiting to raise

    def install(self) -> Any:
        """Handle SIGINT from now on; the handler it had."""
        return signal.signal(signal.SIGINT, self._on_sigint)

    def begin(self, sent_before: int) -> None:
        """A run starts that the server wrote after sending ``sent_before`` interrupts."""
        self.settled = max(self.settled, sent_before)

    def _on_sigint(self, signum: int, frame: Optional[types.FrameType]) -> None:
        self.received += 1
        if self.active:
            self.settled = self.received
            raise KeyboardInterrupt

    def user_code(self) -> "Interruptible":
        """``with guard.user_code():`` marks the block as user code (this module's
        own frames, unlike contextlib's, are left out of tracebacks)."""
        return self

    def __enter__(self) -> None:
        self.active = True
        if self.received > self.settled:
            self.settled = self.received
            self.active = False
            raise KeyboardInterrupt

    def __exit__(self, *exc_info: object) -> None:
        self.active = False


def type_name(value: Any) -> str:
    cls = type(value)
    module = getattr(cls, "__module__", None)
    if module in (None, "builtins"):
        return cls.__qualname__
    return f"{module}.{cls.__qualname__}"


_IMPORTLIB_INIT = os.path.join(os.path.dirname(os.path.abspath(importlib.__file__)), "__init__.py")


def _is_internal(filename: str) -> bool:
    """Frames of the worker and of the import machinery, hidden from tracebacks."""
    return filename.startswith(_WORKER_DIR) or filename.startswith("<frozen importlib") or filename == _IMPORTLIB_INIT


def format_traceback(exc: BaseException) -> str:
    """The traceback as Python prints it, without the worker's own frames."""
    report = traceback.TracebackException(type(exc), exc, exc.__traceback__)
    seen = set()
    todo = [report]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        kept = [frame for frame in current.stack if not _is_internal(frame.filename)]
        current.stack = traceback.StackSummary.from_list(kept)
        todo.extend(item for item in (current.__cause__, current.__context__) if item is not None)
    return "".join(report.format())


def _run_code(code: types.CodeType, namespace: Dict[str, Any]) -> Any:
    """Evaluate compiled code; code using top-level ``await`` runs on a fresh event loop."""
    result = eval(code, namespace)
    if code.co_flags & CO_COROUTINE:
        result = _run_coroutine(result)
    return result


def _run_coroutine(coroutine: Any) -> Any:
    import asyncio  # only code that awaits pays for importing asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    return _run_beside(coroutine)


def _run_beside(coroutine: Any) -> Any:
    """Run ``coroutine`` to its end where an event loop already runs in this thread (a Jupyter
    kernel's): on a fresh loop in a thread of its own, this one waiting; an interrupt here
    cancels it there."""
    import asyncio
    import threading

    loop = asyncio.new_event_loop()
    outcome: Dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["value"] = loop.run_until_complete(coroutine)
        except BaseException as exc:  # handed to the waiting thread, which raises it
            outcome["error"] = exc
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    thread = threading.Thread(target=work, name="evalens-await", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.05)
    except KeyboardInterrupt:
        loop.call_soon_threadsafe(_cancel_all, loop)
        thread.join(1.0)
        raise
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def _cancel_all(loop: Any) -> None:
    import asyncio

    for task in asyncio.all_tasks(loop):
        task.cancel()


def _note(text: str) -> None:
    sys.stderr.write(f"evalens: {text}\n")


class Runner:
    """Executes code for the worker and keeps ``_``, ``_1``, ``_2``, ... alive."""

    def __init__(self, table: DocumentTable, guard: Interruptible, repr_chars: int) -> None:
        self.table = table
        self.guard = guard
        self.repr_chars = repr_chars
        self.count = 0
        self.inputs = 0
        self.held = HeldContexts()
        self.last_error: Optional[BaseException] = None
        #: shows a value (and its repr) that has display methods; runs user code
        self.on_value: Optional[Callable[[Any, str], None]] = None
        #: a line from evalens on the run's stderr
        self.note: Callable[[str], None] = _note

    # -- results ---------------------------------------------------------

    def uri_of(self, filename: str) -> Optional[str]:
        doc = self.table.by_path.get(filename)
        if doc is not None:
            return doc["uri"]
        if os.path.isabs(filename) and os.path.isfile(filename):
            from pathlib import Path

            return Path(filename).as_uri()
        return None

    def error(self, exc: BaseException) -> RunResult:
        self.last_error = exc
        if isinstance(exc, SyntaxError) and exc.filename in self.table.by_path and exc.lineno:
            # CPython takes a SyntaxError's line from the file on disk when one exists, not
            # from the text it compiled: show the open document's line (in linecache) instead.
            line = linecache.getline(exc.filename, exc.lineno)
            if line:
                exc.text = line
        tb = exc.__traceback__
        while tb is not None and _is_internal(tb.tb_frame.f_code.co_filename):
            tb = tb.tb_next
        frames: List[Frame] = []
        for frame, lineno in traceback.walk_tb(tb):
            filename = frame.f_code.co_filename
            if _is_internal(filename):
                continue
            frames.append({"uri": self.uri_of(filename), "line": max(lineno - 1, 0), "name": frame.f_code.co_name})
        if isinstance(exc, SyntaxError) and exc.filename and exc.lineno:
            frames.append({"uri": self.uri_of(exc.filename), "line": exc.lineno - 1, "name": "<module>"})
        try:
            text = format_traceback(exc)
            message = str(exc)
        except BaseException as failure:  # a hostile __str__
            text = message = f"<exception text failed: {failure!r}>"
        if isinstance(exc, SystemExit):
            message = f"exit code {exc.code}" if not isinstance(exc.code, str) else exc.code
        info: ErrorInfo = {
            "type": type(exc).__name__,
            "message": message,
            "traceback": text,
            "frames": frames,
        }
        return error_result(info)

    def value(self, value: Any) -> RunResult:
        if value is _NO_VALUE:
            return ok_result()
        try:
            with self.guard.user_code():
                text, truncated = bounded_repr(value, self.repr_chars)
        except KeyboardInterrupt:
            text, truncated = f"<{type(value).__name__} object; repr interrupted>", False
        name = None
        if value is not None and self.on_value is not None:
            self.show(value, text)
        if value is not None:
            self.count += 1
            name = f"_{self.count}"
            setattr(builtins, name, value)
            builtins._ = value  # type: ignore[attr-defined]
        return ok_result({"repr": text, "type": type_name(value)}, name, truncated)

    def show(self, value: Any, text: str) -> None:
        """The value's display, as user code (its display methods are)."""
        assert self.on_value is not None
        try:
            with self.guard.user_code():
                self.on_value(value, text)
        except KeyboardInterrupt:
            self.note(f"interrupted while showing the {type(value).__name__}; shown as text")
        except Exception as exc:  # a figure that cannot be drawn: the value is still the Result
            self.note(f"the {type(value).__name__} could not be shown: {type(exc).__name__}: {exc}")

    # -- running ---------------------------------------------------------

    def guarded(self, action: Callable[[], Any]) -> RunResult:
        """Run ``action`` as user code; its value or exception becomes the Result."""
        try:
            with self.guard.user_code():
                value = action()
        except BaseException as exc:  # user code may raise anything, SystemExit included
            return self.error(exc)
        return self.value(value)

    def run_source(self, namespace: Dict[str, Any], code: str, filename: Optional[str], first_line: int) -> RunResult:
        """Statements and a trailing expression, REPL style."""
        if filename is None:
            self.inputs += 1
            filename = f"<evalens-input-{self.inputs}>"
            register_source(filename, code)
            linecache.cache.pop(f"<evalens-input-{self.inputs - KEEP_INPUTS}>", None)
        flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        header = lone_with_header(code, first_line, filename)
        if header is not None:
            with_node = header
            source = "\n" * first_line + code
            return self.guarded(lambda: self.held.enter(with_node, namespace, filename or "<evalens>", source))

        def compile_and_run() -> Any:
            with paused():
                tree = ast.parse("\n" * first_line + code, filename, "exec")
            trailing: Optional[ast.expr] = None
            last = tree.body[-1] if tree.body else None
            if isinstance(last, ast.Expr):
                tree.body.pop()
                trailing = last.value
            body = compiled(tree, filename, "exec", flags)
            _run_code(body, namespace)
            if trailing is None:
                return _NO_VALUE
            expr = compiled(ast.Expression(trailing), filename, "eval", flags)
            return _run_code(expr, namespace)

        return self.guarded(compile_and_run)

    def exit_context(self, with_exception: bool) -> RunResult:
        """Leave the innermost held ``with`` block; the value is what ``__exit__`` returned."""
        if not self.held.stack:
            return self.error(RuntimeError("no `with` block is held open; evaluate a lone `with ...:` line first"))
        error = self.last_error if with_exception else None
        return self.guarded(lambda: self.held.exit_innermost(error))

    def call(
        self,
        namespace: Dict[str, Any],
        target: str,
        args_source: Optional[str],
        args: List[Any],
        kwargs: Dict[str, Any],
    ) -> RunResult:
        def collect(*a: Any, **k: Any) -> Tuple[Tuple[Any, ...], Dict[str, Any]]:
            return a, k

        located: List[Optional[Location]] = [None]

        def run() -> Any:
            callee = eval(compile(target, "<evalens-target>", "eval", dont_inherit=True), namespace)
            located[0] = self.definition_of(callee)
            positional: Tuple[Any, ...] = tuple(args)
            keywords = dict(kwargs)
            if args_source is not None:
                source = f"__evalens_collect__({args_source}\n)"
                code = compile(source, "<evalens-args>", "eval", dont_inherit=True)
                positional, more = eval(code, namespace, {"__evalens_collect__": collect})
                more.update(keywords)
                keywords = more
            result = callee(*positional, **keywords)
            if isinstance(result, types.CoroutineType):
                result = _run_coroutine(result)
            return result

        outcome = self.guarded(run)
        outcome["target"] = located[0]
        return outcome

    def definition_of(self, callee: Any) -> Optional[Location]:
        """Where a function or method is defined (its ``def`` line, after any decorators),
        read from code objects and instance dictionaries: no attribute lookup of user objects
        (no ``__getattr__``, no properties)."""
        for _ in range(100):  # functools.wraps chains (lru_cache too), through the objects' own __dict__
            if isinstance(callee, types.MethodType):
                callee = callee.__func__
            try:
                own = object.__getattribute__(callee, "__dict__")
            except AttributeError:
                break
            wrapped = own.get("__wrapped__") if isinstance(own, dict) else None
            if wrapped is None:
                break
            callee = wrapped
        if not isinstance(callee, types.FunctionType):
            return None
        code = callee.__code__
        uri = self.uri_of(code.co_filename)
        if uri is None:
            return None
        line = code.co_firstlineno
        if linecache.getline(code.co_filename, line).lstrip().startswith("@"):  # the def follows its decorators
            for below in range(line + 1, line + 100):
                if linecache.getline(code.co_filename, below).lstrip().startswith(("def ", "async def ")):
                    line = below
                    break
        return {"uri": uri, "line": line - 1}

    def run_main(self, path: str, text: str) -> RunResult:
        """The document as ``__main__`` in a fresh namespace."""
        module = types.ModuleType("__main__")
        module.__file__ = path
        module.__builtins__ = builtins  # type: ignore[attr-defined]
        sys.modules["__main__"] = module
        sys.argv[:] = [path]
        register_source(path, text)

        def run() -> Any:
            exec(compiled(text, path, "exec"), module.__dict__)
            return _NO_VALUE

        return self.guarded(run)
