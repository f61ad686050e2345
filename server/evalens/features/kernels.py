"""``evalens.kernels`` and ``evalens.attach``: the Jupyter kernels there are, and switching to one.

``evalens.kernels`` lists the installed kernelspecs and the connection files of running
kernels in Jupyter's runtime folder, read on a thread (jupyter_client's own lookups, from
``pip install 'evalens[jupyter]'``); with a ``url`` kernel setting, also the kernels and
kernelspecs of that server (its REST API). ``evalens.attach`` sets the ``kernel`` setting at run
time (``null`` for evalens' own interpreter), starts or connects to it, and answers like
``evalens.status``.
"""

from __future__ import annotations

import asyncio
import glob
import os
from typing import Any, TypedDict

from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams

from ..execution import requests
from ..execution.backend import InterpreterDied
from ..execution.backends.kernelchannels import missing_jupyter_client
from ..execution.backends.kernelrest import ServerApi
from ..settings import KernelTarget, parse_kernel
from .runs import REQUEST_FAILED, Runs, Status, bad_request


class KernelSpec(TypedDict):
    name: str
    displayName: str
    language: str


class RunningKernel(TypedDict, total=False):
    connectionFile: str
    id: str


class ServerKernel(TypedDict):
    id: str
    name: str
    state: str


class Kernels(TypedDict, total=False):
    """The answer of ``evalens.kernels`` (``server`` and ``serverSpecs`` with a url setting, and
    ``serverError`` when that server could not be asked)."""

    specs: list[KernelSpec]
    running: list[RunningKernel]
    server: list[ServerKernel]
    serverSpecs: list[KernelSpec]
    serverError: str


def installed_kernels() -> Kernels:
    """The kernelspecs jupyter_client finds and the connection files in its runtime folder."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_core.paths import jupyter_runtime_dir

    specs = specs_of(KernelSpecManager().get_all_specs())
    running: list[RunningKernel] = []
    files = glob.glob(os.path.join(jupyter_runtime_dir(), "kernel-*.json"))
    for path in sorted(files, key=os.path.getmtime, reverse=True):
        entry: RunningKernel = {"connectionFile": path}
        kernel_id = os.path.basename(path)[len("kernel-") : -len(".json")]
        if kernel_id:
            entry["id"] = kernel_id
        running.append(entry)
    return {"specs": specs, "running": running}


def specs_of(found: dict[str, Any]) -> list[KernelSpec]:
    """Kernelspecs as jupyter_client and the servers' ``/api/kernelspecs`` give them."""
    specs: list[KernelSpec] = []
    for name, entry in sorted(found.items()):
        spec = (entry or {}).get("spec") or {}
        specs.append(
            {"name": name, "displayName": spec.get("display_name", name), "language": spec.get("language", "")}
        )
    return specs


async def server_kernels(target: KernelTarget) -> Kernels:
    """The kernels and kernelspecs of the server ``target`` names."""
    api = ServerApi(target)
    specs = await api.specs()  # first: a refused token is said here
    try:
        kernels = await api.kernels()
    except InterpreterDied as exc:
        if "refused" not in str(exc):
            raise
        raise InterpreterDied(
            f"{api.url} does not list its kernels to clients (a Kernel Gateway lists them with "
            "--JupyterWebsocketPersonality.list_kernels=True); give the kernel's id in the kernel setting"
        ) from None
    return {
        "server": [
            {"id": kernel["id"], "name": kernel.get("name", ""), "state": kernel.get("execution_state", "")}
            for kernel in kernels
        ],
        "serverSpecs": specs_of(specs.get("kernelspecs") or {}),
    }


async def list_kernels(runs: Runs, args: tuple[Any, ...]) -> Kernels:
    try:
        requests.parse_empty("evalens.kernels", args)
    except requests.BadRequest as exc:
        raise bad_request(exc) from None
    problem = missing_jupyter_client()
    if problem is not None:
        raise JsonRpcException(f"evalens.kernels: {problem}", code=REQUEST_FAILED)
    kernels = await asyncio.to_thread(installed_kernels)
    target = runs.host.settings.kernel
    if target is not None and target.url is not None:
        try:
            kernels.update(await server_kernels(target))
        except InterpreterDied as exc:  # the local kernels are still worth listing
            kernels.update({"server": [], "serverSpecs": [], "serverError": str(exc)})
    return kernels


async def attach(runs: Runs, args: tuple[Any, ...]) -> Status:
    try:
        argument = requests.single_object("evalens.attach", args)
    except requests.BadRequest as exc:
        raise bad_request(exc) from None
    if "kernel" not in argument:
        raise JsonRpcInvalidParams('evalens.attach: give {"kernel": ...}, the same value as the kernel setting')
    _, problem = parse_kernel(argument["kernel"])
    if problem is not None:
        raise JsonRpcInvalidParams(f"evalens.attach: {problem.removeprefix('evalens.')}")
    await runs.host.ready()
    runs.require_trust()
    runs.host.apply_settings({"kernel": argument["kernel"]})
    try:
        await runs.host.engine.start()
    except InterpreterDied as exc:
        raise JsonRpcException(f"evalens.attach: {exc}", code=REQUEST_FAILED) from None
    return runs.status()
