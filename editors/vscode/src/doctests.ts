// Docstring examples (`>>>`) as the server runs them (evalens.doctest, docs/protocol.md
// "Docstring examples"; its answer: protocol.ts' DoctestResult), and what the extension says
// about them: the summary (`✓ 7 passed · ✗ 2 failed · 1 skipped`), a failing example in one
// line (`expected 16, got 15`) and in full for the output channel, a run refused because the
// cursor is in no docstring with examples. No `vscode` import, so test/doctests.test.mjs runs it in plain Node.

import { FAILED, MAX_INLINE, fold, inlineText } from "./inline";
import type { DoctestResult, ExampleOutcome } from "./protocol";

/** Before the count of examples that passed (and on a docstring's lens once all passed). */
export const PASSED = "✓";

/** Between the parts of a summary. */
export const SEPARATOR = " · ";

/** Longest expected or printed text in a one-line failure; the rest is in the hover and output. */
export const BRIEF = 48;

/** The counts of an answer (0 for any missing). */
export function counts(answer: DoctestResult): { passed: number; failed: number; skipped: number } {
  const count = (n: unknown) => (typeof n === "number" && Number.isFinite(n) ? n : 0);
  return { passed: count(answer.passed), failed: count(answer.failed), skipped: count(answer.skipped) };
}

/** The examples of an answer that failed (not those skipped), in document order. */
export function failures(answer: DoctestResult): ExampleOutcome[] {
  return (answer.examples ?? []).filter((example) => !example.ok && !example.skipped);
}

/**
 * The outcome in one line: `✓ 7 passed · ✗ 2 failed · 1 skipped` (a part whose count is 0
 * left out); a run that did not complete (the module did not load, an interrupt) leads with
 * its error: `✗ KeyboardInterrupt · ✓ 2 passed`; none ran: `no >>> examples ran` (`whole`:
 * the whole document was asked, and it has none).
 */
export function summary(answer: DoctestResult, whole = false): string {
  const { passed, failed, skipped } = counts(answer);
  const parts: string[] = [];
  if (passed > 0) {
    parts.push(`${PASSED} ${passed} passed`);
  }
  if (failed > 0) {
    parts.push(`${FAILED} ${failed} failed`);
  }
  if (skipped > 0) {
    parts.push(`${skipped} skipped`);
  }
  if (!answer.ok) {
    return [inlineText(answer), ...parts].join(SEPARATOR);
  }
  if (parts.length === 0) {
    return whole ? "no docstring here has >>> examples" : "no >>> examples ran";
  }
  return parts.join(SEPARATOR);
}

/** Whether the run went wrong: an example failed, or the examples could not all run. */
export function wentWrong(answer: DoctestResult): boolean {
  return !answer.ok || counts(answer).failed > 0;
}

/**
 * Expected or printed text in a few words: `nothing` for no output, an exception's last line
 * (doctest writes it as `Traceback (most recent call last):`, `...`, its lines), else folded to
 * one line of at most `limit` characters.
 */
export function brief(text: string, limit: number = BRIEF): string {
  const trimmed = text.replace(/\s+$/, "");
  if (!trimmed) {
    return "nothing";
  }
  if (/^Traceback \((most recent call last|innermost last)\)/.test(trimmed)) {
    const last = trimmed.split("\n").pop()?.trim();
    if (last) {
      return fold(last, limit);
    }
  }
  return fold(trimmed, limit);
}

/** A failing example in one line: `expected 16, got 15`. */
export function failureText(example: Pick<ExampleOutcome, "want" | "got">): string {
  return `expected ${brief(example.want)}, got ${brief(example.got)}`;
}

/** What is drawn after a failing example's `>>>` line: `✗ expected 16, got 15`. */
export function exampleInlineText(example: Pick<ExampleOutcome, "want" | "got">): string {
  return `${FAILED} ${fold(failureText(example), MAX_INLINE)}`;
}

/** `text`'s lines, each after `prefix`; `(nothing)` for no text. */
function block(text: string, prefix: string): string {
  const body = text.replace(/\n$/, "");
  if (!body) {
    return `${prefix}(nothing)\n`;
  }
  return body
    .split("\n")
    .map((line) => `${prefix}${line}\n`)
    .join("");
}

/** The example's source as doctest reads it: `>>> ` before its first line, `... ` before the rest. */
export function promptedSource(source: string): string {
  return source
    .replace(/\n$/, "")
    .split("\n")
    .map((line, i) => `${i === 0 ? ">>>" : "..."} ${line}`)
    .join("\n");
}

/**
 * Each failing example in full, for the output channel: its line and source, what it expected
 * and what it printed, and its traceback when it raised.
 */
export function failureDetails(answer: DoctestResult): string {
  return failures(answer)
    .map((example) => {
      const source = promptedSource(example.source).replace(/\n/g, "\n    ");
      const traceback = example.traceback ? block(example.traceback, "  ") : "";
      const expected = `  expected:\n${block(example.want, "    ")}`;
      const got = `  got:\n${block(example.got, "    ")}`;
      return `line ${example.line + 1}: ${source}\n${expected}${got}${traceback}`;
    })
    .join("");
}

/** The run in a few words (the output channel, the display panel): `examples demo.py:12`, `examples demo.py`. */
export function describeDoctestRun(file: string, line: number | undefined): string {
  return line === undefined ? `examples ${file}` : `examples ${file}:${line + 1}`;
}

/** The argument's `line` (undefined: the whole document). */
export function lineOf(argument: Record<string, unknown>): number | undefined {
  return typeof argument.line === "number" ? argument.line : undefined;
}

/** The outcome for a notification: `examples in demo.py: ✓ 3 passed`, `examples at demo.py:7: …`. */
export function notificationText(answer: DoctestResult, file: string, whole: boolean): string {
  if (whole) {
    const { passed, failed, skipped } = counts(answer);
    if (answer.ok && passed + failed + skipped === 0) {
      return `no docstring in ${file} has >>> examples`;
    }
    return `examples in ${file}: ${summary(answer, true)}`;
  }
  const first = answer.examples?.[0];
  return `examples ${first ? `at ${file}:${first.line + 1}` : `in ${file}`}: ${summary(answer)}`;
}

/** What a request error may carry (vscode-languageclient's ResponseError). */
interface ErrorLike {
  code?: unknown;
  message?: unknown;
  data?: unknown;
}

/** LSP's InvalidParams error code. */
const INVALID_PARAMS = -32602;

/**
 * The message for evalens.doctest refused because `line` (0-based) is in no docstring with
 * examples (`data.reason` "noDocstring"): where the docstrings with examples start, or that there
 * are none; undefined for any other error.
 */
export function noDocstringMessage(error: unknown, line: number | undefined): string | undefined {
  const { code, message, data } = (error && typeof error === "object" ? error : {}) as ErrorLike;
  const reason = data && typeof data === "object" ? (data as { reason?: unknown }).reason : undefined;
  const refused =
    reason === "noDocstring" ||
    (code === INVALID_PARAMS && typeof message === "string" && message.includes("is in no docstring"));
  if (!refused) {
    return undefined;
  }
  const starts = data && typeof data === "object" ? (data as { docstrings?: unknown }).docstrings : undefined;
  const lines = Array.isArray(starts) ? starts.filter((n): n is number => typeof n === "number").map((n) => n + 1) : [];
  if (lines.length === 0) {
    return "no docstring in this file has >>> examples";
  }
  const at = line === undefined ? "the cursor" : `line ${line + 1}`;
  const where = lines.length === 1 ? `line ${lines[0]}` : `lines ${lines.join(", ")}`;
  const hint = "(or run all examples in the file)";
  return `${at} is in no docstring with >>> examples; the docstrings with examples start at ${where} ${hint}`;
}

/**
 * The last outcome of the failing example whose `>>>` is on `line`, whose text is `lineText`:
 * the one on that line, else (the docstring moved since) the one whose first source line that
 * line holds after `>>>`.
 */
export function exampleAt(examples: readonly ExampleOutcome[], line: number, lineText: string): ExampleOutcome | undefined {
  const onLine = examples.find((example) => example.line === line);
  if (onLine) {
    return onLine;
  }
  const prompt = lineText.trim();
  return examples.find((example) => prompt === `>>> ${example.source.split("\n")[0]}`.trim());
}
