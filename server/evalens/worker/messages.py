"""Message definitions shared by the evalens server and its interpreter worker.

This module, ``doctestmessages`` (a doctest run's) and ``variablemessages`` (the variables
view's) are the only ones the two sides share. It is stdlib-only and runs on
CPython 3.9+, because the worker imports it inside the user's interpreter.

The channel is a pair of private pipes carrying one JSON object per line. The
server sends a request (``id`` and ``op`` plus the op's fields: ``HelloRequest``,
``RunRequest``, ``InspectRequest``) and the worker answers each one, in order,
with the reply of the same ``id`` (``HelloReply``, ``RunReply``, ``InspectReply``).
Every message has one writer: the builder functions below. A run is built in
layers, each wrapping the one inside instead of adding fields to it: the editor
feature builds the ``Action`` (what to do), the engine the ``Run`` (the action,
the module it runs in, and the ``Sync`` of documents before it), the session the
``RunRequest`` (its ``id`` and ``interrupts``: how many SIGINTs the server had
sent to the process before writing it, so the worker can tell a late interrupt
of an earlier run from one meant for this run that arrived before user code
started).
"""

from __future__ import annotations

import json
from typing import Any, Dict, Final, List, Literal, Optional, TypedDict, Union

from .doctestmessages import DoctestAction, DoctestOutcome
from .variablemessages import VariablesQuery

#: Requests the worker answers.
OP_HELLO: Final = "hello"
OP_RUN: Final = "run"
OP_INSPECT: Final = "inspect"  # live values for hover and completion, no user code

#: What a run does (``Action.kind``).
ACTION_EVAL: Final = "eval"
ACTION_CALL: Final = "call"
ACTION_RUN_MODULE: Final = "runModule"
ACTION_EXIT: Final = "exit"  # leave the innermost held `with` block

#: What an inspection asks (``Query.kind``).
QUERY_DESCRIBE: Final = "describe"  # repr, type and length of a module-level name
QUERY_ATTRIBUTES: Final = "attributes"  # attribute names of a dotted expression's value


# -- documents --------------------------------------------------------------------------


class DocumentInfo(TypedDict):
    """An open document as the worker sees it."""

    name: str  # module name; a non-importable name for untitled documents
    path: str  # the file name used for __file__, code objects and linecache
    uri: str
    text: str
    revision: int
    importable: bool
    isPackage: bool
    root: Optional[str]  # its import root; put on sys.path when not there yet


class Sync(TypedDict):
    """What changed in the editor since the last run, sent with every run."""

    documents: List[DocumentInfo]
    closed: List[str]  # module names no longer served from the editor
    reload: List[str]  # loaded modules to re-execute, in this order
    roots: List[str]  # import roots that appeared since the session started


# -- actions: what a run does -----------------------------------------------------------


class EvalAction(TypedDict):
    kind: Literal["eval"]
    code: str
    filename: Optional[str]  # the document's file when ``code`` is a range of it; None for typed-in code
    firstLine: int  # the 0-based line of the document ``code`` starts on
    bindings: Dict[str, Any]  # names bound in the namespace first


class CallAction(TypedDict):
    kind: Literal["call"]
    target: str  # an expression naming a callable
    argsSource: Optional[str]  # Python source of an argument list, or None
    args: List[Any]  # JSON positional arguments (when ``argsSource`` is None)
    kwargs: Dict[str, Any]  # JSON keyword arguments


class RunModuleAction(TypedDict):
    kind: Literal["runModule"]


class ExitAction(TypedDict):
    kind: Literal["exit"]
    exception: bool  # hand the last run's exception to ``__exit__``


Action = Union[EvalAction, CallAction, RunModuleAction, ExitAction, DoctestAction]


def eval_action(
    code: str, filename: Optional[str] = None, first_line: int = 0, bindings: Optional[Dict[str, Any]] = None
) -> EvalAction:
    return {
        "kind": ACTION_EVAL,
        "code": code,
        "filename": filename,
        "firstLine": first_line,
        "bindings": bindings or {},
    }


def call_action(
    target: str,
    args_source: Optional[str] = None,
    args: Optional[List[Any]] = None,
    kwargs: Optional[Dict[str, Any]] = None,
) -> CallAction:
    return {
        "kind": ACTION_CALL,
        "target": target,
        "argsSource": args_source,
        "args": args or [],
        "kwargs": kwargs or {},
    }


def run_module_action() -> RunModuleAction:
    return {"kind": ACTION_RUN_MODULE}


def exit_action(with_exception: bool) -> ExitAction:
    return {"kind": ACTION_EXIT, "exception": with_exception}


#: How a changed module is brought up to date (``Run.reload``, the ``reload`` setting).
RELOAD_CHANGED: Final = "changed"  # only the statements that changed and those that depend on them
RELOAD_MODULE: Final = "module"  # the whole text, again


class Run(TypedDict):
    """An action in a module, after the documents are brought up to date."""

    action: Action
    module: Optional[str]  # the module whose namespace it runs in; None for an exit
    sync: Sync
    reload: str  # RELOAD_CHANGED or RELOAD_MODULE
    #: a cell run: ``module``'s own text is not run (the server leaves it out of
    #: ``sync.reload``), and a module not loaded yet starts empty
    cell: bool


def run(action: Action, module: Optional[str], sync: Sync, reload: str = RELOAD_CHANGED, cell: bool = False) -> Run:
    return {"action": action, "module": module, "sync": sync, "reload": reload, "cell": cell}


# -- queries: live values without user code ---------------------------------------------


class DescribeQuery(TypedDict):
    kind: Literal["describe"]
    module: str
    name: str


class AttributesQuery(TypedDict):
    kind: Literal["attributes"]
    module: str
    expression: str  # a dotted name


Query = Union[DescribeQuery, AttributesQuery, VariablesQuery]


def describe_query(module: str, name: str) -> DescribeQuery:
    return {"kind": QUERY_DESCRIBE, "module": module, "name": name}


def attributes_query(module: str, expression: str) -> AttributesQuery:
    return {"kind": QUERY_ATTRIBUTES, "module": module, "expression": expression}


class Description(TypedDict):
    """The answer to a ``DescribeQuery`` (None when the name is unbound)."""

    repr: str
    type: str
    len: Optional[int]
    truncated: bool


# -- requests: what crosses the pipe ----------------------------------------------------


class HelloRequest(TypedDict):
    """The first request: configures the session."""

    id: int
    op: Literal["hello"]
    token: str  # written to stdout and stderr after each run, marks its end
    roots: List[str]
    extraPaths: List[str]
    hidden: List[str]  # top-level packages of the server that user code must not see
    memoryMB: int
    reprChars: int
    outputBytes: int
    displayBytes: int  # bundles a run may show, in bytes of their JSON
    figureFormat: str  # how matplotlib figures are shown: FIGURE_FORMATS


#: ``HelloRequest.figureFormat``: PNG at the figure's dpi, PNG at twice that (shown at the
#: same size, for high-density screens), or SVG
FIGURE_FORMATS: Final = ("png", "retina", "svg")


class RunRequest(TypedDict):
    id: int
    op: Literal["run"]
    interrupts: int  # SIGINTs the server had sent to this process before writing this request
    run: Run


class InspectRequest(TypedDict):
    id: int
    op: Literal["inspect"]
    query: Query


def hello_request(
    request_id: int,
    token: str,
    roots: List[str],
    extra_paths: List[str],
    hidden: List[str],
    memory_mb: int,
    repr_chars: int,
    output_bytes: int,
    display_bytes: int = 20_000_000,
    figure_format: str = "png",
) -> HelloRequest:
    return {
        "id": request_id,
        "op": OP_HELLO,
        "token": token,
        "roots": roots,
        "extraPaths": extra_paths,
        "hidden": hidden,
        "memoryMB": memory_mb,
        "reprChars": repr_chars,
        "outputBytes": output_bytes,
        "displayBytes": display_bytes,
        "figureFormat": figure_format,
    }


def run_request(request_id: int, interrupts: int, body: Run) -> RunRequest:
    return {"id": request_id, "op": OP_RUN, "interrupts": interrupts, "run": body}


def inspect_request(request_id: int, query: Query) -> InspectRequest:
    return {"id": request_id, "op": OP_INSPECT, "query": query}


# -- replies ----------------------------------------------------------------------------


class HelloInfo(TypedDict):
    pid: int
    python: str  # the version, e.g. "3.11.7"
    executable: str  # sys.executable


class HelloReply(TypedDict):
    id: int
    hello: HelloInfo


class InspectReply(TypedDict):
    id: int
    inspected: Any  # Description, a list of names, a VariablesAnswer, None, or {"failed": message}


class Value(TypedDict):
    repr: str
    type: str


class Frame(TypedDict):
    uri: Optional[str]  # the document's for open documents, a file URI for other files
    line: int  # 0-based
    name: str


class ErrorInfo(TypedDict):
    type: str
    message: str
    traceback: str
    frames: List[Frame]  # outermost first


class _ReloadedFields(TypedDict):
    module: str
    patched: List[str]  # names of definitions updated in place
    rerun: List[int]  # 0-based first lines of the statements that ran again, in text order


class ReloadedModule(_ReloadedFields, total=False):
    """What bringing one module up to date before a run did."""

    reason: str  # why something ran again that was not changed, or was not patched


class Location(TypedDict):
    uri: Optional[str]  # the document's for open documents, a file URI for other files
    line: int  # 0-based


class _RunResultFields(TypedDict):
    ok: bool
    value: Optional[Value]
    valueName: Optional[str]  # the `_N` name the value is kept under in the session
    error: Optional[ErrorInfo]
    truncated: bool
    reloaded: List[ReloadedModule]  # what was brought up to date before the run, in order


class RunResult(_RunResultFields, total=False):
    """The worker's part of a Result; the server adds output and timing."""

    target: Optional[Location]  # calls only: where the called function is defined, when known
    doctest: DoctestOutcome  # doctest runs only: each example's outcome


class DisplayBundle(TypedDict):
    """A MIME bundle as Jupyter shapes it: ``data`` maps MIME types to content (binary types
    base64-encoded), ``metadata`` what the display protocol adds."""

    data: Dict[str, Any]  # str (in the worker, Base64 for binary types); JSON ones a dict or list
    metadata: Dict[str, Any]


#: how much of a display's text/plain comes beside its bundle (``DisplayEvent.plain``)
PLAIN_CHARS: Final = 200


class DisplayEvent(TypedDict):
    """What a run shows (``DisplayBundle``) is sent while it goes on, before its reply
    (``mimebundles.encode_display``): this line, then the bundle's JSON, ``raw`` bytes, on a
    line of its own, which the server splices into the editor's messages as it is."""

    display: int  # the request id of the run that showed it; 0 between runs
    raw: int  # bytes of the bundle's JSON on the next line
    mimes: List[str]
    plain: str  # the start of its text/plain (PLAIN_CHARS), so that the server need not decode it


class _RunReplyRequired(TypedDict):
    id: int
    result: RunResult
    held: List[str]  # `with` items held open, outermost first
    marked: List[str]  # the streams the end-of-run token was written to


class RunReply(_RunReplyRequired, total=False):
    modules: Dict[str, str]  # every loaded user module -> its file, when that changed
    loaded: Dict[str, int]  # modules (re)executed since the last reply -> the revision they ran
    unloaded: List[str]  # modules no longer loaded since the last reply
    repaired: List[str]  # what user code did to the streams that was undone after the run
    changed: List[str]  # names of the run's module it rebound, bound or deleted


class RunStarted(TypedDict):
    """Sent as soon as a run request has been read, before its reply: from here on an
    interrupt reaches the run (the server's grace period before a kill starts here)."""

    id: int
    started: bool


def run_started(request_id: int) -> RunStarted:
    return {"id": request_id, "started": True}


def ok_result(value: Optional[Value] = None, value_name: Optional[str] = None, truncated: bool = False) -> RunResult:
    return {"ok": True, "value": value, "valueName": value_name, "error": None, "truncated": truncated, "reloaded": []}


def error_result(error: ErrorInfo) -> RunResult:
    return {"ok": False, "value": None, "valueName": None, "error": error, "truncated": False, "reloaded": []}


# -- encoding ---------------------------------------------------------------------------


def encode(message: Any) -> bytes:
    """One message as one line of UTF-8 JSON."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


#: reprs at least this long travel after their reply line (``encode_reply``)
RAW_REPR = 1 << 16


def encode_reply(message: Any) -> bytes:
    """A reply as its line; a value's repr of ``RAW_REPR`` characters or more leaves it (its
    ``repr`` null, ``rawRepr`` a byte count) and follows as a JSON string literal on a line of
    its own, which the server hands to the editor as it is instead of decoding and encoding
    again a string that may be megabytes long."""
    value = (message.get("result") or {}).get("value") or {}
    text = value.get("repr")
    if not isinstance(text, str) or len(text) < RAW_REPR:
        return encode(message)
    literal = json.dumps(text).encode("ascii")  # escaped to ASCII: JSON as an LSP message carries it
    head = dict(message, result=dict(message["result"], value=dict(value, repr=None)), rawRepr=len(literal))
    return encode(head) + literal + b"\n"


def decode(line: bytes) -> Dict[str, Any]:
    """The message carried by one line."""
    message = json.loads(line)
    if not isinstance(message, dict):
        raise ValueError(f"expected a JSON object, got {type(message).__name__}")
    return message
