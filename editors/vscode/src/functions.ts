// Functions and classes of a Python document, as the server's document symbols give them
// (`textDocument/documentSymbol`, through VS Code's symbol providers): where a call's
// target is defined, and the quick pick that chooses a function to call.

import * as vscode from "vscode";

/** Something a call can name: a top-level function or class, or a method (`Counter.incr`). */
interface Callable {
  target: string; // the dotted name the server calls
  kind: vscode.SymbolKind;
  line: number; // 0-based line of its name (`def`/`class`, decorators excluded)
  character: number; // where its name ends on that line
}

const CALLABLE = new Set([vscode.SymbolKind.Function, vscode.SymbolKind.Method, vscode.SymbolKind.Class]);

type AnySymbol = vscode.DocumentSymbol | vscode.SymbolInformation;

function rangeOf(symbol: AnySymbol): vscode.Range {
  return "selectionRange" in symbol ? symbol.selectionRange : symbol.location.range;
}

function childrenOf(symbol: AnySymbol): AnySymbol[] {
  return "children" in symbol && Array.isArray(symbol.children) ? symbol.children : [];
}

/** The document's symbols from every provider (evalens' own, and any other Python extension's). */
async function documentSymbols(uri: vscode.Uri): Promise<AnySymbol[]> {
  try {
    const found = await vscode.commands.executeCommand<AnySymbol[] | undefined>(
      "vscode.executeDocumentSymbolProvider",
      uri,
    );
    return Array.isArray(found) ? found : [];
  } catch {
    return [];
  }
}

/**
 * Everything callable, in document order: top-level functions and classes, the methods of
 * classes and (`nested`) what is defined inside functions. Names repeated by a second
 * symbol provider are kept once.
 */
function callables(symbols: AnySymbol[], nested: boolean): Callable[] {
  const found: Callable[] = [];
  const seen = new Set<string>();
  const walk = (list: AnySymbol[], prefix: string) => {
    for (const symbol of list) {
      if (!CALLABLE.has(symbol.kind)) {
        continue;
      }
      const range = rangeOf(symbol);
      const target = `${prefix}${symbol.name}`;
      const key = `${target}@${range.start.line}`;
      if (!seen.has(key)) {
        seen.add(key);
        found.push({ target, kind: symbol.kind, line: range.start.line, character: range.end.character });
      }
      if (nested || symbol.kind === vscode.SymbolKind.Class) {
        walk(childrenOf(symbol), `${target}.`);
      }
    }
  };
  walk(symbols, "");
  return found.sort((a, b) => a.line - b.line);
}

/**
 * The 0-based line where `target` is defined: the symbol with that dotted name
 * (`Counter.incr`), else the first function, method or class named like its last part.
 */
export async function defLine(uri: vscode.Uri, target: string): Promise<number | undefined> {
  const all = callables(await documentSymbols(uri), true);
  const exact = all.find((c) => c.target === target.trim());
  if (exact) {
    return exact.line;
  }
  const name = target.split(".").pop()?.trim();
  return name ? all.find((c) => c.target.split(".").pop() === name)?.line : undefined;
}

interface FunctionItem extends vscode.QuickPickItem {
  target: string;
  line: number;
}

/** The parameters written after a function's name on its `def` line, as `(x, y)`. */
function parameters(document: vscode.TextDocument, callable: Callable): string {
  const text = callable.line < document.lineCount ? document.lineAt(callable.line).text : "";
  const rest = text.slice(callable.character).trimStart();
  const inside = rest.startsWith("(") ? rest.slice(1) : "";
  const close = inside.indexOf(")");
  return `(${close < 0 ? inside : inside.slice(0, close)})`;
}

/** Top-level functions and classes, and the methods of classes, as quick pick items. */
async function functionsIn(document: vscode.TextDocument): Promise<FunctionItem[]> {
  return callables(await documentSymbols(document.uri), false).map((c) => {
    const where = `line ${c.line + 1}`;
    if (c.kind === vscode.SymbolKind.Class) {
      return { label: `$(symbol-class) ${c.target}`, target: c.target, line: c.line, description: where };
    }
    const icon = c.target.includes(".") ? "$(symbol-method)" : "$(symbol-function)";
    return {
      label: `${icon} ${c.target}`,
      target: c.target,
      line: c.line,
      description: `${parameters(document, c)} · ${where}`,
    };
  });
}

/** Asks which function to call: one of the document's, starting at the one around the cursor, or a typed name. */
export async function pickTarget(editor: vscode.TextEditor): Promise<string | undefined> {
  const pick = vscode.window.createQuickPick<FunctionItem>();
  pick.title = "evalens: call a function";
  pick.placeholder = "Function to call (a name from this file, or any expression naming a callable)";
  pick.busy = true;
  const chosen = new Promise<string | undefined>((resolve) => {
    pick.onDidAccept(() => {
      const item = pick.selectedItems[0] ?? pick.activeItems[0];
      const typed = pick.value.trim();
      resolve(item?.target ?? (typed || undefined));
      pick.hide();
    });
    pick.onDidHide(() => {
      resolve(undefined);
      pick.dispose();
    });
  });
  pick.show();
  const items = await functionsIn(editor.document);
  pick.items = items;
  pick.busy = false;
  const cursor = editor.selection.active.line;
  const here = [...items].reverse().find((item) => item.line <= cursor);
  if (here && !pick.value) {
    pick.activeItems = [here];
  }
  return chosen;
}
