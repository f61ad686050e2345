// evalens: Select Kernel: where user code runs, evalens' own interpreter or a Jupyter kernel (a
// kernelspec started, a running kernel by its connection file, a Jupyter Server's or gateway's
// kernel), chosen in a quick pick built from the server's evalens.kernels and applied with
// evalens.attach. The entries are kernels.ts' (plain data); a server's token is asked with a
// password box and kept only in memory and in the SecretStorage, never in settings or logs.

import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import {
  type JupyterServer,
  type KernelAction,
  type KernelItem,
  type KernelSetting,
  OWN_INTERPRETER,
  describeKernel,
  isInsecureUrl,
  kernelItems,
  kernelsFailureMessage,
  listServerKernels,
  parseKernels,
  parseServerUrl,
  sameKernel,
  serverKernelItems,
} from "./kernels";
import type { OutputLog } from "./output";
import { Command, type Status } from "./protocol";
import { errorText, sendCommand } from "./runs";
import type { ServerConnection } from "./server";
import { kernelInForce, setPickedKernel } from "./settings";
import type { KernelStatusItem } from "./status";

/** globalState: the URLs of the Jupyter Servers used before, the latest first (no tokens). */
const SERVERS_KEY = "jupyterServers";
/** How many servers are remembered. */
const MAX_SERVERS = 5;
/** SecretStorage: the token of the server at a URL. */
const tokenKey = (url: string) => `jupyterServerToken:${url}`;

interface PickItem extends vscode.QuickPickItem {
  action?: KernelAction;
  entry?: KernelItem;
}

const FORGET: vscode.QuickInputButton = {
  iconPath: new vscode.ThemeIcon("close"),
  tooltip: "Forget this server and its token",
};

function pickItems(items: KernelItem[]): PickItem[] {
  return items.map((item) =>
    item.separator
      ? { label: item.label, kind: vscode.QuickPickItemKind.Separator }
      : {
          label: item.label,
          ...(item.description ? { description: item.description } : {}),
          ...(item.detail ? { detail: item.detail } : {}),
          ...(item.forgettable ? { buttons: [FORGET] } : {}),
          ...(item.action ? { action: item.action } : {}),
          entry: item,
        },
  );
}

export class KernelPicker {
  constructor(
    private readonly server: ServerConnection,
    private readonly output: OutputLog,
    private readonly status: KernelStatusItem,
    private readonly context: vscode.ExtensionContext,
  ) {}

  /** The command evalens.selectKernel. */
  async select(): Promise<void> {
    const client = await this.server.ready();
    if (!client) {
      return;
    }
    const current = (await this.status.currentStatus())?.kernel ?? null;
    const inUse = await this.serverInUse(current);
    const action = await this.pick(client, current, inUse);
    if (!action) {
      return;
    }
    if (action.kind === "attach") {
      await this.attach(client, action.kernel);
      return;
    }
    let server: JupyterServer | undefined;
    if (action.kind === "server") {
      server =
        inUse?.url === action.url
          ? inUse
          : { url: action.url, token: (await this.context.secrets.get(tokenKey(action.url))) ?? "" };
    } else {
      server = await this.askServer();
    }
    if (!server || !(await this.allowedOverNetwork(server))) {
      return;
    }
    const kernel = await this.pickServerKernel(server);
    if (kernel !== undefined) {
      await this.attach(client, kernel);
    }
  }

  /** The first step: own interpreter, kernelspecs, running kernels, Jupyter Servers. */
  private async pick(
    client: LanguageClient,
    current: unknown,
    inUse: JupyterServer | undefined,
  ): Promise<KernelAction | undefined> {
    const saved = this.savedServers();
    const quickPick = vscode.window.createQuickPick<PickItem>();
    quickPick.title = "evalens: Select Kernel";
    quickPick.placeholder = "Where your code runs: evalens' own interpreter or a Jupyter kernel";
    quickPick.matchOnDescription = true;
    const show = (items: KernelItem[]) => {
      quickPick.items = pickItems(items);
      const chosen = quickPick.items.find((item) => item.entry?.current);
      if (chosen) {
        quickPick.activeItems = [chosen];
      }
    };
    show(kernelItems(undefined, current, inUse, saved));
    quickPick.busy = true;
    const chosen = new Promise<KernelAction | undefined>((resolve) => {
      quickPick.onDidAccept(() => {
        const [item] = quickPick.selectedItems;
        if (item?.action) {
          resolve(item.action);
          quickPick.hide();
        }
      });
      quickPick.onDidHide(() => resolve(undefined));
      quickPick.onDidTriggerItemButton(async ({ item }) => {
        if (item.action?.kind === "server") {
          await this.forgetServer(item.action.url);
          quickPick.items = quickPick.items.filter((other) => other !== item);
        }
      });
    });
    quickPick.show();
    void sendCommand(client, Command.kernels, {}).then(
      (answer) => {
        show(kernelItems(parseKernels(answer), current, inUse, saved));
        quickPick.busy = false;
      },
      (error) => {
        quickPick.busy = false;
        const message = kernelsFailureMessage(errorText(error), this.server.bundledPython);
        this.output.line(message);
        void vscode.window.showErrorMessage(message);
      },
    );
    try {
      return await chosen;
    } finally {
      quickPick.dispose();
    }
  }

  /** "Jupyter Server or Gateway…": its URL, then its token (unless the URL held one). */
  private async askServer(): Promise<JupyterServer | undefined> {
    const input = await vscode.window.showInputBox({
      title: "evalens: Jupyter Server or Gateway (1/2)",
      prompt: "The URL of a Jupyter Server, Kernel Gateway or Enterprise Gateway",
      placeHolder: "http://localhost:8888",
      value: this.savedServers()[0] ?? "",
      ignoreFocusOut: true,
      validateInput: (value) => {
        const parsed = parseServerUrl(value);
        return "error" in parsed ? parsed.error : undefined;
      },
    });
    if (input === undefined) {
      return undefined;
    }
    const parsed = parseServerUrl(input);
    if ("error" in parsed) {
      return undefined;
    }
    if (parsed.token !== undefined) {
      return { url: parsed.url, token: parsed.token };
    }
    const token = await vscode.window.showInputBox({
      title: `evalens: Jupyter Server or Gateway (2/2): ${parsed.url}`,
      prompt: "Its token (empty for none). Kept in VS Code's secret storage, never in settings.",
      password: true,
      value: (await this.context.secrets.get(tokenKey(parsed.url))) ?? "",
      ignoreFocusOut: true,
    });
    return token === undefined ? undefined : { url: parsed.url, token: token.trim() };
  }

  /**
   * A server reached over plain http on another machine: the token and the code would cross the
   * network unencrypted. Asked once per choice (a modal dialog); yes sets `allowInsecure`, which
   * the server otherwise requires.
   */
  private async allowedOverNetwork(server: JupyterServer): Promise<boolean> {
    if (server.allowInsecure || !isInsecureUrl(server.url)) {
      return true;
    }
    const yes = "Connect Unencrypted";
    const answer = await vscode.window.showWarningMessage(
      `${server.url} is neither on this machine nor https: its token and your code would cross the network unencrypted.`,
      {
        modal: true,
        detail: "Use an https:// URL, or an SSH tunnel to localhost, unless this network is trusted.",
      },
      yes,
    );
    if (answer !== yes) {
      return false;
    }
    server.allowInsecure = true;
    return true;
  }

  /** The second step for a server: its default kernel, one of its kernelspecs, or one of its kernels. */
  private async pickServerKernel(server: JupyterServer): Promise<KernelSetting | undefined> {
    const quickPick = vscode.window.createQuickPick<PickItem>();
    quickPick.title = `evalens: kernels at ${server.url}`;
    quickPick.placeholder = "Start a kernel there, or use one of its kernels";
    quickPick.matchOnDescription = true;
    quickPick.busy = true;
    const chosen = new Promise<KernelSetting | undefined>((resolve) => {
      quickPick.onDidAccept(() => {
        const action = quickPick.selectedItems[0]?.action;
        if (action?.kind === "attach") {
          resolve(action.kernel);
          quickPick.hide();
        }
      });
      quickPick.onDidHide(() => resolve(undefined));
    });
    quickPick.show();
    try {
      const listing = await listServerKernels(server, fetch);
      quickPick.items = pickItems(serverKernelItems(server, listing));
    } catch (error) {
      const problem = errorText(error);
      this.output.line(`evalens: could not list the kernels: ${problem}`);
      quickPick.items = pickItems(serverKernelItems(server, undefined, problem));
    }
    quickPick.busy = false;
    try {
      return await chosen;
    } finally {
      quickPick.dispose();
    }
  }

  /** Switches the server to `kernel` (evalens.attach); a failure shows the server's message. */
  private async attach(client: LanguageClient, kernel: KernelSetting): Promise<void> {
    const described = describeKernel(kernel);
    const title = kernel === null ? `evalens: back to ${OWN_INTERPRETER}` : `evalens: starting the ${described}`;
    try {
      const status = (await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title }, () =>
        sendCommand(client, Command.attach, { kernel }),
      )) as Status;
      setPickedKernel(kernel);
      this.status.show(status);
      this.output.line(`↻ your code runs in ${kernel === null ? OWN_INTERPRETER : `the ${described}`}`);
      if (kernel && "url" in kernel) {
        await this.saveServer({ url: kernel.url, token: kernel.token ?? "" });
      }
    } catch (error) {
      const message = errorText(error);
      this.output.line(message);
      void vscode.window.showErrorMessage(message);
      // A kernel that could not be reached stays the setting in force on the server (the next
      // run tries again): then it is what this window sends from now on too.
      const status = await this.status.refresh();
      if (status && sameKernel(status.kernel ?? null, kernel)) {
        setPickedKernel(kernel);
      }
    }
  }

  /** The server of the kernel in force, with its token, when it is a Jupyter Server's. */
  private async serverInUse(current: unknown): Promise<JupyterServer | undefined> {
    const shown = current && typeof current === "object" ? (current as { url?: unknown; allowInsecure?: unknown }) : {};
    const url = shown.url;
    if (typeof url !== "string" || !url) {
      return undefined;
    }
    const allowInsecure = shown.allowInsecure === true ? { allowInsecure: true } : {};
    // The token: the one sent to the server (the kernel picked here, or the setting's, whose URL
    // may hold it as ?token=), else the one saved for that URL.
    const inForce = kernelInForce();
    if (inForce && "url" in inForce) {
      const given = parseServerUrl(inForce.url);
      if (!("error" in given) && given.url === url.replace(/\/+$/, "")) {
        return { url, token: inForce.token ?? given.token ?? "", ...allowInsecure };
      }
    }
    return { url, token: (await this.context.secrets.get(tokenKey(url))) ?? "", ...allowInsecure };
  }

  private savedServers(): string[] {
    const saved = this.context.globalState.get<unknown>(SERVERS_KEY, []);
    return Array.isArray(saved) ? saved.filter((url): url is string => typeof url === "string") : [];
  }

  /** Remembers a server used: its URL first in globalState, its token in the SecretStorage. */
  private async saveServer(server: JupyterServer): Promise<void> {
    const urls = [server.url, ...this.savedServers().filter((url) => url !== server.url)];
    for (const dropped of urls.slice(MAX_SERVERS)) {
      await this.context.secrets.delete(tokenKey(dropped));
    }
    await this.context.globalState.update(SERVERS_KEY, urls.slice(0, MAX_SERVERS));
    if (server.token) {
      await this.context.secrets.store(tokenKey(server.url), server.token);
    } else {
      await this.context.secrets.delete(tokenKey(server.url));
    }
  }

  private async forgetServer(url: string): Promise<void> {
    await this.context.globalState.update(
      SERVERS_KEY,
      this.savedServers().filter((saved) => saved !== url),
    );
    await this.context.secrets.delete(tokenKey(url));
  }
}
