"""The static diagnostics pass without a client: the parser process, diff parsing, waiting for runs."""

from __future__ import annotations

import asyncio
import os
import signal

from hypothesis import given, settings
from hypothesis import strategies as st

from evalens.intelligence.diagnostics import DELAY, RUN_YIELD, Diagnostics, SyntaxChecker
from evalens.intelligence.syntax import Import, Parser, Point, Report
from tests.harness import wait_until


def report_of(text: str) -> Report:
    return Parser().check("fresh", None, text)


SNIPPETS = [
    "x = 1\n",
    "def f(a):\n",
    "    return a\n",
    "import os\n",
    "(",
    ")",
    "\f",
    "\u2028",
    "é",
    " ",
    "\n",
    "if x:\n",
]


class FakeHost:
    """A host whose interpreter runs user code until told otherwise."""

    def __init__(self) -> None:
        self.busy = True

    def running(self) -> bool:
        return self.busy


async def yielding_diagnostics() -> tuple[Diagnostics, FakeHost, list[str]]:
    """Diagnostics whose passes only record that they started, beside a busy interpreter."""
    from evalens.intelligence.lanes import Lanes

    host = FakeHost()
    diagnostics = Diagnostics(host, Lanes(1))  # type: ignore[arg-type]
    started: list[str] = []

    async def publish(uri: str) -> None:
        started.append(uri)

    diagnostics.publish = publish  # type: ignore[method-assign]
    return diagnostics, host, started


async def test_the_parser_process_answers_again_after_it_dies() -> None:
    checker = SyntaxChecker()
    try:
        first = await checker.check("a.py", None, "x = (\nimport nosuch\n")
        assert first == report_of("x = (\nimport nosuch\n")
        pid = checker.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        second = await checker.check("a.py", None, "import nosuch\n")
        assert checker.pid not in (None, pid)
        assert second == report_of("import nosuch\n")
        assert second == Report([], [Import(["nosuch"], 0, Point(0, 7), Point(0, 13))])
    finally:
        await checker.close()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(SNIPPETS), max_size=12).map("".join), min_size=2, max_size=5))
def test_diff_parsing_reports_what_a_fresh_parse_reports(versions: list[str]) -> None:
    parser = Parser()
    for text in versions:
        assert parser.check("doc.py", None, text) == report_of(text)


async def test_a_pass_waits_for_the_run_to_end() -> None:
    diagnostics, host, started = await yielding_diagnostics()
    diagnostics.schedule("file:///w/a.py")
    await wait_until(lambda: diagnostics.yielded >= 2)  # its time came, twice, during the run
    assert started == []
    host.busy = False
    await wait_until(lambda: started == ["file:///w/a.py"])
    await wait_until(lambda: diagnostics.pending() == 0)  # the pass's task is done


async def test_a_pass_waits_for_a_long_run_only_so_long() -> None:
    diagnostics, host, started = await yielding_diagnostics()
    loop = asyncio.get_running_loop()
    began = loop.time()
    diagnostics.schedule("file:///w/a.py")
    await wait_until(lambda: started == ["file:///w/a.py"], timeout=DELAY + RUN_YIELD + 5)
    assert host.running()
    assert loop.time() - began >= DELAY + RUN_YIELD
