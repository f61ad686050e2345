// The context key `evalens:running`: true while a run is going on, so that the interrupt
// keybinding (package.json) is live only then and leaves its keys to others the rest of the time.

import * as vscode from "vscode";
import type { Runner } from "./runs";

/**
 * The `when` context key of the interrupt keybinding. A colon after the extension's name (as
 * GitLens names its keys), so that it is not read as a command or setting `evalens.*`.
 */
export const RUNNING_CONTEXT = "evalens:running";

export class RunningContext implements vscode.Disposable {
  private shown: boolean | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly runner: Runner) {
    this.subscription = runner.onDidChange(() => this.update());
    this.update();
  }

  private update(): void {
    const busy = this.runner.busy;
    if (busy !== this.shown) {
      this.shown = busy;
      void vscode.commands.executeCommand("setContext", RUNNING_CONTEXT, busy);
    }
  }

  dispose(): void {
    this.subscription.dispose();
    void vscode.commands.executeCommand("setContext", RUNNING_CONTEXT, false);
  }
}
