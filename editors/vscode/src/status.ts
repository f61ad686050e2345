// The evalens status bar item: idle, busy (click to interrupt), starting, restricted in an
// untrusted workspace, or the server's problem (click for details).

import * as vscode from "vscode";
import { EditorCommand } from "./commands";
import type { Runner } from "./runs";
import type { ServerConnection } from "./server";
import { UNTRUSTED } from "./settings";

/** The interrupt keybinding of package.json, as the tooltip names it. */
const INTERRUPT_KEY = process.platform === "darwin" ? "Ctrl+C" : "Ctrl+Alt+C";

export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("evalens.status", vscode.StatusBarAlignment.Left, 0);
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly server: ServerConnection,
    private readonly runner: Runner,
  ) {
    this.item.name = "evalens";
    this.update();
    this.item.show();
    this.subscriptions = [server.onDidChange(() => this.update()), runner.onDidChange(() => this.update())];
  }

  update(): void {
    const item = this.item;
    item.backgroundColor = undefined;
    if (this.server.problem) {
      item.text = "$(error) evalens";
      item.tooltip = this.server.problem;
      item.command = EditorCommand.showProblem;
      item.backgroundColor = new vscode.ThemeColor("statusBarItem.errorBackground");
    } else if (!vscode.workspace.isTrusted) {
      item.text = "$(shield) evalens: restricted";
      item.tooltip = UNTRUSTED;
      item.command = "workbench.trust.manage";
    } else if (this.runner.busy) {
      item.text = "$(sync~spin) evalens: busy";
      item.tooltip = `evalens is running code. Click or press ${INTERRUPT_KEY} to interrupt.`;
      item.command = EditorCommand.interruptRun;
    } else if (this.server.isStarting) {
      item.text = "$(loading~spin) evalens";
      item.tooltip = "evalens is starting";
      item.command = EditorCommand.showOutput;
    } else {
      item.text = "$(check) evalens: idle";
      item.tooltip = `evalens is idle (${this.server.launchDescription ?? "?"}). Click to show the output.`;
      item.command = EditorCommand.showOutput;
    }
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.item.dispose();
  }
}
