// Puts the evalens server and its dependencies into bundled/libs, as Microsoft's Python tool
// extensions (black-formatter, isort, pylint) bundle theirs: `npm run package` runs this (`npm run bundle-server`)
// before vsce, and the extension starts `<python> -m evalens` with PYTHONPATH=bundled/libs.
//
// The server's dependencies (pygls, lsprotocol, jedi, parso, attrs, cattrs,
// typing_extensions, exceptiongroup) are pure Python, so one bundle serves every platform:
// this builds the evalens wheel from the repository, installs it with its dependencies in
// versions that support Python 3.10 (the oldest the server runs on), adds what an
// environment marker asks for on any Python from 3.10 to 3.14 (pip evaluates markers for
// the Python that runs it only: cattrs needs exceptiongroup below 3.11), and refuses
// anything that is not a pure wheel.
//
// EVALENS_BUNDLE_PYTHON: the Python (3.10+, with pip) that runs pip (default: python3).
// Needs the package index (or pip's configured find-links) for the dependencies.

import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const extension = resolve(here, "..");
const project = resolve(extension, "..", "..");
const libs = join(extension, "bundled", "libs");
const python = process.env.EVALENS_BUNDLE_PYTHON || "python3";
/** The oldest Python the server runs on: the dependencies are chosen for it. */
const OLDEST_PYTHON = "3.10";
/** What the server imports: each must be in the bundle. */
const REQUIRED = ["evalens", "pygls", "lsprotocol", "jedi", "parso", "attrs", "cattrs", "typing_extensions.py"];

function run(args) {
  console.log(`bundle: ${python} ${args.join(" ")}`);
  const out = spawnSync(python, args, { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, PIP_NO_INPUT: "1" } });
  if (out.error || out.status !== 0) {
    console.error(`bundle: failed (${out.error?.message ?? `exit code ${out.status}`})`);
    process.exit(1);
  }
}

/**
 * The requirements of the bundled packages that some supported Python (3.10 to 3.14) needs
 * and the bundle lacks (installed without their own: the next round finds those), read from their METADATA with pip's own marker evaluation.
 */
function markerRequirements() {
  const script = `
import email, pathlib, sys
from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.utils import canonicalize_name
libs = pathlib.Path(sys.argv[1])
metas = [email.message_from_string(p.read_text(encoding="utf-8")) for p in libs.glob("*.dist-info/METADATA")]
have = {canonicalize_name(m["Name"]) for m in metas}
missing = set()
for meta in metas:
    for text in meta.get_all("Requires-Dist") or []:
        req = Requirement(text)
        if canonicalize_name(req.name) in have:
            continue
        for minor in range(10, 15):
            env = {"python_version": f"3.{minor}", "python_full_version": f"3.{minor}.0", "extra": ""}
            if req.marker is None or req.marker.evaluate(env):
                missing.add(str(req).split(";")[0].strip())
                break
print("\\n".join(sorted(missing)))
`;
  const out = spawnSync(python, ["-c", script, libs], { encoding: "utf8" });
  if (out.status !== 0) {
    console.error(`bundle: reading the bundle's requirements failed: ${out.stderr}`);
    process.exit(1);
  }
  return out.stdout.split("\n").filter((line) => line.trim());
}

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

rmSync(join(extension, "bundled"), { recursive: true, force: true });
mkdirSync(libs, { recursive: true });
const wheels = mkdtempSync(join(tmpdir(), "evalens-bundle-"));
try {
  run(["-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", wheels, project]);
  const wheel = readdirSync(wheels).find((name) => /^evalens-.*\.whl$/.test(name));
  if (!wheel) {
    console.error(`bundle: no evalens wheel in ${wheels}`);
    process.exit(1);
  }
  run([
    "-m", "pip", "install", "--quiet", "--no-compile", "--target", libs,
    "--python-version", OLDEST_PYTHON, "--only-binary=:all:", join(wheels, wheel),
  ]);
  // Requirements whose marker holds on a supported Python but not on the one running pip.
  for (let round = 0; ; round++) {
    const missing = markerRequirements();
    if (missing.length === 0) {
      break;
    }
    if (round === 3) {
      console.error(`bundle: still missing after installing them: ${missing.join(", ")}`);
      process.exit(1);
    }
    run(["-m", "pip", "install", "--quiet", "--no-compile", "--no-deps", "--target", libs,
      "--python-version", OLDEST_PYTHON, "--only-binary=:all:", ...missing]);
  }
} finally {
  rmSync(wheels, { recursive: true, force: true });
}
// Console scripts point at the packaging Python: the extension starts `python -m evalens`.
rmSync(join(libs, "bin"), { recursive: true, force: true });

const problems = [];
for (const name of REQUIRED) {
  try {
    statSync(join(libs, name));
  } catch {
    problems.push(`${name} is missing`);
  }
}
for (const path of files(libs)) {
  if (/\.(so|pyd|dylib|dll)$/.test(path) || path.includes("__pycache__")) {
    problems.push(`${relative(libs, path)} is compiled: the bundle must be pure Python`);
  }
  if (path.endsWith(".dist-info/WHEEL")) {
    const tags = readFileSync(path, "utf8").match(/^Tag: .*$/gm) ?? [];
    if (!tags.every((tag) => /-none-any$/.test(tag))) {
      problems.push(`${relative(libs, path)}: not a pure wheel (${tags.join(", ")})`);
    }
  }
}
if (problems.length > 0) {
  console.error(`bundle: ${problems.join("\n  ")}`);
  process.exit(1);
}
const packages = readdirSync(libs).filter((name) => name.endsWith(".dist-info")).map((name) => name.replace(/\.dist-info$/, ""));
console.log(`bundle: ${relative(extension, libs)} holds ${packages.join(", ")}`);
