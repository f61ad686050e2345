"""The jedi worker lanes: how a job that fails is handled."""

from __future__ import annotations

from typing import Any

from evalens.intelligence.lanes import Lanes


async def test_a_job_that_recurses_too_deep_runs_once_more_on_a_fresh_inference_state() -> None:
    lanes = Lanes(1)
    lane = lanes.lanes[0]
    lane.states._state = kept = object()
    seen: list[object] = []

    def job(lane: Any) -> str:
        seen.append(lane.states._state)
        if lane.states._state is kept:
            raise RecursionError("maximum recursion depth exceeded")
        return "answer"

    try:
        assert await lanes.run("hover", job, "default") == "answer"
        assert seen == [kept, None]
    finally:
        lanes.shutdown()
