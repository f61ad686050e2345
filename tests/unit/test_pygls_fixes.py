"""The answers evalens gives on purpose are not logged as faults."""

from __future__ import annotations

import io
import logging

from pygls.exceptions import JsonRpcException

from evalens.lsp.pygls_fixes import AnswersAreNotFaults


def logged(error: BaseException, level: int) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setLevel(level)
    logger = logging.getLogger("test.pygls_fixes")
    logger.propagate = False
    logger.handlers[:] = [handler]
    logger.filters[:] = [AnswersAreNotFaults()]
    try:
        raise error
    except BaseException:
        logger.exception('Exception occurred for message "%s"', 7)
    return stream.getvalue()


def test_a_json_rpc_answer_is_one_info_line_without_a_traceback() -> None:
    refusal = JsonRpcException("evalens does not run code in an untrusted workspace", code=-32803)
    assert logged(refusal, logging.WARNING) == ""
    assert (
        logged(refusal, logging.INFO)
        == "answered with error -32803: evalens does not run code in an untrusted workspace\n"
    )


def test_other_exceptions_keep_their_traceback() -> None:
    text = logged(ValueError("boom"), logging.WARNING)
    assert text.startswith('Exception occurred for message "7"\nTraceback (most recent call last):')
    assert text.endswith("ValueError: boom\n")
