// The evalens Variables view (in the Explorer): the module namespace of the active Python
// editor's document, read with evalens.variables from the idle interpreter without running any
// of the user's code (docs/protocol.md "Variables"). Each entry a row, `name  type (size) = repr`;
// one with children expands into them, read page by page ("Load more…"). After each run
// (evalens/variablesChanged) the whole view is read again: every ref goes stale with any run,
// and a run may change any value in place; what was expanded stays expanded, by name path. A
// run holding the interpreter makes the view say so instead; the next notification refreshes
// it. Show Full Value opens one entry, read again with a long repr, as a read-only document.
// The pure part: variables.ts.

import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import { EditorCommand } from "./commands";
import { Command, type Variable, type VariablesChanged, type VariablesPage } from "./protocol";
import { errorText, sendCommand } from "./runs";
import type { ServerConnection } from "./server";
import {
  BUSY_MESSAGE,
  Expansion,
  FULL_REPR_CHARS,
  type Listing,
  type NamePath,
  PAGE_SIZE,
  type Row,
  appendPage,
  describe,
  firstPageCount,
  fullValueTitle,
  iconFor,
  moreLabel,
  pageArgument,
  pathKey,
  refusalOf,
  rowsOf,
  stillCutMessage,
  tooltipMarkdown,
} from "./variables";

/** The view's id (package.json: contributes.views.explorer). No dot: not read as a command `evalens.*`. */
export const VARIABLES_VIEW = "evalensVariables";

/** The context keys of package.json's `when` clauses: all names are listed; a document is shown. */
export const ALL_CONTEXT = "evalens:variablesAll";
export const DOCUMENT_CONTEXT = "evalens:variablesDocument";

/** The scheme of the read-only documents Show Full Value opens. */
export const VALUE_SCHEME = "evalens-value";

/** Where a listing is read from: a document's namespace (`ref` null), or an entry's children. */
interface Source {
  uri: string;
  ref: number | null;
  all: boolean;
}

/** A listing as the view holds it: what was read, where from, and a word in place of "Load more…". */
interface Held extends Listing {
  source: Source;
}

/** A row of the view (VS Code knows it by identity: the same object until the listing is read again). */
interface Node {
  row: Row;
  uri: string;
  /** The listing this row is in (for Show Full Value: where to read it again). */
  source: Source;
  /** A variable's children, once read. */
  children?: Held;
  /** "Load more…": the node whose listing it continues (undefined: the namespace). */
  owner?: Node;
}

function isPython(document: vscode.TextDocument): boolean {
  return document.languageId === "python" && (document.uri.scheme === "file" || document.uri.scheme === "untitled");
}

export class VariablesView implements vscode.TreeDataProvider<Node>, vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly tree: vscode.TreeView<Node>;
  /** The Python document whose namespace the view lists: the active editor's, or the last one active. */
  private document: vscode.TextDocument | undefined;
  private root: Held | undefined;
  /** Bumped by each refresh: a namespace read before it is not kept. */
  private epoch = 0;
  private all = false;
  /** Bumped when a new interpreter replaced the old: new ids, so nothing shows expanded. */
  private generation = 0;
  private readonly expansion = new Expansion();
  /** Per document and name path: how many entries were shown (read again after a refresh). */
  private readonly shown = new Map<string, Map<string, number>>();
  /** The documents (server URIs) listed since the interpreter started: what a new one forgets. */
  private readonly shownUris = new Set<string>();
  private client: LanguageClient | undefined;
  private clientRunning = false;
  /** Show Full Value's documents, by URI. */
  private readonly values = new Map<string, string>();
  private opened = 0;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly server: ServerConnection) {
    this.tree = vscode.window.createTreeView(VARIABLES_VIEW, { treeDataProvider: this, showCollapseAll: true });
    this.subscriptions.push(
      this.tree,
      this.changed,
      this.tree.onDidExpandElement((event) => this.expanded(event.element, true)),
      this.tree.onDidCollapseElement((event) => this.expanded(event.element, false)),
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (editor && isPython(editor.document) && editor.document !== this.document) {
          this.show(editor.document);
        }
      }),
      vscode.workspace.onDidCloseTextDocument((document) => {
        if (document === this.document) {
          const active = vscode.window.activeTextEditor?.document;
          this.show(active && isPython(active) ? active : undefined);
        }
      }),
      server.onDidChangeVariables((params) => this.variablesChanged(params)),
      // The server (re)started or stopped: a new interpreter, or none.
      server.onDidChange(() => {
        const client = server.client;
        const running = client?.isRunning() ?? false;
        if (client !== this.client || running !== this.clientRunning) {
          this.client = client;
          this.clientRunning = running;
          this.startOver();
        }
      }),
      vscode.workspace.registerTextDocumentContentProvider(VALUE_SCHEME, this),
      vscode.workspace.onDidCloseTextDocument((document) => {
        if (document.uri.scheme === VALUE_SCHEME) {
          this.values.delete(document.uri.toString());
        }
      }),
    );
    const active = vscode.window.activeTextEditor?.document;
    this.show(active && isPython(active) ? active : undefined);
    void vscode.commands.executeCommand("setContext", ALL_CONTEXT, false);
  }

  register(context: vscode.ExtensionContext): void {
    const command = (id: string, fn: (...args: any[]) => unknown) =>
      context.subscriptions.push(vscode.commands.registerCommand(id, fn));
    command(EditorCommand.showVariables, () => vscode.commands.executeCommand(`${VARIABLES_VIEW}.focus`));
    command(EditorCommand.refreshVariables, () => this.refresh());
    command(EditorCommand.showAllNames, () => this.setAll(true));
    command(EditorCommand.showFewerNames, () => this.setAll(false));
    command(EditorCommand.showFullValue, (node?: Node) => this.showFullValue(node ?? this.tree.selection[0]));
    command(EditorCommand.loadMoreVariables, (node: Node) => this.loadMore(node));
  }

  /** Lists `document`'s namespace (none: the welcome text). */
  private show(document: vscode.TextDocument | undefined): void {
    this.document = document;
    this.tree.description = document ? vscode.workspace.asRelativePath(document.uri) : undefined;
    void vscode.commands.executeCommand("setContext", DOCUMENT_CONTEXT, document !== undefined);
    this.refresh();
  }

  /** Reads the view again: the namespace, and the children of what is expanded as VS Code asks for them. */
  refresh(): void {
    this.root = undefined;
    this.epoch += 1;
    this.changed.fire(undefined);
  }

  /** A new interpreter (or none): nothing of the old one is left, nothing shows expanded. */
  private startOver(): void {
    this.generation += 1;
    this.shown.clear();
    for (const uri of [...this.shownUris]) {
      this.expansion.forget(uri);
    }
    this.shownUris.clear();
    this.refresh();
  }

  private variablesChanged(params: VariablesChanged): void {
    if (params.reset) {
      this.startOver();
      return;
    }
    // Any run: every ref given out is stale, and a run in one module may change values of another.
    this.refresh();
  }

  private setAll(all: boolean): void {
    this.all = all;
    void vscode.commands.executeCommand("setContext", ALL_CONTEXT, all);
    this.refresh();
  }

  private expanded(node: Node, expanded: boolean): void {
    if (node.row.kind === "variable") {
      this.expansion.set(node.uri, node.row.path, expanded);
    }
  }

  private uriOf(client: LanguageClient, document: vscode.TextDocument): string {
    return client.code2ProtocolConverter.asUri(document.uri);
  }

  private runningClient(): LanguageClient | undefined {
    const client = this.server.client;
    return client?.isRunning() ? client : undefined;
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const row = node.row;
    const id = `${this.generation}\n${node.uri}\n${row.kind}\n${pathKey(row.path)}`;
    if (row.kind === "message") {
      const item = new vscode.TreeItem(row.text, vscode.TreeItemCollapsibleState.None);
      item.id = id;
      item.iconPath = new vscode.ThemeIcon("info");
      item.contextValue = "message";
      return item;
    }
    if (row.kind === "more") {
      const item = new vscode.TreeItem(moreLabel(row.shown, row.total), vscode.TreeItemCollapsibleState.None);
      item.id = id;
      item.contextValue = "more";
      item.command = { command: EditorCommand.loadMoreVariables, title: "Load More", arguments: [node] };
      return item;
    }
    const variable = row.variable;
    const state =
      variable.ref === null
        ? vscode.TreeItemCollapsibleState.None
        : this.expansion.isExpanded(node.uri, row.path)
          ? vscode.TreeItemCollapsibleState.Expanded
          : vscode.TreeItemCollapsibleState.Collapsed;
    const item = new vscode.TreeItem(variable.name, state);
    item.id = id;
    item.description = describe(variable);
    const tooltip = new vscode.MarkdownString(tooltipMarkdown(row.path, variable));
    tooltip.supportHtml = false;
    item.tooltip = tooltip;
    item.iconPath = new vscode.ThemeIcon(iconFor(variable));
    item.contextValue = "variable";
    item.accessibilityInformation = { label: `${variable.name} ${item.description}` };
    return item;
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (!node) {
      return this.namespaceRows();
    }
    if (node.row.kind !== "variable" || node.row.variable.ref === null) {
      return [];
    }
    if (!node.children) {
      const source: Source = { uri: node.uri, ref: node.row.variable.ref, all: node.source.all };
      const read = await this.read(source, node.row.path);
      if (!read.ok) {
        return read.rows.map((row) => ({ row, uri: node.uri, source }));
      }
      node.children = read.held;
    }
    return this.nodesOf(node.row.path, node.children, node);
  }

  private async namespaceRows(): Promise<Node[]> {
    const document = this.document;
    const client = this.runningClient();
    if (!document || !client) {
      return []; // the welcome text
    }
    const uri = this.uriOf(client, document);
    this.shownUris.add(uri);
    let root = this.root;
    if (!root || root.source.uri !== uri) {
      const epoch = this.epoch;
      const source: Source = { uri, ref: null, all: this.all };
      const read = await this.read(source, []);
      if (!read.ok) {
        return read.rows.map((row) => ({ row, uri, source }));
      }
      root = read.held;
      if (epoch === this.epoch) {
        this.root = root; // else a refresh came meanwhile: VS Code asks again
      }
    }
    return this.nodesOf([], root, undefined);
  }

  private nodesOf(path: NamePath, held: Held, owner: Node | undefined): Node[] {
    return rowsOf(path, held).map((row) => ({ row, uri: held.source.uri, source: held.source, owner }));
  }

  /**
   * The first page of a listing (as many entries as were shown before, a page at least); a
   * refusal as a row that says why (a stale ref: the view is read again).
   */
  private async read(source: Source, path: NamePath): Promise<{ ok: true; held: Held } | { ok: false; rows: Row[] }> {
    const client = this.runningClient();
    if (!client) {
      return { ok: false, rows: [] };
    }
    const count = firstPageCount(this.shown.get(source.uri)?.get(pathKey(path)));
    try {
      const page = await this.page(client, source, 0, count);
      return { ok: true, held: { entries: page.variables, total: page.total, source } };
    } catch (error) {
      return { ok: false, rows: this.refused(error, path) };
    }
  }

  private page(client: LanguageClient, source: Source, start: number, count: number, reprChars?: number): Promise<VariablesPage> {
    return sendCommand(client, Command.variables, pageArgument(source, start, count, source.all, reprChars)) as Promise<VariablesPage>;
  }

  /** The rows in place of a listing the server refused. */
  private refused(error: unknown, path: NamePath): Row[] {
    switch (refusalOf(error)) {
      case "busy":
        return [{ kind: "message", path, text: BUSY_MESSAGE }];
      case "staleRef":
        // A run came between the namespace and this: read it all again (its notification follows too).
        setTimeout(() => this.refresh(), 0);
        return [];
      default:
        return [{ kind: "message", path, text: `Cannot list the variables: ${errorText(error)}` }];
    }
  }

  /** "Load more…": the next page of its listing, after what is shown. */
  private async loadMore(more: Node): Promise<void> {
    const row = more.row;
    const owner = more.owner;
    const held = owner ? owner.children : this.root;
    const client = this.runningClient();
    if (row.kind !== "more" || !held || !client) {
      return;
    }
    try {
      const page = await this.page(client, held.source, held.entries.length, PAGE_SIZE);
      Object.assign(held, appendPage(held, page));
      let counts = this.shown.get(held.source.uri);
      if (!counts) {
        counts = new Map();
        this.shown.set(held.source.uri, counts);
      }
      counts.set(pathKey(row.path), held.entries.length);
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal === "staleRef") {
        this.refresh();
        return;
      }
      held.notice = refusal === "busy" ? BUSY_MESSAGE : `Cannot list more: ${errorText(error)}`;
    }
    this.changed.fire(owner);
  }

  /** Show Full Value: the entry read again alone with a long repr, opened as a read-only document. */
  private async showFullValue(node: Node | undefined): Promise<void> {
    const row = node?.row;
    const client = this.runningClient();
    if (!node || row?.kind !== "variable" || !client) {
      return;
    }
    let entry: Variable | undefined;
    try {
      entry = (await this.page(client, node.source, row.index, 1, FULL_REPR_CHARS)).variables[0];
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal === "busy") {
        void vscode.window.showInformationMessage("evalens: the interpreter is busy running code; show the full value when the run ends.");
        return;
      }
      if (refusal !== "staleRef") {
        void vscode.window.showErrorMessage(`evalens: ${errorText(error)}`);
        return;
      }
    }
    if (!entry || entry.name !== row.variable.name) {
      // A run came since the view was read (its refs are stale, or the entry moved).
      this.refresh();
      void vscode.window.showInformationMessage(
        `evalens: ${row.variable.name} changed since the view was read; the view is read again, show its value from there.`,
      );
      return;
    }
    this.opened += 1;
    const uri = vscode.Uri.from({
      scheme: VALUE_SCHEME,
      path: `/${fullValueTitle(row.path, entry).replace(/[/\\]/g, "∕")}`,
      query: String(this.opened),
    });
    this.values.set(uri.toString(), entry.repr);
    let document = await vscode.workspace.openTextDocument(uri);
    if (document.languageId !== "plaintext") {
      // Not Python: the evalens server would take it for a Python file of the workspace.
      document = await vscode.languages.setTextDocumentLanguage(document, "plaintext");
    }
    await vscode.window.showTextDocument(document, { preview: true });
    if (entry.truncated) {
      void vscode.window.showInformationMessage(`evalens: ${stillCutMessage(row.path, entry.repr.length)}`);
    }
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.values.get(uri.toString()) ?? "";
  }

  dispose(): void {
    this.subscriptions.forEach((d) => d.dispose());
    this.values.clear();
  }
}
