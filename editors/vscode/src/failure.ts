// What the user is told when the language server does not start or dies: the server's own
// last stderr lines and the fix, in one notification. No `vscode` import:
// test/launch.test.mjs runs it in plain Node.

import type { Launch } from "./launch";

/** How many of the server's last stderr lines a notification quotes. */
export const QUOTED_LINES = 3;
/** The longest quoted line, in characters. */
export const QUOTED_LINE_CHARS = 200;
/** Between quoted lines (a notification shows one paragraph). */
export const LINE_SEPARATOR = " ⏎ ";

/** The last lines a process wrote on stderr, fed in chunks as they come. */
export class StderrTail {
  private readonly kept: string[] = [];
  private partial = "";

  constructor(private readonly max = 50) {}

  push(chunk: string): void {
    const parts = (this.partial + chunk).split(/\r?\n/);
    this.partial = parts.pop() ?? "";
    for (const line of parts) {
      this.keep(line);
    }
  }

  /** The lines so far, the unfinished last one included. */
  lines(): string[] {
    return this.partial ? [...this.kept, this.partial] : [...this.kept];
  }

  private keep(line: string): void {
    this.kept.push(line);
    if (this.kept.length > this.max) {
      this.kept.shift();
    }
  }
}

/** The last `count` non-blank lines of `lines`, trimmed and cut to `QUOTED_LINE_CHARS`. */
export function lastLines(lines: readonly string[], count = QUOTED_LINES): string[] {
  return lines
    .map((line) => line.trim())
    .filter((line) => line)
    .slice(-count)
    .map((line) => (Array.from(line).length > QUOTED_LINE_CHARS ? `${Array.from(line).slice(0, QUOTED_LINE_CHARS - 1).join("")}…` : line));
}

/** What to do about a server that did not start or died, from its stderr and how it was started. */
export function fixFor(launch: Pick<Launch, "kind" | "command">, stderr: readonly string[], spawnError?: string): string {
  const text = stderr.join("\n");
  if (spawnError && /ENOENT/.test(spawnError)) {
    return launch.kind === "command"
      ? `"${launch.command}" was not found: install evalens so that it is on PATH (from a clone: \`pipx install .\`), give its full path in "evalens.server.command", or clear that setting to use the server bundled with the extension.`
      : `"${launch.command}" was not found: set "evalens.server.python" to a Python 3.10 or newer.`;
  }
  const missing = /No module named '?([\w.]+)'?/.exec(text)?.[1];
  if (missing) {
    if (launch.kind === "command") {
      return `Install evalens with its dependencies for that command (from a clone: \`pipx install .\`), or clear "evalens.server.command" to use the server bundled with the extension.`;
    }
    return `The extension's bundled server lacks the module ${missing}: reinstall the extension (a .vsix built with \`npm run package\`).`;
  }
  if (launch.kind === "command") {
    return `Check "evalens.server.command" (it must start the evalens server speaking LSP on stdio), or clear it to use the bundled server; then Restart.`;
  }
  return `Restart the server; if it fails again, set "evalens.server.python" to another Python 3.10 or newer and see the "evalens language server" output for the whole log.`;
}

/**
 * The notification for a server that `phase` ("start": did not start, "died": stopped while
 * running): what was started, its last stderr lines, and the fix.
 */
export function failureMessage(
  phase: "start" | "died",
  launch: Pick<Launch, "kind" | "command" | "description">,
  stderr: readonly string[],
  spawnError?: string,
): string {
  const what = phase === "start" ? "did not start" : "stopped";
  const quoted = lastLines(stderr);
  const said = quoted.length > 0 ? ` It said: ${quoted.join(LINE_SEPARATOR)}` : spawnError ? ` ${spawnError}` : " It wrote nothing on stderr.";
  return `evalens: the language server ${what} (${launch.description}).${said} Fix: ${fixFor(launch, stderr, spawnError)}`;
}
