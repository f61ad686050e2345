// Running code through the server: each command that answers a Result is
// counted (for the status item), logged to the output channel, and shown inline where
// it belongs (the evaluated range, the called function's `def`, or the failing line; each
// cell an evalens.runCell ran: after its last line that is not blank; for an evalens.doctest,
// its summary in the status bar and each failing example marked after its `>>>` line:
// doctestmarks.ts).

import * as vscode from "vscode";
import { ExecuteCommandRequest, type LanguageClient } from "vscode-languageclient/node";
import { type Cell, cellLine, cellResults, describeCellRun, resultLine, scopeOf } from "./cells";
import type { DoctestMarks } from "./doctestmarks";
import { describeDoctestRun, failureDetails, lineOf, noDocstringMessage, summary, wentWrong } from "./doctests";
import { defLine } from "./functions";
import { FAILED, inlineText } from "./inline";
import type { OutputLog } from "./output";
import type { DisplayPanel } from "./panel";
import { Command, type DoctestResult, type JsonRange, type Result, type RunCellResult, type ServerCommand, isResult } from "./protocol";
import type { InlineResults } from "./results";

/** The one argument object of an evalens command. */
export type RunArgument = Record<string, unknown> & { uri?: string };

interface Place {
  uri: vscode.Uri;
  firstLine: number;
  line: number;
}

/** Sends `workspace/executeCommand` `command` with the one argument `argument`. */
export function sendCommand(client: LanguageClient, command: ServerCommand, argument: unknown): Promise<unknown> {
  return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: [argument] });
}

export function errorText(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}

export class Runner implements vscode.Disposable {
  private running = 0;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when a run starts or ends. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly output: OutputLog,
    private readonly results: InlineResults,
    private readonly currentClient: () => LanguageClient | undefined,
    /** The cells of a document as the server finds them (undefined: it cannot say). */
    private readonly cellsOf: (document: vscode.TextDocument) => Promise<Cell[] | undefined>,
    private readonly displays: DisplayPanel,
    /** Failing docstring examples marked inline. */
    private readonly doctests: DoctestMarks,
  ) {}

  get busy(): boolean {
    return this.running > 0;
  }

  /** Sends `command` and runs it as `run` does; answers its Result. */
  runAndSend(client: LanguageClient, command: ServerCommand, argument: RunArgument): Promise<Result | undefined> {
    return this.run(command, argument, () => sendCommand(client, command, argument)).then((answer) =>
      isResult(answer) ? answer : undefined,
    );
  }

  /** Runs one server command that answers a Result, with status, output and inline result. */
  async run(command: string, argument: RunArgument, send: () => Promise<unknown>): Promise<unknown> {
    this.running += 1;
    this.changed.fire();
    const title = describeRun(command, argument);
    this.output.line(`▶ ${title}`);
    const uri = typeof argument.uri === "string" ? argument.uri : null;
    const shown = this.displays.start(title, uri, this.codeOf(command, argument));
    let ended = false;
    try {
      const answer = await send();
      // At once: the next run's displays may follow right after this answer.
      this.displays.finish(shown, isResult(answer) ? answer : undefined);
      ended = true;
      if (isResult(answer)) {
        await this.showResult(command, argument, answer);
      }
      return answer;
    } catch (error) {
      if (!ended) {
        this.displays.finish(shown, undefined);
      }
      const refused = command === Command.doctest ? noDocstringMessage(error, lineOf(argument)) : undefined;
      if (refused) {
        // Not a failure: the cursor was in no docstring with examples.
        this.output.line(refused);
        void vscode.window.showInformationMessage(`evalens: ${refused}`);
        return undefined;
      }
      const message = errorText(error);
      this.output.line(`${FAILED} ${message}`);
      void vscode.window.showErrorMessage(`evalens: ${message}`);
      return undefined;
    } finally {
      this.running -= 1;
      this.changed.fire();
    }
  }

  /** The first line of the code an evalens.eval runs (a range of an open document, or code). */
  private codeOf(command: string, argument: RunArgument): string {
    if (command !== Command.eval) {
      return "";
    }
    if (typeof argument.code === "string") {
      return firstLine(argument.code);
    }
    const range = argument.range as JsonRange | undefined;
    const document = typeof argument.uri === "string" ? this.openDocument(argument.uri) : undefined;
    if (!range || !document || range.start.line >= document.lineCount) {
      return "";
    }
    return firstLine(document.lineAt(range.start.line).text.slice(range.start.character));
  }

  private async showResult(command: string, argument: RunArgument, result: Result): Promise<void> {
    // At once, before its place is known: later Results may arrive meanwhile.
    const generation = this.results.arrived(result);
    if (command === Command.runCell) {
      await this.showCells(argument, result as RunCellResult, generation);
      return;
    }
    if (command === Command.doctest) {
      this.showDoctest(argument, result as DoctestResult, generation);
      return;
    }
    if (result.error) {
      this.output.traceback(result.error.traceback || `${result.error.type}: ${result.error.message}`);
    } else {
      this.output.line(inlineText(result));
    }
    const place = await this.placeFor(command, argument, result);
    if (place) {
      this.results.show(place.uri, place.firstLine, place.line, result, generation);
    }
  }

  /**
   * Each cell an evalens.runCell ran, after its last line that is not blank, replacing what
   * was shown in that cell; in the output channel, a line per cell and a failure's traceback.
   */
  private async showCells(argument: RunArgument, answer: RunCellResult, generation: number): Promise<void> {
    const ran = cellResults(answer);
    for (const { line, result } of ran) {
      this.output.line(cellLine(line, result));
      if (result.error) {
        this.output.traceback(result.error.traceback || `${result.error.type}: ${result.error.message}`);
      }
    }
    if (ran.length === 0) {
      const scope = scopeOf(argument);
      const nothing =
        scope === "above"
          ? "no code cell above this one"
          : scope === "cell"
            ? "a markdown cell: nothing to run"
            : "no code cell to run";
      this.output.line(`${inlineText(answer)} ${nothing}`);
      vscode.window.setStatusBarMessage(`evalens: ${nothing}`, 3000);
      return;
    }
    const document = typeof argument.uri === "string" ? this.openDocument(argument.uri) : undefined;
    if (!document) {
      return;
    }
    const cells = (await this.cellsOf(document)) ?? [];
    const text = (line: number) => (line < document.lineCount ? document.lineAt(line).text : undefined);
    for (const { line, result } of ran) {
      const cell = cells.find((c) => c.line === line) ?? { line, end: line, name: "" };
      this.results.show(document.uri, cell.line, resultLine(cell, text), result, generation);
    }
  }

  /**
   * An evalens.doctest answer: each failing example in full and the summary in the output
   * channel, the summary in the status bar, the failing examples marked inline (where the
   * server's diagnostics are), and a run that did not complete shown as any run's failure.
   */
  private showDoctest(argument: RunArgument, answer: DoctestResult, generation: number): void {
    const line = lineOf(argument);
    const whole = line === undefined;
    this.output.text(failureDetails(answer));
    if (answer.error) {
      this.output.traceback(answer.error.traceback || `${answer.error.type}: ${answer.error.message}`);
    }
    const text = summary(answer, whole);
    this.output.line(text);
    vscode.window.setStatusBarMessage(`${wentWrong(answer) ? "$(error)" : "$(pass)"} evalens: ${text}`, 10000);
    const document = typeof argument.uri === "string" ? this.openDocument(argument.uri) : undefined;
    if (!document) {
      return;
    }
    this.doctests.answered(document.uri, answer, whole);
    if (!answer.ok) {
      // Where run failures show: the innermost frame in the document, else the docstring's
      // line, else the cursor's.
      const frames = answer.error?.frames.filter((f) => f.uri === argument.uri) ?? [];
      const editor = vscode.window.visibleTextEditors.find((e) => e.document === document);
      const at = frames[frames.length - 1]?.line ?? line ?? editor?.selection.active.line ?? 0;
      this.results.show(document.uri, at, at, answer, generation);
    }
  }

  /** The open document at the server's URI `uriText`, if any. */
  private openDocument(uriText: string): vscode.TextDocument | undefined {
    const client = this.currentClient();
    const uri = client ? client.protocol2CodeConverter.asUri(uriText) : vscode.Uri.parse(uriText);
    return vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  }

  /**
   * Where a result is shown: after the evaluated range, the called function's `def` (in the
   * open document the server says it is defined in, else found in the calling document),
   * or the failing line.
   */
  private async placeFor(command: string, argument: RunArgument, result: Result): Promise<Place | undefined> {
    const target = command === Command.call ? result.target : undefined;
    const defined = target?.uri ? this.openDocument(target.uri) : undefined;
    if (target && defined) {
      return { uri: defined.uri, firstLine: target.line, line: target.line };
    }
    const uriText = typeof argument.uri === "string" ? argument.uri : undefined;
    const document = uriText ? this.openDocument(uriText) : undefined;
    if (!uriText || !document) {
      return undefined;
    }
    const uri = document.uri;
    const editor = vscode.window.visibleTextEditors.find((e) => e.document === document);
    const cursorLine = editor?.selection.active.line ?? 0;
    const range = argument.range as JsonRange | undefined;
    if (command === Command.eval && range) {
      let last = range.end.line;
      if (range.end.character === 0 && last > range.start.line) {
        last -= 1;
      }
      return { uri, firstLine: range.start.line, line: last };
    }
    if (command === Command.call && typeof argument.target === "string") {
      const line = await defLine(document.uri, argument.target);
      return { uri, firstLine: line ?? cursorLine, line: line ?? cursorLine };
    }
    if (command === Command.runModule) {
      const frames = result.error?.frames.filter((f) => f.uri === uriText) ?? [];
      const innermost = frames[frames.length - 1];
      if (innermost) {
        return { uri, firstLine: innermost.line, line: innermost.line };
      }
      let last = document.lineCount - 1;
      while (last > 0 && document.lineAt(last).isEmptyOrWhitespace) {
        last -= 1;
      }
      return { uri, firstLine: last, line: last };
    }
    return { uri, firstLine: cursorLine, line: cursorLine };
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function firstLine(code: string): string {
  const line = code.split("\n").find((l) => l.trim()) ?? "";
  const text = line.trim();
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

function describeRun(command: string, argument: RunArgument): string {
  const file = typeof argument.uri === "string" ? decodeURIComponent(argument.uri.split("/").pop() ?? "") : "";
  const range = argument.range as JsonRange | undefined;
  switch (command) {
    case Command.eval:
      return range
        ? `eval ${file}:${range.start.line + 1}${range.end.line > range.start.line ? `-${range.end.line + 1}` : ""}`
        : `eval ${file}: ${String(argument.code ?? "")}`;
    case Command.call:
      return `call ${file}: ${String(argument.target)}(${typeof argument.args === "string" ? argument.args : ""})`;
    case Command.runModule:
      return `run ${file}`;
    case Command.runCell:
      return describeCellRun(file, typeof argument.line === "number" ? argument.line : undefined, scopeOf(argument));
    case Command.doctest:
      return describeDoctestRun(file, lineOf(argument));
    default:
      return command;
  }
}
