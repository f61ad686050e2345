// The secret scan vsce runs before packaging, on the extension's own files only. `npm run
// package` passes --allow-package-all-secrets to vsce: its scan of every packaged file takes
// about 5 minutes on the ~5,900 files of bundled/libs (the server's dependencies as pip
// installs them from the package index, mostly jedi's typeshed stubs), so this runs the
// same scanner (vsce's secretlint rules) on what this repository writes instead.

import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const { lintFiles, prettyPrintLintResult } = require("@vscode/vsce/out/secretLint.js");
const extension = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const own = ["dist/extension.js", "package.json", "README.md"].map((file) => join(extension, file));

const result = await lintFiles(own, true, true);
if (!result.ok) {
  console.error(`secrets: found in the extension's own files:\n${result.results.map(prettyPrintLintResult).join("\n")}`);
  process.exit(1);
}
console.log(`secrets: none in ${own.length} files of the extension's own`);
