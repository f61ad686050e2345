"""Memory: server RSS with 1 and 1,000 open documents, and the idle interpreter's RSS.

    python bench/memory.py [--documents N]

Side by side in one run: evalens and jedi-language-server 0.47 (from the peers
venv that bench/completion.py creates, /tmp/bench-peers) each get the same
documents (about 40 lines each); RSS (VmRSS from /proc/PID/status) is read
once every opened document has had its diagnostics published and a request
has been answered after that. The interpreter: evalens' worker (the pid that
`evalens.status` reports; the warm standby interpreter beside it is shown on
its own) after evaluating `1 + 1`, against an ipykernel started through
jupyter_client's KernelManager after executing the same code.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from lsp_session import Editor, connect, disconnect, server_pid
from peers import ensure_peers, version

MODULE = "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(13))
MiB = 1024 * 1024


def rss(pid: int) -> int:
    """Resident set size of ``pid`` in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def children(pid: int) -> dict[int, str]:
    """The child processes of ``pid`` and their command lines."""
    found: dict[int, str] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found[int(child)] = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    return found


async def open_many(editor: Editor, first: int, count: int) -> None:
    """Open ``mod{first}.py`` … and wait until each has had its diagnostics published."""
    uris = [editor.uri(f"mod{i}.py") for i in range(first, first + count)]
    started = time.perf_counter()
    for uri in uris:
        editor.open_uri(uri, MODULE)
    if not await editor.wait_published(uris):
        print(f"    (not every document had diagnostics published; {len(editor.published)} did)", flush=True)
    print(f"    {count} opened and diagnosed in {time.perf_counter() - started:.1f} s", flush=True)


async def server_rss(command: list[str], documents: int, evalens: bool) -> dict[str, int]:
    """RSS of the server after 1 and after ``documents`` open documents; for evalens, its interpreters too."""
    with tempfile.TemporaryDirectory() as folder:
        editor = await connect(command, Path(folder))
        server = server_pid(editor.client)
        found: dict[str, int] = {}
        try:
            await open_many(editor, 0, 1)
            found["1 document"] = rss(server)
            await open_many(editor, 1, documents - 1)
            found[f"{documents:,} documents"] = rss(server)
            if evalens:
                await editor.evaluate(editor.uri("mod0.py"), "1 + 1")
                worker = (await editor.status())["pid"]
                found["interpreter"] = rss(worker)
                others = {pid: line for pid, line in children(server).items() if pid != worker}
                spares = [pid for pid, line in others.items() if "_evalens_worker" in line]
                found["standby interpreter"] = sum(rss(pid) for pid in spares)
                found["other helper processes"] = sum(rss(pid) for pid in others if pid not in spares)
        finally:
            await disconnect(editor.client)
    return found


def ipykernel_rss() -> int:
    from jupyter_client.manager import KernelManager

    manager = KernelManager(kernel_name="python3")
    manager.start_kernel()
    kernel = manager.client()
    kernel.start_channels()
    try:
        kernel.wait_for_ready(timeout=60)
        reply = kernel.execute_interactive("1 + 1", output_hook=lambda message: None, timeout=30)
        assert reply["content"]["status"] == "ok"
        provisioner = manager.provisioner
        assert provisioner is not None and provisioner.pid is not None  # type: ignore[attr-defined]
        return rss(provisioner.pid)  # type: ignore[attr-defined]
    finally:
        kernel.stop_channels()
        manager.shutdown_kernel(now=True)


def measure(documents: int) -> dict[str, dict[str, int]]:
    """Bytes per peer and figure."""
    python = ensure_peers()
    jls = f"jedi-language-server {version(python, 'jedi-language-server')}"
    return {
        "evalens": asyncio.run(server_rss([sys.executable, "-m", "evalens"], documents, True)),
        jls: asyncio.run(server_rss([str(python.parent / "jedi-language-server")], documents, False)),
        "ipykernel": {"interpreter": ipykernel_rss()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=1000)
    args = parser.parse_args()
    table = measure(args.documents)
    names = list(table)
    rows = [
        "1 document",
        f"{args.documents:,} documents",
        "interpreter",
        "standby interpreter",
        "other helper processes",
    ]
    print(f"resident memory (MiB), {args.documents:,} documents of {len(MODULE.splitlines())} lines")
    print(f"{'':<22}" + "".join(f"{name:>28}" for name in names))
    for row in rows:
        cells = [f"{table[name][row] / MiB:.1f}" if row in table[name] else "—" for name in names]
        print(f"{row:<22}" + "".join(f"{cell:>28}" for cell in cells))
    many = f"{args.documents:,} documents"
    print(f"evalens / {names[1]} server RSS at {many}: {table['evalens'][many] / table[names[1]][many]:.2f}x")
    print(
        f"evalens / ipykernel idle interpreter RSS: {table['evalens']['interpreter'] / table['ipykernel']['interpreter']:.2f}x"
    )


if __name__ == "__main__":
    main()
