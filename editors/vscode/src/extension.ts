// The evalens VS Code extension: starts `python -m evalens`, maps workspace
// trust to the server's `trusted` setting, and turns the server's command API
// into editor commands, inline results, an output channel and a status item.

import * as vscode from "vscode";
import {
  CodeLensRequest,
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  State,
} from "vscode-languageclient/node";
import { type JsonRange, type Output, type Result, RUN_COMMANDS, isResult } from "./protocol";
import { checkServerPython, describe, findServerPython, onDidChangePythonExtensionInterpreter } from "./python";
import type { ServerPython } from "./python";
import { InlineResults, inlineText } from "./results";

const UNTRUSTED =
  "evalens runs code only in a trusted workspace. This workspace is not trusted, so evaluation is off; completion and hover still work.";

interface Place {
  uri: vscode.Uri;
  firstLine: number;
  line: number;
}

type RunArgument = Record<string, unknown> & { uri?: string };

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
    },
  };
}

class Controller implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private python: ServerPython | undefined;
  private problem: string | undefined;
  private running = 0;
  private atLineStart = true;
  private starting: Promise<void> | undefined;
  private readonly output = vscode.window.createOutputChannel("evalens");
  private readonly serverLog = vscode.window.createOutputChannel("evalens language server", { log: true });
  private readonly results = new InlineResults();
  private readonly status = vscode.window.createStatusBarItem("evalens.status", vscode.StatusBarAlignment.Left, 0);
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    this.status.name = "evalens";
    this.updateStatus();
    this.status.show();
    this.disposables.push(
      this.output,
      this.serverLog,
      this.results,
      this.status,
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.trustGranted()),
      vscode.workspace.onDidChangeConfiguration((event) => void this.configurationChanged(event)),
    );
  }

  register(context: vscode.ExtensionContext): void {
    const command = (id: string, fn: (...args: any[]) => unknown) =>
      context.subscriptions.push(vscode.commands.registerCommand(id, fn));
    command("evalens.evaluateSelection", (arg?: unknown) => this.evaluateSelection(arg));
    command("evalens.callFunction", (arg?: unknown) => this.callFunction(arg));
    command("evalens.runFile", (arg?: unknown) => this.runFile(arg));
    command("evalens.interruptRun", () => this.interrupt());
    command("evalens.restartInterpreter", () => this.restart());
    command("evalens.clearResults", () => this.results.clear(vscode.window.activeTextEditor?.document.uri));
    command("evalens.showOutput", () => this.output.show(true));
    command("evalens.showProblem", () => this.showProblem());
    void onDidChangePythonExtensionInterpreter().then((event) => {
      if (event) {
        this.disposables.push(event(() => void this.pythonMayHaveChanged()));
      }
    });
  }

  // -- the language client ---------------------------------------------------------

  start(): Promise<void> {
    this.starting ??= this.doStart().finally(() => {
      this.starting = undefined;
      this.updateStatus();
    });
    return this.starting;
  }

  private async doStart(): Promise<void> {
    await this.stopClient();
    this.problem = undefined;
    this.updateStatus();
    const folder = vscode.workspace.workspaceFolders?.[0];
    const python = await findServerPython(folder?.uri);
    this.python = python;
    const problem = await checkServerPython(python);
    if (problem) {
      this.problem = problem.message;
      this.updateStatus();
      this.serverLog.error(problem.message);
      const choices = ["Open Settings", ...(problem.installCommand ? ["Copy Install Command"] : []), "Retry"];
      void vscode.window.showErrorMessage(problem.message, ...choices).then(async (choice) => {
        if (choice === "Open Settings") {
          await vscode.commands.executeCommand("workbench.action.openSettings", "evalens.serverPython");
        } else if (choice === "Copy Install Command" && problem.installCommand) {
          await vscode.env.clipboard.writeText(problem.installCommand);
        } else if (choice === "Retry") {
          await this.start();
        }
      });
      return;
    }
    const serverOptions: ServerOptions = {
      command: python.command,
      args: ["-m", "evalens"],
      options: folder ? { cwd: folder.uri.fsPath } : {},
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ language: "python" }],
      outputChannel: this.serverLog,
      initializationOptions: serverSettings(),
      middleware: {
        executeCommand: async (command, args, next) => {
          if (!RUN_COMMANDS.has(command)) {
            return next(command, args);
          }
          return this.run(command, (args[0] ?? {}) as RunArgument, () => Promise.resolve(next(command, args)));
        },
        workspace: {
          configuration: async (params, token, next) => {
            const answers = await next(params, token);
            if (!Array.isArray(answers)) {
              return answers;
            }
            return answers.map((answer, i) => (params.items[i]?.section === "evalens" ? serverSettings() : answer));
          },
        },
        // The inline decorations show the same values, with colour and hover.
        provideInlayHints: () => [],
      },
      initializationFailedHandler: (error) => {
        this.problem = `evalens: the server did not start with ${describe(python)}: ${String(error)}`;
        this.updateStatus();
        void vscode.window.showErrorMessage(this.problem);
        return false;
      },
    };
    const client = new LanguageClient("evalens", "evalens language server", serverOptions, clientOptions);
    client.onNotification("evalens/output", (output: Output) => this.onOutput(output));
    client.onDidChangeState((event) => {
      if (event.newState === State.Stopped && this.client === client && !this.problem) {
        this.problem = "evalens: the language server stopped; run “evalens: Restart Interpreter” to start it again.";
      } else if (event.newState === State.Running) {
        this.problem = undefined;
      }
      this.updateStatus();
    });
    this.client = client;
    try {
      await client.start();
    } catch (error) {
      this.problem ??= `evalens: the server did not start with ${describe(python)}: ${errorText(error)}`;
      this.serverLog.error(this.problem);
    }
    this.updateStatus();
  }

  private async stopClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      try {
        await client.stop(5000);
      } catch {
        // already stopped
      }
    }
  }

  private async trustGranted(): Promise<void> {
    const python = await findServerPython(vscode.workspace.workspaceFolders?.[0]?.uri);
    if (!this.client || !this.python || python.command !== this.python.command || !this.client.isRunning()) {
      await this.start(); // restricted settings such as serverPython may have changed with trust
      return;
    }
    await this.client.sendNotification(DidChangeConfigurationNotification.type, {
      settings: { evalens: serverSettings() },
    });
    this.refreshLenses();
    this.updateStatus();
  }

  private async configurationChanged(event: vscode.ConfigurationChangeEvent): Promise<void> {
    if (event.affectsConfiguration("evalens.serverPython")) {
      await this.start();
    } else if (event.affectsConfiguration("evalens") && this.client?.isRunning()) {
      await this.client.sendNotification(DidChangeConfigurationNotification.type, {
        settings: { evalens: serverSettings() },
      });
    }
  }

  private async pythonMayHaveChanged(): Promise<void> {
    const python = await findServerPython(vscode.workspace.workspaceFolders?.[0]?.uri);
    if (python.command !== this.python?.command) {
      await this.start();
    }
  }

  private refreshLenses(): void {
    const feature = this.client?.getFeature(CodeLensRequest.method);
    for (const editor of vscode.window.visibleTextEditors) {
      feature?.getProvider(editor.document)?.onDidChangeCodeLensEmitter.fire();
    }
  }

  // -- running code ------------------------------------------------------------------

  /** The client, when code can run; otherwise says why not. */
  private async ready(): Promise<LanguageClient | undefined> {
    if (!vscode.workspace.isTrusted) {
      const choice = await vscode.window.showWarningMessage(UNTRUSTED, "Manage Workspace Trust");
      if (choice) {
        await vscode.commands.executeCommand("workbench.trust.manage");
      }
      return undefined;
    }
    if (this.starting) {
      await this.starting;
    }
    if (!this.client || this.problem) {
      this.showProblem();
      return undefined;
    }
    if (this.client.state === State.Starting) {
      await new Promise<void>((resolve) => {
        const sub = this.client?.onDidChangeState((e) => {
          if (e.newState !== State.Starting) {
            sub?.dispose();
            resolve();
          }
        });
      });
    }
    return this.client.isRunning() ? this.client : undefined;
  }

  private uriOf(client: LanguageClient, document: vscode.TextDocument): string {
    return client.code2ProtocolConverter.asUri(document.uri);
  }

  private send(client: LanguageClient, command: string, argument: unknown): Promise<unknown> {
    return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: [argument] });
  }

  private async evaluateSelection(arg?: unknown): Promise<Result | undefined> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      return undefined;
    }
    const client = await this.ready();
    if (!client) {
      return undefined;
    }
    const document = editor.document;
    let range: vscode.Range = editor.selection;
    if (arg && typeof arg === "object" && "code" in arg) {
      const code = String((arg as { code: unknown }).code);
      return this.runAndSend(client, "evalens.eval", { uri: this.uriOf(client, document), code });
    }
    if (editor.selection.isEmpty) {
      const line = document.lineAt(editor.selection.active.line);
      if (line.isEmptyOrWhitespace) {
        vscode.window.setStatusBarMessage("evalens: nothing to evaluate on this line", 3000);
        return undefined;
      }
      range = line.range;
    }
    return this.runAndSend(client, "evalens.eval", { uri: this.uriOf(client, document), range: toJsonRange(range) });
  }

  private async callFunction(arg?: unknown): Promise<Result | undefined> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      return undefined;
    }
    const client = await this.ready();
    if (!client) {
      return undefined;
    }
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
    const request: RunArgument = { uri: this.uriOf(client, editor.document), target };
    if (args.trim()) {
      request.args = args.trim();
    }
    return this.runAndSend(client, "evalens.call", request);
  }

  private async runFile(arg?: unknown): Promise<Result | undefined> {
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    if (!uri) {
      return undefined;
    }
    const client = await this.ready();
    if (!client) {
      return undefined;
    }
    const document = await vscode.workspace.openTextDocument(uri);
    return this.runAndSend(client, "evalens.runModule", { uri: this.uriOf(client, document) });
  }

  private runAndSend(client: LanguageClient, command: string, argument: RunArgument): Promise<Result | undefined> {
    return this.run(command, argument, () => this.send(client, command, argument)).then((answer) =>
      isResult(answer) ? answer : undefined,
    );
  }

  /** Runs one server command that answers a Result, with status, output and inline result. */
  private async run(command: string, argument: RunArgument, send: () => Promise<unknown>): Promise<unknown> {
    this.running += 1;
    this.updateStatus();
    this.logLine(`▶ ${describeRun(command, argument)}`);
    try {
      const answer = await send();
      if (isResult(answer)) {
        this.showResult(command, argument, answer);
      }
      return answer;
    } catch (error) {
      const message = errorText(error);
      this.logLine(`✖ ${message}`);
      void vscode.window.showErrorMessage(`evalens: ${message}`);
      return undefined;
    } finally {
      this.running -= 1;
      this.updateStatus();
    }
  }

  private showResult(command: string, argument: RunArgument, result: Result): void {
    if (result.error) {
      const traceback = result.error.traceback || `${result.error.type}: ${result.error.message}`;
      this.logText(traceback.endsWith("\n") ? traceback : `${traceback}\n`);
      if (vscode.workspace.getConfiguration("evalens").get("revealOutput") !== "never") {
        this.output.show(true);
      }
    } else {
      this.logLine(inlineText(result));
    }
    const place = this.placeFor(command, argument, result);
    if (place) {
      this.results.show(place.uri, place.firstLine, place.line, result);
    }
  }

  /** Where a result is shown: after the evaluated range, the called function's `def`, or the failing line. */
  private placeFor(command: string, argument: RunArgument, result: Result): Place | undefined {
    const uriText = typeof argument.uri === "string" ? argument.uri : undefined;
    if (!uriText) {
      return undefined;
    }
    const uri = this.client ? this.client.protocol2CodeConverter.asUri(uriText) : vscode.Uri.parse(uriText);
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (!document) {
      return undefined;
    }
    const editor = vscode.window.visibleTextEditors.find((e) => e.document === document);
    const cursorLine = editor?.selection.active.line ?? 0;
    const range = argument.range as JsonRange | undefined;
    if (command === "evalens.eval" && range) {
      let last = range.end.line;
      if (range.end.character === 0 && last > range.start.line) {
        last -= 1;
      }
      return { uri, firstLine: range.start.line, line: last };
    }
    if (command === "evalens.call" && typeof argument.target === "string") {
      const line = defLine(document, argument.target);
      return { uri, firstLine: line ?? cursorLine, line: line ?? cursorLine };
    }
    if (command === "evalens.runModule") {
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

  private onOutput(output: Output): void {
    this.logText(output.text);
    if (vscode.workspace.getConfiguration("evalens").get("revealOutput", "onOutput") === "onOutput") {
      this.output.show(true);
    }
  }

  private logText(text: string): void {
    if (!text) {
      return;
    }
    this.output.append(text);
    this.atLineStart = text.endsWith("\n");
  }

  private logLine(line: string): void {
    this.logText(`${this.atLineStart ? "" : "\n"}${line}\n`);
  }

  // -- interrupt, restart, status -----------------------------------------------------

  private async interrupt(): Promise<void> {
    const client = this.client;
    if (!client?.isRunning()) {
      vscode.window.setStatusBarMessage("evalens: the server is not running", 3000);
      return;
    }
    try {
      const answer = (await this.send(client, "evalens.interrupt", {})) as { interrupted?: boolean };
      vscode.window.setStatusBarMessage(
        answer?.interrupted ? "evalens: interrupted" : "evalens: nothing is running",
        3000,
      );
    } catch (error) {
      void vscode.window.showErrorMessage(`evalens: ${errorText(error)}`);
    }
  }

  private async restart(): Promise<void> {
    if (!this.client?.isRunning() || this.problem) {
      await this.start();
      return;
    }
    const client = await this.ready();
    if (!client) {
      return;
    }
    try {
      const answer = (await this.send(client, "evalens.restart", {})) as { pid?: number };
      this.logLine(`↻ restarted the interpreter (pid ${answer?.pid ?? "?"})`);
      vscode.window.setStatusBarMessage(`evalens: restarted the interpreter (pid ${answer?.pid ?? "?"})`, 3000);
    } catch (error) {
      void vscode.window.showErrorMessage(`evalens: ${errorText(error)}`);
    }
  }

  private showProblem(): void {
    if (this.problem) {
      void vscode.window.showErrorMessage(this.problem, "Open Settings", "Retry").then(async (choice) => {
        if (choice === "Open Settings") {
          await vscode.commands.executeCommand("workbench.action.openSettings", "evalens.serverPython");
        } else if (choice === "Retry") {
          await this.start();
        }
      });
    } else if (!this.client) {
      void vscode.window.showErrorMessage("evalens: the language server is not running.", "Retry").then((c) => {
        if (c) {
          void this.start();
        }
      });
    }
  }

  private updateStatus(): void {
    const item = this.status;
    item.backgroundColor = undefined;
    if (this.problem) {
      item.text = "$(error) evalens";
      item.tooltip = this.problem;
      item.command = "evalens.showProblem";
      item.backgroundColor = new vscode.ThemeColor("statusBarItem.errorBackground");
    } else if (!vscode.workspace.isTrusted) {
      item.text = "$(shield) evalens: restricted";
      item.tooltip = UNTRUSTED;
      item.command = "workbench.trust.manage";
    } else if (this.running > 0) {
      item.text = "$(sync~spin) evalens: busy";
      item.tooltip = "evalens is running code. Click to interrupt.";
      item.command = "evalens.interruptRun";
    } else if (!this.client || this.client.state === State.Starting || this.starting) {
      item.text = "$(loading~spin) evalens";
      item.tooltip = "evalens is starting";
      item.command = "evalens.showOutput";
    } else {
      item.text = "$(check) evalens: idle";
      item.tooltip = `evalens is idle (server: ${this.python?.command ?? "?"}). Click to show the output.`;
      item.command = "evalens.showOutput";
    }
  }

  dispose(): void {
    void this.stopClient();
    this.disposables.forEach((d) => d.dispose());
  }
}

function toJsonRange(range: vscode.Range): JsonRange {
  return {
    start: { line: range.start.line, character: range.start.character },
    end: { line: range.end.line, character: range.end.character },
  };
}

function describeRun(command: string, argument: RunArgument): string {
  const file = typeof argument.uri === "string" ? decodeURIComponent(argument.uri.split("/").pop() ?? "") : "";
  const range = argument.range as JsonRange | undefined;
  switch (command) {
    case "evalens.eval":
      return range
        ? `eval ${file}:${range.start.line + 1}${range.end.line > range.start.line ? `-${range.end.line + 1}` : ""}`
        : `eval ${file}: ${String(argument.code ?? "")}`;
    case "evalens.call":
      return `call ${file}: ${String(argument.target)}(${typeof argument.args === "string" ? argument.args : ""})`;
    case "evalens.runModule":
      return `run ${file}`;
    default:
      return command;
  }
}

/** The line of `def NAME` / `class NAME` for the last part of a dotted target. */
function defLine(document: vscode.TextDocument, target: string): number | undefined {
  const name = target.split(".").pop()?.replace(/\W/g, "");
  if (!name) {
    return undefined;
  }
  const pattern = new RegExp(`^\\s*(?:async\\s+def|def|class)\\s+${name}\\b`);
  for (let i = 0; i < document.lineCount; i++) {
    if (pattern.test(document.lineAt(i).text)) {
      return i;
    }
  }
  return undefined;
}

interface FunctionItem extends vscode.QuickPickItem {
  target: string;
  line: number;
}

function functionsIn(document: vscode.TextDocument): FunctionItem[] {
  const items: FunctionItem[] = [];
  let currentClass: string | undefined;
  for (let i = 0; i < document.lineCount; i++) {
    const text = document.lineAt(i).text;
    const cls = /^class\s+(\w+)/.exec(text);
    if (cls) {
      currentClass = cls[1];
      items.push({ label: `$(symbol-class) ${cls[1]}`, target: cls[1] as string, line: i, description: `line ${i + 1}` });
      continue;
    }
    const top = /^(?:async\s+)?def\s+(\w+)\s*\(([^)]*)/.exec(text);
    if (top) {
      currentClass = undefined;
      items.push({
        label: `$(symbol-function) ${top[1]}`,
        target: top[1] as string,
        line: i,
        description: `(${top[2] ?? ""}) · line ${i + 1}`,
      });
      continue;
    }
    const method = /^\s+(?:async\s+)?def\s+(\w+)\s*\(([^)]*)/.exec(text);
    if (method && currentClass) {
      items.push({
        label: `$(symbol-method) ${currentClass}.${method[1]}`,
        target: `${currentClass}.${method[1]}`,
        line: i,
        description: `(${method[2] ?? ""}) · line ${i + 1}`,
      });
    } else if (/^\S/.test(text)) {
      currentClass = undefined;
    }
  }
  return items;
}

async function pickTarget(editor: vscode.TextEditor): Promise<string | undefined> {
  const items = functionsIn(editor.document);
  const cursor = editor.selection.active.line;
  const pick = vscode.window.createQuickPick<FunctionItem>();
  pick.title = "evalens: call a function";
  pick.placeholder = "Function to call (a name from this file, or any expression naming a callable)";
  pick.items = items;
  const here = [...items].reverse().find((item) => item.line <= cursor);
  if (here) {
    pick.activeItems = [here];
  }
  return new Promise<string | undefined>((resolve) => {
    pick.onDidAccept(() => {
      const chosen = pick.selectedItems[0] ?? pick.activeItems[0];
      const typed = pick.value.trim();
      resolve(chosen?.target ?? (typed || undefined));
      pick.hide();
    });
    pick.onDidHide(() => {
      resolve(undefined);
      pick.dispose();
    });
    pick.show();
  });
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}

let controller: Controller | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  controller = new Controller();
  context.subscriptions.push(controller);
  controller.register(context);
  await controller.start();
}

export async function deactivate(): Promise<void> {
  const current = controller;
  controller = undefined;
  current?.dispose();
}
