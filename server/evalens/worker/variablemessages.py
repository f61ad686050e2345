"""The messages of the variables view (``evalens.variables``): what the server asks of the
idle interpreter (``VariablesQuery``, an inspection) and what it answers (``VariablesPage``,
or ``StaleRef``). Shared by the server and the worker as ``messages`` is: stdlib-only,
CPython 3.9+.
"""

from __future__ import annotations

from typing import Final, List, Literal, Optional, TypedDict, Union

QUERY_VARIABLES: Final = "variables"  # a page of a namespace, or of an object's children
#: what a page holds when the request does not say
DEFAULT_COUNT: Final = 100
#: the longest repr of an entry when the request does not say
DEFAULT_REPR_CHARS: Final = 200


class VariablesQuery(TypedDict):
    kind: Literal["variables"]
    module: Optional[str]  # whose namespace: without ``ref``
    ref: Optional[int]  # whose children, from an earlier page
    start: int
    count: int
    all: bool  # names starting with ``_``, modules, functions and classes too
    reprChars: int
    names: Optional[List[str]]  # only these names of the namespace (those still bound), whatever they hold


def variables_query(
    module: Optional[str],
    ref: Optional[int],
    start: int,
    count: int,
    everything: bool,
    repr_chars: int,
    names: Optional[List[str]] = None,
) -> VariablesQuery:
    return {
        "kind": QUERY_VARIABLES,
        "module": module,
        "ref": ref,
        "start": start,
        "count": count,
        "all": everything,
        "reprChars": repr_chars,
        "names": names,
    }


class _VariableFields(TypedDict):
    name: str  # the name; an item's index; a dict key's repr; an attribute's or a column's name
    type: str  # the value's type, qualified by its module unless a builtin: "pandas.core.frame.DataFrame"
    repr: str  # bounded, and never the value's own ``__repr__`` unless Python's or a known library's
    ref: Optional[int]  # expands into its children (until the next run); None: nothing to expand
    size: Optional[int]  # len() of a builtin container or string, a DataFrame's or array's rows


class Variable(_VariableFields, total=False):
    truncated: bool  # the repr was cut at ``reprChars``: ask for this entry alone with more


class VariablesPage(TypedDict):
    variables: List[Variable]
    total: int  # entries in all pages


class StaleRef(TypedDict):
    """A ref no longer held: a run came after the page that gave it."""

    stale: int


VariablesAnswer = Union[VariablesPage, StaleRef]
