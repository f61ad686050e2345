// The pure part of docstring examples (src/doctests.ts): the summary of an evalens.doctest
// answer, a failing example in one line and in full, the notification's text, the message for
// a cursor in no docstring with examples, and which outcome a marked line shows. `npm test`
// bundles src/doctests.ts to out/test/doctests.mjs with esbuild first.

import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const {
  brief,
  counts,
  describeDoctestRun,
  exampleAt,
  exampleInlineText,
  failureDetails,
  failureText,
  failures,
  lineOf,
  noDocstringMessage,
  notificationText,
  promptedSource,
  summary,
  wentWrong,
} = await import(join(here, "..", "out", "test", "doctests.mjs"));

const result = (fields = {}) => ({
  ok: true,
  value: null,
  stdout: "",
  stderr: "",
  truncated: false,
  error: null,
  durationMs: 3.2,
  reloaded: [],
  display: [],
  ...fields,
});

const example = (line, source, want, got, ok = want === got, skipped = false) => ({ line, source, want, got, ok, skipped });

// The examples of
//  6     >>> add(2, 3)
//  7     5
//  8     >>> add(7, 8)
//  9     16
// 10     >>> add("a", "b")  # doctest: +SKIP
const ANSWER = result({
  passed: 1,
  failed: 1,
  skipped: 1,
  examples: [
    example(6, "add(2, 3)\n", "5\n", "5\n"),
    example(8, "add(7, 8)\n", "16\n", "15\n"),
    { ...example(10, 'add("a", "b")\n', "'ab'\n", "", false, true) },
  ],
});

const RAISED = example(
  12,
  "Amount(-1)\n",
  "Amount(cents=0)\n",
  "Traceback (most recent call last):\n    ...\nValueError: an amount cannot be negative: -1\n",
);
RAISED.traceback = 'Traceback (most recent call last):\n  File "<doctest money.Amount[2]>", line 1, in <module>\nValueError: an amount cannot be negative: -1\n';

test("the summary: passed, failed and skipped, a part of 0 left out", () => {
  assert.equal(summary(ANSWER), "✓ 1 passed · ✗ 1 failed · 1 skipped");
  assert.equal(summary(result({ passed: 7, failed: 2, skipped: 1 })), "✓ 7 passed · ✗ 2 failed · 1 skipped");
  assert.equal(summary(result({ passed: 3, failed: 0, skipped: 0 })), "✓ 3 passed");
  assert.equal(summary(result({ passed: 0, failed: 2, skipped: 0 })), "✗ 2 failed");
  assert.equal(summary(result({ passed: 0, failed: 0, skipped: 2 })), "2 skipped");
  assert.equal(summary(result({ passed: 0, failed: 0, skipped: 0, examples: [] })), "no >>> examples ran");
  assert.equal(summary(result({ passed: 0, failed: 0, skipped: 0, examples: [] }), true), "no docstring here has >>> examples");
});

test("the summary of a run that did not complete leads with its error, as a run's inline text", () => {
  const error = { type: "KeyboardInterrupt", message: "", traceback: "KeyboardInterrupt\n", frames: [] };
  assert.equal(summary(result({ ok: false, error, passed: 2, failed: 1, skipped: 0 })), "✗ KeyboardInterrupt · ✓ 2 passed · ✗ 1 failed");
  const failed = { type: "SyntaxError", message: "invalid syntax (demo.py, line 3)", traceback: "", frames: [] };
  assert.equal(summary(result({ ok: false, error: failed, passed: 0, failed: 0, skipped: 0, examples: [] })), "✗ SyntaxError: invalid syntax (demo.py, line 3)");
  assert.equal(wentWrong(result({ ok: false, error: failed, passed: 0, failed: 0, skipped: 0 })), true);
  assert.equal(wentWrong(ANSWER), true);
  assert.equal(wentWrong(result({ passed: 3, failed: 0, skipped: 0 })), false);
});

test("counts and failures tolerate a server that sends none", () => {
  assert.deepEqual(counts(result()), { passed: 0, failed: 0, skipped: 0 });
  assert.deepEqual(failures(result()), []);
  assert.deepEqual(failures(ANSWER).map((e) => e.line), [8]); // not the skipped one
});

test("a failing example in one line: expected and got in brief, an exception by its last line", () => {
  assert.equal(failureText(ANSWER.examples[1]), "expected 16, got 15");
  assert.equal(exampleInlineText(ANSWER.examples[1]), "✗ expected 16, got 15");
  assert.equal(failureText(RAISED), "expected Amount(cents=0), got ValueError: an amount cannot be negative: -1");
  assert.equal(failureText(example(3, "print()\n", "", "\n")), "expected nothing, got nothing");
  assert.equal(failureText(example(3, "f()\n", "a\nb\n", "a\nc\n")), "expected a b, got a c");
  assert.equal(brief("x".repeat(100)), `${"x".repeat(47)}…`);
  assert.ok(Array.from(exampleInlineText(example(1, "f()\n", "y".repeat(300), "z".repeat(300)))).length <= 122);
});

test("each failing example in full for the output channel", () => {
  assert.equal(
    failureDetails(ANSWER),
    "line 9: >>> add(7, 8)\n  expected:\n    16\n  got:\n    15\n",
  );
  assert.equal(
    failureDetails(result({ examples: [{ ...RAISED, source: "for i in range(2):\n    print(i)\n" }] })),
    "line 13: >>> for i in range(2):\n    ...     print(i)\n" +
      "  expected:\n    Amount(cents=0)\n" +
      "  got:\n    Traceback (most recent call last):\n        ...\n    ValueError: an amount cannot be negative: -1\n" +
      '  Traceback (most recent call last):\n    File "<doctest money.Amount[2]>", line 1, in <module>\n  ValueError: an amount cannot be negative: -1\n',
  );
  assert.equal(failureDetails(result({ examples: [example(1, "print()\n", "x\n", "")] })), "line 2: >>> print()\n  expected:\n    x\n  got:\n    (nothing)\n");
  assert.equal(failureDetails(result({ passed: 1, examples: [ANSWER.examples[0]] })), "");
  assert.equal(promptedSource("if x:\n    y\n"), ">>> if x:\n...     y");
});

test("the run's title, its line, and the notification's text", () => {
  assert.equal(describeDoctestRun("demo.py", 3), "examples demo.py:4");
  assert.equal(describeDoctestRun("demo.py", undefined), "examples demo.py");
  assert.equal(lineOf({ uri: "file:///demo.py", line: 0 }), 0);
  assert.equal(lineOf({ uri: "file:///demo.py" }), undefined);
  assert.equal(notificationText(ANSWER, "demo.py", false), "examples at demo.py:7: ✓ 1 passed · ✗ 1 failed · 1 skipped");
  assert.equal(notificationText(result({ passed: 7, failed: 0, skipped: 0, examples: [] }), "demo.py", true), "examples in demo.py: ✓ 7 passed");
  assert.equal(notificationText(result({ passed: 0, failed: 0, skipped: 0, examples: [] }), "demo.py", true), "no docstring in demo.py has >>> examples");
});

test("a cursor in no docstring with examples: where they are, or that there are none; other errors are not this", () => {
  const refusal = (docstrings) => ({
    code: -32602,
    message: "evalens.doctest: line 5 is in no docstring with examples; pass a line of one, here lines 3, 10, or no `line` to run every docstring",
    data: { reason: "noDocstring", docstrings },
  });
  assert.equal(
    noDocstringMessage(refusal([3, 10]), 4),
    "line 5 is in no docstring with >>> examples; the docstrings with examples start at lines 4, 11 (or run all examples in the file)",
  );
  assert.equal(
    noDocstringMessage(refusal([3]), 4),
    "line 5 is in no docstring with >>> examples; the docstrings with examples start at line 4 (or run all examples in the file)",
  );
  assert.equal(noDocstringMessage(refusal([]), 4), "no docstring in this file has >>> examples");
  assert.equal(noDocstringMessage({ code: -32603, message: "boom" }, 4), undefined);
  assert.equal(noDocstringMessage(new Error("timeout"), 4), undefined);
  assert.equal(noDocstringMessage(undefined, 4), undefined);
});

test("a marked line shows the outcome on its line, else (moved) the one whose source it holds", () => {
  const failing = failures(ANSWER);
  assert.equal(exampleAt(failing, 8, "    >>> add(7, 8)"), failing[0]);
  assert.equal(exampleAt(failing, 11, "    >>> add(7, 8)"), failing[0]); // three lines added above
  assert.equal(exampleAt(failing, 11, "    >>> add(1, 1)"), undefined);
  assert.equal(exampleAt([], 8, "    >>> add(7, 8)"), undefined);
});
