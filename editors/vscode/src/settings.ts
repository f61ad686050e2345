// The evalens settings as the server reads them, and what workspace trust means for them.

import * as vscode from "vscode";
import type { KernelSetting } from "./kernels";

/** Why nothing runs in an untrusted workspace (a warning and the status item's tooltip). */
export const UNTRUSTED =
  "evalens runs code only in a trusted workspace. This workspace is not trusted, so evaluation is off; completion and hover still work.";

/** The setting that chooses the Jupyter kernel (or evalens' own interpreter, null). */
export const KERNEL_SETTING = "evalens.kernel";

/**
 * The kernel chosen with evalens: Select Kernel in this window (evalens.attach), with its token:
 * sent in place of the `evalens.kernel` setting from then on, so that a settings change or a new
 * server keeps it, until that setting itself changes. Kept in memory only: never written to
 * settings.json. undefined: none chosen, the setting holds.
 */
let pickedKernel: KernelSetting | undefined;

export function setPickedKernel(kernel: KernelSetting | undefined): void {
  pickedKernel = kernel;
}

/** The kernel the server is told to use: the one picked in this window, else the setting. */
export function kernelInForce(): KernelSetting {
  if (pickedKernel !== undefined) {
    return pickedKernel;
  }
  const configured = vscode.workspace.getConfiguration("evalens").get<unknown>("kernel", null);
  // An empty object is no choice; anything else goes as it is: the server checks it and says
  // what is wrong with it (a warning naming the setting).
  if (configured === undefined || configured === null || (typeof configured === "object" && Object.keys(configured).length === 0)) {
    return null;
  }
  return configured as KernelSetting;
}

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
    kernel: kernelInForce(),
  };
}
