// The evalens language server's lifecycle: finds how to start it (python.ts: the bundled server
// with a Python 3.10+, or `evalens.server.command`), starts it with a language client,
// restarts it when trust or those settings change, passes settings changes on, and says why
// code cannot run when it cannot: a server that does not start or dies is reported with its
// last stderr lines and the fix (failure.ts).

import { join } from "node:path";
import type { Readable } from "node:stream";
import * as vscode from "vscode";
import {
  CloseAction,
  CodeLensRequest,
  DidChangeConfigurationNotification,
  ErrorAction,
  type Executable,
  LanguageClient,
  type LanguageClientOptions,
  State,
} from "vscode-languageclient/node";
import { StderrTail, failureMessage } from "./failure";
import { redactTokens } from "./kernels";
import type { Launch } from "./launch";
import type { OutputLog } from "./output";
import type { DisplayParams } from "./display";
import {
  DISPLAY_NOTIFICATION,
  OUTPUT_NOTIFICATION,
  type OutputParams,
  RUN_COMMANDS,
  VARIABLES_NOTIFICATION,
  type VariablesChanged,
} from "./protocol";
import { LAUNCH_SETTINGS, findLaunch, onDidChangePythonExtensionInterpreter } from "./python";
import { type RunArgument, errorText } from "./runs";
import { KERNEL_SETTING, UNTRUSTED, serverSettings, setPickedKernel } from "./settings";

/** Runs a server command that answers a Result (`send` sends it), for the client's middleware. */
export type RunHook = (command: string, argument: RunArgument, send: () => Promise<unknown>) => Promise<unknown>;

/** How long a failure report waits for the rest of a dead server's stderr. */
const STDERR_GRACE_MS = 1000;

/** One start of the server: its client, what it wrote on stderr, and whether it got running. */
interface Session {
  client: LanguageClient;
  launch: Launch;
  stderr: StderrTail;
  stderrClosed: Promise<void>;
  wasRunning: boolean;
  reported: boolean;
}

export class ServerConnection implements vscode.Disposable {
  private session: Session | undefined;
  private launch: Launch | undefined;
  private problemMessage: string | undefined;
  private starting: Promise<void> | undefined;
  private readonly serverLog = vscode.window.createOutputChannel("evalens language server", { log: true });
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires whenever what the status item shows may have changed. */
  readonly onDidChange = this.changed.event;
  private readonly settingsSent = new vscode.EventEmitter<void>();
  /** Fires once changed settings were sent to the running server (the kernel in force may be another). */
  readonly onDidSendSettings = this.settingsSent.event;
  private readonly variablesChanged = new vscode.EventEmitter<VariablesChanged>();
  /** The evalens/variablesChanged notification: after each run, and when a new interpreter replaced the old. */
  readonly onDidChangeVariables = this.variablesChanged.event;
  private readonly disposables: vscode.Disposable[] = [];
  /** The extension's copy of the server and its dependencies. */
  private readonly libs: string;

  /**
   * `extensionPath`: where the extension is installed (its bundled/libs holds the server);
   * `settingsQuery`: what *Open Settings* searches for (`@ext:evalens.evalens server`).
   */
  constructor(
    private readonly output: OutputLog,
    private readonly runHook: RunHook,
    extensionPath: string,
    private readonly settingsQuery: string,
    /** The `evalens/display` notification's handler (the display panel). */
    private readonly onDisplay: (params: DisplayParams) => void,
  ) {
    this.libs = join(extensionPath, "bundled", "libs");
    this.disposables.push(
      this.serverLog,
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.trustGranted()),
      vscode.workspace.onDidChangeConfiguration((event) => void this.configurationChanged(event)),
    );
  }

  /** The language client (running or not), or undefined before a start or after a failed check. */
  get client(): LanguageClient | undefined {
    return this.session?.client;
  }

  /** Why the server is not usable (shown in the status item and on a run), or undefined. */
  get problem(): string | undefined {
    return this.problemMessage;
  }

  get isStarting(): boolean {
    return !this.session || this.session.client.state === State.Starting || this.starting !== undefined;
  }

  /** How the server was started, in words (the status item's tooltip). */
  get launchDescription(): string | undefined {
    return this.launch?.description;
  }

  /** The Python that runs the bundled server, or undefined for `evalens.server.command`'s. */
  get bundledPython(): string | undefined {
    return this.launch?.kind === "bundled" ? this.launch.command : undefined;
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

  /**
   * Opens the Settings editor on the extension's settings. In a remote window (code-server,
   * SSH, containers) the server's settings, machine-overridable, are listed only on the
   * Remote tab, and the User tab would show none of them: open that tab there.
   */
  async openSettings(): Promise<void> {
    if (vscode.env.remoteName || vscode.env.uiKind === vscode.UIKind.Web) {
      try {
        // An object: this command drops a query given as a bare string.
        await vscode.commands.executeCommand("workbench.action.openRemoteSettings", { query: this.settingsQuery });
        return;
      } catch {
        // not a remote window after all
      }
    }
    await vscode.commands.executeCommand("workbench.action.openSettings", { query: this.settingsQuery });
  }

  private async doStart(): Promise<void> {
    await this.stopClient();
    this.problemMessage = undefined;
    this.changed.fire();
    const folder = vscode.workspace.workspaceFolders?.[0];
    const found = await findLaunch(this.libs, folder?.uri);
    if (!found.launch) {
      this.launch = undefined;
      this.problemMessage = found.problem;
      this.changed.fire();
      this.serverLog.error(found.problem);
      this.showProblem();
      return;
    }
    const launch = found.launch;
    this.launch = launch;
    this.serverLog.info(`starting ${launch.description}: ${[launch.command, ...launch.args].join(" ")}`);
    const executable: Executable = {
      command: launch.command,
      args: launch.args,
      options: { ...(folder ? { cwd: folder.uri.fsPath } : {}), env: { ...process.env, ...launch.env } },
    };
    const stderr = new StderrTail();
    let stderrEnded: () => void = () => undefined;
    const stderrClosed = new Promise<void>((resolve) => {
      stderrEnded = resolve;
    });
    // Filled in below: the error handler needs the session, the session the client.
    let session: Session | undefined;
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ language: "python" }],
      outputChannel: this.serverLog,
      // The LSP trace (evalens.trace.server) without the token of a Jupyter Server's kernel.
      traceOutputChannel: withoutTokens(this.serverLog),
      initializationOptions: serverSettings(),
      stdioOptions: {
        stdout: () => undefined, // the LSP connection reads it
        stderr: (input: Readable) => {
          input.setEncoding("utf8");
          input.on("data", (chunk: string) => {
            stderr.push(chunk);
            for (const line of chunk.replace(/\r?\n$/, "").split(/\r?\n/)) {
              this.serverLog.error(line);
            }
          });
          input.on("close", () => stderrEnded());
          input.on("end", () => stderrEnded());
        },
      },
      errorHandler: {
        error: () => ({ action: ErrorAction.Continue, handled: true }),
        closed: () => {
          if (session) {
            void this.reportFailure(session, session.wasRunning ? "died" : "start");
          }
          return { action: CloseAction.DoNotRestart, handled: true };
        },
      },
      middleware: {
        executeCommand: async (command, args, next) => {
          if (!RUN_COMMANDS.has(command)) {
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
      initializationFailedHandler: () => false, // reported by reportFailure, with the server's stderr
    };
    const client = new LanguageClient("evalens", "evalens language server", executable, clientOptions);
    session = { client, launch, stderr, stderrClosed, wasRunning: false, reported: false };
    const started = session;
    client.onNotification(OUTPUT_NOTIFICATION, (output: OutputParams) => this.output.onOutput(output));
    client.onNotification(DISPLAY_NOTIFICATION, (params: DisplayParams) => this.onDisplay(params));
    client.onNotification(VARIABLES_NOTIFICATION, (params: VariablesChanged) => this.variablesChanged.fire(params));
    client.onDidChangeState((event) => {
      if (this.session !== started) {
        return;
      }
      if (event.newState === State.Running) {
        started.wasRunning = true;
        this.problemMessage = undefined;
      } else if (event.newState === State.Stopped && !this.problemMessage) {
        this.problemMessage =
          "evalens: the language server stopped; run “evalens: Restart Interpreter” to start it again.";
      }
      this.changed.fire();
    });
    this.session = started;
    try {
      await client.start();
    } catch (error) {
      await this.reportFailure(started, "start", errorText(error));
    }
    this.changed.fire();
  }

  /**
   * A server that did not start or died: its last stderr lines and the fix, in the status item
   * and a notification (once per start).
   */
  private async reportFailure(session: Session, phase: "start" | "died", error?: string): Promise<void> {
    if (session.reported || this.session !== session) {
      return;
    }
    session.reported = true;
    // The process is gone or going: let the rest of its stderr arrive first.
    await Promise.race([session.stderrClosed, new Promise((resolve) => setTimeout(resolve, STDERR_GRACE_MS))]);
    if (this.session !== session) {
      return;
    }
    const spawnError = error && /ENOENT|EACCES|spawn/.test(error) ? error : undefined;
    this.problemMessage = failureMessage(phase, session.launch, session.stderr.lines(), spawnError);
    this.serverLog.error(this.problemMessage);
    this.changed.fire();
    this.showProblem();
  }

  private async stopClient(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (session) {
      try {
        await session.client.stop(5000);
      } catch {
        // already stopped
      }
    }
  }

  /** Whether starting afresh would start the server another way than the running one. */
  private async launchChanged(): Promise<boolean> {
    const found = await findLaunch(this.libs, vscode.workspace.workspaceFolders?.[0]?.uri);
    return !found.launch || !this.launch || JSON.stringify(found.launch) !== JSON.stringify(this.launch);
  }

  private async trustGranted(): Promise<void> {
    const client = this.client;
    if (!client?.isRunning() || (await this.launchChanged())) {
      await this.start(); // restricted settings such as evalens.server.python may have changed with trust
      return;
    }
    await client.sendNotification(DidChangeConfigurationNotification.type, {
      settings: { evalens: serverSettings() },
    });
    this.settingsSent.fire();
    this.refreshLenses();
    this.changed.fire();
  }

  private async configurationChanged(event: vscode.ConfigurationChangeEvent): Promise<void> {
    if (event.affectsConfiguration(KERNEL_SETTING)) {
      setPickedKernel(undefined); // the setting takes over from the kernel picked in this window
    }
    if (LAUNCH_SETTINGS.some((setting) => event.affectsConfiguration(setting))) {
      await this.start();
    } else if (event.affectsConfiguration("evalens") && this.client?.isRunning()) {
      await this.client.sendNotification(DidChangeConfigurationNotification.type, {
        settings: { evalens: serverSettings() },
      });
      this.settingsSent.fire();
    }
  }

  private async pythonMayHaveChanged(): Promise<void> {
    if (this.launch?.kind !== "command" && (await this.launchChanged())) {
      await this.start();
    }
  }

  private refreshLenses(): void {
    const feature = this.client?.getFeature(CodeLensRequest.method);
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
    const client = this.client;
    if (!client || this.problemMessage) {
      this.showProblem();
      return undefined;
    }
    if (client.state === State.Starting) {
      await new Promise<void>((resolve) => {
        const sub = client.onDidChangeState((e) => {
          if (e.newState !== State.Starting) {
            sub.dispose();
            resolve();
          }
        });
      });
    }
    return client.isRunning() ? client : undefined;
  }

  /** Shows why the server is not usable, offering the settings, a restart and the server's log. */
  showProblem(): void {
    if (this.problemMessage) {
      void vscode.window
        .showErrorMessage(this.problemMessage, "Open Settings", "Restart", "Show Log")
        .then(async (choice) => {
          if (choice === "Open Settings") {
            await this.openSettings();
          } else if (choice === "Restart") {
            await this.start();
          } else if (choice === "Show Log") {
            this.serverLog.show(true);
          }
        });
    } else if (!this.client) {
      void vscode.window.showErrorMessage("evalens: the language server is not running.", "Restart").then((c) => {
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
    this.settingsSent.dispose();
    this.variablesChanged.dispose();
  }
}

/**
 * A log channel whose trace lines (the LSP messages, JSON) show `"token": "…"` for every token:
 * the token of a Jupyter Server's kernel goes to the server in settings and evalens.attach, and
 * never into a log.
 */
function withoutTokens(channel: vscode.LogOutputChannel): vscode.LogOutputChannel {
  return new Proxy(channel, {
    get(target, property) {
      if (property === "trace") {
        return (message: string, ...args: unknown[]) => target.trace(redactTokens(message), ...args);
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

