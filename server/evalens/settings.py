"""The ``evalens`` settings: defaults, parsing, and where the interpreter is.

Settings arrive in ``initializationOptions`` and in the ``evalens`` section of
``workspace/configuration``. Both nested (``{"limits": {"memoryMB": 1}}``) and
dotted (``{"limits.memoryMB": 1}``) keys are accepted. A bad value is reported
and its default kept.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 4096
    output_bytes: int = 1_000_000
    repr_chars: int = 10_000
    interrupt_grace_seconds: float = 3.0


@dataclass(frozen=True)
class Settings:
    trusted: bool = False
    interpreter: str | None = None  # None: the workspace's .venv/venv, else the server's own
    extra_paths: tuple[str, ...] = ()
    #: "changed": re-run what changed and what depends on it; "module": the whole text
    reload: str = "changed"
    limits: Limits = field(default_factory=Limits)


RELOAD_MODES = ("changed", "module")


_LIMIT_KEYS = {
    "memoryMB": ("memory_mb", int),
    "outputBytes": ("output_bytes", int),
    "reprChars": ("repr_chars", int),
    "interruptGraceSeconds": ("interrupt_grace_seconds", float),
}
#: every key ``merge`` reads, as the client writes it (docs/protocol.md, "Settings")
KEYS = ("trusted", "interpreter", "extraPaths", "reload", *(f"limits.{key}" for key in _LIMIT_KEYS))


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


def find_interpreter(settings: Settings, folders: list[str]) -> str:
    """The Python that runs user code: the setting, a workspace venv, or our own."""
    if settings.interpreter:
        return os.path.expanduser(settings.interpreter)
    for folder in folders:
        for venv in (".venv", "venv"):
            candidate = os.path.join(folder, venv, "bin", "python")
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
    return sys.executable
