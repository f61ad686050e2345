// The evalens display panel: a webview beside the editor (as the Jupyter extension's
// Interactive Window) showing, run after run, what each run displayed (plots, images, SVG,
// HTML and DataFrame tables, markdown and text) under what ran. Fed by `evalens/display`
// notifications as they come and reconciled with each run's Result (display.ts, DisplayLog);
// revealed, without taking the focus, when a run shows something.

import { randomBytes } from "node:crypto";
import * as vscode from "vscode";
import { type DisplayChange, DisplayLog, type DisplayParams, type DisplayRun, base64Of, renderingOf } from "./display";
import { type PageMessage, displayPage } from "./displaypage";
import { inlineText } from "./inline";
import type { Result } from "./protocol";

/** The webview's view type (and the `activeWebviewPanelId` of package.json's `when` clauses). */
export const DISPLAY_VIEW_TYPE = "evalensDisplay";
const TITLE = "evalens display";

function settings(): { reveal: boolean; maxRuns: number } {
  const config = vscode.workspace.getConfiguration("evalens");
  return {
    reveal: config.get<string>("display.reveal", "onDisplay") !== "never",
    maxRuns: Math.max(1, Math.floor(config.get<number>("display.maxRuns", 50))),
  };
}

/** A run as the page draws its header. */
function header(run: DisplayRun) {
  return { id: run.id, title: run.title, code: run.code, state: run.state, summary: run.summary };
}

export class DisplayPanel implements vscode.Disposable {
  private readonly log: DisplayLog;
  private panel: vscode.WebviewPanel | undefined;
  private ready = false;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor() {
    this.log = new DisplayLog((change) => this.changed(change), settings().maxRuns);
    this.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration("evalens.display.maxRuns")) {
          this.log.maxRuns = settings().maxRuns;
          this.log.trim();
        }
      }),
      // Scripts in a run's HTML follow trust: load the page again with the trusted policy.
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.load()),
    );
  }

  /** A run was sent (`title` as the output channel says it): answers its id for `finish`. */
  start(title: string, uri: string | null, code = ""): number {
    return this.log.start(title, uri, code);
  }

  /** The run `id` ended: its Result (undefined when the request failed). */
  finish(id: number, result: Result | undefined): void {
    this.log.finish(id, result, (r) => inlineText(r, 80));
  }

  /** The `evalens/display` notification. */
  onDisplay(params: DisplayParams): void {
    this.log.display(params);
  }

  /** Shows the panel (`preserveFocus`: the editor keeps the focus). */
  show(preserveFocus = false): void {
    if (this.panel) {
      this.panel.reveal(this.panel.viewColumn, preserveFocus);
      return;
    }
    this.panel = vscode.window.createWebviewPanel(
      DISPLAY_VIEW_TYPE,
      TITLE,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus },
      { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [] },
    );
    const panel = this.panel;
    panel.onDidDispose(() => {
      if (this.panel === panel) {
        this.panel = undefined;
        this.ready = false;
      }
    });
    panel.webview.onDidReceiveMessage((message: PageMessage) => void this.received(message));
    this.load();
  }

  clear(): void {
    this.log.clear();
  }

  private load(): void {
    if (!this.panel) {
      return;
    }
    this.ready = false;
    const webview = this.panel.webview;
    this.panel.webview.html = displayPage(webview.cspSource, randomBytes(16).toString("base64"), vscode.workspace.isTrusted);
  }

  private async received(message: PageMessage): Promise<void> {
    if (message?.type === "ready") {
      this.ready = true;
      this.post({
        type: "reset",
        runs: this.log.runs.map((run) => ({ ...header(run), renderings: run.bundles.map(renderingOf) })),
      });
    } else if (message?.type === "clear") {
      this.clear();
    } else if (message?.type === "save") {
      await this.save(message.run, message.index);
    }
  }

  /** Saves an image a run showed to a file the user picks. */
  private async save(runId: number, index: number): Promise<void> {
    const run = this.log.runs.find((r) => r.id === runId);
    const bundle = run?.bundles[index];
    if (!bundle) {
      return;
    }
    const rendering = renderingOf(bundle);
    if (rendering.kind !== "image") {
      return;
    }
    const extension = rendering.mime === "image/svg+xml" ? "svg" : rendering.mime === "image/jpeg" ? "jpg" : rendering.mime.split("/")[1];
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      title: "evalens: save the image",
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, `figure-${runId}-${index + 1}.${extension}`) } : {}),
      filters: { [rendering.mime]: [extension] },
    });
    if (!target) {
      return;
    }
    const bytes =
      rendering.mime === "image/svg+xml"
        ? Buffer.from(String(bundle.data["image/svg+xml"]), "utf8")
        : Buffer.from(base64Of(bundle.data[rendering.mime]) ?? "", "base64");
    await vscode.workspace.fs.writeFile(target, bytes);
    vscode.window.setStatusBarMessage(`evalens: saved ${vscode.workspace.asRelativePath(target)}`, 3000);
  }

  private changed(change: DisplayChange): void {
    if (change.kind === "append" && change.first && settings().reveal && !this.panel?.visible) {
      const created = !this.panel;
      this.show(true); // a run shows something: the panel appears, the editor keeps the focus
      if (created) {
        return; // the page, once loaded, asks for everything
      }
    }
    switch (change.kind) {
      case "append":
        this.post({
          type: "append",
          run: header(change.run),
          index: change.run.bundles.indexOf(change.bundle),
          rendering: renderingOf(change.bundle),
        });
        break;
      case "update":
        this.post({ type: "update", run: header(change.run) });
        break;
      case "remove":
        this.post({ type: "remove", ids: change.ids });
        break;
      case "clear":
        this.post({ type: "clear" });
        break;
    }
  }

  private post(message: unknown): void {
    if (this.panel && this.ready) {
      void this.panel.webview.postMessage(message);
    }
  }

  dispose(): void {
    this.subscriptions.forEach((d) => d.dispose());
    this.panel?.dispose();
  }
}
