// The cells (`# %%`) of the open Python documents, as the server finds them (its document
// symbols of kind Namespace: markers in strings and the `cellMarkers` setting are its
// business), kept per document version and asked again as the document changes. From them:
// the context key `evalens:hasCells` (the Shift+Enter / Ctrl+Enter keybindings' `when`), a
// thin line above each marker (the colour `evalens.cellBorder`), and the code cells (those the
// server offers its Run cell lens on) for Shift+Enter to move to.

import * as vscode from "vscode";
import { CodeLensRequest, DocumentSymbolRequest, type LanguageClient } from "vscode-languageclient/node";
import { type Cell, cellsFromSymbols } from "./cells";
import { Command } from "./protocol";
import type { ServerConnection } from "./server";

/** The `when` context key of the cell keybindings: the active editor is Python with cells. */
export const HAS_CELLS_CONTEXT = "evalens:hasCells";

/** How long after a change the cells are asked again (typing goes on meanwhile). */
const REFRESH_DELAY_MS = 200;

interface Known {
  version: number;
  cells: Cell[];
}

/** Documents that can have cells: Python files, saved or not (not notebook cells). */
export function mayHaveCells(document: vscode.TextDocument): boolean {
  return document.languageId === "python" && (document.uri.scheme === "file" || document.uri.scheme === "untitled");
}

export class CellIndex implements vscode.Disposable {
  private readonly known = new Map<string, Known>();
  private readonly asking = new Map<string, { version: number; answer: Promise<Cell[] | undefined> }>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly border = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    borderColor: new vscode.ThemeColor("evalens.cellBorder"),
    borderStyle: "solid",
    borderWidth: "1px 0 0 0",
  });
  private hasCells: boolean | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly server: ServerConnection) {
    this.subscriptions.push(
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.contentChanges.length > 0 && this.isShown(event.document)) {
          this.schedule(event.document);
        }
      }),
      vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((e) => this.schedule(e.document))),
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        this.updateContext();
        if (editor) {
          this.schedule(editor.document);
        }
      }),
      vscode.workspace.onDidCloseTextDocument((document) => this.forget(document)),
      // The server (re)started or stopped: its cells may differ (cellMarkers), or be unknown.
      server.onDidChange(() => this.refreshShown()),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration("evalens")) {
          this.refreshShown();
        }
      }),
    );
    this.refreshShown();
  }

  /** The cells of `document` as last known (maybe of an older version), without asking. */
  cached(document: vscode.TextDocument): Cell[] {
    return this.known.get(document.uri.toString())?.cells ?? [];
  }

  /**
   * The cells of `document` as it is now, asked of the server unless known for this version;
   * undefined when the server cannot answer.
   */
  cellsOf(document: vscode.TextDocument): Promise<Cell[] | undefined> {
    const key = document.uri.toString();
    const version = document.version;
    const known = this.known.get(key);
    if (known?.version === version) {
      return Promise.resolve(known.cells);
    }
    const pending = this.asking.get(key);
    if (pending?.version === version) {
      return pending.answer;
    }
    const answer = this.ask(document, version).finally(() => {
      if (this.asking.get(key)?.answer === answer) {
        this.asking.delete(key);
      }
    });
    this.asking.set(key, { version, answer });
    return answer;
  }

  /**
   * The marker lines of the code cells of `document`: where the server offers its Run cell
   * lens (none on a markdown cell). Undefined when the server does not say (no lenses).
   */
  async codeCellLines(client: LanguageClient, document: vscode.TextDocument): Promise<Set<number> | undefined> {
    try {
      const lenses = await client.sendRequest(CodeLensRequest.type, {
        textDocument: { uri: client.code2ProtocolConverter.asUri(document.uri) },
      });
      const lines = new Set<number>();
      for (const lens of lenses ?? []) {
        const argument = lens.command?.arguments?.[0] as { line?: unknown; scope?: unknown } | undefined;
        if (lens.command?.command === Command.runCell && argument?.scope === "cell" && typeof argument.line === "number") {
          lines.add(argument.line);
        }
      }
      return lines.size > 0 ? lines : undefined;
    } catch {
      return undefined;
    }
  }

  private async ask(document: vscode.TextDocument, version: number): Promise<Cell[] | undefined> {
    const client = this.server.client;
    if (!mayHaveCells(document) || !client?.isRunning()) {
      return mayHaveCells(document) ? undefined : [];
    }
    let cells: Cell[];
    try {
      const symbols = await client.sendRequest(DocumentSymbolRequest.type, {
        textDocument: { uri: client.code2ProtocolConverter.asUri(document.uri) },
      });
      cells = cellsFromSymbols(symbols);
    } catch {
      return undefined;
    }
    if (document.isClosed) {
      return cells;
    }
    // Kept only when no newer version's answer came first.
    const key = document.uri.toString();
    const known = this.known.get(key);
    if (!known || known.version <= version) {
      this.known.set(key, { version, cells });
      this.render(document);
      if (document.version !== version) {
        this.schedule(document); // it changed while the server answered
      }
    }
    return cells;
  }

  private isShown(document: vscode.TextDocument): boolean {
    return vscode.window.visibleTextEditors.some((e) => e.document === document);
  }

  /** Asks for the cells of `document` again shortly (once for a burst of changes). */
  private schedule(document: vscode.TextDocument): void {
    if (!mayHaveCells(document)) {
      this.updateContext();
      return;
    }
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        if (!document.isClosed) {
          void this.cellsOf(document).then(() => this.render(document));
        }
      }, REFRESH_DELAY_MS),
    );
  }

  /** Asks for the cells of every shown document again, even of versions known. */
  private refreshShown(): void {
    for (const known of this.known.values()) {
      known.version = -1; // the server's cells may differ now (restarted, cellMarkers changed)
    }
    vscode.window.visibleTextEditors.forEach((e) => this.schedule(e.document));
    this.updateContext();
  }

  private forget(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    this.known.delete(key);
    this.asking.delete(key);
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }

  /** The line above each marker, in every editor showing `document`; the context key. */
  private render(document: vscode.TextDocument): void {
    const markers = this.cached(document).map((cell) => new vscode.Range(cell.line, 0, cell.line, 0));
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document === document) {
        editor.setDecorations(this.border, markers);
      }
    }
    this.updateContext();
  }

  private updateContext(): void {
    const document = vscode.window.activeTextEditor?.document;
    const has = document !== undefined && mayHaveCells(document) && this.cached(document).length > 0;
    if (has !== this.hasCells) {
      this.hasCells = has;
      void vscode.commands.executeCommand("setContext", HAS_CELLS_CONTEXT, has);
    }
  }

  dispose(): void {
    this.timers.forEach((timer) => clearTimeout(timer));
    this.border.dispose();
    this.subscriptions.forEach((d) => d.dispose());
    void vscode.commands.executeCommand("setContext", HAS_CELLS_CONTEXT, false);
  }
}
