// The evalens editor commands (evaluate the selection or line, call a function, run the
// file, run cells, run docstring examples, interrupt, restart, clear results, show output or
// the server's problem, select the kernel: kernelpicker.ts).

import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import type { CellIndex } from "./cellindex";
import type { KernelPicker } from "./kernelpicker";
import { type Cell, cellAt, codeStart, nextCodeCell } from "./cells";
import type { DoctestMarks } from "./doctestmarks";
import { notificationText, wentWrong } from "./doctests";
import { pickTarget } from "./functions";
import type { OutputLog } from "./output";
import type { DisplayPanel } from "./panel";
import { type CellScope, Command, type DoctestResult, type JsonRange, type Result } from "./protocol";
import type { InlineResults } from "./results";
import { type RunArgument, type Runner, errorText, sendCommand } from "./runs";
import type { ServerConnection } from "./server";

/**
 * The extension's own commands (contributed in package.json, plus showProblem for the status
 * item and loadMoreVariables for the Variables view's "Load more…" row): editor commands, not the server's (those are `Command` in protocol.ts).
 */
export const EditorCommand = {
  evaluateSelection: "evalens.evaluateSelection",
  callFunction: "evalens.callFunction",
  runFile: "evalens.runFile",
  runCell: "evalens.runCurrentCell",
  runCellAndAdvance: "evalens.runCurrentCellAndAdvance",
  runCellsAbove: "evalens.runCellsAbove",
  runCellAndBelow: "evalens.runCellAndBelow",
  runAllCells: "evalens.runAllCells",
  runDocstringExamples: "evalens.runDocstringExamples",
  runAllExamples: "evalens.runAllExamples",
  interruptRun: "evalens.interruptRun",
  restartInterpreter: "evalens.restartInterpreter",
  clearResults: "evalens.clearResults",
  showOutput: "evalens.showOutput",
  showDisplays: "evalens.showDisplays",
  clearDisplays: "evalens.clearDisplays",
  showProblem: "evalens.showProblem",
  selectKernel: "evalens.selectKernel",
  // the Variables view (variablesview.ts)
  showVariables: "evalens.showVariables",
  refreshVariables: "evalens.refreshVariables",
  showAllNames: "evalens.showAllNames",
  showFewerNames: "evalens.showFewerNames",
  showFullValue: "evalens.showFullValue",
  loadMoreVariables: "evalens.loadMoreVariables", // the "Load more…" row's, not contributed
} as const;

export class EditorCommands {
  constructor(
    private readonly server: ServerConnection,
    private readonly runner: Runner,
    private readonly output: OutputLog,
    private readonly results: InlineResults,
    private readonly cells: CellIndex,
    private readonly displays: DisplayPanel,
    private readonly kernels: KernelPicker,
    private readonly doctests: DoctestMarks,
  ) {}

  register(context: vscode.ExtensionContext): void {
    const command = (id: string, fn: (...args: any[]) => unknown) =>
      context.subscriptions.push(vscode.commands.registerCommand(id, fn));
    command(EditorCommand.evaluateSelection, (arg?: unknown) => this.evaluateSelection(arg));
    command(EditorCommand.callFunction, (arg?: unknown) => this.callFunction(arg));
    command(EditorCommand.runFile, (arg?: unknown) => this.runFile(arg));
    command(EditorCommand.runCell, (arg?: unknown) => this.runCells("cell", "stay", keyOf(arg)));
    command(EditorCommand.runCellAndAdvance, (arg?: unknown) => this.runCells("cell", "advance", keyOf(arg)));
    command(EditorCommand.runCellsAbove, () => this.runCells("above", "stay"));
    command(EditorCommand.runCellAndBelow, () => this.runCells("below", "stay"));
    command(EditorCommand.runAllCells, () => this.runCells("all", "stay"));
    command(EditorCommand.runDocstringExamples, () => this.runExamples(false));
    command(EditorCommand.runAllExamples, (arg?: unknown) => this.runExamples(true, arg));
    command(EditorCommand.interruptRun, () => this.interrupt());
    command(EditorCommand.restartInterpreter, () => this.restart());
    command(EditorCommand.clearResults, () => {
      const uri = vscode.window.activeTextEditor?.document.uri;
      this.results.clear(uri);
      this.doctests.clear(uri);
    });
    command(EditorCommand.showOutput, () => this.output.show());
    command(EditorCommand.showDisplays, () => this.displays.show(false));
    command(EditorCommand.clearDisplays, () => this.displays.clear());
    command(EditorCommand.showProblem, () => this.server.showProblem());
    command(EditorCommand.selectKernel, () => this.kernels.select());
  }

  /** The active editor and the ready client, or undefined when either is missing. */
  private async activeEditorAndClient(): Promise<{ editor: vscode.TextEditor; client: LanguageClient } | undefined> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      return undefined;
    }
    const client = await this.server.ready();
    return client ? { editor, client } : undefined;
  }

  private async evaluateSelection(arg?: unknown): Promise<Result | undefined> {
    const ready = await this.activeEditorAndClient();
    if (!ready) {
      return undefined;
    }
    const { editor, client } = ready;
    const document = editor.document;
    let range: vscode.Range = editor.selection;
    if (arg && typeof arg === "object" && "code" in arg) {
      const code = String((arg as { code: unknown }).code);
      return this.runner.runAndSend(client, Command.eval, { uri: uriOf(client, document), code });
    }
    if (editor.selection.isEmpty) {
      const line = document.lineAt(editor.selection.active.line);
      if (line.isEmptyOrWhitespace) {
        vscode.window.setStatusBarMessage("evalens: nothing to evaluate on this line", 3000);
        return undefined;
      }
      range = line.range;
    }
    return this.runner.runAndSend(client, Command.eval, { uri: uriOf(client, document), range: toJsonRange(range) });
  }

  private async callFunction(arg?: unknown): Promise<Result | undefined> {
    const ready = await this.activeEditorAndClient();
    if (!ready) {
      return undefined;
    }
    const { editor, client } = ready;
    const given = (arg && typeof arg === "object" ? arg : {}) as { target?: string; args?: string };
    const target = given.target ?? (await pickTarget(editor));
    if (!target) {
      return undefined;
    }
    const args =
      given.args ??
      (await vscode.window.showInputBox({
        title: `evalens: call ${target}(…)`,
        prompt: `Arguments for ${target}, as Python source (empty for none)`,
        placeHolder: "3, key=2",
        ignoreFocusOut: true,
      }));
    if (args === undefined) {
      return undefined;
    }
    const request: RunArgument = { uri: uriOf(client, editor.document), target };
    if (args.trim()) {
      request.args = args.trim();
    }
    return this.runner.runAndSend(client, Command.call, request);
  }

  private async runFile(arg?: unknown): Promise<Result | undefined> {
    const found = await this.clientAndDocument(arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri);
    if (!found) {
      return undefined;
    }
    const { client, document } = found;
    return this.runner.runAndSend(client, Command.runModule, { uri: uriOf(client, document) });
  }

  /** The server's client once it is ready, and the document at `uri`, opened; undefined without either. */
  private async clientAndDocument(
    uri: vscode.Uri | undefined,
  ): Promise<{ client: LanguageClient; document: vscode.TextDocument } | undefined> {
    if (!uri) {
      return undefined;
    }
    const client = await this.server.ready();
    if (!client) {
      return undefined;
    }
    return { client, document: await vscode.workspace.openTextDocument(uri) };
  }

  /**
   * Runs the cell at the cursor (`scope` "cell"), the code cells above it, it and those below,
   * or all, through evalens.runCell. "advance" (Shift+Enter) first moves the cursor to the
   * start of the next code cell's code (nowhere after the last: nothing is created). `key`: the
   * key that ran the command (its keybinding's `args`); with the cursor in no cell (before the
   * first marker) that key keeps its meaning elsewhere: Shift+Enter evaluates the line, as in a
   * file without cells, Ctrl+Enter inserts a line below, as without evalens.
   */
  private async runCells(scope: CellScope, move: "stay" | "advance", key?: string): Promise<Result | undefined> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      return undefined;
    }
    const document = editor.document;
    const line = editor.selection.active.line;
    const chosen = (cells: Cell[]) => (scope === "all" ? cells[0] : cellAt(cells, line));
    // Finding the cells needs a running server, not a trusted workspace: a key pressed
    // outside every cell keeps its meaning there too.
    let cells = this.server.client?.isRunning() ? await this.cells.cellsOf(document) : undefined;
    if (cells && !chosen(cells)) {
      return this.outsideCells(cells, key);
    }
    const client = await this.server.ready();
    if (!client) {
      return undefined;
    }
    cells ??= await this.cells.cellsOf(document);
    if (cells === undefined) {
      void vscode.window.showErrorMessage("evalens: the server did not say where the cells of this file are.");
      return undefined;
    }
    const cell = chosen(cells);
    if (!cell) {
      return this.outsideCells(cells, key);
    }
    if (move === "advance") {
      const next = nextCodeCell(cells, cell, await this.cells.codeCellLines(client, document));
      if (next && editor === vscode.window.activeTextEditor) {
        const text = (n: number) => (n < document.lineCount ? document.lineAt(n).text : undefined);
        const start = codeStart(next, text);
        const at = new vscode.Position(start.line, start.character);
        editor.selection = new vscode.Selection(at, at);
        editor.revealRange(new vscode.Range(at, at), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      }
    }
    return this.runner.runAndSend(client, Command.runCell, {
      uri: uriOf(client, document),
      line: scope === "all" ? cell.line : line,
      scope,
    });
  }

  /**
   * Runs the `>>>` examples of the docstring at the cursor (its lines, or those of what it
   * documents), or with `whole` of every docstring of the file (`arg`: a file's URI, as the
   * explorer gives it; else the active editor's), through evalens.doctest, then says how it
   * went in a notification: the lenses, diagnostics and inline marks show the rest.
   */
  private async runExamples(whole: boolean, arg?: unknown): Promise<DoctestResult | undefined> {
    const editor = vscode.window.activeTextEditor;
    const found = await this.clientAndDocument(whole && arg instanceof vscode.Uri ? arg : editor?.document.uri);
    if (!found) {
      return undefined;
    }
    const { client, document } = found;
    const argument: RunArgument = { uri: uriOf(client, document) };
    if (!whole && editor) {
      argument.line = editor.selection.active.line;
    }
    const answer = (await this.runner.runAndSend(client, Command.doctest, argument)) as DoctestResult | undefined;
    if (answer) {
      const file = document.uri.path.split("/").pop() ?? document.uri.path;
      const text = `evalens: ${notificationText(answer, file, whole)}`;
      if (wentWrong(answer)) {
        void vscode.window.showWarningMessage(text, "Show Problems").then((choice) => {
          if (choice) {
            void vscode.commands.executeCommand("workbench.actions.view.problems");
          }
        });
      } else {
        void vscode.window.showInformationMessage(text);
      }
    }
    return answer;
  }

  /** The cursor is in no cell: the key does what it does elsewhere, else the status bar says why. */
  private async outsideCells(cells: Cell[], key: string | undefined): Promise<Result | undefined> {
    if (key === "shift+enter") {
      return this.evaluateSelection();
    }
    if (key === "ctrl+enter") {
      await vscode.commands.executeCommand("editor.action.insertLineAfter");
      return undefined;
    }
    vscode.window.setStatusBarMessage(
      cells.length === 0
        ? "evalens: this file has no cells (a cell starts at a line # %%)"
        : "evalens: the cursor is in no cell (a cell starts at its # %% line)",
      4000,
    );
    return undefined;
  }

  private async interrupt(): Promise<void> {
    const client = this.server.client;
    if (!client?.isRunning()) {
      vscode.window.setStatusBarMessage("evalens: the server is not running", 3000);
      return;
    }
    try {
      const answer = (await sendCommand(client, Command.interrupt, {})) as { interrupted?: boolean };
      vscode.window.setStatusBarMessage(
        answer?.interrupted ? "evalens: interrupted" : "evalens: nothing is running",
        3000,
      );
    } catch (error) {
      void vscode.window.showErrorMessage(`evalens: ${errorText(error)}`);
    }
  }

  private async restart(): Promise<void> {
    if (!this.server.client?.isRunning() || this.server.problem) {
      await this.server.start();
      return;
    }
    const client = await this.server.ready();
    if (!client) {
      return;
    }
    try {
      const answer = (await sendCommand(client, Command.restart, {})) as { pid?: number };
      this.output.line(`↻ restarted the interpreter (pid ${answer?.pid ?? "?"})`);
      vscode.window.setStatusBarMessage(`evalens: restarted the interpreter (pid ${answer?.pid ?? "?"})`, 3000);
    } catch (error) {
      void vscode.window.showErrorMessage(`evalens: ${errorText(error)}`);
    }
  }
}

/** The key a keybinding says ran a command (`"args": {"key": "shift+enter"}`), if any. */
function keyOf(arg: unknown): string | undefined {
  const key = arg && typeof arg === "object" ? (arg as { key?: unknown }).key : undefined;
  return typeof key === "string" ? key : undefined;
}

function uriOf(client: LanguageClient, document: vscode.TextDocument): string {
  return client.code2ProtocolConverter.asUri(document.uri);
}

function toJsonRange(range: vscode.Range): JsonRange {
  return {
    start: { line: range.start.line, character: range.start.character },
    end: { line: range.end.line, character: range.end.character },
  };
}
