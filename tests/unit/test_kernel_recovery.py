"""What evalens does when an interrupt lands in a kernel's own code around its request:
ipykernel then goes idle without a reply (the request dropped), and the worker in the
kernel says what became of the request."""

from __future__ import annotations

import asyncio
import json

from evalens.execution.backends import kernelchannels
from evalens.worker import kernelside, messages


async def test_an_interrupted_execution_the_kernel_went_idle_for_without_a_reply_is_dropped() -> None:
    execution = kernelchannels.Execution(None)
    execution.interrupted = True
    execution.on_iopub("status", {"execution_state": "busy"})
    execution.on_iopub("status", {"execution_state": "idle"})
    assert not execution.done.done()  # the reply may still come, on the other channel
    await asyncio.wait_for(execution.done, kernelchannels.DROPPED_AFTER + 2)
    assert (execution.dropped, execution.reply) == (True, None)


async def test_a_reply_after_the_idle_status_is_still_taken() -> None:
    execution = kernelchannels.Execution(None)
    execution.interrupted = True
    execution.on_iopub("status", {"execution_state": "idle"})
    answer = {"status": "ok", "data": {"application/json": {"id": 3}}}
    execution.on_reply({"status": "ok", "user_expressions": {"evalens": answer}})
    await asyncio.wait_for(execution.done, 1)
    assert (execution.dropped, execution.reply) == (False, {"id": 3})


async def test_an_execution_never_interrupted_waits_for_its_reply() -> None:
    execution = kernelchannels.Execution(None)
    execution.on_iopub("status", {"execution_state": "idle"})
    await asyncio.sleep(kernelchannels.DROPPED_AFTER + 0.1)
    assert not execution.done.done()


def test_the_worker_answers_a_run_that_never_began_as_interrupted_and_keeps_one_it_answered() -> None:
    run = messages.run_request(
        41,
        0,
        messages.run(messages.eval_action("1"), "main", {"documents": [], "closed": [], "reload": [], "roots": []}),
    )
    kernelside.recover(json.dumps(run))
    last = kernelside.reply()._repr_json_()
    assert (last["id"], last["result"]["ok"], last["result"]["error"]["type"]) == (41, False, "KeyboardInterrupt")
    answered = {"id": 42, "result": {"ok": True}, "held": [], "marked": []}
    kernelside._session().last = answered
    kernelside.recover(json.dumps({**run, "id": 42}))
    assert kernelside.reply()._repr_json_() is answered
    kernelside.recover(json.dumps(messages.inspect_request(43, {"kind": "describe"})))  # type: ignore[typeddict-item]
    assert kernelside.reply()._repr_json_() is None
