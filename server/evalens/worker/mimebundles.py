"""IPython's display protocol without IPython: an object's MIME bundle, bounded.

``format_object`` asks an object for what it can show, the way IPython's
``DisplayFormatter.format`` does: ``_repr_mimebundle_(include=, exclude=)``
first, then each ``_repr_*_`` method for the types the bundle did not give, in
IPython's order; a method may return ``(data, metadata)``. Binary types
(``image/png``, ``image/jpeg``, ``application/pdf``) are base64-encoded as
Jupyter sends them; ``application/json`` stays a JSON value. ``text/plain`` is
always there: the bundle's own when it gave one, else the value's bounded repr.

Everything here runs user code: each object gets one time budget for all its
methods together (an alarm that fires again until the code lets go of it), and
a method that raises, returns the wrong type or more than the run may still
show is left out with a note that says so, never an exception.
"""

from __future__ import annotations

import base64
import json
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from .messages import PLAIN_CHARS, DisplayBundle, DisplayEvent, encode
from .reprs import safe_str, timed


class Base64(bytes):
    """Base64 text as ASCII bytes, as a bundle holds an image: ``encode_display`` writes it into
    the JSON as it is (no character of it needs escaping), instead of scanning megabytes."""


#: (MIME type, method), in IPython's formatter order
METHODS: Tuple[Tuple[str, str], ...] = (
    ("text/html", "_repr_html_"),
    ("text/markdown", "_repr_markdown_"),
    ("image/svg+xml", "_repr_svg_"),
    ("image/png", "_repr_png_"),
    ("application/pdf", "_repr_pdf_"),
    ("image/jpeg", "_repr_jpeg_"),
    ("text/latex", "_repr_latex_"),
    ("application/json", "_repr_json_"),
    ("application/javascript", "_repr_javascript_"),
)
BINARY = frozenset({"image/png", "image/jpeg", "application/pdf", "image/gif", "image/webp", "image/bmp"})
JSON_VALUED = frozenset({"application/json"})
#: what each method may return (IPython's ``_return_type``)
_RETURNS: Dict[str, Tuple[type, ...]] = {
    "image/png": (bytes, str),
    "image/jpeg": (bytes, str),
    "application/pdf": (bytes, str),
    "application/json": (dict, list),
}
#: seconds all of one object's display methods may take together
SECONDS = 3.0
#: an attribute no object has: one that claims it answers every lookup (IPython's canary)
_CANARY = "_ipython_canary_method_should_not_exist_"

Data = Dict[str, Any]
Metadata = Dict[str, Any]


class DisplayTimeout(BaseException):
    """Raised into a display method that ran past its time (a BaseException, so that
    ``except Exception`` in user code does not swallow it)."""


def real_method(obj: Any, name: str) -> Optional[Callable[..., Any]]:
    """``obj``'s display method ``name``, or None: never for a class (its methods are not
    bound), nor for an object that answers any attribute (a ``__getattr__`` proxy)."""
    if isinstance(obj, type):
        return None
    try:
        if getattr(obj, _CANARY, None) is not None:
            return None
        method = getattr(obj, name, None)
    except Exception:  # a lookup that raises offers nothing
        return None
    return method if callable(method) else None


def offers_display(obj: Any) -> bool:
    """Whether ``obj`` has any display method (a value without one gives no bundle)."""
    return any(real_method(obj, name) is not None for name in ("_repr_mimebundle_", *(m for _, m in METHODS)))


class Budget:
    """Bytes of bundles a run may still show."""

    def __init__(self, limit: int) -> None:
        self.left = limit


def encoded(mime: str, value: Any, budget_left: int) -> Tuple[Any, int, Optional[str]]:
    """``value`` as it goes into a bundle under ``mime``, its size, and what is wrong with it
    (then the value is None). Bytes of a binary type are base64-encoded; other bytes are
    UTF-8 text; ``application/json`` must be a JSON value."""
    if mime in JSON_VALUED or mime.endswith("+json"):
        if not isinstance(value, (dict, list)):
            return None, 0, f"returned {type(value).__name__}, not a dict or list"
        try:
            size = len(json.dumps(value, allow_nan=False))
        except TypeError as exc:
            return None, 0, f"returned data that is not JSON ({exc})"
        except ValueError:
            return None, 0, "returned data that is not JSON (NaN or infinity)"
        return value, size, None
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        if mime in BINARY or (not mime.startswith("text/") and mime != "image/svg+xml"):
            size = 4 * ((len(raw) + 2) // 3)
            if size > budget_left:
                return None, size, None
            return Base64(base64.b64encode(raw)), size, None
        value = raw.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None, 0, f"returned {type(value).__name__}, not str or bytes"
    return value, len(value), None


class Formatter:
    """Bundles for one run: the notes it wrote and how much it may still show."""

    def __init__(self, repr_chars: int, note: Callable[[str], None]) -> None:
        self.repr_chars = repr_chars
        self.note = note

    def format(
        self,
        obj: Any,
        plain: Callable[[], str],
        budget: Budget,
        include: Optional[Sequence[str]] = None,
        exclude: Optional[Sequence[str]] = None,
    ) -> Optional[Tuple[Data, Metadata]]:
        """``obj``'s bundle (None when what it gives does not fit in ``budget``); ``plain``
        gives its bounded repr when the bundle has no ``text/plain`` of its own."""
        data: Data = {}
        metadata: Metadata = {}
        cut: List[str] = []
        name = type(obj).__name__

        def gather() -> None:
            self._gather(obj, name, data, metadata, budget.left, cut, include, exclude)

        try:
            timed(gather, SECONDS, DisplayTimeout, every=0.05)
        except DisplayTimeout:
            self.note(f"{name}: its display methods took longer than {SECONDS:g} s; shown as text")
        text = data.get("text/plain")
        if not isinstance(text, str):
            text = plain()
        elif len(text) > self.repr_chars:
            text = text[: self.repr_chars] + "…"
        data = {"text/plain": text, **{mime: value for mime, value in data.items() if mime != "text/plain"}}
        if cut:
            self.note(f"{name}: {', '.join(cut)} did not fit in limits.displayBytes; not shown")
            return None
        return data, metadata

    def _gather(
        self,
        obj: Any,
        name: str,
        data: Data,
        metadata: Metadata,
        room: int,
        cut: List[str],
        include: Optional[Sequence[str]],
        exclude: Optional[Sequence[str]],
    ) -> None:
        """Fill ``data`` and ``metadata`` from ``obj``'s methods (IPython's precedence)."""

        def wanted(mime: str) -> bool:
            return (not include or mime in include) and not (exclude and mime in exclude)

        def keep(mime: str, value: Any, method: str) -> None:
            nonlocal room
            value, size, problem = encoded(mime, value, room)
            if problem is not None:
                self.note(f"{name}.{method} {problem}; left out")
            elif value is None or size > room:
                cut.append(mime)
            else:
                data[mime] = value
                room -= size

        bundle_method = real_method(obj, "_repr_mimebundle_")
        if bundle_method is not None:
            given = self._call(bundle_method, name, "_repr_mimebundle_", include=include, exclude=exclude)
            given_data, given_metadata = _split(given)
            if given_data is not None and not isinstance(given_data, dict):
                self.note(f"{name}._repr_mimebundle_ returned {type(given_data).__name__}, not a dict; left out")
            elif given_data is not None:
                for mime, value in given_data.items():
                    if isinstance(mime, str) and wanted(mime):
                        keep(mime, value, f"_repr_mimebundle_()[{mime!r}]")
            if isinstance(given_metadata, dict):
                metadata.update((k, v) for k, v in given_metadata.items() if isinstance(k, str) and wanted(k))
        for mime, method_name in METHODS:
            if mime in data or not wanted(mime):
                continue
            method = real_method(obj, method_name)
            if method is None:
                continue
            value, extra = _split(self._call(method, name, method_name))
            if value is None:
                continue
            expected = _RETURNS.get(mime, (str,))
            if not isinstance(value, expected):
                kinds = " or ".join(kind.__name__ for kind in expected)
                self.note(f"{name}.{method_name} returned {type(value).__name__}, not {kinds}; left out")
                continue
            keep(mime, value, method_name)
            if mime in data and extra is not None:
                metadata[mime] = extra

    def _call(self, method: Callable[..., Any], name: str, method_name: str, **kwargs: Any) -> Any:
        try:
            return method(**kwargs)
        except (DisplayTimeout, KeyboardInterrupt):
            raise
        except BaseException as exc:  # anything user code raises, SystemExit too, is a note
            self.note(f"{name}.{method_name} raised {type(exc).__name__}: {safe_str(exc)}; left out")
            return None


def _split(given: Any) -> Tuple[Any, Any]:
    """(data, metadata) from what a display method returned (a pair, or the data alone)."""
    if isinstance(given, tuple) and len(given) == 2:
        return given[0], given[1]
    return given, None


# -- on the channel ------------------------------------------------------------------------------

#: stands for a ``Base64`` value in a bundle's JSON until it is spliced in
_SPLICE = "\x00evalens-base64:"


def encode_display(request_id: int, bundle: DisplayBundle) -> bytes:
    """A bundle as its event line and its JSON on a line of its own (``messages``' docstring).
    ASCII, and no NaN: what the server splices into an LSP message must be JSON every client
    parses."""
    data = bundle["data"]
    spliced = [mime for mime, value in data.items() if isinstance(value, Base64)]
    stand_in = {mime: f"{_SPLICE}{mime}" if mime in spliced else value for mime, value in data.items()}
    text = json.dumps({"data": stand_in, "metadata": bundle["metadata"]}, separators=(",", ":"), allow_nan=False)
    body = text.encode("ascii")
    if spliced:  # the markers come in the order of ``data``: cut the JSON at each in turn
        parts: List[bytes] = []
        for mime in spliced:
            before, _, body = body.partition(json.dumps(f"{_SPLICE}{mime}").encode("ascii"))
            parts += [before, b'"', data[mime], b'"']
        parts.append(body)
        body = b"".join(parts)
    plain = data.get("text/plain")
    event: DisplayEvent = {
        "display": request_id,
        "raw": len(body),
        "mimes": list(data),
        "plain": plain[:PLAIN_CHARS] if isinstance(plain, str) else "",
    }
    return encode(event) + body + b"\n"
