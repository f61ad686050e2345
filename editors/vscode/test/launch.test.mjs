// How the server is started and what a failed start says (src/launch.ts, src/failure.ts),
// in plain Node: `npm test` bundles them to out/test/*.mjs first.

import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const launch = await import(join(here, "..", "out", "test", "launch.mjs"));
const failure = await import(join(here, "..", "out", "test", "failure.mjs"));

test("the setting evalens.server.python is the only Python tried when set", () => {
  assert.deepEqual(launch.pythonCandidates(" /opt/py/bin/python3 ", "/venv/bin/python", "linux"), [
    { command: "/opt/py/bin/python3", source: "setting" },
  ]);
});

test("else the Python extension's interpreter, then python3 and python on PATH", () => {
  assert.deepEqual(launch.pythonCandidates("", "/venv/bin/python", "linux"), [
    { command: "/venv/bin/python", source: "python extension" },
    { command: "python3", source: "PATH" },
    { command: "python", source: "PATH" },
  ]);
  assert.deepEqual(launch.pythonCandidates("", undefined, "linux"), [
    { command: "python3", source: "PATH" },
    { command: "python", source: "PATH" },
  ]);
  // The Python extension answers a bare "python" when nothing is selected: that is PATH's.
  assert.deepEqual(
    launch.pythonCandidates("", "python", "win32").map((c) => c.command),
    ["python", "python3"],
  );
});

test("Python 3.10 or newer runs the server", () => {
  assert.deepEqual(launch.parseVersion("3.11.7"), [3, 11, 7]);
  assert.equal(launch.parseVersion("Python"), undefined);
  assert.equal(launch.isSupported([3, 10, 0]), true);
  assert.equal(launch.isSupported([3, 13, 1]), true);
  assert.equal(launch.isSupported([4, 0, 0]), true);
  assert.equal(launch.isSupported([3, 9, 18]), false);
  assert.equal(launch.isSupported([2, 7, 18]), false);
});

test("the bundled server: python -m evalens with the bundle first on PYTHONPATH", () => {
  const python = { command: "python3", source: "PATH" };
  assert.deepEqual(launch.bundledLaunch(python, "/ext/bundled/libs", "/mine:/ext/bundled/libs:", ":"), {
    command: "python3",
    args: ["-m", "evalens"],
    env: { PYTHONPATH: "/ext/bundled/libs:/mine" },
    kind: "bundled",
    description: 'the bundled server with "python3" (on PATH)',
  });
  assert.equal(launch.bundledPythonPath("C:\\ext\\libs", undefined, ";"), "C:\\ext\\libs");
});

test("evalens.server.command replaces the bundled server; empty or malformed is unset", () => {
  assert.deepEqual(launch.commandLaunch(["evalens"]), {
    command: "evalens",
    args: [],
    env: {},
    kind: "command",
    description: '"evalens" (the setting evalens.server.command)',
  });
  const long = launch.commandLaunch(["/usr/bin/python3", "-c", "x".repeat(100)]);
  assert.equal(long.description, `"/usr/bin/python3 -c ${"x".repeat(39)}…" (the setting evalens.server.command)`);
  const script = launch.commandLaunch(["py", "-c", "import a\n\nb()"]);
  assert.equal(script.description, '"py -c import a b()" (the setting evalens.server.command)');
  assert.deepEqual(launch.commandLaunch(["/p/python", "-m", "evalens"]).args, ["-m", "evalens"]);
  assert.equal(launch.commandLaunch([]), undefined);
  assert.equal(launch.commandLaunch(""), undefined);
  assert.equal(launch.commandLaunch(undefined), undefined);
});

test("no usable Python: each candidate and why, then the fix", () => {
  const message = launch.noPythonMessage([
    { candidate: { command: "/venv/bin/python", source: "python extension" }, reason: "old", version: "3.9.18" },
    { candidate: { command: "python3", source: "PATH" }, reason: "missing" },
    {
      candidate: { command: "python", source: "PATH" },
      reason: "broken",
      stderr: "Traceback (most recent call last):\n  ...\nImportError: bad magic\n",
    },
  ]);
  assert.equal(
    message,
    'evalens: no Python to run the server ("/venv/bin/python" (the interpreter selected in the Python extension): ' +
      'Python 3.9.18, older than 3.10; "python3" (on PATH): not found; "python" (on PATH): cannot import the server: ' +
      'ImportError: bad magic). Install Python 3.10 or newer, or set "evalens.server.python" to one.',
  );
  assert.equal(
    launch.noPythonMessage([{ candidate: { command: "/nope/python3", source: "setting" }, reason: "missing" }]),
    'evalens: no Python to run the server ("/nope/python3" (the setting evalens.server.python): not found). ' +
      'Set "evalens.server.python" to a Python 3.10 or newer, or clear it.',
  );
});

test("the stderr tail keeps the last lines, across chunks", () => {
  const tail = new failure.StderrTail(3);
  tail.push("one\ntw");
  tail.push("o\r\nthree\nfour\nfi");
  assert.deepEqual(tail.lines(), ["two", "three", "four", "fi"]); // the unfinished line too
  tail.push("ve\n");
  assert.deepEqual(tail.lines(), ["three", "four", "five"]);
});

test("a notification quotes the last 3 non-blank stderr lines, each cut to 200 characters", () => {
  assert.deepEqual(failure.lastLines(["a", "", "  b  ", "c", "d", " "]), ["b", "c", "d"]);
  assert.deepEqual(failure.lastLines(["x".repeat(250)]), [`${"x".repeat(199)}…`]);
});

const bundled = { kind: "bundled", command: "python3", description: 'the bundled server with "python3" (on PATH)' };
const command = { kind: "command", command: "evalens", description: '"evalens" (the setting evalens.server.command)' };

test("a server that died: its last stderr lines and the fix", () => {
  const stderr = ["Traceback (most recent call last):", '  File "x.py", line 1', "RuntimeError: evalens broke", ""];
  assert.equal(
    failure.failureMessage("died", bundled, stderr),
    'evalens: the language server stopped (the bundled server with "python3" (on PATH)). ' +
      'It said: Traceback (most recent call last): ⏎ File "x.py", line 1 ⏎ RuntimeError: evalens broke ' +
      'Fix: Restart the server; if it fails again, set "evalens.server.python" to another Python 3.10 or newer ' +
      'and see the "evalens language server" output for the whole log.',
  );
});

test("a server that did not start: a missing module or a missing command says how to install", () => {
  const missing = ["ModuleNotFoundError: No module named 'evalens'"];
  assert.equal(
    failure.failureMessage("start", command, missing),
    'evalens: the language server did not start ("evalens" (the setting evalens.server.command)). ' +
      "It said: ModuleNotFoundError: No module named 'evalens' Fix: Install evalens with its dependencies for that " +
      'command (from a clone: `pipx install .`), or clear "evalens.server.command" to use the server bundled with the extension.',
  );
  assert.match(failure.fixFor(bundled, ["ModuleNotFoundError: No module named 'pygls'"]), /bundled server lacks the module pygls: reinstall/);
  assert.equal(
    failure.failureMessage("start", command, [], "Launching server using command evalens failed. Error: spawn evalens ENOENT"),
    'evalens: the language server did not start ("evalens" (the setting evalens.server.command)). ' +
      "Launching server using command evalens failed. Error: spawn evalens ENOENT Fix: " +
      '"evalens" was not found: install evalens so that it is on PATH (from a clone: `pipx install .`), give its full path in ' +
      '"evalens.server.command", or clear that setting to use the server bundled with the extension.',
  );
  assert.match(failure.failureMessage("start", command, []), /It wrote nothing on stderr\. Fix: Check "evalens.server.command"/);
});
