// The evalens settings as the server reads them, and what workspace trust means for them.

import * as vscode from "vscode";

/** Why nothing runs in an untrusted workspace (a warning and the status item's tooltip). */
export const UNTRUSTED =
  "evalens runs code only in a trusted workspace. This workspace is not trusted, so evaluation is off; completion and hover still work.";

/** The evalens settings as the server reads them (SPEC "Settings"). */
export function serverSettings(): Record<string, unknown> {
  const config = vscode.workspace.getConfiguration("evalens");
  const interpreter = config.get<string>("interpreter", "").trim();
  return {
    trusted: vscode.workspace.isTrusted,
    interpreter: interpreter || null,
    extraPaths: config.get<string[]>("extraPaths", []),
    limits: {
      memoryMB: config.get<number>("limits.memoryMB", 4096),
      outputBytes: config.get<number>("limits.outputBytes", 1000000),
      reprChars: config.get<number>("limits.reprChars", 10000),
      interruptGraceSeconds: config.get<number>("limits.interruptGraceSeconds", 3),
      displayBytes: config.get<number>("limits.displayBytes", 20000000),
    },
    figureFormat: config.get<string>("figureFormat", "png"),
  };
}
