// How to start the server here: `evalens.server.command` when set, else the server bundled in
// the extension run by the first Python 3.10+ found (the setting `evalens.server.python`, the
// Python extension's interpreter when that extension is installed, `python3` on PATH).

import { execFile } from "node:child_process";
import { delimiter } from "node:path";
import * as vscode from "vscode";
import {
  type Launch,
  PROBE_ARGS,
  type PythonCandidate,
  type Rejected,
  bundledLaunch,
  commandLaunch,
  isSupported,
  noPythonMessage,
  parseVersion,
  pythonCandidates,
} from "./launch";

/** The settings that choose how the server starts: a change restarts it. */
export const LAUNCH_SETTINGS = ["evalens.server.python", "evalens.server.command"] as const;

interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath?(resource?: vscode.Uri): { path: string } | undefined;
    onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
  };
  settings?: {
    getExecutionDetails?(resource?: vscode.Uri): { execCommand: string[] | undefined };
    onDidChangeExecutionDetails?: vscode.Event<unknown>;
  };
}

/** The Python extension's API when it is installed (no hard dependency on it). */
async function pythonExtension(): Promise<PythonExtensionApi | undefined> {
  const ext = vscode.extensions.getExtension<PythonExtensionApi>("ms-python.python");
  if (!ext) {
    return undefined;
  }
  try {
    return ext.isActive ? ext.exports : await ext.activate();
  } catch {
    return undefined;
  }
}

/** An event fired when the Python extension's interpreter changes, if it is installed. */
export async function onDidChangePythonExtensionInterpreter(): Promise<vscode.Event<unknown> | undefined> {
  const api = await pythonExtension();
  return api?.environments?.onDidChangeActiveEnvironmentPath ?? api?.settings?.onDidChangeExecutionDetails;
}

/** The interpreter selected in the Python extension, if it is installed and one is. */
async function pythonExtensionInterpreter(resource?: vscode.Uri): Promise<string | undefined> {
  const api = await pythonExtension();
  try {
    return (
      api?.environments?.getActiveEnvironmentPath?.(resource)?.path ||
      api?.settings?.getExecutionDetails?.(resource)?.execCommand?.[0]
    );
  } catch {
    return undefined;
  }
}

export type Found = { launch: Launch; problem?: undefined } | { launch?: undefined; problem: string };

/** How to start the server for `resource`'s workspace, with the bundle at `libs`; or why it cannot start. */
export async function findLaunch(libs: string, resource?: vscode.Uri): Promise<Found> {
  const config = vscode.workspace.getConfiguration("evalens", resource);
  const command = commandLaunch(config.get<unknown>("server.command"));
  if (command) {
    return { launch: command };
  }
  const setting = expandHome(config.get<string>("server.python", ""));
  const candidates = pythonCandidates(setting, await pythonExtensionInterpreter(resource));
  const rejected: Rejected[] = [];
  for (const candidate of candidates) {
    const launch = bundledLaunch(candidate, libs, process.env.PYTHONPATH, delimiter);
    const problem = await probe(candidate, launch);
    if (!problem) {
      return { launch };
    }
    rejected.push(problem);
  }
  return { problem: noPythonMessage(rejected) };
}

/** Checks that `candidate` is a Python 3.10+ that imports the bundled server; answers why not. */
function probe(candidate: PythonCandidate, launch: Launch): Promise<Rejected | undefined> {
  return new Promise((resolve) => {
    execFile(
      candidate.command,
      [...PROBE_ARGS],
      { timeout: 30000, env: { ...process.env, ...launch.env } },
      (error, stdout, stderr) => {
        const code = (error as NodeJS.ErrnoException | null)?.code;
        if (code === "ENOENT" || code === "EACCES") {
          resolve({ candidate, reason: "missing" });
          return;
        }
        const version = parseVersion(String(stdout));
        if (!version) {
          resolve({ candidate, reason: "broken", stderr: String(stderr) || String(error?.message ?? "") });
        } else if (!isSupported(version)) {
          resolve({ candidate, reason: "old", version: version.join(".") });
        } else if (error) {
          resolve({ candidate, reason: "broken", version: version.join("."), stderr: String(stderr) });
        } else {
          resolve(undefined);
        }
      },
    );
  });
}

function expandHome(path: string): string {
  const home = process.env.HOME ?? "";
  const trimmed = path.trim();
  return trimmed.startsWith("~/") && home ? home + trimmed.slice(1) : trimmed;
}
