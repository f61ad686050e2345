"""Which SIGINT stops which run: the worker's interrupt bookkeeping, without signals."""

from __future__ import annotations

import signal

import pytest

from evalens.worker.running import Interruptible


def sigint(guard: Interruptible) -> None:
    guard._on_sigint(signal.SIGINT, None)


def starts_interrupted(guard: Interruptible) -> bool:
    try:
        with guard.user_code():
            return False
    except KeyboardInterrupt:
        return True


def test_an_interrupt_that_lands_before_the_run_is_read_stops_that_run() -> None:
    guard = Interruptible()
    sigint(guard)  # sent after the run was written, landed while it was read
    guard.begin(0)
    assert starts_interrupted(guard) is True
    assert starts_interrupted(guard) is False  # raised once


def test_a_late_interrupt_of_an_earlier_run_is_dropped() -> None:
    guard = Interruptible()
    guard.begin(0)
    assert starts_interrupted(guard) is False  # that run ended on its own...
    sigint(guard)  # ...before the interrupt sent for it landed
    guard.begin(1)  # the next run was written after it
    assert starts_interrupted(guard) is False


def test_an_interrupt_during_user_code_raises_there_and_is_not_raised_again() -> None:
    guard = Interruptible()
    guard.begin(0)
    with pytest.raises(KeyboardInterrupt), guard.user_code():
        sigint(guard)
    guard.begin(1)
    assert starts_interrupted(guard) is False


def test_a_late_interrupt_and_one_for_the_next_run_stop_only_the_next() -> None:
    guard = Interruptible()
    guard.begin(0)
    assert starts_interrupted(guard) is False
    sigint(guard)  # late, for the first run
    sigint(guard)  # sent after the second run was written
    guard.begin(1)
    assert starts_interrupted(guard) is True
    assert starts_interrupted(guard) is False
