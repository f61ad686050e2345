"""What a run shows besides its output: MIME bundles, sent to the server as they appear.

Three sources feed ``Displays``: the value of an evaluation or call when it has
display methods (``show_value``), ``evalens.display(...)`` from user code
(``display``), and matplotlib figures (``figures.FigureTracker``). Each bundle
goes on the channel at once (``mimebundles.encode_display``), so the editor sees
it while the run goes on, and counts against the run's ``limits.displayBytes``:
a bundle that does not fit is dropped, with a note on stderr, and the run's
Result says ``truncated``.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Optional, Sequence

from . import messages
from .mimebundles import Budget, Formatter, encode_display, offers_display
from .reprs import bounded_repr

#: what the worker writes its messages with (serialised, so other threads may show too)
Send = Callable[[bytes], None]


class Displays:
    """The bundles of the current run, and the room left for more."""

    def __init__(
        self, send: Send, note: Callable[[str], None], flush: Callable[[], None], repr_chars: int = 10_000
    ) -> None:
        self.send = send
        self.note = note
        #: flushes what user code printed, so that it reaches the server before the next bundle
        self.flush = flush
        self.formatter = Formatter(repr_chars, note)
        self.limit = 20_000_000
        self.budget = Budget(self.limit)
        self.dropped = False
        self.request_id = 0  # the run they belong to; 0 between runs
        #: a bundle for values the display protocol does not cover (matplotlib figures)
        self.special: Optional[Callable[[Any], Optional[messages.DisplayBundle]]] = None
        #: shows a bundle instead of sending it on the channel (in a kernel: its display_data)
        self.publish: Optional[Callable[[messages.DisplayBundle], None]] = None

    def begin(self, request_id: int) -> None:
        self.request_id = request_id
        self.budget = Budget(self.limit)
        self.dropped = False

    def end(self) -> None:
        self.request_id = 0

    # -- sources ---------------------------------------------------------------------

    def display(
        self,
        *objs: Any,
        include: Optional[List[str]] = None,
        exclude: Optional[List[str]] = None,
        metadata: Optional[Dict[str, Any]] = None,
        raw: bool = False,
    ) -> None:
        """``evalens.display``: show each object as the display protocol has it (IPython's
        ``display``); with ``raw=True`` each object is a MIME bundle: MIME type -> data."""
        for obj in objs:
            if raw:
                self.show_raw(obj, metadata)
            else:
                self.show(obj, include=include, exclude=exclude, metadata=metadata)

    def show_value(self, value: Any, text: str) -> None:
        """The bundle of a run's value (``text`` its bounded repr), when it has display methods."""
        if not self._shown_specially(value) and offers_display(value):
            self._format(value, lambda: text)

    def show(
        self,
        obj: Any,
        include: Optional[Sequence[str]] = None,
        exclude: Optional[Sequence[str]] = None,
        metadata: Optional[Dict[str, Any]] = None,
    ) -> None:
        """``obj`` as the display protocol has it (every object has at least ``text/plain``)."""
        if not self._shown_specially(obj):
            self._format(obj, lambda: self.plain(obj), include, exclude, metadata)

    def _shown_specially(self, obj: Any) -> bool:
        """Whether ``obj`` was shown as what the display protocol does not cover (a figure)."""
        bundle = self.special(obj) if self.special is not None else None
        if bundle is not None:
            self.emit(bundle)
        return bundle is not None

    def _format(
        self,
        obj: Any,
        plain: Callable[[], str],
        include: Optional[Sequence[str]] = None,
        exclude: Optional[Sequence[str]] = None,
        metadata: Optional[Dict[str, Any]] = None,
    ) -> None:
        formatted = self.formatter.format(obj, plain, self.budget, include, exclude)
        if formatted is None:
            self.dropped = True
            return
        data, found = formatted
        if metadata:
            found.update(metadata)
        self.emit({"data": data, "metadata": found})

    def show_raw(self, bundle: Any, metadata: Optional[Dict[str, Any]] = None) -> None:
        """A MIME bundle given as it is (``evalens.display(..., raw=True)``)."""
        if not isinstance(bundle, dict) or not all(isinstance(key, str) for key in bundle):
            raise TypeError(f"a raw display is a dict of MIME type -> data, not {type(bundle).__name__}")
        formatted = self.formatter.format(RawBundle(bundle), lambda: "", self.budget)
        if formatted is None:
            self.dropped = True
            return
        data, found = formatted
        if not data["text/plain"]:
            data["text/plain"] = f"<{', '.join(sorted(bundle)) or 'empty'} display>"
        self.emit({"data": data, "metadata": dict(found, **(metadata or {}))})

    def plain(self, obj: Any) -> str:
        return bounded_repr(obj, self.formatter.repr_chars)[0]

    # -- the channel -------------------------------------------------------------------

    def emit(self, bundle: messages.DisplayBundle) -> None:
        """Send ``bundle`` if the run may still show it; otherwise drop it and say so."""
        try:
            line = encode_display(self.request_id, bundle)
        except (TypeError, ValueError) as exc:  # metadata that is not JSON
            self.note(f"a display's metadata is not JSON ({exc}); shown without it")
            line = encode_display(self.request_id, {"data": bundle["data"], "metadata": {}})
        size = len(line)
        if size > self.budget.left:
            self.dropped = True
            shown = json.dumps(bundle["data"].get("text/plain", ""))[:80]
            self.note(f"a display ({size:,} bytes, {shown}) did not fit in limits.displayBytes; not shown")
            return
        self.budget.left -= size
        self.flush()
        if self.publish is not None:
            self.publish(bundle)
        else:
            self.send(line)


class RawBundle:
    """A raw bundle put through the formatter, so its values are checked and encoded alike."""

    def __init__(self, bundle: Dict[str, Any]) -> None:
        self.bundle = bundle

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Dict[str, Any]:
        return self.bundle
