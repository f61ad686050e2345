// The "evalens" output channel: a line per run, the program's streamed output, values and
// tracebacks, revealed as the `evalens.revealOutput` setting asks.

import * as vscode from "vscode";
import type { OutputParams } from "./protocol";

export class OutputLog implements vscode.Disposable {
  private readonly channel = vscode.window.createOutputChannel("evalens");
  private atLineStart = true;

  /** Output the program printed (the server's `evalens/output` notification). */
  onOutput(output: OutputParams): void {
    this.text(output.text);
    if (vscode.workspace.getConfiguration("evalens").get("revealOutput", "onOutput") === "onOutput") {
      this.show();
    }
  }

  /** A failed run's traceback: always written, revealed unless `revealOutput` is `never`. */
  traceback(traceback: string): void {
    this.text(traceback.endsWith("\n") ? traceback : `${traceback}\n`);
    if (vscode.workspace.getConfiguration("evalens").get("revealOutput") !== "never") {
      this.show();
    }
  }

  /** Text as it comes, without a newline added. */
  text(text: string): void {
    if (!text) {
      return;
    }
    this.channel.append(text);
    this.atLineStart = text.endsWith("\n");
  }

  /** One line of its own, after a newline if the last text did not end with one. */
  line(line: string): void {
    this.text(`${this.atLineStart ? "" : "\n"}${line}\n`);
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
