"""The ``evalens`` settings: defaults, parsing, and where the interpreter is.

Settings arrive in ``initializationOptions`` and in the ``evalens`` section of
``workspace/configuration``. Both nested (``{"limits": {"memoryMB": 1}}``) and
dotted (``{"limits.memoryMB": 1}``) keys are accepted. A bad value is reported
and its default kept.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 4096
    output_bytes: int = 1_000_000
    repr_chars: int = 10_000
    interrupt_grace_seconds: float = 3.0
    display_bytes: int = 20_000_000


@dataclass(frozen=True)
class KernelTarget:
    """The ``kernel`` setting: a Jupyter kernel to run user code in instead of evalens' own
    interpreter: a running one by its connection file, a local kernelspec to start, or a
    kernel of a Jupyter Server (or Kernel/Enterprise Gateway) at ``url``."""

    connection_file: str | None = None
    spec: str | None = None
    url: str | None = None
    token: str | None = field(default=None, repr=False)  # never logged nor shown
    id: str | None = None
    #: a url that is neither loopback nor https is refused unless this is set
    allow_insecure: bool = False

    def shown(self) -> dict[str, str | bool]:
        """The setting as the user wrote it, without the token (``evalens.status``)."""
        fields = {"connectionFile": self.connection_file, "spec": self.spec, "url": self.url, "id": self.id}
        shown: dict[str, str | bool] = {key: value for key, value in fields.items() if value is not None}
        if self.allow_insecure:
            shown["allowInsecure"] = True
        return shown

    def describe(self) -> str:
        """The kernel in a few words, for messages."""
        if self.connection_file is not None:
            return f"the kernel of {self.connection_file}"
        if self.url is not None:
            return f"kernel {self.id or self.spec or '(the default kernelspec)'} at {self.url}"
        return f"a local {self.spec!r} kernel"


@dataclass(frozen=True)
class Settings:
    trusted: bool = False
    interpreter: str | None = None  # None: see find_interpreter
    extra_paths: tuple[str, ...] = ()
    #: "changed": re-run what changed and what depends on it; "module": the whole text
    reload: str = "changed"
    limits: Limits = field(default_factory=Limits)
    #: regular expressions, each matched at the start of a line, that start a cell; empty:
    #: the usual ``# %%`` markers (``text.cells.DEFAULT_MARKERS``)
    cell_markers: tuple[str, ...] = ()
    #: how matplotlib figures are shown: FIGURE_FORMATS
    figure_format: str = "png"
    #: a Jupyter kernel to run user code in; None: evalens' own interpreter process
    kernel: KernelTarget | None = None


RELOAD_MODES = ("changed", "module")
FIGURE_FORMATS = ("png", "retina", "svg")


_LIMIT_KEYS = {
    "memoryMB": ("memory_mb", int),
    "outputBytes": ("output_bytes", int),
    "reprChars": ("repr_chars", int),
    "interruptGraceSeconds": ("interrupt_grace_seconds", float),
    "displayBytes": ("display_bytes", int),
}
#: every key ``merge`` reads, as the client writes it (docs/protocol.md, "Settings")
KEYS = (
    "trusted",
    "interpreter",
    "extraPaths",
    "reload",
    "cellMarkers",
    "figureFormat",
    "kernel",
    *(f"limits.{key}" for key in _LIMIT_KEYS),
)


def _flatten(raw: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "limits" and isinstance(value, dict):
            for sub, subvalue in value.items():
                flat[f"limits.{sub}"] = subvalue
        else:
            flat[key] = value
    return flat


def section_of(options: Any) -> dict[str, Any]:
    """The evalens settings inside initializationOptions or a configuration answer."""
    if not isinstance(options, dict):
        return {}
    inner = options.get("evalens")
    if isinstance(inner, dict):
        return inner
    return options


def merge(settings: Settings, raw: dict[str, Any]) -> tuple[Settings, list[str]]:
    """Apply the keys present in ``raw``; return the new settings and what was wrong."""
    problems: list[str] = []
    limits = settings.limits
    for key, value in _flatten(raw).items():
        if key == "trusted":
            if isinstance(value, bool):
                settings = replace(settings, trusted=value)
            else:
                problems.append(f"evalens.trusted must be true or false, not {value!r}")
        elif key == "interpreter":
            if value is None or (isinstance(value, str) and value):
                settings = replace(settings, interpreter=value)
            else:
                problems.append(f"evalens.interpreter must be a path to a Python executable, not {value!r}")
        elif key == "reload":
            if value in RELOAD_MODES:
                settings = replace(settings, reload=value)
            else:
                problems.append(f'evalens.reload must be "changed" or "module", not {value!r}')
        elif key == "kernel":
            target, problem = parse_kernel(value)
            if problem is None:
                settings = replace(settings, kernel=target)
            else:
                problems.append(problem)
        elif key == "figureFormat":
            if value in FIGURE_FORMATS:
                settings = replace(settings, figure_format=value)
            else:
                problems.append(f'evalens.figureFormat must be "png", "retina" or "svg", not {value!r}')
        elif key == "cellMarkers":
            problem = _markers_problem(value)
            if problem is None:
                settings = replace(settings, cell_markers=tuple(value))
            else:
                problems.append(problem)
        elif key == "extraPaths":
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                settings = replace(settings, extra_paths=tuple(value))
            else:
                problems.append(f"evalens.extraPaths must be a list of folder paths, not {value!r}")
        elif key.startswith("limits."):
            spec = _LIMIT_KEYS.get(key[len("limits.") :])
            if spec is None:
                continue
            attr, kind = spec
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
                limits = replace(limits, **{attr: kind(value)})
            else:
                problems.append(f"evalens.{key} must be a number >= 0, not {value!r}")
    return replace(settings, limits=limits), problems


KERNEL_FORMS = (
    'null, {"connectionFile": path}, {"spec": name} or {"url": "http(s)://host:port", "token": str, '
    '"id"?: str, "spec"?: str, "allowInsecure"?: bool}'
)


def parse_kernel(value: Any) -> tuple[KernelTarget | None, str | None]:
    """The ``kernel`` setting (or ``evalens.attach``'s ``kernel``), or what is wrong with it."""
    if value is None:
        return None, None
    shown = {**value, "token": "…"} if isinstance(value, dict) and "token" in value else value
    wrong = f"evalens.kernel must be {KERNEL_FORMS}, not {shown!r}"
    if not isinstance(value, dict):
        return None, wrong
    insecure = value.get("allowInsecure", False)
    texts = {key: text for key, text in value.items() if key != "allowInsecure"}
    # an empty token: a server without one (--IdentityProvider.token='')
    if not isinstance(insecure, bool) or not all(isinstance(v, str) and (v or k == "token") for k, v in texts.items()):
        return None, wrong
    if "allowInsecure" in value and "url" not in value:
        return None, wrong
    if set(value) == {"connectionFile"}:
        return KernelTarget(connection_file=os.path.expanduser(value["connectionFile"])), None
    if set(value) == {"spec"}:
        return KernelTarget(spec=value["spec"]), None
    if "url" in value and set(value) <= {"url", "token", "id", "spec", "allowInsecure"}:
        # `jupyter server list` prints http://host:port/?token=...: the token is taken from there
        parts = urllib.parse.urlsplit(value["url"])
        query = urllib.parse.parse_qs(parts.query)
        url = parts._replace(query="", fragment="").geturl().rstrip("/")
        if parts.scheme not in ("http", "https") or not parts.hostname or set(query) - {"token"} or parts.fragment:
            return (
                None,
                f"evalens.kernel: url must be http(s)://host:port[/base], not {url + ('?…' if parts.query else '')!r}",
            )
        token = value.get("token") or (query["token"][0] if "token" in query else None) or None
        return KernelTarget(
            url=url, token=token, id=value.get("id"), spec=value.get("spec"), allow_insecure=insecure
        ), None
    return None, wrong


def _markers_problem(value: Any) -> str | None:
    """What is wrong with a ``cellMarkers`` value, or None (an empty list means the defaults)."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        return f"evalens.cellMarkers must be a list of regular expressions, not {value!r}"
    for pattern in value:
        try:
            re.compile(pattern)
        except re.error as exc:
            return f"evalens.cellMarkers: {pattern!r} is not a regular expression ({exc})"
    return None


def find_interpreter(
    settings: Settings, folders: list[str], environ: Mapping[str, str] | None = None, own_prefix: str = sys.prefix
) -> str:
    """The Python that runs user code, the first of: the ``interpreter`` setting; a workspace
    ``.venv``/``venv``; the virtual or conda environment active where the editor started
    evalens (``VIRTUAL_ENV``, ``CONDA_PREFIX``); evalens' own Python, unless that is an
    isolated tool environment (``pipx install``, ``uv tool install``), which holds none of
    the user's packages: then the first ``python3`` on ``PATH``."""
    env = os.environ if environ is None else environ
    if settings.interpreter:
        return os.path.expanduser(settings.interpreter)
    prefixes = [os.path.join(folder, venv) for folder in folders for venv in (".venv", "venv")]
    prefixes += [env[name] for name in ("VIRTUAL_ENV", "CONDA_PREFIX") if env.get(name)]
    for prefix in prefixes:
        candidate = os.path.join(prefix, "bin", "python")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    if in_tool_environment(own_prefix):
        on_path = shutil.which("python3", path=env.get("PATH", ""))
        if on_path is not None:
            return on_path
    return sys.executable


def in_tool_environment(prefix: str = sys.prefix) -> bool:
    """Whether evalens runs from an environment made for it alone: pipx marks its own with
    ``pipx_metadata.json``, ``uv tool install`` with ``uv-receipt.toml``."""
    return any(os.path.isfile(os.path.join(prefix, marker)) for marker in ("pipx_metadata.json", "uv-receipt.toml"))
