"""A cache of the code that attrs and cattrs generate while the server starts.

lsprotocol defines some 570 attrs classes. For each one attrs writes the
source of ``__init__``, ``__repr__``, ``__eq__``... and compiles it when the
module is imported, and cattrs compiles a converter per message type the first
time one arrives: together about 150 ms of every start, the largest part of
what any pygls server spends before it answers ``initialize``.

Compiling the same source again gives the same code object, so the server keeps
those objects, marshalled, beside its own bytecode (``__pycache__``, or under
``sys.pycache_prefix``): the trade Python makes with ``.pyc`` files. Each is
looked up by a digest of its file name, mode and source; a different source (another
attrs, cattrs or lsprotocol) misses and is compiled as usual, and the next save keeps only
what was used. Where ``.pyc`` files are not written (``PYTHONDONTWRITEBYTECODE``,
set in many container images, or a folder the user cannot write) the cache goes to the
user's cache directory instead, since start-up there pays the most for it (a server
installed with ``pip install .`` measured 1.34-1.38x ipykernel's start to first result
without it). A file written by another Python (its bytecode magic number) is ignored.

Nothing here imports more than the standard library, so it can run before
lsprotocol is imported.
"""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import importlib.util
import logging
import marshal
import os
import sys
import threading
from collections.abc import Iterator, Mapping
from types import CodeType, ModuleType
from typing import Any

log = logging.getLogger(__name__)
HEADER = b"evalens-startcode-1\n" + importlib.util.MAGIC_NUMBER
#: the modules whose ``compile`` the cache stands in for
GENERATORS = ("attr._make", "cattrs.gen")
#: a start that compiled fewer snippets leaves the file alone: the ``__hash__`` of a frozen
#: attrs class holds a hash of a string, different in every process (hash randomisation),
#: so a snippet or two miss at every start
WORTH_SAVING = 8


def default_path(environ: Mapping[str, str] = os.environ) -> str | None:
    """Where this Python keeps the cache: beside the bytecode of this module, like a ``.pyc``;
    in the user's cache directory when bytecode is not written there (``PYTHONDONTWRITEBYTECODE``,
    common in containers, or a folder the user cannot write); None without a cache tag."""
    tag = sys.implementation.cache_tag
    if not tag:  # None on implementations without bytecode
        return None
    name = f"startcode.{tag}.marshal"
    folder = os.path.dirname(importlib.util.cache_from_source(__file__))
    if not sys.dont_write_bytecode and _writable(folder):
        return os.path.join(folder, name)
    cache_home = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache_home, "evalens", name)


def _writable(folder: str) -> bool:
    """Whether ``folder`` can be made or written: the nearest path of it that exists is a
    writable folder."""
    while not os.path.exists(folder):
        parent = os.path.dirname(folder)
        if parent == folder:
            return False
        folder = parent
    return os.path.isdir(folder) and os.access(folder, os.W_OK)


def _key(source: str | bytes, filename: str, mode: str) -> bytes:
    data = source if isinstance(source, bytes) else source.encode("utf-8", "surrogatepass")
    digest = hashlib.blake2b(data, digest_size=16)
    digest.update(f"\0{filename}\0{mode}".encode("utf-8", "surrogatepass"))
    return digest.digest()


class CodeCache:
    """Compiled code by digest of its source; ``compile`` is a drop-in for the builtin."""

    def __init__(self, path: str | None, worth_saving: int = 1) -> None:
        self.path = path
        self.worth_saving = max(1, worth_saving)  # new snippets it takes to rewrite the file
        self._stored: dict[bytes, CodeType] = self._read() if path else {}
        self._used: dict[bytes, CodeType] = {}
        self.reused = 0  # compile calls answered from the file
        self.compiled = 0  # compile calls that compiled
        self._unsaved = 0  # compiled since the last save
        self._lock = threading.Lock()
        self._saving: threading.Thread | None = None

    def _read(self) -> dict[bytes, CodeType]:
        assert self.path is not None
        try:
            with open(self.path, "rb") as file:
                data = file.read()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            log.debug("start-up code cache %s unreadable (%s): compiling", self.path, exc)
            return {}
        if not data.startswith(HEADER):
            log.debug("start-up code cache %s is from another Python: compiling", self.path)
            return {}
        try:
            table = marshal.loads(data[len(HEADER) :])
        except (EOFError, ValueError, TypeError) as exc:
            log.debug("start-up code cache %s is damaged (%s): compiling", self.path, exc)
            return {}
        if not isinstance(table, dict):
            return {}
        return {k: v for k, v in table.items() if isinstance(k, bytes) and isinstance(v, CodeType)}

    def compile(
        self,
        source: Any,
        filename: Any,
        mode: str,
        flags: int = 0,
        dont_inherit: bool = False,
        optimize: int = -1,
        **kwargs: Any,
    ) -> Any:
        """``compile`` from the cache for plain source text; anything else goes to the builtin."""
        plain = isinstance(source, (str, bytes)) and isinstance(filename, str) and not flags and not kwargs
        if not plain or optimize != -1:
            return builtins.compile(source, filename, mode, flags, dont_inherit, optimize, **kwargs)
        key = _key(source, filename, mode)
        code = self._stored.get(key)
        if code is not None:
            self.reused += 1
        else:
            code = builtins.compile(source, filename, mode, flags, dont_inherit, optimize)
            self.compiled += 1
            self._unsaved += 1
        self._used[key] = code
        return code

    @contextlib.contextmanager
    def installed(self, *modules: str) -> Iterator[None]:
        """Let ``modules`` compile through the cache for the duration (each is imported first)."""
        patched: list[ModuleType] = []
        for name in modules:
            try:
                module = importlib.import_module(name)
            except ImportError as exc:
                log.debug("start-up code cache: %s not importable (%s)", name, exc)
                continue
            if "compile" not in vars(module):
                module.__dict__["compile"] = self.compile
                patched.append(module)
        try:
            yield
        finally:
            for module in patched:
                if vars(module).get("compile") == self.compile:
                    del module.__dict__["compile"]

    def save_in_background(self) -> None:
        """``save`` on a thread of its own (a first start writes about a megabyte)."""
        log.info("start-up code: %d reused, %d compiled (%s)", self.reused, self.compiled, self.path)
        if self._unsaved >= self.worth_saving:
            self._saving = threading.Thread(target=self.save, name="evalens-startcode", daemon=True)
            self._saving.start()

    def settle(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for a background save to finish: the server ends
        with ``os._exit``, which would cut the write short and leave its temporary file."""
        if self._saving is not None:
            self._saving.join(timeout)

    def save(self) -> bool:
        """Write what this process used, if it compiled enough that is new; True when written.

        A save in progress (``save_in_background``) is waited for, so the process can end
        right after this returns. The file is replaced whole: a reader (another server
        starting) never sees half of it."""
        with self._lock:
            if self.path is None or self._unsaved < self.worth_saving:
                return False
            self._unsaved = 0
            return self._write(self.path, dict(self._used))

    def _write(self, path: str, table: dict[bytes, CodeType]) -> bool:
        import tempfile  # only when writing: it imports random and shutil

        folder = os.path.dirname(path)
        try:
            os.makedirs(folder, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=".startcode-")
            try:
                with os.fdopen(handle, "wb") as file:
                    file.write(HEADER + marshal.dumps(table))
                os.chmod(temporary, 0o644)  # as readable as the bytecode beside it (mkstemp makes 0o600)
                os.replace(temporary, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except OSError as exc:
            log.debug("start-up code cache not written to %s (%s)", path, exc)
            return False
        return True
