"""`evalens.eval` through a Jupyter Server's kernel against a bare websocket client of it.

    python bench/kernelserver.py [--runs N]

One Jupyter Server on loopback with a token, one ipykernel started in it through its REST
API. A bare websocket client (tornado, the framing the server offers:
``v1.kernel.websocket.jupyter.org``) sending an execute_request of `1 + 1` and waiting for
its execute_reply and idle status: what a plain client of that server pays (the server
writes with Nagle's algorithm on, so each run waits 40 ms for the client's delayed ACK);
the floor: the same client acknowledging at once (TCP_QUICKACK), as evalens does. evalens: attached
to the same kernel by its id (`{"url", "token", "id"}`), `evalens.eval` of `1 + 1` through a
real LSP session over stdio. Target: evalens within 1.2x of the floor (median).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from socket import IPPROTO_TCP, TCP_QUICKACK
from typing import Any

from kernel import evalens_round_trips
from lsp_session import summary

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.jupyter_servers import JupyterServer, jupyter_server

from evalens.execution.backends import kernelwire

CODE = "1 + 1"


async def floor_round_trips(
    server: JupyterServer, kernel_id: str, runs: int, quickack: bool, warmup: int = 20
) -> list[float]:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    address = f"{server.url.replace('http', 'ws', 1)}/api/kernels/{kernel_id}/channels?session_id=floor{quickack}"
    request = HTTPRequest(address, headers={"Authorization": f"token {server.token}"})
    socket = await websocket_connect(request, subprotocols=[kernelwire.V1])
    v1 = socket.selected_subprotocol == kernelwire.V1
    samples = []
    try:
        for index in range(warmup + runs):
            content = {"code": CODE, "silent": False, "store_history": False, "user_expressions": {}}
            message = kernelwire.new_message("shell", "execute_request", content, "floor")
            started = time.perf_counter()
            await socket.write_message(kernelwire.encode(message, v1), binary=v1)
            replied = idle = False
            while not (replied and idle):
                frame = await socket.read_message()
                if quickack:  # as evalens does: the server's next message is not held for our ACK
                    socket.protocol.stream.socket.setsockopt(IPPROTO_TCP, TCP_QUICKACK, 1)
                got = kernelwire.decode(frame, v1)
                if got["parent_header"].get("msg_id") != message["header"]["msg_id"]:
                    continue
                replied = replied or got["header"]["msg_type"] == "execute_reply"
                idle = idle or (got["header"]["msg_type"] == "status" and got["content"]["execution_state"] == "idle")
            if index >= warmup:
                samples.append((time.perf_counter() - started) * 1000)
    finally:
        socket.close()
    return samples


async def measure(runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder, jupyter_server("jupyter-server", Path(folder)) as server:
        kernel_id = server.api("POST", "kernels", {"name": "python3"})["id"]
        bare = await floor_round_trips(server, kernel_id, runs, quickack=False)
        floor = await floor_round_trips(server, kernel_id, runs, quickack=True)
        ours, attach_ms = await evalens_round_trips(server.setting(id=kernel_id), runs)
    return {"bare": bare, "floor": floor, "evalens": ours, "attach": attach_ms}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    rows = asyncio.run(measure(args.runs))
    print(f"`{CODE}` on one Jupyter Server kernel, {args.runs} runs each (ms)")
    print(f"{'':<34}{'median':>10}{'p95':>10}")
    labels = {
        "bare": "bare websocket client",
        "floor": "bare client, TCP_QUICKACK (floor)",
        "evalens": "evalens.eval",
    }
    for name, label in labels.items():
        median, p95 = summary(rows[name])
        print(f"{label:<34}{median:>10.2f}{p95:>10.2f}")
    ratio = statistics.median(rows["evalens"]) / statistics.median(rows["floor"])
    bare = statistics.median(rows["evalens"]) / statistics.median(rows["bare"])
    print(f"evalens / floor  median ratio {ratio:.2f} (target <= 1.2); evalens / bare client {bare:.2f}")
    print(f"attach to first result: evalens {rows['attach']:.0f} ms")


if __name__ == "__main__":
    main()
