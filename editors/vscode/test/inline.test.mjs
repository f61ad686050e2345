// The extension's one-line text of a Result against the fixture every evalens client
// shares (tests/fixtures/inline_results.json). `npm test` bundles src/inline.ts to
// out/test/inline.mjs with esbuild first, then runs this with `node --test`.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const { MAX_INLINE, STALE, inlineText, reloadsCode, resultStyle, shownText } = await import(join(here, "..", "out", "test", "inline.mjs"));
const fixture = join(here, "..", "..", "..", "tests", "fixtures", "inline_results.json");
const { cases } = JSON.parse(readFileSync(fixture, "utf8"));

test("the fixture has cases", () => {
  assert.ok(cases.length > 0, `no cases in ${fixture}`);
});

for (const c of cases) {
  test(c.name, () => {
    assert.equal(inlineText(c.result, c.limit), c.inline);
  });
}

test("the default width is the extension's (120 characters after the glyph)", () => {
  assert.equal(MAX_INLINE, 120);
  const result = { ok: true, value: { repr: "x".repeat(200), type: "str" } };
  assert.equal(inlineText(result), `⇒ ${"x".repeat(119)}…`);
});

test("a run that re-ran or patched code, in any module, makes earlier results stale", () => {
  const entry = (patched, rerun) => ({ module: "m", patched, rerun });
  assert.equal(reloadsCode({ reloaded: [] }), false);
  assert.equal(reloadsCode({}), false); // a server that sends no `reloaded`
  assert.equal(reloadsCode({ reloaded: [entry([], [])] }), false);
  assert.equal(reloadsCode({ reloaded: [entry(["other"], [])] }), true);
  assert.equal(reloadsCode({ reloaded: [entry([], [2])] }), true);
  assert.equal(reloadsCode({ reloaded: [entry([], []), entry([], [0])] }), true);
});

test("a stale result is its one-line text, then ' (stale)'", () => {
  const result = { ok: true, value: { repr: "x".repeat(200), type: "str" } };
  assert.equal(STALE, " (stale)");
  assert.equal(shownText(result, false), inlineText(result));
  assert.equal(shownText(result, true), `${inlineText(result)} (stale)`);
  const interrupted = { ok: false, value: null, error: { type: "KeyboardInterrupt", message: "" } };
  assert.equal(shownText(interrupted, true), "✗ KeyboardInterrupt (stale)");
});

test("a run the user interrupted is drawn neutral, not as an error; stale wins", () => {
  const value = { ok: true, value: { repr: "42", type: "int" }, error: null };
  const error = { ok: false, value: null, error: { type: "ZeroDivisionError", message: "division by zero" } };
  const interrupted = { ok: false, value: null, error: { type: "KeyboardInterrupt", message: "" } };
  const died = { ok: false, value: null, error: { type: "InterpreterDied", message: "killed" } };
  assert.equal(resultStyle(value, false), "value");
  assert.equal(resultStyle(error, false), "error");
  assert.equal(resultStyle(interrupted, false), "interrupted");
  assert.equal(inlineText(interrupted), "✗ KeyboardInterrupt");
  assert.equal(resultStyle(died, false), "error");
  assert.equal(resultStyle(interrupted, true), "stale");
  assert.equal(resultStyle(value, true), "stale");
});
