// A Result in one line, as every evalens client shows it after the code that ran: the
// server's rule (evalens.features.oneline.inline), pinned for all clients by
// tests/fixtures/inline_results.json (test/inline.test.mjs reads it). No `vscode`
// import, so the test runs it in plain Node.

import type { Result } from "./protocol";

/** Before a value: `⇒ 42`. */
export const VALUE = "⇒";
/** A run that finished without a value (what it printed is output, not the result). */
export const DONE = "✓";
/** Before a failure: `✗ ZeroDivisionError: division by zero`. */
export const FAILED = "✗";
/** The longest text after the glyph, in characters (code points). */
export const MAX_INLINE = 120;
/** After the text of a result shown before a run that brought code up to date. */
export const STALE = " (stale)";

// ASCII whitespace only: a no-break space in a repr stays as it is.
const WHITESPACE = /[ \t\n\r\f\v]+/g;

/** `text` with whitespace runs folded to one space, the ends trimmed, cut to `limit` characters. */
export function fold(text: string, limit: number): string {
  const flat = text.replace(WHITESPACE, " ").replace(/^ | $/g, "");
  const chars = Array.from(flat); // code points: an emoji counts once, not as two UTF-16 units
  return chars.length <= limit ? flat : `${chars.slice(0, limit - 1).join("")}…`;
}

/** The short text shown after the code: `⇒ repr`, `✓`, or `✗ Type: message`. */
export function inlineText(result: Result, limit: number = MAX_INLINE): string {
  if (!result.ok) {
    const kind = result.error?.type || "Error";
    const message = result.error?.message || "";
    return `${FAILED} ${fold(message ? `${kind}: ${message}` : kind, limit)}`;
  }
  if (result.value == null) {
    return DONE;
  }
  return `${VALUE} ${fold(result.value.repr, limit)}`;
}

/**
 * Whether `result`'s run brought code up to date by running or patching some of it (an entry
 * of `reloaded` with `patched` or `rerun`, in any module): every result shown before it may be
 * out of date then, and is shown stale until it runs again (docs/protocol.md, "Stale results").
 */
export function reloadsCode(result: Pick<Result, "reloaded">): boolean {
  // `?? []`: a server older than `reloaded` sends none.
  return (result.reloaded ?? []).some((entry) => entry.patched.length > 0 || entry.rerun.length > 0);
}

/** The text shown for `result`: its one-line text, with `STALE` after it when `stale`. */
export function shownText(result: Result, stale: boolean, limit: number = MAX_INLINE): string {
  const text = inlineText(result, limit);
  return stale ? `${text}${STALE}` : text;
}

/** How a shown result is drawn: a value, an error, a run the user interrupted, or stale. */
export type ResultStyle = "value" | "error" | "interrupted" | "stale";

/** The exception a run stops with when the user interrupts it. */
export const INTERRUPTED = "KeyboardInterrupt";

/**
 * The style of `result` shown inline: a run stopped by `KeyboardInterrupt` (the user's own
 * interrupt) is not an error in the code, so it is drawn neutral, still reading
 * `✗ KeyboardInterrupt`; staleness wins over the rest.
 */
export function resultStyle(result: Pick<Result, "ok" | "error">, stale: boolean): ResultStyle {
  if (stale) {
    return "stale";
  }
  if (result.ok) {
    return "value";
  }
  return result.error?.type === INTERRUPTED ? "interrupted" : "error";
}
