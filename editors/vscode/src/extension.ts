// The evalens VS Code extension's entry point: builds its parts and wires them together.
//   server.ts    starts the server, maps workspace trust to `trusted`, reports failures
//   python.ts    how to start it: launch.ts (plain data), failure.ts (what a failure says)
//   commands.ts  the editor commands;  functions.ts  the function picker (document symbols)
//   runs.ts      running a command that answers a Result, and where it is shown
//   cellindex.ts the cells (# %%) the server finds: context key, marker lines; cells.ts (no vscode import)
//   doctestmarks.ts failing docstring examples marked inline; doctests.ts (no vscode import)
//   results.ts   inline results;  inline.ts  a Result in one line (no vscode import)
//   output.ts    the output channel;  status.ts  the status items (state; where code runs)
//   kernelpicker.ts evalens: Select Kernel (Jupyter kernels): kernels.ts (no vscode import)
//   panel.ts     the display panel (rich output): display.ts, displaypage.ts (no vscode import)
//   imagefiles.ts images too large for a hover's markdown, as files of the session
//   variablesview.ts the evalens Variables view (the Explorer): variables.ts (no vscode import)
//   running.ts   the context key `evalens:running` (the interrupt keybinding's `when`)
//   protocol.ts  the server's command names and the shapes of their answers
//   settings.ts  the settings sent to the server

import type * as vscode from "vscode";
import { CellIndex } from "./cellindex";
import { EditorCommands } from "./commands";
import { DoctestMarks } from "./doctestmarks";
import { ImageFiles } from "./imagefiles";
import { OutputLog } from "./output";
import { DisplayPanel } from "./panel";
import { KernelPicker } from "./kernelpicker";
import { InlineResults } from "./results";
import { RunningContext } from "./running";
import { Runner } from "./runs";
import { ServerConnection } from "./server";
import { KernelStatusItem, StatusItem } from "./status";
import { VariablesView } from "./variablesview";

export { serverSettings } from "./settings";

class Extension implements vscode.Disposable {
  private readonly output = new OutputLog();
  private readonly server: ServerConnection;
  private readonly images = new ImageFiles();
  private readonly results = new InlineResults(this.images);
  private readonly displays = new DisplayPanel();
  private readonly doctests = new DoctestMarks();
  private readonly cells: CellIndex;
  private readonly runner: Runner = new Runner(
    this.output,
    this.results,
    () => this.server.client,
    (document) => this.cells.cellsOf(document),
    this.displays,
    this.doctests,
  );
  private readonly status: StatusItem;
  private readonly kernelStatus: KernelStatusItem;
  private readonly kernels: KernelPicker;
  private readonly running = new RunningContext(this.runner);
  private readonly variables: VariablesView;

  constructor(context: vscode.ExtensionContext) {
    this.server = new ServerConnection(
      this.output,
      (command, argument, send) => this.runner.run(command, argument, send),
      context.extensionPath,
      `@ext:${context.extension.id} server`, // the settings that choose how the server starts
      (params) => this.displays.onDisplay(params),
    );
    this.status = new StatusItem(this.server, this.runner);
    this.kernelStatus = new KernelStatusItem(this.server, this.runner);
    this.kernels = new KernelPicker(this.server, this.output, this.kernelStatus, context);
    this.cells = new CellIndex(this.server);
    this.variables = new VariablesView(this.server);
  }

  register(context: vscode.ExtensionContext): void {
    new EditorCommands(
      this.server,
      this.runner,
      this.output,
      this.results,
      this.cells,
      this.displays,
      this.kernels,
      this.doctests,
    ).register(context);
    this.variables.register(context);
    this.server.watchPythonExtension();
  }

  start(): Promise<void> {
    return this.server.start();
  }

  dispose(): void {
    this.server.dispose(); // stops the client first
    [this.output, this.results, this.doctests, this.cells, this.running, this.runner, this.status, this.kernelStatus, this.displays, this.variables].forEach((d) => d.dispose());
    this.images.dispose(); // the session's image files
  }
}

let extension: Extension | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extension = new Extension(context);
  context.subscriptions.push(extension);
  extension.register(context);
  await extension.start();
}

export async function deactivate(): Promise<void> {
  const current = extension;
  extension = undefined;
  current?.dispose();
}
