// The evalens status bar items: the state (idle, busy: click to interrupt, starting, restricted in
// an untrusted workspace, or the server's problem: click for details), and beside it where code
// runs (evalens' own interpreter's Python or a Jupyter kernel: click to choose another).

import * as vscode from "vscode";
import { EditorCommand } from "./commands";
import { kernelStatusText } from "./kernels";
import { Command, type Status } from "./protocol";
import { type Runner, sendCommand } from "./runs";
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

/**
 * Where code runs: `evalens: python3 kernel`, `evalens: kernel of kernel-1234.json`, `evalens:
 * kernel at http://host:8888`, or evalens' own interpreter's Python (`evalens: Python 3.12.3`),
 * from evalens.status: asked when the server starts, when settings were sent to it (the
 * `evalens.kernel` setting changed) and after each run; evalens.attach's answer is shown as it
 * comes. A second item rather than more text in the state's: its click chooses the kernel, the
 * state item's interrupts or shows the output. Hidden while no code can run (no server, a
 * restricted workspace).
 */
export class KernelStatusItem implements vscode.Disposable {
  // Just right of the state item (a lower priority is further right).
  private readonly item = vscode.window.createStatusBarItem("evalens.kernel", vscode.StatusBarAlignment.Left, -1);
  private readonly subscriptions: vscode.Disposable[];
  private status: Partial<Status> | undefined;
  /** The client whose status is shown (a new server is asked again). */
  private statusOf: unknown;
  private asking: Promise<Partial<Status> | undefined> | undefined;
  private askAgain = false;
  /** Asked again while the interpreter is starting, so that its Python shows once known. */
  private retries = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly server: ServerConnection,
    runner: Runner,
  ) {
    this.item.name = "evalens kernel";
    this.item.command = EditorCommand.selectKernel;
    this.subscriptions = [
      server.onDidChange(() => this.serverChanged()),
      server.onDidSendSettings(() => void this.refresh()),
      runner.onDidChange(() => {
        if (!runner.busy) {
          void this.refresh();
        }
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.render()),
    ];
    this.render();
  }

  /** The status last answered, asked first if there is none yet. */
  async currentStatus(): Promise<Partial<Status> | undefined> {
    return this.status && this.statusOf === this.server.client ? this.status : this.refresh();
  }

  /** Shows a status the server answered (evalens.attach's). */
  show(status: Partial<Status>): void {
    this.status = status;
    this.statusOf = this.server.client;
    this.render();
    this.retryWhileStarting();
  }

  /** Asks the server for its status (once at a time: a call meanwhile asks once more after). */
  async refresh(): Promise<Partial<Status> | undefined> {
    if (this.asking) {
      this.askAgain = true;
      return this.asking;
    }
    this.asking = (async () => {
      let answer: Partial<Status> | undefined;
      do {
        this.askAgain = false;
        const client = this.server.client;
        if (!client?.isRunning()) {
          return undefined;
        }
        try {
          answer = (await sendCommand(client, Command.status, {})) as Partial<Status>;
          this.status = answer;
          this.statusOf = client;
        } catch {
          // a server going away: the next start asks again
        }
      } while (this.askAgain);
      return answer;
    })();
    try {
      return await this.asking;
    } finally {
      this.asking = undefined;
      this.render();
      this.retryWhileStarting();
    }
  }

  private retryWhileStarting(): void {
    const starting = this.status?.state === "starting" || (this.status?.state !== "stopped" && !this.status?.python);
    if (!starting) {
      this.retries = 0;
      return;
    }
    if (this.retryTimer === undefined && this.retries < 20) {
      this.retries += 1;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        void this.refresh();
      }, 500);
    }
  }

  private serverChanged(): void {
    const client = this.server.client;
    if (client?.isRunning() && this.statusOf !== client && !this.asking) {
      void this.refresh();
    }
    this.render();
  }

  private render(): void {
    const client = this.server.client;
    const shown =
      this.status !== undefined &&
      this.statusOf === client &&
      client?.isRunning() === true &&
      !this.server.problem &&
      vscode.workspace.isTrusted;
    if (!shown) {
      this.item.hide();
      return;
    }
    const { text, tooltip } = kernelStatusText(this.status);
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.show();
  }

  dispose(): void {
    clearTimeout(this.retryTimer);
    this.subscriptions.forEach((s) => s.dispose());
    this.item.dispose();
  }
}
