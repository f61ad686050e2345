"""The REST API of a Jupyter Server, Kernel Gateway or Enterprise Gateway, as far as evalens
uses it: kernelspecs, kernels (list, start, look up, interrupt, shut down) and the address
of a kernel's websocket.

Requests go through tornado's HTTP client (the one Jupyter's own gateway client uses, and
installed with jupyter_client). The token travels in the ``Authorization`` header, never in a
URL, so it reaches no log; every failure is an ``InterpreterDied`` naming the server, the
cause and the fix. A server that is neither on this machine nor behind ``https`` is refused
unless the setting says ``allowInsecure``: the token and the code would cross the network
in the clear.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import socket
import urllib.parse
from typing import Any

from ...settings import KernelTarget
from ..backend import InterpreterDied

REQUEST_SECONDS = 30.0
LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")


def insecure_problem(target: KernelTarget) -> str | None:
    """Why ``target``'s URL may not be used as it is, or None."""
    assert target.url is not None
    parts = urllib.parse.urlsplit(target.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"the kernel url must be http(s)://host:port[/base], not {target.url!r}"
    if parts.scheme == "https" or target.allow_insecure or is_loopback(parts.hostname):
        return None
    return (
        f"{target.url} is neither on this machine nor https: the token and your code would cross the network "
        'unencrypted; use an https:// url (or an SSH tunnel to localhost), or add "allowInsecure": true to the '
        "kernel setting if this network is trusted"
    )


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ServerApi:
    """One server's REST API, with the setting's token."""

    def __init__(self, target: KernelTarget) -> None:
        assert target.url is not None
        self.target = target
        self.url = target.url
        self.headers = {"Authorization": f"token {target.token}"} if target.token else {}
        # a server without a token checks XSRF on POST and DELETE: the same random value as
        # cookie and header (tornado's double submit) passes, as it does for JupyterLab
        xsrf = secrets.token_hex(16)
        self.unsafe_headers = {"Cookie": f"_xsrf={xsrf}", "X-XSRFToken": xsrf}

    def endpoint(self, path: str, websocket: bool = False) -> str:
        address = f"{self.url}/api/{path}"
        if websocket:
            address = "ws" + address[len("http") :]
        return address

    async def call(self, method: str, path: str, body: Any = None, missing_ok: bool = False) -> Any:
        """The JSON answer of ``method path`` (None for no content, or for a 404 when
        ``missing_ok``)."""
        from tornado.httpclient import AsyncHTTPClient, HTTPRequest

        problem = insecure_problem(self.target)
        if problem is not None:
            raise InterpreterDied(problem)
        request = HTTPRequest(
            self.endpoint(path),
            method=method,
            headers={
                **self.headers,
                **(self.unsafe_headers if method != "GET" else {}),
                "Content-Type": "application/json",
            },
            body=json.dumps(body) if body is not None else ("" if method == "POST" else None),
            request_timeout=REQUEST_SECONDS,
            connect_timeout=REQUEST_SECONDS,
        )
        try:
            response = await AsyncHTTPClient().fetch(request, raise_error=False)
        except (OSError, socket.gaierror) as exc:
            raise InterpreterDied(self.unreachable(exc)) from None
        if response.code == 599:  # no answer at all: tornado's code for a connection failure
            raise InterpreterDied(self.unreachable(response.error))
        if response.code == 404 and missing_ok:
            return None
        if response.code in (401, 403):
            raise InterpreterDied(self.refused(response.code))
        if response.code >= 400:
            raise InterpreterDied(
                f"{self.url} answered HTTP {response.code} to {method} /api/{path}: {reason_of(response.body)}"
            )
        return json.loads(response.body) if response.body else None

    def unreachable(self, error: object) -> str:
        return (
            f"cannot reach the Jupyter server at {self.url} ({error}); check that it runs "
            "(`jupyter server list` shows running servers and their urls) and that the url is right"
        )

    def refused(self, code: int) -> str:
        given = "the token given" if self.target.token else "no token"
        return (
            f"{self.url} refused {given} (HTTP {code}); put the server's token in the kernel setting's "
            '"token" (`jupyter server list` shows it for a Jupyter Server; a gateway has its own, e.g. KG_AUTH_TOKEN)'
        )

    async def specs(self) -> dict[str, Any]:
        answer: dict[str, Any] = await self.call("GET", "kernelspecs")
        return answer

    async def kernels(self) -> list[dict[str, Any]]:
        answer: list[dict[str, Any]] = await self.call("GET", "kernels")
        return answer

    async def kernel(self, kernel_id: str) -> dict[str, Any] | None:
        answer: dict[str, Any] | None = await self.call("GET", f"kernels/{quote(kernel_id)}", missing_ok=True)
        return answer

    async def start(self, spec: str | None) -> dict[str, Any]:
        answer: dict[str, Any] = await self.call("POST", "kernels", {"name": spec} if spec else {})
        return answer

    async def interrupt(self, kernel_id: str) -> None:
        await self.call("POST", f"kernels/{quote(kernel_id)}/interrupt")

    async def shutdown(self, kernel_id: str) -> None:
        await self.call("DELETE", f"kernels/{quote(kernel_id)}", missing_ok=True)

    def channels_request(self, kernel_id: str, session: str) -> Any:
        """The websocket request of a kernel's channels for client ``session`` (the same
        session id on a reconnection makes the server replay what it buffered)."""
        from tornado.httpclient import HTTPRequest

        query = urllib.parse.urlencode({"session_id": session})
        return HTTPRequest(
            f"{self.endpoint(f'kernels/{quote(kernel_id)}/channels', websocket=True)}?{query}",
            headers=dict(self.headers),
            connect_timeout=REQUEST_SECONDS,
            request_timeout=REQUEST_SECONDS,
        )


def quote(kernel_id: str) -> str:
    return urllib.parse.quote(kernel_id, safe="")


def reason_of(body: bytes | None) -> str:
    """The server's own explanation in an error answer (``message``/``reason``), else its text."""
    text = (body or b"").decode("utf-8", "replace")
    try:
        answer = json.loads(text)
    except ValueError:
        return text.strip()[:300] or "no explanation"
    if isinstance(answer, dict):
        return str(answer.get("message") or answer.get("reason") or answer)[:300]
    return text[:300]
