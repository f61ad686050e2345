// Which Python runs the server, and whether evalens is installed in it.

import { execFile } from "node:child_process";
import * as vscode from "vscode";

export interface ServerPython {
  command: string;
  source: "setting" | "python extension" | "default";
}

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

/**
 * `evalens.serverPython` when set; else the interpreter selected in the Python
 * extension when it is installed; else `python3`.
 */
export async function findServerPython(resource?: vscode.Uri): Promise<ServerPython> {
  const setting = vscode.workspace.getConfiguration("evalens", resource).get<string>("serverPython", "").trim();
  if (setting) {
    return { command: expandHome(setting), source: "setting" };
  }
  const api = await pythonExtension();
  if (api) {
    try {
      const env = api.environments?.getActiveEnvironmentPath?.(resource);
      const fromEnv = env?.path;
      const fromDetails = api.settings?.getExecutionDetails?.(resource)?.execCommand?.[0];
      const chosen = fromEnv || fromDetails;
      if (chosen && chosen !== "python") {
        return { command: chosen, source: "python extension" };
      }
    } catch {
      // fall through to python3
    }
  }
  return { command: "python3", source: "default" };
}

function expandHome(path: string): string {
  const home = process.env.HOME ?? "";
  return path.startsWith("~/") && home ? home + path.slice(1) : path;
}

export interface Problem {
  message: string;
  installCommand?: string;
}

/** Checks that `python -c "import evalens"` works; describes the fix when not. */
export function checkServerPython(python: ServerPython): Promise<Problem | undefined> {
  return new Promise((resolve) => {
    execFile(
      python.command,
      ["-c", "import evalens, sys; sys.stdout.write(evalens.__version__)"],
      { timeout: 30000 },
      (error, _stdout, stderr) => {
        if (!error) {
          resolve(undefined);
          return;
        }
        const where = describe(python);
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "EACCES") {
          resolve({
            message: `evalens: cannot start the server: ${where} was not found. Set "evalens.serverPython" to a Python that has evalens installed.`,
          });
        } else if (/No module named '?evalens/.test(String(stderr))) {
          const install = `${quote(python.command)} -m pip install evalens`;
          resolve({
            message: `evalens is not installed in ${where}. Install it with \`${install}\`, or set "evalens.serverPython" to a Python that has it.`,
            installCommand: install,
          });
        } else {
          const detail = String(stderr).trim().split("\n").pop() ?? String(error.message);
          resolve({ message: `evalens: ${where} cannot import evalens: ${detail}` });
        }
      },
    );
  });
}

export function describe(python: ServerPython): string {
  switch (python.source) {
    case "setting":
      return `"${python.command}" (from the setting evalens.serverPython)`;
    case "python extension":
      return `"${python.command}" (the interpreter selected in the Python extension)`;
    default:
      return `"${python.command}"`;
  }
}

function quote(path: string): string {
  return /^[\w./-]+$/.test(path) ? path : `"${path}"`;
}
