// The evalens language server's lifecycle: finds and checks the server Python, starts
// `python -m evalens` with a language client, restarts it when trust or the server Python
// changes, passes settings changes on, and says why code cannot run when it cannot.

import * as vscode from "vscode";
import {
  CodeLensRequest,
  DidChangeConfigurationNotification,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  State,
} from "vscode-languageclient/node";
import type { OutputLog } from "./output";
import { OUTPUT_NOTIFICATION, type OutputParams, RESULT_COMMANDS } from "./protocol";
import { checkServerPython, describe, findServerPython, onDidChangePythonExtensionInterpreter } from "./python";
import type { ServerPython } from "./python";
import { type RunArgument, errorText } from "./runs";
import { UNTRUSTED, serverSettings } from "./settings";

/** Runs a server command that answers a Result (`send` sends it), for the client's middleware. */
export type RunHook = (command: string, argument: RunArgument, send: () => Promise<unknown>) => Promise<unknown>;

export class ServerConnection implements vscode.Disposable {
  private current: LanguageClient | undefined;
  private python: ServerPython | undefined;
  private problemMessage: string | undefined;
  private starting: Promise<void> | undefined;
  private readonly serverLog = vscode.window.createOutputChannel("evalens language server", { log: true });
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires whenever what the status item shows may have changed. */
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly output: OutputLog,
    private readonly runHook: RunHook,
  ) {
    this.disposables.push(
      this.serverLog,
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.trustGranted()),
      vscode.workspace.onDidChangeConfiguration((event) => void this.configurationChanged(event)),
    );
  }

  /** The language client (running or not), or undefined before a start or after a failed check. */
  get client(): LanguageClient | undefined {
    return this.current;
  }

  /** Why the server is not usable (shown in the status item and on a run), or undefined. */
  get problem(): string | undefined {
    return this.problemMessage;
  }

  get isStarting(): boolean {
    return !this.current || this.current.state === State.Starting || this.starting !== undefined;
  }

  get pythonCommand(): string | undefined {
    return this.python?.command;
  }

  /** Restarts the server when the interpreter selected in the Python extension changes. */
  watchPythonExtension(): void {
    void onDidChangePythonExtensionInterpreter().then((event) => {
      if (event) {
        this.disposables.push(event(() => void this.pythonMayHaveChanged()));
      }
    });
  }

  start(): Promise<void> {
    this.starting ??= this.doStart().finally(() => {
      this.starting = undefined;
      this.changed.fire();
    });
    return this.starting;
  }

  private async doStart(): Promise<void> {
    await this.stopClient();
    this.problemMessage = undefined;
    this.changed.fire();
    const folder = vscode.workspace.workspaceFolders?.[0];
    const python = await findServerPython(folder?.uri);
    this.python = python;
    const problem = await checkServerPython(python);
    if (problem) {
      this.problemMessage = problem.message;
      this.changed.fire();
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
          if (!RESULT_COMMANDS.has(command)) {
            return next(command, args);
          }
          return this.runHook(command, (args[0] ?? {}) as RunArgument, () => Promise.resolve(next(command, args)));
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
        this.problemMessage = `evalens: the server did not start with ${describe(python)}: ${String(error)}`;
        this.changed.fire();
        void vscode.window.showErrorMessage(this.problemMessage);
        return false;
      },
    };
    const client = new LanguageClient("evalens", "evalens language server", serverOptions, clientOptions);
    client.onNotification(OUTPUT_NOTIFICATION, (output: OutputParams) => this.output.onOutput(output));
    client.onDidChangeState((event) => {
      if (event.newState === State.Stopped && this.current === client && !this.problemMessage) {
        this.problemMessage =
          "evalens: the language server stopped; run “evalens: Restart Interpreter” to start it again.";
      } else if (event.newState === State.Running) {
        this.problemMessage = undefined;
      }
      this.changed.fire();
    });
    this.current = client;
    try {
      await client.start();
    } catch (error) {
      this.problemMessage ??= `evalens: the server did not start with ${describe(python)}: ${errorText(error)}`;
      this.serverLog.error(this.problemMessage);
    }
    this.changed.fire();
  }

  private async stopClient(): Promise<void> {
    const client = this.current;
    this.current = undefined;
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
    if (!this.current || !this.python || python.command !== this.python.command || !this.current.isRunning()) {
      await this.start(); // restricted settings such as serverPython may have changed with trust
      return;
    }
    await this.current.sendNotification(DidChangeConfigurationNotification.type, {
      settings: { evalens: serverSettings() },
    });
    this.refreshLenses();
    this.changed.fire();
  }

  private async configurationChanged(event: vscode.ConfigurationChangeEvent): Promise<void> {
    if (event.affectsConfiguration("evalens.serverPython")) {
      await this.start();
    } else if (event.affectsConfiguration("evalens") && this.current?.isRunning()) {
      await this.current.sendNotification(DidChangeConfigurationNotification.type, {
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
    const feature = this.current?.getFeature(CodeLensRequest.method);
    for (const editor of vscode.window.visibleTextEditors) {
      feature?.getProvider(editor.document)?.onDidChangeCodeLensEmitter.fire();
    }
  }

  /** The client, when code can run; otherwise says why not. */
  async ready(): Promise<LanguageClient | undefined> {
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
    if (!this.current || this.problemMessage) {
      this.showProblem();
      return undefined;
    }
    if (this.current.state === State.Starting) {
      await new Promise<void>((resolve) => {
        const sub = this.current?.onDidChangeState((e) => {
          if (e.newState !== State.Starting) {
            sub?.dispose();
            resolve();
          }
        });
      });
    }
    return this.current.isRunning() ? this.current : undefined;
  }

  /** Shows why the server is not usable, offering the settings and a retry. */
  showProblem(): void {
    if (this.problemMessage) {
      void vscode.window.showErrorMessage(this.problemMessage, "Open Settings", "Retry").then(async (choice) => {
        if (choice === "Open Settings") {
          await vscode.commands.executeCommand("workbench.action.openSettings", "evalens.serverPython");
        } else if (choice === "Retry") {
          await this.start();
        }
      });
    } else if (!this.current) {
      void vscode.window.showErrorMessage("evalens: the language server is not running.", "Retry").then((c) => {
        if (c) {
          void this.start();
        }
      });
    }
  }

  dispose(): void {
    void this.stopClient();
    this.disposables.forEach((d) => d.dispose());
    this.changed.dispose();
  }
}
