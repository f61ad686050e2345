// How the language server is started, as plain data: the server bundled in the extension
// (bundled/libs) run by a Python 3.10+ the extension finds, or the command of the setting
// `evalens.server.command`. No `vscode` import: test/launch.test.mjs runs it in plain Node.

/** The oldest Python the server runs on. */
export const MIN_PYTHON: readonly [number, number] = [3, 10];

/** Where a Python to run the bundled server came from. */
export type PythonSource = "setting" | "python extension" | "PATH";

export interface PythonCandidate {
  command: string;
  source: PythonSource;
}

/** A way to start the server: a command, its arguments and what it adds to the environment. */
export interface Launch {
  command: string;
  args: string[];
  /** Variables set on top of the editor's environment. */
  env: Record<string, string>;
  /** "bundled": the extension's own server; "command": `evalens.server.command`. */
  kind: "bundled" | "command";
  /** The launch in words, for messages: `"python3" (on PATH)`. */
  description: string;
}

/**
 * The Pythons to try for the bundled server, in order: the setting `evalens.server.python`
 * alone when it is set (the user chose it: no silent fall-back); else the interpreter selected
 * in the Python extension, when there is one, then `python3` on PATH (and `python`, which is
 * the usual name on Windows).
 */
export function pythonCandidates(
  setting: string,
  fromPythonExtension: string | undefined,
  platform: string = process.platform,
): PythonCandidate[] {
  if (setting.trim()) {
    return [{ command: setting.trim(), source: "setting" }];
  }
  const found: PythonCandidate[] = [];
  if (fromPythonExtension && fromPythonExtension !== "python") {
    found.push({ command: fromPythonExtension, source: "python extension" });
  }
  const onPath = platform === "win32" ? ["python", "python3"] : ["python3", "python"];
  found.push(...onPath.map((command): PythonCandidate => ({ command, source: "PATH" })));
  return found;
}

/** `3.11.7` from what the probe printed first, or undefined. */
export function parseVersion(text: string): [number, number, number] | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

/** Whether a Python of `version` runs the server (3.10 or newer). */
export function isSupported(version: readonly number[]): boolean {
  const [major = 0, minor = 0] = version;
  return major > MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor >= MIN_PYTHON[1]);
}

/**
 * What a Python is given to check it can run the bundled server: it prints its version
 * first (so an old Python that cannot import the server still says which it is), then
 * imports the server's entry point.
 */
export const PROBE_ARGS: readonly string[] = [
  "-c",
  "import sys; sys.stdout.write('%d.%d.%d' % sys.version_info[:3]); sys.stdout.flush(); import evalens.cli",
];

/** PYTHONPATH for the bundled server: the bundle first, then what the user had. */
export function bundledPythonPath(libs: string, existing: string | undefined, delimiter: string): string {
  return [libs, ...(existing ?? "").split(delimiter).filter((entry) => entry && entry !== libs)].join(delimiter);
}

/** The candidate in words: `"/usr/bin/python3" (the setting evalens.server.python)`. */
export function describePython(candidate: PythonCandidate): string {
  switch (candidate.source) {
    case "setting":
      return `"${candidate.command}" (the setting evalens.server.python)`;
    case "python extension":
      return `"${candidate.command}" (the interpreter selected in the Python extension)`;
    default:
      return `"${candidate.command}" (on PATH)`;
  }
}

/** The bundled server run by `python`, with the bundle at `libs` first on PYTHONPATH. */
export function bundledLaunch(
  python: PythonCandidate,
  libs: string,
  existingPythonPath: string | undefined,
  delimiter: string,
): Launch {
  return {
    command: python.command,
    args: ["-m", "evalens"],
    env: { PYTHONPATH: bundledPythonPath(libs, existingPythonPath, delimiter) },
    kind: "bundled",
    description: `the bundled server with ${describePython(python)}`,
  };
}

/** The longest command line a message quotes, in characters. */
export const COMMAND_CHARS = 60;

/** The setting `evalens.server.command` (e.g. `["evalens"]` for a pipx install), or undefined when unset. */
export function commandLaunch(command: unknown): Launch | undefined {
  if (!Array.isArray(command)) {
    return undefined;
  }
  const words = command.filter((word): word is string => typeof word === "string" && word.length > 0);
  if (words.length === 0) {
    return undefined;
  }
  const [program, ...args] = words;
  const shown = words.join(" ").replace(/\s+/g, " ");
  const cut = Array.from(shown).length > COMMAND_CHARS ? `${Array.from(shown).slice(0, COMMAND_CHARS - 1).join("")}…` : shown;
  return {
    command: program as string,
    args,
    env: {},
    kind: "command",
    description: `"${cut}" (the setting evalens.server.command)`,
  };
}

/** Why no Python could run the bundled server: what each candidate turned out to be. */
export interface Rejected {
  candidate: PythonCandidate;
  /** "missing": not found; "old": older than 3.10; "broken": could not import the server. */
  reason: "missing" | "old" | "broken";
  version?: string;
  stderr?: string;
}

/** The message when no candidate can run the bundled server, with the fix. */
export function noPythonMessage(rejected: Rejected[]): string {
  const tried = rejected
    .map((r) => {
      const what = describePython(r.candidate);
      switch (r.reason) {
        case "missing":
          return `${what}: not found`;
        case "old":
          return `${what}: Python ${r.version}, older than ${MIN_PYTHON.join(".")}`;
        default:
          return `${what}: cannot import the server: ${lastLine(r.stderr ?? "")}`;
      }
    })
    .join("; ");
  const setting = rejected.some((r) => r.candidate.source === "setting");
  const fix = setting
    ? `Set "evalens.server.python" to a Python ${MIN_PYTHON.join(".")} or newer, or clear it.`
    : `Install Python ${MIN_PYTHON.join(".")} or newer, or set "evalens.server.python" to one.`;
  return `evalens: no Python to run the server (${tried}). ${fix}`;
}

function lastLine(text: string): string {
  const lines = text.split(/\r?\n/).filter((line) => line.trim());
  return lines[lines.length - 1]?.trim() ?? "";
}
