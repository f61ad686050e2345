// End-to-end test of the evalens extension in real VS Code (code-server),
// driven by playwright-core and Debian's chromium, as a user would: install the .vsix
// (which carries the server) into an environment where no Python on PATH has evalens,
// open a workspace, evaluate a selection with Shift+Enter, hover the result and the
// code, click code lenses, see an error inline, interrupt an infinite loop with
// Ctrl+Alt+C, call a method picked from the function quick pick (the server's document
// symbols), take a screenshot; call a function main.py imports from lib.py (open too) and
// see its result on its `def` line in lib.py; cells (`# %%`) typed into cells.py and never
// saved: the line above each marker, Shift+Enter runs a cell and moves to the next code cell,
// Ctrl+Enter runs one in place, "evalens: Run Cell and Below" runs every code cell (a
// screenshot, cells.png), the server's Run above lens runs the cells above, and a run stops at
// a failing cell; rich output: a plot and a value's HTML in the evalens display panel beside the
// editor (a screenshot, display.png), the plot in the result's hover, a large one from a file;
// the user story of results going stale: a loop builds up a
// counter and is interrupted, the counter's value is shown, an unrelated function is
// edited (not saved) and run, and the counter keeps its value while its old result is
// shown stale; docstring examples: the server's Run examples lens runs a docstring's `>>>`
// examples, one of which fails (the lens says so, the Problems panel lists it, its line is
// marked inline), the Update expected output quick fix (Ctrl+.) rewrites what it expects, and
// "evalens: Run Examples in Docstring" then passes them all; the evalens Variables view (in the
// Explorer): empty with its welcome text before anything ran, the rows a line binds, a list
// expanded into its items, a rebinding shown with the list still expanded, Show All Names and
// back, Show Full Value in a read-only editor, a busy interpreter said in the view (no popup)
// until the interrupted run ends, a 250-item list read a hundred at a time with Load more…;
// Jupyter kernels: "evalens: Select Kernel" says what to install where the
// server's Python has no jupyter_client, then, the server run by a Python with ipykernel, starts
// its python3 kernelspec, code runs in the kernel and the status bar says so, a Jupyter Server
// that cannot be reached (URL and token asked) gives the server's message and the token is
// written nowhere, and the kernel's status item brings evalens' own interpreter back; a server
// that cannot start or dies says why in a notification, whose
// Open Settings shows the extension's settings; then, in a second code-server with
// workspace trust on, check that a restricted workspace runs nothing and says why, and
// that granting trust turns execution on.
//
// Environment:
//   CODE_SERVER     the code-server launcher (default: code-server on PATH)
//   NODE24_BIN      a folder put first on PATH for code-server (Node 24)
//   CHROMIUM        the browser binary (default: /usr/bin/chromium)
//   VSIX            the packaged extension (default: ../evalens.vsix)
//   SCREENSHOT      where to save the screenshot (default: ../screenshot.png)
//   CELLS_SCREENSHOT where to save the screenshot of cells run (default: ../cells.png)
//   DISPLAY_SCREENSHOT where to save the screenshot of the display panel (default: ../display.png)
//   USER_VENV       a virtual environment with matplotlib and ipykernel, linked as the workspace's
//                   .venv: the Python of the user's code (evalens' default; unset: the server's
//                   Python), and the server's Python in the kernel steps (its python3 kernelspec)
// Exits 0 when every step passed, 1 otherwise.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, copyFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");
const CODE_SERVER = process.env.CODE_SERVER || "code-server";
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const VSIX = resolve(process.env.VSIX || join(root, "evalens.vsix"));
const SCREENSHOT = resolve(process.env.SCREENSHOT || join(root, "screenshot.png"));
const CELLS_SCREENSHOT = resolve(process.env.CELLS_SCREENSHOT || join(root, "cells.png"));
const DISPLAY_SCREENSHOT = resolve(process.env.DISPLAY_SCREENSHOT || join(root, "display.png"));
const KEEP = process.env.EVALENS_E2E_KEEP === "1";

const started = Date.now();
const steps = [];
let passed = 0;
let failed = 0;

function log(message) {
  console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${message}`);
}

async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passed += 1;
    steps.push(`ok   ${name} (${Date.now() - t0} ms)`);
    log(`ok   ${name}`);
  } catch (error) {
    failed += 1;
    steps.push(`FAIL ${name}: ${error?.message ?? error}`);
    log(`FAIL ${name}: ${error?.stack ?? error}`);
    throw error;
  }
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

async function waitFor(what, predicate, timeoutMs = 30000, intervalMs = 200) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await predicate();
      if (last) {
        return last;
      }
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last: ${last})` : ""}`);
}

const DEMO = `"""A small module for the evalens VS Code test."""


def answer():
    print("computing the answer")
    return 6 * 7


def boom():
    return 1 / 0


def spin():
    while True:
        pass


x = 40 + 2
print(x * 2)


class Counter:
    @staticmethod
    def answer(n):
        return 2 * n
`;

// The user story of stale results: lines 1-12.
const STORY = `"""A loop builds up state; an unrelated edit keeps it."""
counter = 0


def spin():
    global counter
    while True:
        counter += 1


def other():
    return 1
`;

// A function main.py imports: decorated through functools.wraps, so its `def` (line 14)
// is neither the decorator's line nor the wrapper's.
const LIB = `"""A module main.py imports from."""
import functools


def logged(fn):
    @functools.wraps(fn)
    def wrapper(*args):
        return fn(*args)
    return wrapper


@logged
def countdown(n):
    return list(range(n, 0, -1))
`;

const MAIN = `"""Calls a function of lib.py."""
from lib import countdown
`;

// cells.py on disk: the cells are typed in the editor and never saved.
const CELLS_ON_DISK = `"""Cells come from the editor, not from here."""
`;

// Three cells, the second markdown (lines 1-based, as Go to Line takes them); the
// comment before the first marker is in no cell. (No docstring: typed first, its quotes would
// be closed for us.)
const CELLS = `# Cells typed in the editor, never saved.
# %% Setup
base = 20
print("base is", base)
base + 1

# %% [markdown]
# Prose, not code: 1 / 0
# %% Square
base * base
`;

// Rich output (lines 1-based): a figure and a value with _repr_html_, run line by line; the
// module itself (loaded before the first run) shows nothing.
const DISPLAY = `"""Plots and HTML in the evalens display panel."""
import matplotlib.pyplot as plt


class Badge:
    """Shown as HTML: IPython's display protocol."""

    def _repr_html_(self):
        return "<table><tr><th>evalens</th><td>an HTML badge</td></tr></table>"


def noise():
    return plt.figure(dpi=400).gca().plot([i * 7919 % 1013 for i in range(4000)])


if __name__ == "__main__":
    plt.plot([1, 3, 2])
    Badge()
    noise()
`;

// Where code runs (line 4): a Jupyter kernel has ipykernel loaded, evalens' own interpreter not.
const KERNEL = `"""Where code runs: ipykernel is loaded in a Jupyter kernel only."""
import sys

in_kernel = "ipykernel" in sys.modules
`;

// Docstring examples (lines 1-based): the docstring of add() (its lens on line 5) holds three
// examples, the second of which fails (it expects 16, add(7, 8) gives 15).
const DOCTESTS = `"""Docstring examples for the evalens VS Code test: one of them is wrong."""


def add(a, b):
    """Add two numbers.

    >>> add(2, 3)
    5
    >>> add(7, 8)
    16
    >>> add("a", "b")
    'ab'
    """
    return a + b
`;

// The Variables view (lines 1-based): the module itself binds no variable (double() is a function,
// the view leaves it out); the lines under `if __name__` run one by one. `values` sorts last: its
// items and their Load more… row end the view.
const VARIABLES = `"""What runs here shows in the evalens Variables view."""


def double(n):
    return 2 * n


if __name__ == "__main__":
    numbers = [10, 20, 30]; table = {"a": 1}
    numbers = [1]
    values = list(range(250))
    while True: pass
`;

// -- the workspace, code-server's folders and settings ----------------------------------
const tmp = mkdtempSync(join(tmpdir(), "evalens-e2e-"));
const home = join(tmp, "home");
const userData = join(tmp, "user-data");
const extensions = join(tmp, "extensions");
const workspace = join(tmp, "workspace");
for (const dir of [home, join(userData, "User"), extensions, join(workspace, ".vscode")]) {
  mkdirSync(dir, { recursive: true });
}
writeFileSync(join(workspace, "demo.py"), DEMO);
writeFileSync(join(workspace, "story.py"), STORY);
writeFileSync(join(workspace, "lib.py"), LIB);
writeFileSync(join(workspace, "main.py"), MAIN);
writeFileSync(join(workspace, "cells.py"), CELLS_ON_DISK);
writeFileSync(join(workspace, "display.py"), DISPLAY);
writeFileSync(join(workspace, "kernel.py"), KERNEL);
writeFileSync(join(workspace, "doctests.py"), DOCTESTS);
writeFileSync(join(workspace, "variables.py"), VARIABLES);
if (process.env.USER_VENV) {
  symlinkSync(resolve(process.env.USER_VENV), join(workspace, ".venv"), "dir");
}
/** The workspace's own settings (a change is picked up without a reload). */
function workspaceSettings(settings) {
  writeFileSync(join(workspace, ".vscode", "settings.json"), JSON.stringify(settings, null, 2));
}
workspaceSettings({});
const baseSettings = {
  "workbench.startupEditor": "none",
  "chat.disableAIFeatures": true,
  "files.autoSave": "off",
  "security.workspace.trust.enabled": false,
  "extensions.ignoreRecommendations": true,
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "git.enabled": false,
  "editor.minimap.enabled": false,
  "editor.stickyScroll.enabled": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "workbench.colorTheme": "Default Dark Modern",
  "editor.fontSize": 15,
  "window.zoomLevel": 0,
};
writeFileSync(join(userData, "User", "settings.json"), JSON.stringify(baseSettings, null, 2));

// A second profile and workspace for workspace trust: trust enabled, the folder
// opened in restricted mode.
const userData2 = join(tmp, "user-data-untrusted");
const workspace2 = join(tmp, "untrusted");
mkdirSync(join(userData2, "User"), { recursive: true });
mkdirSync(workspace2, { recursive: true });
writeFileSync(join(workspace2, "demo.py"), DEMO);
writeFileSync(
  join(userData2, "User", "settings.json"),
  JSON.stringify(
    {
      ...baseSettings,
      "security.workspace.trust.enabled": true,
      "security.workspace.trust.startupPrompt": "never",
    },
    null,
    2,
  ),
);

// -- a clean environment, as a new user's: no Python on PATH has evalens, no `evalens` on
//    PATH, no active virtual environment: the extension's bundled server is all there is.
const PYTHON_NAMES = ["python3", "python"];

/** Whether `python` imports evalens (with no PYTHONPATH). */
function hasEvalens(python, env) {
  const out = spawnSync(python, ["-c", "import evalens"], { env, encoding: "utf8", timeout: 30000 });
  return out.status === 0;
}

const baseEnv = { ...process.env };
for (const name of ["VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP"]) {
  delete baseEnv[name];
}
const cleanPath = [];
for (const dir of [process.env.NODE24_BIN, ...(process.env.PATH ?? "").split(":")].filter(Boolean)) {
  const pythons = PYTHON_NAMES.map((name) => join(dir, name)).filter((path) => existsSync(path));
  if (existsSync(join(dir, "evalens")) || pythons.some((python) => hasEvalens(python, baseEnv))) {
    log(`left out of PATH (evalens is installed there): ${dir}`);
  } else if (!cleanPath.includes(dir)) {
    cleanPath.push(dir);
  }
}
const env = {
  ...baseEnv,
  HOME: home,
  XDG_CONFIG_HOME: join(home, ".config"),
  XDG_DATA_HOME: join(home, ".local", "share"),
  XDG_CACHE_HOME: join(home, ".cache"),
  PATH: cleanPath.join(":"),
};
/** What `python3` is on the clean PATH: the Python the extension finds. */
function pathPython() {
  for (const dir of cleanPath) {
    if (existsSync(join(dir, "python3"))) {
      return join(dir, "python3");
    }
  }
  return undefined;
}
const common = ["--user-data-dir", userData, "--extensions-dir", extensions];
const servers = [];

/** Starts code-server on a free 127.0.0.1 port; answers the port once /healthz is up. */
async function startCodeServer(name, userDataDir, flags, folder) {
  const port = await freePort();
  const config = join(tmp, `${name}.yaml`);
  writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const logFile = join(tmp, `${name}.log`);
  writeFileSync(logFile, "");
  const proc = spawn(
    CODE_SERVER,
    [
      "--config",
      config,
      "--user-data-dir",
      userDataDir,
      "--extensions-dir",
      extensions,
      "--disable-telemetry",
      "--disable-update-check",
      "--disable-getting-started-override",
      ...flags,
      folder,
    ],
    { env, detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  servers.push(proc);
  const append = (chunk) => writeFileSync(logFile, chunk, { flag: "a" });
  proc.stdout.on("data", append);
  proc.stderr.on("data", append);
  await waitFor(`${name} /healthz`, async () => {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    return response.ok;
  }, 60000, 250);
  return port;
}

/** Opens `name` with Quick Open; waits until an editor shows `text`. */
async function openFile(name, text) {
  await waitFor("quick open", async () => {
    await page.keyboard.press("Control+P");
    await page.locator(".quick-input-widget input").waitFor({ state: "visible", timeout: 2000 });
    return true;
  }, 20000, 500);
  await page.keyboard.type(name);
  await page.locator(".quick-input-list .monaco-list-row", { hasText: name }).first().waitFor({ timeout: 20000 });
  await page.keyboard.press("Enter");
  await page.locator(".monaco-editor .view-lines", { hasText: text }).first().waitFor({ timeout: 20000 });
}

async function openDemo() {
  await openFile("demo.py", "def answer");
}

async function selectAndEvaluate(line, before, selected) {
  await page.locator(".monaco-editor .view-lines").first().click();
  await goToLine(line);
  await page.keyboard.press("Home");
  for (let i = 0; i < before.length; i++) await page.keyboard.press("ArrowRight");
  for (let i = 0; i < selected.length; i++) await page.keyboard.press("Shift+ArrowRight");
  await page.keyboard.press("Shift+Enter");
}

let port;
let browser;
let page;

function dumpLogs() {
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".log")) files.push(path);
    }
  };
  for (const dir of [userData, userData2]) {
    try {
      walk(join(dir, "logs"));
    } catch {
      // no logs there
    }
  }
  for (const file of files.filter((f) => /exthost|evalens|remoteexthost/i.test(f))) {
    const text = readFileSync(file, "utf8");
    if (text.trim()) {
      console.log(`----- ${file.slice(tmp.length)} (last 4000 chars)\n${text.slice(-4000)}`);
    }
  }
  try {
    for (const name of ["code-server", "code-server-untrusted"]) {
      console.log(`----- ${name} output (last 3000 chars)\n${readFileSync(join(tmp, `${name}.log`), "utf8").slice(-3000)}`);
    }
  } catch {
    // none
  }
}

/**
 * Text of everything rendered after or before code: decoration pseudo-elements and injected
 * text; only on the editor lines whose text holds `onLine` when it is given.
 */
async function decorationTexts(onLine) {
  return page.evaluate((onLine) => {
    const texts = [];
    const lines = [...document.querySelectorAll(".monaco-editor .view-lines .view-line")].filter(
      (line) => onLine === undefined || line.textContent.replace(/\u00a0/g, " ").includes(onLine),
    );
    for (const el of lines.flatMap((line) => [...line.querySelectorAll("span")])) {
      for (const pseudo of ["::after", "::before"]) {
        const content = getComputedStyle(el, pseudo).content;
        if (content && content !== "none" && content !== "normal") {
          texts.push(content.replace(/^"|"$/g, "").replace(/\\"/g, '"'));
        }
      }
    }
    return texts;
  }, onLine);
}

/**
 * What decorations after or before code on the editor lines holding `onLine` show, with
 * the colour and font style they are drawn in.
 */
async function decorationStyles(onLine) {
  return page.evaluate((onLine) => {
    const found = [];
    const lines = [...document.querySelectorAll(".monaco-editor .view-lines .view-line")].filter((line) =>
      line.textContent.replace(/\u00a0/g, " ").includes(onLine),
    );
    for (const el of lines.flatMap((line) => [...line.querySelectorAll("span")])) {
      for (const pseudo of ["::after", "::before"]) {
        const style = getComputedStyle(el, pseudo);
        if (style.content && style.content !== "none" && style.content !== "normal") {
          const text = style.content.replace(/^"|"$/g, "").replace(/\\"/g, '"');
          found.push({ text, color: style.color, fontStyle: style.fontStyle });
        }
      }
    }
    return found;
  }, onLine);
}

/**
 * Moves the mouse over the decoration after code on the line holding `onLine` whose text is
 * `text` (the inline result itself, not the code).
 */
async function hoverDecoration(onLine, text) {
  const box = await page.evaluate(
    ({ onLine, text }) => {
      const lines = [...document.querySelectorAll(".monaco-editor .view-lines .view-line")].filter((line) =>
        line.textContent.replace(/\u00a0/g, " ").includes(onLine),
      );
      for (const el of lines.flatMap((line) => [...line.querySelectorAll("span")])) {
        const content = getComputedStyle(el, "::after").content;
        if (content && content.replace(/^"|"$/g, "") === text) {
          const rect = el.getBoundingClientRect();
          return { x: rect.x, y: rect.y, width: rect.width, height: rect.height };
        }
      }
      return null;
    },
    { onLine, text },
  );
  if (!box || box.width < 10) {
    throw new Error(`no decoration '${text}' on the line of ${onLine} (${JSON.stringify(box)})`);
  }
  await page.mouse.move(box.x + box.width - 8, box.y + box.height / 2);
}

/**
 * Moves the mouse over the start of the decoration whose text starts with `prefix` on the line
 * holding `onLine`, the line scrolled into view from its first column (a long result ends
 * past the editor's edge); answers the decoration's text.
 */
async function hoverDecorationStart(line, onLine, prefix) {
  await focusEditor();
  await goToLine(line);
  await page.keyboard.press("Home");
  await page.keyboard.press("Home"); // the first column, not the first non-blank
  const editorBox = await page.locator(".part.editor .monaco-editor").first().boundingBox();
  await page.mouse.move(editorBox.x + editorBox.width / 2, editorBox.y + editorBox.height / 2);
  await page.mouse.wheel(-5000, 0); // scrolled back to the first column
  await new Promise((r) => setTimeout(r, 300));
  const found = await page.evaluate(
    ({ onLine, prefix }) => {
      const editor = document.querySelector(".part.editor .monaco-editor");
      const view = editor.querySelector(".editor-scrollable").getBoundingClientRect();
      const lines = [...editor.querySelectorAll(".view-lines .view-line")].filter((line) =>
        line.textContent.replace(/\u00a0/g, " ").includes(onLine),
      );
      for (const el of lines.flatMap((line) => [...line.querySelectorAll("span")])) {
        const content = getComputedStyle(el, "::after").content.replace(/^"|"$/g, "");
        if (content.startsWith(prefix)) {
          const rect = el.getBoundingClientRect();
          return { text: content, x: rect.x, y: rect.y, width: rect.width, height: rect.height, left: view.left, right: view.right };
        }
      }
      return null;
    },
    { onLine, prefix },
  );
  if (!found) {
    throw new Error(`no decoration '${prefix}…' on the line of ${onLine}`);
  }
  // On its text (past its left margin of 1.5em), where the editor shows it (it may be scrolled sideways).
  const x = Math.min(Math.max(found.x + 40, found.left + 30), found.x + found.width - 8, found.right - 10);
  await page.mouse.move(x, found.y + found.height / 2);
  return found.text;
}

/** Moves the mouse over the first `word` in the code of the line holding `onLine`. */
async function hoverWord(onLine, word) {
  const box = await page.evaluate(
    ({ onLine, word }) => {
      const line = [...document.querySelectorAll(".monaco-editor .view-lines .view-line")].find((l) =>
        l.textContent.replace(/\u00a0/g, " ").includes(onLine),
      );
      const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = node.textContent.indexOf(word);
        if (at >= 0) {
          const range = document.createRange();
          range.setStart(node, at);
          range.setEnd(node, at + word.length);
          const rect = range.getBoundingClientRect();
          return { x: rect.x, y: rect.y, width: rect.width, height: rect.height };
        }
      }
      return null;
    },
    { onLine, word },
  );
  if (!box) {
    throw new Error(`no '${word}' on the line of ${onLine}`);
  }
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
}

/** The text of the hover shown now, once it holds `expected` (a string or a predicate). */
async function hoverText(what, expected, timeoutMs = 15000) {
  return waitFor(what, async () => {
    const texts = await page.locator(".monaco-hover:visible").allTextContents();
    const text = texts.join("\n");
    return (typeof expected === "string" ? text.includes(expected) : expected(text)) ? text : false;
  }, timeoutMs);
}

/** Moves the mouse away and waits until no hover shows. */
async function dismissHover() {
  await page.keyboard.press("Escape");
  await page.mouse.move(1000, 830);
  await page.locator(".monaco-hover:visible").waitFor({ state: "detached", timeout: 10000 }).catch(async () => {
    await page.locator(".monaco-hover:visible").first().waitFor({ state: "hidden", timeout: 10000 });
  });
}

/** The messages of the notification toasts shown now. */
async function toastMessages() {
  return page.locator(".notifications-toasts .notification-list-item-message").allTextContents();
}

/** Waits for a toast whose message is `message` exactly; answers the toast. */
async function toast(what, message, timeoutMs = 30000) {
  try {
    await waitFor(what, async () => (await toastMessages()).includes(message), timeoutMs);
  } catch (error) {
    throw new Error(`${error.message}; the toasts: ${JSON.stringify(await toastMessages())}`);
  }
  return page.locator(".notifications-toasts .notification-toast", { hasText: message }).first();
}

async function clearNotifications() {
  await runCommand("Notifications: Clear All Notifications");
  await page.locator(".notifications-toasts .notification-toast").first().waitFor({ state: "detached", timeout: 10000 });
}

/** Occurrences of `needle` in `text`. */
function count(text, needle) {
  return text.split(needle).length - 1;
}

async function lensTexts() {
  return page.locator(".codelens-decoration a").allTextContents();
}

/** Where the cursor is, as the status bar says it: `Ln 10, Col 1`. */
async function cursorText() {
  const items = await page.locator(".statusbar-item").allTextContents();
  return items.map((t) => t.trim()).find((t) => /^Ln \d+, Col \d+/.test(t));
}

/**
 * The lines of the text editor (not the output panel) that carry a whole-line decoration with
 * a top border (the line above a cell marker): their text and the border's colour.
 */
async function borderedLines() {
  return page.evaluate(() => {
    const editor = document.querySelector(".part.editor .monaco-editor");
    const found = [];
    for (const overlay of editor.querySelectorAll(".view-overlays > div")) {
      for (const cdr of overlay.querySelectorAll(".cdr")) {
        const style = getComputedStyle(cdr);
        if (style.borderTopStyle === "solid" && style.borderTopWidth === "1px") {
          const line = [...editor.querySelectorAll(".view-lines .view-line")].find((l) => l.style.top === overlay.style.top);
          found.push({ top: parseFloat(overlay.style.top), text: line?.textContent.replace(/\u00a0/g, " "), color: style.borderTopColor });
        }
      }
    }
    return found.sort((a, b) => a.top - b.top).map(({ text, color }) => ({ text, color }));
  });
}

/** The text of the text editor's lines in view, top to bottom. */
async function editorLines() {
  return page.evaluate(() => {
    const editor = document.querySelector(".part.editor .monaco-editor");
    return [...editor.querySelectorAll(".view-lines .view-line")]
      .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
      .map((line) => line.textContent.replace(/\u00a0/g, " "));
  });
}

/** The lines of the output panel's editor (the evalens channel when it shows). */
async function outputLines() {
  return page.evaluate(() =>
    [...document.querySelectorAll(".part.panel .monaco-editor .view-lines .view-line")]
      .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
      .map((line) => line.textContent.replace(/\u00a0/g, " ").trim()),
  );
}

async function statusText() {
  return (await page.locator(".statusbar-item").allTextContents()).filter((t) => t.includes("evalens")).join(" | ");
}

async function runCommand(title) {
  await page.keyboard.press("Control+Shift+P");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: 10000 });
  const row = page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first();
  // The palette loads its command list when first opened; a query typed before
  // that can settle on "similar commands". Type it again once if so.
  for (let attempt = 1; ; attempt++) {
    await input.fill(`>${title}`);
    try {
      await row.waitFor({ timeout: 10000 });
      break;
    } catch (error) {
      if (attempt === 2) throw error;
      await input.fill(">");
    }
  }
  await page.keyboard.press("Enter");
}

async function goToLine(line) {
  await page.keyboard.press("Control+G");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: 10000 });
  await input.fill(`:${line}`);
  await page.keyboard.press("Enter");
  await input.waitFor({ state: "hidden", timeout: 10000 });
}

async function clickLens(name, line) {
  await page.locator(".monaco-editor .view-lines").first().click();
  await goToLine(line); // scrolls the function (and its lens) into view
  const lens = page.locator(".codelens-decoration a", { hasText: `${name}()` }).first();
  await lens.waitFor({ state: "visible", timeout: 30000 });
  await lens.click();
}


/** The document of the evalens display panel's webview (nested in VS Code's webview frames). */
function displayPanel() {
  return page.frameLocator("iframe.webview.ready").frameLocator("iframe#active-frame");
}

/** The panel's runs: title, code, summary, and each bundle's kind and type. */
async function displayRuns() {
  return displayPanel().locator("section.run").evaluateAll((sections) =>
    sections.map((s) => ({
      title: s.querySelector(".title").textContent,
      code: s.querySelector(".code").textContent,
      summary: s.querySelector(".summary").textContent,
      state: s.className,
      bundles: [...s.querySelectorAll(".bundle")].map((b) => `${b.className.replace("bundle ", "")} ${b.dataset.mime}`),
    })),
  );
}

/**
 * Focuses the first text editor by a click inside what it shows. (Clicking its `.view-lines`
 * locator makes playwright scroll that element's middle into view first: with long results
 * after the code, the browser then scrolls the editor's content sideways behind Monaco's back.)
 */
async function focusEditor() {
  const box = await page.locator(".part.editor .monaco-editor .overflow-guard").first().boundingBox();
  await page.mouse.click(box.x + 120, box.y + 12);
}

/** Evaluates line `line` of the active editor with Shift+Enter, no selection. */
async function evaluateLine(line) {
  await focusEditor();
  await goToLine(line);
  await page.keyboard.press("Shift+Enter");
}

/** Whether the text editor shows its light bulb (beside the code, or in the gutter) on the line holding `onLine`. */
async function lightBulbOn(onLine) {
  return page.evaluate((onLine) => {
    const editor = document.querySelector(".part.editor .monaco-editor");
    const line = [...(editor?.querySelectorAll(".view-lines .view-line") ?? [])].find((l) =>
      l.textContent.replace(/\u00a0/g, " ").includes(onLine),
    );
    if (!line) return false;
    const { top, bottom } = line.getBoundingClientRect();
    const bulbs = [...editor.querySelectorAll("[class]")].filter(
      (el) => /light-?bulb/i.test(String(el.className)) && getComputedStyle(el).visibility !== "hidden",
    );
    return bulbs.some((el) => {
      const rect = el.getBoundingClientRect();
      const middle = (rect.top + rect.bottom) / 2;
      return rect.height > 0 && middle >= top && middle <= bottom;
    });
  }, onLine);
}

/** The header of the Explorer's section of the workspace's folders. */
function folderSection() {
  return page.locator(".part.sidebar .pane-header", { hasText: /^\s*workspace/i }).first();
}

/** The evalens Variables view's pane in the Explorer. */
function variablesPane() {
  return page.locator(".pane", { has: page.locator(".pane-header", { hasText: /evalens Variables/i }) }).first();
}

/**
 * The rows the Variables view draws, top to bottom: `name description` (`numbers list (3) = [10,
 * 20, 30]`), the level (1: the namespace), how many rows that level's listing has, and whether
 * the row is expanded ("true", "false", or null: nothing to expand).
 */
async function variableRows() {
  return variablesPane().locator(".monaco-list-row").evaluateAll((rows) =>
    rows
      .sort((a, b) => Number(a.dataset.index) - Number(b.dataset.index))
      .map((row) => {
        const clean = (text) => (text ?? "").replace(/\u00a0/g, " ").trim();
        const name = clean(row.querySelector(".label-name")?.textContent);
        const description = clean(row.querySelector(".label-description")?.textContent);
        return {
          text: description ? `${name} ${description}` : name,
          level: Number(row.getAttribute("aria-level")),
          setsize: Number(row.getAttribute("aria-setsize")),
          expanded: row.getAttribute("aria-expanded"),
        };
      }),
  );
}

/** Waits until the Variables view's rows (their text) are `expected`; answers them. */
async function variableRowsAre(what, expected, timeoutMs = 20000) {
  let last;
  try {
    return await waitFor(what, async () => {
      last = await variableRows();
      return JSON.stringify(last.map((r) => r.text)) === JSON.stringify(expected) ? last : false;
    }, timeoutMs);
  } catch (error) {
    throw new Error(`${error.message}; the rows: ${JSON.stringify(last)}`);
  }
}

/** The Variables view's row whose name is `name`. */
function variableRow(name) {
  return variablesPane().locator(".monaco-list-row", { has: page.locator(".label-name", { hasText: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`) }) }).first();
}

/** Whether the keyboard focus is in a text editor (not the panel). */
async function focusInEditor() {
  return page.evaluate(() => Boolean(document.activeElement?.closest(".part.editor .monaco-editor")));
}

let exitCode = 1;
try {
  await step("a clean environment: python3 on PATH is 3.10+ without evalens, no evalens on PATH", async () => {
    const python = pathPython();
    if (!python) {
      throw new Error(`no python3 on the clean PATH ${env.PATH}`);
    }
    const version = spawnSync(python, ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"], { env, encoding: "utf8" });
    const [major, minor] = version.stdout.trim().split(".").map(Number);
    if (!(major === 3 && minor >= 10)) {
      throw new Error(`${python} is Python ${version.stdout.trim()}: the extension needs 3.10+`);
    }
    if (hasEvalens(python, env) || cleanPath.some((dir) => existsSync(join(dir, "evalens")))) {
      throw new Error("evalens is installed on the clean PATH");
    }
    log(`python3 on PATH: ${python} (${version.stdout.trim()}), without evalens`);
  });

  await step("the .vsix carries the server and its pure-Python dependencies in bundled/libs", async () => {
    const out = spawnSync("unzip", ["-Z1", VSIX], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (out.status !== 0) {
      throw new Error(`unzip -Z1 failed: ${out.stderr}`);
    }
    const files = out.stdout.split("\n");
    const required = [
      "extension/bundled/libs/evalens/__main__.py",
      "extension/bundled/libs/pygls/__init__.py",
      "extension/bundled/libs/lsprotocol/types.py",
      "extension/bundled/libs/jedi/__init__.py",
      "extension/bundled/libs/parso/__init__.py",
      "extension/bundled/libs/attrs/__init__.py",
      "extension/bundled/libs/cattrs/__init__.py",
      "extension/bundled/libs/typing_extensions.py",
      "extension/bundled/libs/exceptiongroup/__init__.py",
    ];
    const missing = required.filter((file) => !files.includes(file));
    const compiled = files.filter((file) => /\.(so|pyd|dylib|pyc)$/.test(file));
    if (missing.length > 0 || compiled.length > 0) {
      throw new Error(`missing: ${JSON.stringify(missing)}; compiled: ${JSON.stringify(compiled.slice(0, 5))}`);
    }
  });

  await step("install the .vsix into code-server", async () => {
    const out = spawnSync(CODE_SERVER, [...common, "--install-extension", VSIX, "--force"], {
      env,
      encoding: "utf8",
      timeout: 120000,
    });
    if (out.status !== 0 || !/successfully installed/i.test(out.stdout + out.stderr)) {
      throw new Error(`install failed (${out.status}): ${out.stdout}\n${out.stderr}`);
    }
  });

  await step("start code-server on 127.0.0.1", async () => {
    port = await startCodeServer("code-server", userData, ["--disable-workspace-trust"], workspace);
  });

  await step("open the workspace in chromium", async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    page = await browser.newPage({ viewport: { width: 1200, height: 860 } });
    page.on("pageerror", (error) => log(`page error: ${error.message}`));
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator(".monaco-workbench").waitFor({ timeout: 60000 });
    await page.locator(".statusbar").waitFor({ timeout: 60000 });
  });

  await step("open demo.py; the server starts (status idle, lenses shown)", async () => {
    await openDemo();
    await waitFor("status item 'evalens: idle'", async () => (await statusText()).includes("evalens: idle"), 60000);
    await waitFor("the ▶ answer() lens", async () => (await lensTexts()).some((t) => t.includes("answer()")), 30000);
  });

  await step("Shift+Enter on a selection shows ⇒ 84 after it", async () => {
    await selectAndEvaluate(19, "print(", "x * 2"); // print(x * 2)
    await waitFor("a decoration '⇒ 84'", async () => (await decorationTexts()).some((t) => t.includes("⇒ 84")), 30000);
  });

  await step("hover on the result's text shows the value and its type", async () => {
    await hoverDecoration("print(x * 2)", "⇒ 84");
    const text = await hoverText("a hover with 84, int and the value's name", (t) => /bound to _\d+/.test(t));
    if (!text.includes("84") || !text.includes("int")) {
      throw new Error(`the hover: ${text}`);
    }
    await dismissHover();
  });

  await step("clicking the ▶ answer() lens updates its title to ⇒ 42; output is streamed", async () => {
    await clickLens("answer", 4);
    await waitFor("lens '▶ answer() ⇒ 42'", async () => (await lensTexts()).some((t) => t.includes("answer() ⇒ 42")), 30000);
    await waitFor("a decoration '⇒ 42'", async () => (await decorationTexts()).some((t) => t.includes("⇒ 42")), 10000);
    await waitFor("'computing the answer' in the evalens output channel", async () => {
      const lines = await page.locator(".monaco-editor .view-line").allTextContents();
      return lines.some((line) => line.replace(/\u00a0/g, " ").trim() === "computing the answer");
    }, 15000);
  });

  await step("an error shows inline (▶ boom()), its hover holds the traceback", async () => {
    await clickLens("boom", 9);
    await waitFor("a decoration '✗ ZeroDivisionError' on the def line", async () =>
      (await decorationTexts("def boom")).some((t) => t.includes("✗ ZeroDivisionError: division by zero")),
    30000);
    await hoverDecoration("def boom", "✗ ZeroDivisionError: division by zero");
    await hoverText("a hover with the traceback", (t) => t.includes("Traceback") && t.includes("ZeroDivisionError"));
    await dismissHover();
  });

  await step("Ctrl+Alt+C interrupts an infinite loop (▶ spin()): ✗ KeyboardInterrupt, drawn neutral, not as an error", async () => {
    await clickLens("spin", 13);
    await waitFor("status item 'evalens: busy'", async () => (await statusText()).includes("evalens: busy"), 15000);
    await new Promise((r) => setTimeout(r, 1000));
    if (!(await statusText()).includes("evalens: busy")) {
      throw new Error("the loop stopped by itself");
    }
    await page.locator(".monaco-editor .view-lines").first().click(); // the editor has focus, no selection
    await page.keyboard.press("Control+Alt+C");
    await waitFor("a decoration '✗ KeyboardInterrupt' on the line of def spin", async () =>
      (await decorationTexts("def spin")).some((t) => t === "✗ KeyboardInterrupt"),
    20000);
    await waitFor("status item back to idle", async () => (await statusText()).includes("evalens: idle"), 10000);
    // Drawn in the neutral colour (evalens.interruptedForeground: the Default Dark Modern
    // theme's descriptionForeground #9d9d9d), not the error colour of boom()'s
    // ZeroDivisionError (errorForeground #f85149) nor a value's (#89d185).
    const styles = {
      interrupted: await decorationStyles("def spin"),
      error: await decorationStyles("def boom"),
      value: await decorationStyles("print(x * 2)"),
    };
    const expected = {
      interrupted: [{ text: "✗ KeyboardInterrupt", color: "rgb(157, 157, 157)", fontStyle: "normal" }],
      error: [{ text: "✗ ZeroDivisionError: division by zero", color: "rgb(248, 81, 73)", fontStyle: "normal" }],
      value: [{ text: "⇒ 84", color: "rgb(137, 209, 133)", fontStyle: "normal" }],
    };
    if (JSON.stringify(styles) !== JSON.stringify(expected)) {
      throw new Error(`the inline results are drawn ${JSON.stringify(styles)}, not ${JSON.stringify(expected)}`);
    }
  });

  await step("the session survives: Shift+Enter on a line evaluates again", async () => {
    await page.locator(".monaco-editor .view-lines").first().click();
    await goToLine(18); // x = 40 + 2  (a statement: no value)
    await page.keyboard.press("End");
    await page.keyboard.press("Shift+Enter");
    await waitFor("a decoration '✓' for the statement", async () => (await decorationTexts()).some((t) => t.trim() === "✓"), 20000);
  });

  await step("evalens: Call Function… lists the document's symbols; a method's result shows on its def line", async () => {
    await page.locator(".monaco-editor .view-lines").first().click();
    await goToLine(1);
    await runCommand("evalens: Call Function…");
    const input = page.locator(".quick-input-widget input");
    await page.locator(".quick-input-list .monaco-list-row", { hasText: "spin" }).first().waitFor({ timeout: 15000 });
    const rows = await page.locator(".quick-input-list .monaco-list-row").allTextContents();
    for (const expected of ["answer", "boom", "spin", "Counter"]) {
      if (!rows.some((row) => row.includes(expected))) {
        throw new Error(`no ${expected} in the quick pick: ${JSON.stringify(rows)}`);
      }
    }
    await input.fill("Counter.answer");
    const method = page.locator(".quick-input-list .monaco-list-row", { hasText: "Counter.answer" }).first();
    await method.waitFor({ timeout: 10000 });
    const methodRow = await method.textContent();
    if (!methodRow.includes("(n)") || !methodRow.includes("line 24")) {
      throw new Error(`the method's row: ${methodRow}`);
    }
    await page.keyboard.press("Enter");
    await page.locator(".quick-input-title", { hasText: "call Counter.answer" }).waitFor({ timeout: 10000 });
    await page.keyboard.type("21");
    await page.keyboard.press("Enter");
    await page.locator(".quick-input-widget input").waitFor({ state: "hidden", timeout: 10000 });
    await goToLine(24); // the editor draws only the lines in view
    // The top-level answer() (line 4) has the same name: the dotted target finds the method.
    await waitFor("a decoration '⇒ 42' on the line of def answer(n)", async () =>
      (await decorationTexts("def answer(n)")).some((t) => t.includes("⇒ 42")),
    20000);
  });

  await step("save a screenshot", async () => {
    await page.keyboard.press("Escape");
    await goToLine(1);
    await page.mouse.move(1000, 830);
    await new Promise((r) => setTimeout(r, 800));
    await page.screenshot({ path: join(tmp, "screenshot.png") });
    copyFileSync(join(tmp, "screenshot.png"), SCREENSHOT);
  });

  await step("calling countdown, imported from lib.py, in main.py shows ⇒ [3, 2, 1] on `def countdown` in lib.py", async () => {
    await openFile("lib.py", "def countdown");
    await openFile("main.py", "from lib import countdown");
    await page.locator(".monaco-editor .view-lines").first().click();
    await goToLine(2);
    await runCommand("evalens: Call Function…");
    const input = page.locator(".quick-input-widget input");
    await page.locator(".quick-input-title", { hasText: "evalens: call a function" }).waitFor({ timeout: 10000 });
    await input.fill("countdown");
    await page.keyboard.press("Enter");
    await page.locator(".quick-input-title", { hasText: "call countdown" }).waitFor({ timeout: 10000 });
    await page.keyboard.type("3");
    await page.keyboard.press("Enter");
    await input.waitFor({ state: "hidden", timeout: 10000 });
    await page.locator(".tab", { hasText: "lib.py" }).first().click();
    await page.locator(".monaco-editor .view-lines", { hasText: "def countdown" }).first().waitFor({ timeout: 10000 });
    // On the `def` line exactly: not the decorator's, not the wrapper's (functools.wraps).
    await waitFor("a decoration '⇒ [3, 2, 1]' on the line of def countdown(n) in lib.py", async () => {
      const shown = await decorationTexts("def countdown(n):");
      return JSON.stringify(shown) === JSON.stringify(["⇒ [3, 2, 1]"]);
    }, 20000);
    const elsewhere = { "@logged": await decorationTexts("@logged"), "def wrapper": await decorationTexts("def wrapper") };
    if (elsewhere["@logged"].length > 0 || elsewhere["def wrapper"].length > 0) {
      throw new Error(`results on other lines of lib.py: ${JSON.stringify(elsewhere)}`);
    }
    // Not also in main.py, where the call was made (the cursor's line).
    await page.locator(".tab", { hasText: "main.py" }).first().click();
    await page.locator(".monaco-editor .view-lines", { hasText: "from lib import countdown" }).first().waitFor({ timeout: 10000 });
    const inMain = await decorationTexts("from lib import countdown");
    if (inMain.length > 0) {
      throw new Error(`a result in main.py too: ${JSON.stringify(inMain)}`);
    }
  });

  // Cells (# %%), typed into cells.py and never saved.
  const cellLines = ["# %% Setup", "# %% [markdown]", "# %% Square"]; // the markers' lines
  let cellBorder; // the colour of the line above a marker
  await step("cells: typed into cells.py (unsaved), a line above each of its three markers", async () => {
    await openFile("cells.py", "Cells come from the editor");
    await page.locator(".monaco-editor .view-lines").first().click();
    await page.keyboard.press("Control+A");
    await page.keyboard.insertText(CELLS);
    await page.locator(".tab.dirty", { hasText: "cells.py" }).first().waitFor({ timeout: 10000 });
    const typed = await editorLines();
    if (JSON.stringify(typed) !== JSON.stringify(CELLS.split("\n"))) {
      throw new Error(`the editor holds ${JSON.stringify(typed)}`);
    }
    if (readFileSync(join(workspace, "cells.py"), "utf8") !== CELLS_ON_DISK) {
      throw new Error("cells.py was saved");
    }
    const shown = await waitFor("a line above each marker, and only there", async () => {
      const lines = await borderedLines();
      return JSON.stringify(lines.map((l) => l.text)) === JSON.stringify(cellLines) ? lines : false;
    }, 30000);
    cellBorder = shown[0].color;
    // evalens.cellBorder's default, #8080804d: grey, faint, the same above every marker.
    if (!shown.every((l) => l.color === cellBorder) || !/^rgba\(128, 128, 128, 0\.3\d*\)$/.test(cellBorder)) {
      throw new Error(`the lines above the markers are drawn ${JSON.stringify(shown)}`);
    }
    await waitFor("the server's Run cell lenses on the two code cells", async () =>
      (await lensTexts()).filter((t) => t.startsWith("Run cell")).length === 2,
    30000);
  });

  await step("cells: a marker typed (unsaved) gets its line at once; undone, it goes", async () => {
    await page.locator(".monaco-editor .view-lines").first().click();
    await goToLine(10); // base * base
    await page.keyboard.press("End");
    await page.keyboard.press("Enter");
    await page.keyboard.type("# %% Later");
    await waitFor("a line above the new marker", async () =>
      JSON.stringify((await borderedLines()).map((l) => l.text)) === JSON.stringify([...cellLines, "# %% Later"]),
    15000);
    await waitFor("the text as typed before, undoing", async () => {
      if (JSON.stringify(await editorLines()) === JSON.stringify(CELLS.split("\n"))) {
        return true;
      }
      await page.keyboard.press("Control+Z");
      return false;
    }, 10000, 300);
    await waitFor("the lines above the three markers only", async () =>
      JSON.stringify((await borderedLines()).map((l) => l.text)) === JSON.stringify(cellLines),
    15000);
  });

  await step("cells: Shift+Enter in the first cell runs it, shows ⇒ 21 after it, moves to the next code cell's code", async () => {
    await page.locator(".monaco-editor .view-lines").first().click();
    await goToLine(3); // base = 20
    await waitFor("the cursor on Ln 3", async () => (await cursorText())?.startsWith("Ln 3, Col 1"), 5000);
    await page.keyboard.press("Shift+Enter");
    await waitFor("a decoration '⇒ 21' on the line of base + 1 (the cell's last line)", async () =>
      JSON.stringify(await decorationTexts("base + 1")) === JSON.stringify(["⇒ 21"]),
    30000);
    // Past the markdown cell, at the start of `base * base`; nothing else ran or changed.
    const cursor = await cursorText();
    if (!cursor?.startsWith("Ln 10, Col 1")) {
      throw new Error(`the cursor is at ${cursor}, not Ln 10, Col 1`);
    }
    const elsewhere = Object.fromEntries(
      await Promise.all(["base = 20", "print(", "# Prose", "base * base"].map(async (l) => [l, await decorationTexts(l)])),
    );
    if (Object.values(elsewhere).some((texts) => texts.length > 0)) {
      throw new Error(`results on other lines: ${JSON.stringify(elsewhere)}`);
    }
    if (JSON.stringify(await editorLines()) !== JSON.stringify(CELLS.split("\n"))) {
      throw new Error(`the text changed: ${JSON.stringify(await editorLines())}`);
    }
    await waitFor("'base is 20' and the cell's line in the evalens output channel", async () => {
      const lines = await outputLines();
      return lines.includes("base is 20") && lines.includes("cell at line 2 ⇒ 21");
    }, 15000);
  });

  await step("cells: Ctrl+Enter runs the cell in place: ⇒ 400, the cursor stays, no line inserted", async () => {
    await page.keyboard.press("Control+Enter");
    await waitFor("a decoration '⇒ 400' on the line of base * base", async () =>
      JSON.stringify(await decorationTexts("base * base")) === JSON.stringify(["⇒ 400"]),
    30000);
    const cursor = await cursorText();
    if (!cursor?.startsWith("Ln 10, Col 1")) {
      throw new Error(`the cursor moved to ${cursor}`);
    }
    if (JSON.stringify(await editorLines()) !== JSON.stringify(CELLS.split("\n"))) {
      throw new Error(`the text changed: ${JSON.stringify(await editorLines())}`);
    }
    // The first cell's result is still there.
    if (JSON.stringify(await decorationTexts("base + 1")) !== JSON.stringify(["⇒ 21"])) {
      throw new Error(`after base + 1: ${JSON.stringify(await decorationTexts("base + 1"))}`);
    }
  });

  await step("cells: evalens: Run Cell and Below from the first runs every code cell, each value after its cell", async () => {
    await runCommand("evalens: Clear Inline Results");
    await waitFor("no results shown", async () => (await decorationTexts("base")).length === 0, 10000);
    await page.locator(".monaco-editor .view-lines").first().click();
    await goToLine(3);
    await runCommand("evalens: Run Cell and Below");
    await waitFor("'⇒ 21' after base + 1 and '⇒ 400' after base * base", async () =>
      JSON.stringify(await decorationTexts("base + 1")) === JSON.stringify(["⇒ 21"]) &&
      JSON.stringify(await decorationTexts("base * base")) === JSON.stringify(["⇒ 400"]),
    30000);
    const markdown = await decorationTexts("# Prose");
    if (markdown.length > 0) {
      throw new Error(`a result in the markdown cell: ${JSON.stringify(markdown)}`);
    }
    await waitFor("both cells in the evalens output channel", async () => {
      const lines = await outputLines();
      const run = lines.slice(lines.lastIndexOf("▶ run cell and below cells.py:3"));
      return JSON.stringify(run.filter(Boolean)) ===
        JSON.stringify(["▶ run cell and below cells.py:3", "base is 20", "cell at line 2 ⇒ 21", "cell at line 9 ⇒ 400"]);
    }, 15000);
    await goToLine(1); // the cursor out of the cells: no highlights in the picture
    await page.mouse.move(1000, 830);
    await new Promise((r) => setTimeout(r, 800));
    await page.screenshot({ path: join(tmp, "cells.png") });
    copyFileSync(join(tmp, "cells.png"), CELLS_SCREENSHOT);
  });

  await step("cells: the server's Run above lens on the last cell runs the first alone, shown the same way", async () => {
    await runCommand("evalens: Clear Inline Results");
    await waitFor("no results shown", async () => (await decorationTexts("base")).length === 0, 10000);
    // Two Run above lenses: the last cell's is the lower one.
    const lenses = page.locator(".codelens-decoration a", { hasText: "Run above" });
    const boxes = await Promise.all((await lenses.all()).map(async (lens) => ({ lens, box: await lens.boundingBox() })));
    if (boxes.length !== 2) {
      throw new Error(`${boxes.length} Run above lenses`);
    }
    boxes.sort((a, b) => a.box.y - b.box.y);
    await boxes[1].lens.click();
    await waitFor("'⇒ 21' after base + 1", async () =>
      JSON.stringify(await decorationTexts("base + 1")) === JSON.stringify(["⇒ 21"]),
    30000);
    await waitFor("the run in the evalens output channel", async () => {
      const lines = await outputLines();
      const run = lines.slice(lines.lastIndexOf("▶ run cells above cells.py:9"));
      return JSON.stringify(run.filter(Boolean)) === JSON.stringify(["▶ run cells above cells.py:9", "base is 20", "cell at line 2 ⇒ 21"]);
    }, 15000);
    const below = await decorationTexts("base * base");
    if (below.length > 0) {
      throw new Error(`the last cell ran too: ${JSON.stringify(below)}`);
    }
  });

  await step("cells: a failing middle cell stops the rest: ✗ after it, nothing after the cell below", async () => {
    // The markdown cell becomes code that fails.
    await page.locator(".monaco-editor .view-lines").first().click();
    await goToLine(7);
    await page.keyboard.press("End");
    await page.keyboard.press("Shift+Home");
    await page.keyboard.type("# %% Boom");
    await goToLine(8);
    await page.keyboard.press("End");
    await page.keyboard.press("Shift+Home");
    await page.keyboard.type("1 / 0");
    await runCommand("evalens: Clear Inline Results");
    await waitFor("no results shown", async () => (await decorationTexts("base")).length === 0, 10000);
    await page.locator(".monaco-editor .view-lines").first().click();
    await goToLine(3);
    await runCommand("evalens: Run Cell and Below");
    await waitFor("'✗ ZeroDivisionError: division by zero' after 1 / 0", async () =>
      JSON.stringify(await decorationTexts("1 / 0")) === JSON.stringify(["✗ ZeroDivisionError: division by zero"]),
    30000);
    const shown = { "base + 1": await decorationTexts("base + 1"), "base * base": await decorationTexts("base * base") };
    if (JSON.stringify(shown) !== JSON.stringify({ "base + 1": ["⇒ 21"], "base * base": [] })) {
      throw new Error(`the cells show ${JSON.stringify(shown)}`);
    }
    // Drawn as run errors are, with the traceback in its hover and the output channel.
    const [style] = await decorationStyles("1 / 0");
    if (style.color !== "rgb(248, 81, 73)") {
      throw new Error(`the error is drawn ${JSON.stringify(style)}`);
    }
    await hoverDecoration("1 / 0", "✗ ZeroDivisionError: division by zero");
    await hoverText("a hover with the traceback", (t) => t.includes("Traceback") && t.includes("ZeroDivisionError"));
    await dismissHover();
    await waitFor("the failing cell and its traceback in the evalens output channel", async () => {
      const lines = await outputLines();
      const run = lines.slice(lines.lastIndexOf("▶ run cell and below cells.py:3"));
      return run.includes("cell at line 7 ✗ ZeroDivisionError: division by zero") &&
        run.includes("ZeroDivisionError: division by zero") && !run.some((l) => l.startsWith("cell at line 9"));
    }, 15000);
    if (readFileSync(join(workspace, "cells.py"), "utf8") !== CELLS_ON_DISK) {
      throw new Error("cells.py was saved");
    }
    // The server brings an edited document with cells up to date before a run in any other
    // file, re-running its changed statements (`1 / 0` too) although such a document should
    // run only cell by cell (SPEC, Cells): a server bug, reported. Put cells.py back as it is
    // on disk and close it, so that the steps below run only their own code.
    await runCommand("File: Revert File");
    await page.locator(".tab.dirty", { hasText: "cells.py" }).first().waitFor({ state: "detached", timeout: 10000 });
    await runCommand("View: Close Editor");
    await page.locator(".tab", { hasText: "cells.py" }).first().waitFor({ state: "detached", timeout: 10000 });
  });

  // The user story of stale results, in story.py.
  let counted; // the counter's value after the loop was interrupted
  await step("story: ▶ spin() builds up a counter in a loop; evalens: Interrupt ends it with KeyboardInterrupt", async () => {
    await openFile("story.py", "def spin");
    await waitFor("the ▶ spin() lens", async () => (await lensTexts()).some((t) => t.includes("spin()")), 30000);
    await clickLens("spin", 5);
    await waitFor("status item 'evalens: busy'", async () => (await statusText()).includes("evalens: busy"), 15000);
    await new Promise((r) => setTimeout(r, 1000));
    await runCommand("evalens: Interrupt");
    await waitFor("a decoration '✗ KeyboardInterrupt' on the line of def spin", async () =>
      (await decorationTexts("def spin")).some((t) => t === "✗ KeyboardInterrupt"),
    20000);
    await waitFor("status item back to idle", async () => (await statusText()).includes("evalens: idle"), 10000);
  });

  await step("story: Shift+Enter on `counter` shows the value the loop reached", async () => {
    await selectAndEvaluate(2, "", "counter"); // counter = 0
    const text = await waitFor("a decoration '⇒ N' on the line of counter = 0", async () =>
      (await decorationTexts("counter = 0")).find((t) => /^⇒ \d+$/.test(t)),
    20000);
    counted = Number(text.slice(2));
    if (!(counted > 0)) {
      throw new Error(`the loop did not count: ${text}`);
    }
    log(`the counter reached ${counted}`);
  });

  await step("story: edit other() without saving and run it: the new value; the counter's result goes stale", async () => {
    await page.locator(".monaco-editor .view-lines").first().click();
    await goToLine(12); // return 1
    await page.keyboard.press("End");
    await page.keyboard.press("Backspace");
    await page.keyboard.type("2");
    await page.locator(".tab.dirty", { hasText: "story.py" }).first().waitFor({ timeout: 10000 });
    if (!readFileSync(join(workspace, "story.py"), "utf8").includes("return 1")) {
      throw new Error("story.py was saved");
    }
    await clickLens("other", 11);
    await waitFor("a decoration '⇒ 2' on the line of def other", async () =>
      (await decorationTexts("def other")).some((t) => t === "⇒ 2"),
    20000);
    await waitFor(`a decoration '⇒ ${counted} (stale)' on the line of counter = 0`, async () =>
      (await decorationTexts("counter = 0")).some((t) => t === `⇒ ${counted} (stale)`),
    10000);
    await waitFor("a decoration '✗ KeyboardInterrupt (stale)' on the line of def spin", async () =>
      (await decorationTexts("def spin")).some((t) => t === "✗ KeyboardInterrupt (stale)"),
    10000);
    // Dimmed: drawn in another colour and in italics than the fresh result of other().
    const [fresh] = await decorationStyles("def other");
    const [stale] = await decorationStyles("counter = 0");
    if (stale.fontStyle !== "italic" || stale.color === fresh.color) {
      throw new Error(`the stale result is not dimmed: ${JSON.stringify(stale)} beside ${JSON.stringify(fresh)}`);
    }
    // The server's lens title of spin() is stale too.
    await waitFor("the lens '▶ spin() ⇒ KeyboardInterrupt (stale)'", async () =>
      (await lensTexts()).some((t) => t.includes("spin()") && t.includes("(stale)")),
    10000);
  });

  await step("story: the counter kept its value: Shift+Enter on `counter` again shows it fresh", async () => {
    await selectAndEvaluate(2, "", "counter");
    await waitFor(`a decoration '⇒ ${counted}' (not stale) on the line of counter = 0`, async () =>
      (await decorationTexts("counter = 0")).some((t) => t === `⇒ ${counted}`),
    20000);
  });

  await step("hovering a name on an evaluated line shows its live value once (the server's hover, not the result's too)", async () => {
    await selectAndEvaluate(8, "", "counter"); // `        counter += 1` in spin() (Home: its first non-blank)
    await waitFor(`a decoration '⇒ ${counted}' on the line of counter += 1`, async () =>
      (await decorationTexts("counter += 1")).some((t) => t === `⇒ ${counted}`),
    20000);
    await dismissHover();
    await hoverWord("counter += 1", "counter");
    const text = await hoverText("the server's hover with the live value", "live");
    if (count(text, String(counted)) !== 1 || text.includes("bound to")) {
      throw new Error(`the live value ${counted} shows ${count(text, String(counted))} times: ${text}`);
    }
    await dismissHover();
  });


  // Docstring examples, in doctests.py (edited, never saved).
  await step("doctests: the Run examples lens runs the docstring's examples: ✗ 1 of 3 failed, a diagnostic in the Problems panel, the failing >>> line marked in the error colour", async () => {
    await openFile("doctests.py", "def add");
    const lens = page.locator(".codelens-decoration a", { hasText: "Run examples" }).first();
    await lens.waitFor({ state: "visible", timeout: 30000 });
    await lens.click();
    await waitFor("the lens '✗ 1 of 3 failed'", async () => (await lensTexts()).includes("✗ 1 of 3 failed"), 30000);
    await waitFor("'✗ expected 16, got 15' after >>> add(7, 8)", async () =>
      JSON.stringify(await decorationTexts(">>> add(7, 8)")) === JSON.stringify(["✗ expected 16, got 15"]),
    15000);
    // Drawn as a failed run is (evalens.errorForeground), and only on the failing example's line.
    const [style] = await decorationStyles(">>> add(7, 8)");
    if (style.color !== "rgb(248, 81, 73)") {
      throw new Error(`the failing example is marked ${JSON.stringify(style)}`);
    }
    const others = [...(await decorationTexts(">>> add(2, 3)")), ...(await decorationTexts('>>> add("a", "b")'))];
    if (others.length > 0) {
      throw new Error(`passing examples are marked: ${JSON.stringify(others)}`);
    }
    await waitFor("the summary in the status bar", async () => (await statusText()).includes("evalens: ✓ 2 passed · ✗ 1 failed"), 10000);
    // The mark's hover: the example, what it expected and what it printed.
    await hoverDecoration(">>> add(7, 8)", "✗ expected 16, got 15");
    const hover = await hoverText("the mark's hover", (t) => t.includes("Example failed"));
    if (!/>>> add\(7, 8\)[\s\S]*expected[\s\S]*16[\s\S]*got[\s\S]*15/.test(hover)) {
      throw new Error(`the mark's hover: ${hover}`);
    }
    await dismissHover();
    await page.locator(".part.editor .monaco-editor .squiggly-error").first().waitFor({ timeout: 10000 });
    // The Problems panel (Ctrl+Shift+M) lists the server's diagnostic on line 9.
    await focusEditor();
    await page.keyboard.press("Control+Shift+M");
    const problems = await waitFor("the failing example in the Problems panel", async () => {
      const rows = await page.locator(".markers-panel .monaco-list-row").allTextContents();
      const row = rows.find((r) => r.includes("expected 16, got 15"));
      return row && row.includes("evalens.doctest") && /Ln 9\b/.test(row) ? rows : false;
    }, 15000);
    log(`Problems: ${JSON.stringify(problems)}`);
    // Each failing example in full in the output channel, then the summary.
    await runCommand("evalens: Show Output");
    await waitFor("the run in the evalens output channel", async () => {
      const lines = await outputLines();
      const run = lines.slice(lines.lastIndexOf("▶ examples doctests.py:5"));
      return JSON.stringify(run.filter(Boolean)) ===
        JSON.stringify(["▶ examples doctests.py:5", "line 9: >>> add(7, 8)", "expected:", "16", "got:", "15", "✓ 2 passed · ✗ 1 failed"]);
    }, 10000);
  });

  await step("doctests: Quick Fix (Ctrl+.) on the failing example offers Update expected output; picking it writes 15 in the editor", async () => {
    // The cursor at the end of >>> add(7, 8) (not in its indentation), the keyboard focus back
    // in the editor once Go to Line closes (Ctrl+.'s keybinding needs it), and the light bulb
    // there: 250 ms after the cursor moves VS Code asks for the code actions at it by itself (in
    // the indentation: it drops them), and that replaces a Ctrl+. made before it that is still
    // unanswered (no menu ever shows).
    const onTheFailingExample = async () => {
      await focusEditor();
      await goToLine(9);
      await page.keyboard.press("End");
      await waitFor("the focus in the editor, at the end of line 9", async () =>
        (await focusInEditor()) && /^Ln 9, Col 18\b/.test((await cursorText()) ?? ""),
      10000);
      await waitFor("the light bulb on >>> add(7, 8)", () => lightBulbOn(">>> add(7, 8)"), 10000);
    };
    await onTheFailingExample();
    const widget = page.locator(".action-widget:not(.action-list-submenu-panel)").first();
    // Ctrl+. asks the server for its code actions at the cursor; once more if no menu came.
    for (let attempt = 1; ; attempt++) {
      await page.keyboard.press("Control+.");
      try {
        await widget.waitFor({ state: "visible", timeout: 8000 });
        break;
      } catch (error) {
        if (attempt === 3) throw error;
        const focused = await page.evaluate(() => document.activeElement?.className ?? null);
        const said = await page.locator(".monaco-editor-overlaymessage").allTextContents();
        log(`no code action menu after Ctrl+. (attempt ${attempt}); the focus: ${JSON.stringify(focused)}, the editor says: ${JSON.stringify(said)}`);
        await page.keyboard.press("Escape");
        await onTheFailingExample();
      }
    }
    const offered = await waitFor("the quick fixes in the code action menu", async () => {
      const rows = await widget.locator(".monaco-list-row").allTextContents();
      return rows.some((r) => r.includes("Update all expected output in this docstring")) ? rows : false;
    }, 10000);
    if (!offered.some((r) => r.startsWith("Update expected output"))) {
      throw new Error(`the code actions offered: ${JSON.stringify(offered)}`);
    }
    log(`code actions: ${JSON.stringify(offered)}`);
    await widget.locator(".monaco-list-row", { hasText: /^Update expected output/ }).first().click();
    await widget.waitFor({ state: "hidden", timeout: 10000 });
    const updated = DOCTESTS.replace("    16\n", "    15\n");
    await waitFor("the expected output updated in the editor", async () =>
      JSON.stringify(await editorLines()) === JSON.stringify(updated.split("\n")),
    10000);
    await page.locator(".tab.dirty", { hasText: "doctests.py" }).first().waitFor({ timeout: 10000 });
    if (readFileSync(join(workspace, "doctests.py"), "utf8") !== DOCTESTS) {
      throw new Error("doctests.py was saved");
    }
    // The docstring's text changed: its outcome, diagnostic and mark go.
    await waitFor("the lens back to 'Run examples'", async () => (await lensTexts()).includes("Run examples"), 15000);
    await waitFor("the mark gone", async () => (await decorationTexts(">>> add(7, 8)")).length === 0, 10000);
    await page.locator(".part.editor .monaco-editor .squiggly-error").first().waitFor({ state: "detached", timeout: 10000 });
  });

  await step("doctests: evalens: Run Examples in Docstring at the cursor runs them again: ✓ 3/3, a notification ✓ 3 passed; Run All Examples in File says the same", async () => {
    await clearNotifications().catch(() => undefined);
    await focusEditor();
    await goToLine(11); // >>> add("a", "b")
    await runCommand("evalens: Run Examples in Docstring");
    await waitFor("the lens '✓ 3/3'", async () => (await lensTexts()).includes("✓ 3/3"), 30000);
    await toast("the notification", "evalens: examples at doctests.py:7: ✓ 3 passed", 15000);
    const marks = await decorationTexts(">>>");
    if (marks.length > 0) {
      throw new Error(`examples still marked: ${JSON.stringify(marks)}`);
    }
    await runCommand("evalens: Run All Examples in File");
    await toast("the notification", "evalens: examples in doctests.py: ✓ 3 passed", 30000);
    // The cursor in no docstring with examples: the command says where they are.
    await focusEditor();
    await goToLine(1);
    await runCommand("evalens: Run Examples in Docstring");
    await toast(
      "the notification",
      "evalens: line 1 is in no docstring with >>> examples; the docstrings with examples start at line 5 (or run all examples in the file)",
      15000,
    );
    await clearNotifications();
    await runCommand("File: Revert File");
    await page.locator(".tab.dirty", { hasText: "doctests.py" }).first().waitFor({ state: "detached", timeout: 10000 });
    // Closed by its tab's close button (story.py, edited, stays open beside it).
    const tab = page.locator('.tab[data-resource-name="doctests.py"]').first();
    await tab.hover();
    await tab.locator(".tab-actions .action-label").first().click();
    await tab.waitFor({ state: "detached", timeout: 10000 });
  });

  // The evalens Variables view, on variables.py (its module loaded by the first run in it).
  const NUMBERS = "numbers list (3) = [10, 20, 30]";
  const TABLE = "table dict (1) = {'a': 1}";
  await step("variables: evalens: Show Variables opens the view in the Explorer; nothing ran in variables.py yet: empty, with the welcome text", async () => {
    await openFile("variables.py", "def double");
    await runCommand("evalens: Show Variables");
    const pane = variablesPane();
    await pane.waitFor({ timeout: 15000 });
    if (!(await pane.locator(".pane-header").evaluate((h) => Boolean(h.closest(".part.sidebar"))))) {
      throw new Error("the view is not in the side bar");
    }
    // Room for its rows: the folders' section of the Explorer folded (unfolded again at the end).
    await folderSection().click();
    await folderSection().locator("xpath=..").locator(".pane-body").waitFor({ state: "hidden", timeout: 10000 }).catch(() => undefined);
    await pane.locator(".welcome-view-content", { hasText: "No variables yet: run code in this file" }).waitFor({ timeout: 15000 });
    await pane.locator(".pane-header", { hasText: "variables.py" }).waitFor({ timeout: 10000 });
    if ((await variableRows()).length !== 0) {
      throw new Error(`rows before any run: ${JSON.stringify(await variableRows())}`);
    }
  });

  await step("variables: Shift+Enter on the line binding numbers and table shows their rows (double(), a function, left out)", async () => {
    await evaluateLine(9);
    await waitFor("a decoration '✓' after the line", async () => (await decorationTexts("numbers = [10, 20, 30]")).some((t) => t.trim() === "✓"), 30000);
    const rows = await variableRowsAre("the rows of numbers and table", [NUMBERS, TABLE]);
    if (JSON.stringify(rows.map((r) => [r.level, r.expanded])) !== JSON.stringify([[1, "false"], [1, "false"]])) {
      throw new Error(`the rows: ${JSON.stringify(rows)}`);
    }
    await variableRow("table").hover();
    await hoverText("the row's tooltip: type, size and value", (t) => t.includes("table") && t.includes("dict, 1 item") && t.includes("{'a': 1}"));
    await page.mouse.move(1000, 830);
  });

  await step("variables: expanding numbers lists its items, read when expanded", async () => {
    await variableRow("numbers").locator(".monaco-tl-twistie").click();
    const rows = await variableRowsAre("numbers' items under it", [NUMBERS, "0 int = 10", "1 int = 20", "2 int = 30", TABLE]);
    if (JSON.stringify(rows.map((r) => r.level)) !== JSON.stringify([1, 2, 2, 2, 1]) || rows[0].expanded !== "true") {
      throw new Error(`the rows: ${JSON.stringify(rows)}`);
    }
  });

  await step("variables: Shift+Enter on numbers = [1] updates the view; numbers stays expanded, its item read again", async () => {
    await evaluateLine(10);
    await variableRowsAre("numbers rebound, still expanded", ["numbers list (1) = [1]", "0 int = 1", TABLE]);
  });

  await step("variables: Show Full Value on table opens its value in a read-only editor titled by its path and type", async () => {
    const row = variableRow("table");
    await row.hover();
    await row.locator('.action-label[aria-label*="Show Full Value"]').click();
    const tab = page.locator(".tab", { hasText: "table (dict (1))" }).first();
    await tab.waitFor({ timeout: 15000 });
    await waitFor("the value in the editor", async () => JSON.stringify(await editorLines()) === JSON.stringify(["{'a': 1}"]), 10000);
    await page.locator(".part.editor .monaco-editor").first().click();
    await page.keyboard.type("x");
    await waitFor("the editor refusing the edit (read-only)", async () =>
      (await page.locator(".monaco-editor-overlaymessage").allTextContents()).some((t) => /read-?only/i.test(t)), 10000);
    if (JSON.stringify(await editorLines()) !== JSON.stringify(["{'a': 1}"])) {
      throw new Error(`the value was edited: ${JSON.stringify(await editorLines())}`);
    }
    await page.keyboard.press("Escape");
    await page.locator(".monaco-editor-overlaymessage").first().waitFor({ state: "detached", timeout: 10000 }).catch(() => undefined);
    await tab.hover({ force: true });
    await tab.locator(".tab-actions .action-label").first().click();
    await tab.waitFor({ state: "detached", timeout: 10000 });
    await page.locator(".tab.active", { hasText: "variables.py" }).first().waitFor({ timeout: 10000 });
  });

  await step("variables: Show All Names (the view's title bar) adds double() and the module's dunders; Show Fewer Names takes them away", async () => {
    const header = variablesPane().locator(".pane-header");
    await header.hover();
    await header.locator('.action-label[aria-label*="Show All Names"]').click();
    const rows = await waitFor("double and __name__ listed", async () => {
      const texts = (await variableRows()).map((r) => r.text);
      return texts.some((t) => t.startsWith("double function = <function double at 0x")) && texts.some((t) => t.startsWith("__name__ str")) ? texts : false;
    }, 15000);
    log(`all names: ${JSON.stringify(rows)}`);
    await header.hover();
    await header.locator('.action-label[aria-label*="Show Fewer Names"]').click();
    await variableRowsAre("the fewer names again", ["numbers list (1) = [1]", "0 int = 1", TABLE]);
  });

  await step("variables: while a run holds the interpreter the view says so (no popup); when it ends (Ctrl+Alt+C) the view is read again", async () => {
    await clearNotifications().catch(() => undefined);
    await evaluateLine(12); // while True: pass
    await waitFor("status item 'evalens: busy'", async () => (await statusText()).includes("evalens: busy"), 15000);
    await runCommand("evalens: Refresh Variables");
    await variableRowsAre("the busy message", ["The interpreter is busy; the view refreshes when the run ends"]);
    const toasts = await toastMessages();
    if (toasts.length > 0) {
      throw new Error(`notifications while busy: ${JSON.stringify(toasts)}`);
    }
    await focusEditor();
    await page.keyboard.press("Control+Alt+C");
    await waitFor("a decoration '✗ KeyboardInterrupt' after the loop", async () =>
      (await decorationTexts("while True: pass")).some((t) => t === "✗ KeyboardInterrupt"), 20000);
    await variableRowsAre("the rows again after the run", ["numbers list (1) = [1]", "0 int = 1", TABLE]);
  });

  await step("variables: a 250-item list expands a hundred items at a time: Load more… (100 of 250), (200 of 250), then all", async () => {
    await evaluateLine(11); // values = list(range(250))
    const values = await waitFor("the row of values", async () => (await variableRows()).find((r) => r.text.startsWith("values list (250) = [0, 1, 2, ")), 20000);
    if (!values.text.endsWith("…")) {
      throw new Error(`the repr of values is not cut: ${values.text}`);
    }
    await variableRow("values").locator(".monaco-tl-twistie").click();
    // The items of values: the rows of level 2 but numbers' one item (0 int = 1).
    const itemsOfValues = async () => (await variableRows()).filter((r) => r.level === 2 && r.text !== "0 int = 1");
    await waitFor("the first page of values: 100 items and Load more", async () => (await itemsOfValues())[0]?.setsize === 101, 15000);
    for (const [shown, size] of [[100, 201], [200, 250]]) {
      // The view's last row in view: End in the tree.
      await variablesPane().locator(".monaco-list").first().focus();
      await page.keyboard.press("End");
      const more = variablesPane().locator(".monaco-list-row", { hasText: `Load more… (${shown} of 250)` }).first();
      await more.waitFor({ timeout: 10000 });
      await more.click();
      await waitFor(`the items of values read up to ${shown + 100 > 250 ? "the end" : shown + 100}`, async () =>
        (await itemsOfValues()).some((r) => r.setsize === size), 15000);
    }
    await variablesPane().locator(".monaco-list").first().focus();
    await page.keyboard.press("End");
    await waitFor("the last item, 249, at the end", async () => {
      const rows = await variableRows();
      return rows[rows.length - 1]?.text === "249 int = 249" && !rows.some((r) => r.text.startsWith("Load more")) ? rows : false;
    }, 10000);
    // Done: the folders' section back, variables.py closed (story.py, still open, is the editor the
    // next steps go back to).
    await folderSection().click();
    const tab = page.locator('.tab[data-resource-name="variables.py"]').first();
    await tab.hover();
    await tab.locator(".tab-actions .action-label").first().click();
    await tab.waitFor({ state: "detached", timeout: 10000 });
  });

  await step("display: Shift+Enter on plt.plot([1, 3, 2]) shows the figure in the evalens display panel beside the editor (a PNG data: URI); the editor keeps the focus", async () => {
    await openFile("display.py", "class Badge");
    await evaluateLine(17); // the line, dedented
    await waitFor("a decoration '⇒ [<matplotlib.lines.Line2D…' after plt.plot", async () =>
      (await decorationTexts("plt.plot([1, 3, 2])")).some((t) => t.startsWith("⇒ [<matplotlib.lines.Line2D")),
    90000); // the first import of matplotlib builds its font cache
    await page.locator(".tab", { hasText: "evalens display" }).first().waitFor({ timeout: 20000 });
    const img = displayPanel().locator('section.run .bundle.image img[src^="data:image/png;base64,"]').first();
    await img.waitFor({ timeout: 20000 });
    const size = await img.evaluate((el) => [el.naturalWidth, el.naturalHeight]);
    if (size[0] !== 640 || size[1] !== 480) {
      throw new Error(`the figure is ${size.join("x")}, not 640x480`);
    }
    const runs = await displayRuns();
    const run = runs.find((r) => r.title === "eval display.py:17");
    if (!run || run.code !== "plt.plot([1, 3, 2])" || JSON.stringify(run.bundles) !== JSON.stringify(["image image/png"]) || !run.summary.startsWith("⇒ [<matplotlib")) {
      throw new Error(`the panel's runs: ${JSON.stringify(runs)}`);
    }
    // Beside the editor, which kept the focus.
    const editorBox = await page.locator(".part.editor .monaco-editor").first().boundingBox();
    const panelBox = await page.locator("iframe.webview.ready").first().boundingBox();
    if (!(panelBox.x >= editorBox.x + editorBox.width - 2)) {
      throw new Error(`the panel is not beside the editor: ${JSON.stringify({ editorBox, panelBox })}`);
    }
    if (!(await focusInEditor())) {
      throw new Error("the panel took the focus");
    }
  });

  await step("display: a value with _repr_html_ shows its HTML in the panel (a sandboxed iframe), once", async () => {
    await evaluateLine(18);
    const frame = displayPanel().locator("section.run .bundle.html iframe").last();
    await frame.waitFor({ timeout: 30000 });
    const sandbox = (await frame.getAttribute("sandbox")).split(" ");
    if (!sandbox.includes("allow-scripts") || sandbox.includes("allow-same-origin")) {
      throw new Error(`the iframe's sandbox: ${sandbox.join(" ")} (trusted: scripts, never with the panel's origin)`);
    }
    await displayPanel().frameLocator("section.run .bundle.html iframe").last().locator("td", { hasText: "an HTML badge" }).waitFor({ timeout: 15000 });
    await waitFor("the iframe fitted to its table", async () => (await frame.boundingBox())?.height < 60 && (await frame.boundingBox())?.height > 10, 10000);
    await waitFor("the run ended in the panel", async () => (await displayRuns()).some((r) => r.title === "eval display.py:18" && r.state === "run ok"), 10000);
    const runs = await displayRuns();
    if (JSON.stringify(runs.map((r) => [r.title, r.bundles])) !== JSON.stringify([["eval display.py:17", ["image image/png"]], ["eval display.py:18", ["html text/html"]]])) {
      throw new Error(`the panel's runs: ${JSON.stringify(runs)}`);
    }
    // The picture: the code and the panel, without the side bar and the output.
    // Wider, so that the code and its results fit in the editor beside the panel.
    await goToLine(1);
    await page.keyboard.press("Home");
    await runCommand("View: Toggle Primary Side Bar Visibility");
    await runCommand("View: Toggle Panel Visibility");
    await page.locator(".part.sidebar").waitFor({ state: "hidden", timeout: 10000 });
    await page.setViewportSize({ width: 1600, height: 860 });
    await page.mouse.move(800, 845);
    await new Promise((r) => setTimeout(r, 1500));
    await page.screenshot({ path: join(tmp, "display.png") });
    copyFileSync(join(tmp, "display.png"), DISPLAY_SCREENSHOT);
    await page.setViewportSize({ width: 1200, height: 860 });
    await runCommand("View: Toggle Primary Side Bar Visibility");
    await runCommand("View: Toggle Panel Visibility");
    await page.locator(".part.sidebar").waitFor({ state: "visible", timeout: 10000 });
  });

  await step("display: the hover of the plot's result shows the figure (a data: URI); a figure too large for it comes from a file", async () => {
    await hoverDecorationStart(17, "plt.plot([1, 3, 2])", "⇒ [<matplotlib");
    const image = page.locator('.monaco-hover:visible img[src^="data:image/png;base64,"]').first();
    await image.waitFor({ timeout: 15000 });
    await hoverText("the link to the panel", "1 display in the evalens display panel");
    await dismissHover();
    await evaluateLine(19);
    await waitFor("a decoration '⇒ [<matplotlib.lines.Line2D…' after noise()", async () =>
      (await decorationTexts("    noise()")).some((t) => t.startsWith("⇒ [<matplotlib.lines.Line2D")),
    60000);
    await hoverDecorationStart(19, "    noise()", "⇒ [<matplotlib");
    await hoverText("the hover of the large figure", "1 display in the evalens display panel");
    const hovered = page.locator(".monaco-hover:visible img").first();
    await hovered.waitFor({ timeout: 15000 });
    const { src, width } = await hovered.evaluate(async (el) => {
      if (!el.complete) await new Promise((r) => el.addEventListener("load", r, { once: true }));
      return { src: el.getAttribute("src"), width: el.naturalWidth };
    });
    if (src.startsWith("data:") || width !== 2560) {
      throw new Error(`the large figure in the hover: ${src.slice(0, 120)} (${width} px wide)`);
    }
    log(`the large figure's hover image: ${src.slice(0, 160)}`);
    await dismissHover();
  });

  await step("display: the panel's Clear button empties it; its tab closes it, story.py is active again", async () => {
    await displayPanel().locator("#clear").click();
    await waitFor("no runs in the panel", async () => (await displayRuns()).length === 0, 10000);
    // Closed by its tab's close button (the keyboard's focus is in the webview now), then display.py.
    for (const name of ["evalens display", "display.py"]) {
      const tab = page.locator(".tab", { hasText: name }).first();
      await tab.hover();
      await tab.locator(".tab-actions .action-label").first().click();
      await tab.waitFor({ state: "detached", timeout: 10000 });
    }
    await page.locator(".tab.active", { hasText: "story.py" }).first().waitFor({ timeout: 10000 });
  });

  // Jupyter kernels. The python3 on the clean PATH runs the server so far: it has no jupyter_client.
  const python3 = pathPython();
  await step("evalens: Select Kernel without jupyter_client where the server runs: a notification says where to install it; the own interpreter and the server entries stay", async () => {
    await clearNotifications();
    const hasJupyter = spawnSync(python3, ["-c", "import jupyter_client"], { env, timeout: 30000 }).status === 0;
    await runCommand("evalens: Select Kernel");
    await page.locator(".quick-input-title", { hasText: "evalens: Select Kernel" }).waitFor({ timeout: 10000 });
    if (hasJupyter) {
      log(`${python3} has jupyter_client: no notification to check`);
    } else {
      await waitFor("the notification naming jupyter_client and where to install it", async () =>
        (await toastMessages()).some((m) => m.includes("needs jupyter_client") && m.includes("python3 -m pip install jupyter_client")),
      20000);
    }
    const rows = await page.locator(".quick-input-list .monaco-list-row").allTextContents();
    for (const expected of ["evalens' own interpreter", "Jupyter Server or Gateway…"]) {
      if (!rows.some((row) => row.includes(expected))) {
        throw new Error(`no ${expected} in the quick pick: ${JSON.stringify(rows)}`);
      }
    }
    await page.keyboard.press("Escape");
    await page.locator(".quick-input-widget input").waitFor({ state: "hidden", timeout: 10000 });
  });

  await step("with the server run by a Python with ipykernel, evalens: Select Kernel starts its python3 kernelspec: code runs in the kernel, the status bar says so", async () => {
    if (!process.env.USER_VENV) {
      throw new Error("the kernel steps need USER_VENV, a virtual environment with ipykernel (.ci/vscode.sh makes one)");
    }
    await clearNotifications();
    // The kernelspecs are those of the Python running the server: the environment's, as the
    // interpreter selected in the Python extension would be.
    workspaceSettings({ "evalens.server.python": join(resolve(process.env.USER_VENV), "bin", "python") });
    await openFile("kernel.py", "in_kernel");
    await waitFor("the status items 'evalens: idle' and 'evalens: Python…'", async () => {
      const status = await statusText();
      return status.includes("evalens: idle") && status.includes("evalens: Python");
    }, 60000);
    await selectAndEvaluate(4, "in_kernel = ", '"ipykernel" in sys.modules');
    await waitFor("a decoration '⇒ False' (evalens' own interpreter)", async () =>
      JSON.stringify(await decorationTexts("in_kernel =")) === JSON.stringify(["⇒ False"]),
    30000);
    await waitFor("the status item 'evalens: Python 3.…' (the interpreter's version, once it ran)", async () =>
      /evalens: Python 3\.\d+/.test(await statusText()),
    10000);
    await runCommand("evalens: Select Kernel");
    const spec = page.locator(".quick-input-list .monaco-list-row", { hasText: "Start Python 3 (ipykernel)" }).first();
    await spec.waitFor({ timeout: 20000 });
    const rows = await page.locator(".quick-input-list .monaco-list-row").allTextContents();
    if (!rows.some((row) => row.includes("evalens' own interpreter") && row.includes("current"))) {
      throw new Error(`the own interpreter is not marked current: ${JSON.stringify(rows)}`);
    }
    await spec.click();
    await waitFor("the status item 'evalens: python3 kernel'", async () => (await statusText()).includes("evalens: python3 kernel"), 60000);
    await selectAndEvaluate(4, "in_kernel = ", '"ipykernel" in sys.modules');
    await waitFor("a decoration '⇒ True' (the kernel)", async () =>
      JSON.stringify(await decorationTexts("in_kernel =")) === JSON.stringify(["⇒ True"]),
    30000);
    const tooltip = await page.locator(".statusbar-item", { hasText: "evalens: python3 kernel" }).first().getAttribute("aria-label");
    log(`the kernel's status item: ${tooltip}`);
  });

  const token = `evalens-e2e-token-${process.pid}`;
  let deadUrl;
  await step("Jupyter Server or Gateway…: its URL (checked), its token (a password box); one that cannot be reached gives the server's message; the token is written nowhere", async () => {
    await clearNotifications();
    deadUrl = `http://127.0.0.1:${await freePort()}`;
    await runCommand("evalens: Select Kernel");
    await page.locator(".quick-input-list .monaco-list-row", { hasText: "Start Python 3 (ipykernel)" }).first().waitFor({ timeout: 20000 });
    await page.locator(".quick-input-list .monaco-list-row", { hasText: "Jupyter Server or Gateway…" }).first().click();
    const input = page.locator(".quick-input-widget input");
    await page.locator(".quick-input-title", { hasText: "(1/2)" }).waitFor({ timeout: 10000 });
    await input.fill("localhost:8888");
    await page.locator(".quick-input-message", { hasText: "starting with http:// or https://" }).waitFor({ timeout: 10000 });
    await input.fill(`${deadUrl}/lab`);
    await page.keyboard.press("Enter");
    await page.locator(".quick-input-title", { hasText: `(2/2): ${deadUrl}` }).waitFor({ timeout: 10000 });
    if ((await input.getAttribute("type")) !== "password") {
      throw new Error(`the token box is of type ${await input.getAttribute("type")}`);
    }
    await input.fill(token);
    await page.keyboard.press("Enter");
    const start = page.locator(".quick-input-list .monaco-list-row", { hasText: "Start the server's default kernel" }).first();
    await start.waitFor({ timeout: 20000 });
    const row = await start.textContent();
    if (!row.includes("Could not list its kernels: cannot reach")) {
      throw new Error(`the row: ${row}`);
    }
    await start.click();
    const message = await waitFor("an error notification naming the server", async () =>
      (await toastMessages()).find((m) => m.includes(deadUrl)),
    60000);
    log(`the server said: ${message}`);
    if (message.includes(token)) {
      throw new Error(`the notification shows the token: ${message}`);
    }
    // The server keeps the kernel it could not reach (the next run tries again): the status says so.
    await waitFor(`the status item 'evalens: kernel at ${deadUrl}'`, async () => (await statusText()).includes(`evalens: kernel at ${deadUrl}`), 20000);
    const files = [join(workspace, ".vscode", "settings.json"), join(userData, "User", "settings.json")];
    const walk = (dir) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else files.push(path);
      }
    };
    walk(join(userData, "logs"));
    const holding = files.filter((file) => readFileSync(file, "utf8").includes(token));
    if (holding.length > 0) {
      throw new Error(`the token is written in ${JSON.stringify(holding)}`);
    }
  });

  await step("a click on the kernel's status item offers the kernels again; evalens' own interpreter runs code again", async () => {
    await clearNotifications();
    await page.locator(".statusbar-item", { hasText: `evalens: kernel at ${deadUrl}` }).first().click();
    const own = page.locator(".quick-input-list .monaco-list-row", { hasText: "evalens' own interpreter" }).first();
    await own.waitFor({ timeout: 20000 });
    // The server in use could not be asked for its kernels: the list says so (the server's words).
    await page.locator(".quick-input-list .monaco-list-row", { hasText: `Jupyter Server at ${deadUrl}` }).first().waitFor({ timeout: 20000 });
    const row = await page.locator(".quick-input-list .monaco-list-row", { hasText: `Jupyter Server at ${deadUrl}` }).first().textContent();
    if (!row.includes("could not be asked")) {
      throw new Error(`the server's row: ${row}`);
    }
    await own.click();
    await waitFor("the status item 'evalens: Python 3.…'", async () => /evalens: Python 3\.\d+/.test(await statusText()), 30000);
    await selectAndEvaluate(4, "in_kernel = ", '"ipykernel" in sys.modules');
    await waitFor("a decoration '⇒ False' (evalens' own interpreter again)", async () =>
      JSON.stringify(await decorationTexts("in_kernel =")) === JSON.stringify(["⇒ False"]),
    30000);
    // kernel.py closed: story.py is the active editor again, as the steps below expect.
    const tab = page.locator(".tab", { hasText: "kernel.py" }).first();
    await tab.hover();
    await tab.locator(".tab-actions .action-label").first().click();
    await tab.waitFor({ state: "detached", timeout: 10000 });
    await page.locator(".tab", { hasText: "story.py" }).first().click();
    await page.locator(".tab.active", { hasText: "story.py" }).first().waitFor({ timeout: 10000 });
  });

  await step("a server Python that does not exist: a notification says so; Open Settings shows the extension's settings", async () => {
    await clearNotifications();
    workspaceSettings({ "evalens.server.python": "/nonexistent/python3" });
    const message =
      'evalens: no Python to run the server ("/nonexistent/python3" (the setting evalens.server.python): not found). ' +
      'Set "evalens.server.python" to a Python 3.10 or newer, or clear it.';
    const notification = await toast("the missing-server notification", message);
    await waitFor("status item 'evalens' in error", async () => (await statusText()).trim() === "evalens", 10000);
    await notification.getByRole("button", { name: "Open Settings" }).click();
    const search = page.locator(".settings-editor .settings-header .suggest-input-container .view-lines");
    await waitFor("the settings editor searching '@ext:evalens.evalens server'", async () =>
      (await search.allTextContents()).join("").replace(/\u00a0/g, " ") === "@ext:evalens.evalens server",
    15000);
    const rows = () => page.locator(".settings-editor .setting-item-contents .setting-item-title").allTextContents();
    try {
      await waitFor("the setting evalens.server.python listed", async () =>
        (await rows()).some((row) => row.replace(/\u00a0/g, " ").includes("Server: Python")),
      15000);
    } catch (error) {
      throw new Error(`${error.message}; the settings editor shows: ${JSON.stringify(await rows())}`);
    }
    // code-server lists the machine-overridable server settings on its Remote tab only.
    const tab = await page.locator(".settings-editor .settings-tabs-widget .action-label.checked").allTextContents();
    if (!(tab.length === 1 && tab[0].startsWith("Remote"))) {
      throw new Error(`the settings editor's tab: ${JSON.stringify(tab)}`);
    }
    // The Settings editor opens as a modal editor here: close it.
    const modal = page.locator(".monaco-modal-editor-block");
    if (await modal.isVisible()) {
      await modal.locator(".codicon-close, [aria-label^='Close']").first().click();
      await modal.waitFor({ state: "hidden", timeout: 10000 });
    } else {
      await runCommand("View: Close Editor");
    }
  });

  await step("a server that does not start: the notification quotes its stderr and the fix", async () => {
    await clearNotifications();
    const script = "import sys; sys.stderr.write('evalens-e2e: first line\\nevalens-e2e: cannot start\\n'); sys.exit(3)";
    workspaceSettings({ "evalens.server.command": [python3, "-c", script] });
    const shown = [python3, "-c", script].join(" ").replace(/\s+/g, " ");
    const cut = shown.length > 60 ? `${shown.slice(0, 59)}…` : shown;
    await toast(
      "the did-not-start notification",
      `evalens: the language server did not start ("${cut}" (the setting evalens.server.command)). ` +
        "It said: evalens-e2e: first line ⏎ evalens-e2e: cannot start " +
        'Fix: Check "evalens.server.command" (it must start the evalens server speaking LSP on stdio), or clear it to use the bundled server; then Restart.',
    );
  });

  await step("evalens.server.command starts another server; when it dies, the notification quotes its stderr", async () => {
    await clearNotifications();
    const libs = join(extensions, readdirSync(extensions).find((name) => name.startsWith("evalens.evalens-")), "bundled", "libs");
    const marker = `evalens-e2e-wrapper-${process.pid}`;
    const script = [
      `# ${marker}`,
      "import os, runpy, signal, sys",
      `sys.path.insert(0, ${JSON.stringify(libs)})`,
      "def die(*_):",
      "    sys.stderr.write('evalens-e2e: told to die\\n'); sys.stderr.flush(); os._exit(7)",
      "signal.signal(signal.SIGUSR1, die)",
      "sys.argv = ['evalens']",
      "runpy.run_module('evalens', run_name='__main__')",
    ].join("\n");
    workspaceSettings({ "evalens.server.command": [python3, "-c", script] });
    await waitFor("status item 'evalens: idle'", async () => (await statusText()).includes("evalens: idle"), 60000);
    await selectAndEvaluate(2, "", "counter");
    await waitFor(`a decoration '⇒ 0' on the line of counter = 0 (a fresh server)`, async () =>
      (await decorationTexts("counter = 0")).some((t) => t === "⇒ 0"),
    30000);
    const ps = spawnSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" });
    const pids = ps.stdout.split("\n").filter((line) => line.includes(marker)).map((line) => Number(line.trim().split(/\s+/)[0]));
    if (pids.length !== 1) {
      throw new Error(`expected one server process, found ${JSON.stringify(pids)}`);
    }
    process.kill(pids[0], "SIGUSR1");
    const shown = [python3, "-c", script].join(" ").replace(/\s+/g, " ");
    const cut = shown.length > 60 ? `${shown.slice(0, 59)}…` : shown;
    await toast(
      "the server-died notification",
      `evalens: the language server stopped ("${cut}" (the setting evalens.server.command)). ` +
        "It said: evalens-e2e: told to die " +
        'Fix: Check "evalens.server.command" (it must start the evalens server speaking LSP on stdio), or clear it to use the bundled server; then Restart.',
    );
  });

  await step("clearing the settings starts the bundled server again", async () => {
    await clearNotifications();
    workspaceSettings({});
    await waitFor("status item 'evalens: idle'", async () => (await statusText()).includes("evalens: idle"), 60000);
    await selectAndEvaluate(2, "", "counter");
    await waitFor(`a decoration '⇒ 0' on the line of counter = 0`, async () =>
      (await decorationTexts("counter = 0")).some((t) => t === "⇒ 0"),
    30000);
  });

  await step("untrusted workspace: the server runs, execution is off and says why", async () => {
    const port2 = await startCodeServer("code-server-untrusted", userData2, [], workspace2);
    await page.close();
    page = await browser.newPage({ viewport: { width: 1200, height: 860 } });
    await page.goto(`http://127.0.0.1:${port2}/?folder=${encodeURIComponent(workspace2)}`);
    await page.locator(".statusbar").waitFor({ timeout: 60000 });
    await openDemo();
    await waitFor("status item 'evalens: restricted'", async () => (await statusText()).includes("evalens: restricted"), 60000);
    await selectAndEvaluate(19, "print(", "x * 2");
    await waitFor("a notification that execution is off", async () => {
      const toasts = await page.locator(".notifications-toasts").allTextContents();
      return toasts.some((t) => t.includes("only in a trusted workspace"));
    }, 15000);
    if ((await lensTexts()).length > 0 || (await decorationTexts()).length > 0) {
      throw new Error("lenses or results shown in an untrusted workspace");
    }
  });

  await step("granting workspace trust turns execution on without a reload", async () => {
    await page.keyboard.press("Escape");
    // The status item says why execution is off; clicking it opens the trust editor.
    await page.locator(".statusbar-item", { hasText: "evalens: restricted" }).first().click();
    const trust = page.getByRole("button", { name: /^Trust/ }).first();
    await trust.waitFor({ state: "visible", timeout: 15000 });
    await trust.click();
    await waitFor("status item 'evalens: idle'", async () => (await statusText()).includes("evalens: idle"), 30000);
    // The trust editor opens as a modal editor: close it, back to demo.py.
    await page.keyboard.press("Escape");
    const modal = page.locator(".monaco-modal-editor-block");
    if (await modal.isVisible()) {
      await modal.locator(".codicon-close, [aria-label^='Close']").first().click();
    }
    await modal.waitFor({ state: "hidden", timeout: 10000 });
    await page.locator(".tab", { hasText: "demo.py" }).first().click();
    await waitFor("the ▶ answer() lens", async () => (await lensTexts()).some((t) => t.includes("answer()")), 30000);
    await selectAndEvaluate(19, "print(", "x * 2");
    await waitFor("a decoration '⇒ 84'", async () => (await decorationTexts()).some((t) => t.includes("⇒ 84")), 30000);
  });
  exitCode = 0;
} catch {
  exitCode = 1;
  if (page) {
    try {
      const failure = join(root, "screenshot-failure.png");
      await page.screenshot({ path: failure });
      log(`failure screenshot: ${failure}`);
      log(`status bar: ${await statusText()}`);
      log(`lenses: ${JSON.stringify(await lensTexts())}`);
      log(`decorations: ${JSON.stringify(await decorationTexts())}`);
    } catch {
      // the page is gone
    }
  }
  dumpLogs();
} finally {
  await browser?.close().catch(() => undefined);
  for (const server of servers) {
    try {
      process.kill(-server.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  if (!KEEP) {
    await new Promise((r) => setTimeout(r, 500));
    rmSync(tmp, { recursive: true, force: true });
  } else {
    log(`kept ${tmp}`);
  }
}

console.log("\nevalens VS Code e2e:");
for (const line of steps) console.log(`  ${line}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(exitCode);
