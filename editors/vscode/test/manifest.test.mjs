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

test("a restricted workspace's own choice of server or interpreter is ignored", () => {
  assert.deepEqual(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations, [
    "evalens.server.python",
    "evalens.server.command",
    "evalens.interpreter",
    "evalens.extraPaths",
  ]);
});
