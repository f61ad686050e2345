// package.json against the README: every setting, command and key the extension contributes
// is documented, and the interrupt key is bound only while code runs.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const manifest = JSON.parse(readFileSync(join(here, "..", "package.json"), "utf8"));
const readme = readFileSync(join(here, "..", "README.md"), "utf8");
const contributes = manifest.contributes;

test("the interrupt key: Ctrl+Alt+C (macOS: Ctrl+C), only while a run is going on, not in the terminal", () => {
  const interrupt = contributes.keybindings.filter((k) => k.command === "evalens.interruptRun");
  assert.deepEqual(interrupt, [
    { command: "evalens.interruptRun", key: "ctrl+alt+c", mac: "ctrl+c", when: "evalens:running && !terminalFocus" },
  ]);
});

test("no keybinding takes Ctrl+C (copy) on Windows and Linux", () => {
  assert.deepEqual(
    contributes.keybindings.filter((k) => /^ctrl\+c$/i.test(k.key) || /^ctrl\+c$/i.test(k.win ?? "") || /^ctrl\+c$/i.test(k.linux ?? "")),
    [],
  );
});

test("the README documents every setting", () => {
  for (const setting of Object.keys(contributes.configuration.properties)) {
    assert.ok(readme.includes(`\`${setting}\``), `${setting} is not in the README`);
  }
});

test("the README documents every command", () => {
  for (const { title, category } of contributes.commands) {
    assert.ok(readme.includes(`${category}: ${title.replace(/…$/, "")}`), `"${category}: ${title}" is not in the README`);
  }
});

test("the README documents every key and colour", () => {
  const spell = (key) => key.split("+").map((part) => (part.length === 1 ? part.toUpperCase() : part[0].toUpperCase() + part.slice(1))).join("+");
  for (const binding of contributes.keybindings) {
    for (const key of [binding.key, binding.mac].filter(Boolean)) {
      assert.ok(readme.includes(spell(key)), `${spell(key)} (${binding.command}) is not in the README`);
    }
  }
  for (const { id } of contributes.colors) {
    assert.ok(readme.includes(`\`${id}\``), `the colour ${id} is not in the README`);
  }
});

test("a restricted workspace's own choice of server, interpreter or kernel is ignored", () => {
  assert.deepEqual(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations, [
    "evalens.server.python",
    "evalens.server.command",
    "evalens.interpreter",
    "evalens.extraPaths",
    "evalens.kernel",
  ]);
});

/**
 * Whether the `when` clause `clause` holds in `context` (key -> value): the parts of VS Code's
 * grammar the manifest uses (`!`, `&&`, `||`, parentheses, `==`, `!=`; an unset key is falsy).
 */
function holds(clause, context) {
  const tokens = clause.match(/\(|\)|&&|\|\||!=|==|!|[^\s()!&|=]+/g);
  let at = 0;
  const next = () => tokens[at++];
  const peek = () => tokens[at];
  const or = () => {
    let value = and();
    while (peek() === "||") {
      next();
      value = and() || value;
    }
    return value;
  };
  const and = () => {
    let value = not();
    while (peek() === "&&") {
      next();
      value = not() && value;
    }
    return value;
  };
  const not = () => {
    if (peek() === "!") {
      next();
      return !not();
    }
    if (peek() === "(") {
      next();
      const value = or();
      assert.equal(next(), ")", clause);
      return value;
    }
    const key = next();
    if (peek() === "==" || peek() === "!=") {
      const equal = next() === "==";
      return (String(context[key]) === next()) === equal;
    }
    return Boolean(context[key]);
  };
  const value = or();
  assert.equal(at, tokens.length, `${clause}: not read to the end`);
  return value;
}

test("the when-clause reader reads VS Code's grammar", () => {
  assert.equal(holds("a && !b", { a: true }), true);
  assert.equal(holds("a && (b || !c)", { a: true, c: true }), false);
  assert.equal(holds("editorLangId == python && !x", { editorLangId: "python" }), true);
  assert.equal(holds("editorLangId != python", { editorLangId: "python" }), false);
});

test("Shift+Enter and Ctrl+Enter: a cell in a Python file with cells, a selection otherwise, never Jupyter's keys", () => {
  // Which evalens commands each key runs, in a focused editor, by what is true there.
  const bound = (key, context) =>
    contributes.keybindings
      .filter((k) => k.key === key && holds(k.when, { editorTextFocus: true, editorLangId: "python", ...context }))
      .map((k) => k.command);
  const cases = [
    // [context, Shift+Enter, Ctrl+Enter]
    [{}, ["evalens.evaluateSelection"], []],
    [{ editorHasSelection: true }, ["evalens.evaluateSelection"], []],
    [{ "evalens:hasCells": true }, ["evalens.runCurrentCellAndAdvance"], ["evalens.runCurrentCell"]],
    [{ "evalens:hasCells": true, editorHasSelection: true }, ["evalens.evaluateSelection"], []],
    // The Jupyter extension's interactive-window keys apply there: evalens takes neither.
    [{ "evalens:hasCells": true, "jupyter.hascodecells": true }, [], []],
    [{ editorHasSelection: true, "jupyter.ownsSelection": true }, [], []],
    [{ "evalens:hasCells": true, notebookEditorFocused: true }, [], []],
    [{ "evalens:hasCells": true, editorLangId: "markdown" }, [], []],
    [{ "evalens:hasCells": true, editorTextFocus: false }, [], []],
  ];
  for (const [context, shiftEnter, ctrlEnter] of cases) {
    assert.deepEqual(bound("shift+enter", context), shiftEnter, `Shift+Enter with ${JSON.stringify(context)}`);
    assert.deepEqual(bound("ctrl+enter", context), ctrlEnter, `Ctrl+Enter with ${JSON.stringify(context)}`);
  }
  // Which key ran the command, for what it does outside every cell (the line, a line below).
  for (const key of ["shift+enter", "ctrl+enter"]) {
    for (const binding of contributes.keybindings.filter((k) => k.key === key && k.command !== "evalens.evaluateSelection")) {
      assert.deepEqual(binding.args, { key });
    }
  }
});

test("the cell commands are in the palette only in a Python file with cells", () => {
  const palette = contributes.menus.commandPalette.filter((m) => /Cell/.test(m.command));
  assert.deepEqual(
    palette.map((m) => [m.command, m.when]),
    ["runCurrentCell", "runCurrentCellAndAdvance", "runCellsAbove", "runCellAndBelow", "runAllCells"].map((c) => [
      `evalens.${c}`,
      "editorLangId == python && evalens:hasCells",
    ]),
  );
});
