// Functions and classes of a Python document, found by their `def`/`class` lines: where a
// call's target is defined, and the quick pick that chooses a function to call.

import * as vscode from "vscode";

/** The line of `def NAME` / `class NAME` for the last part of a dotted target. */
export function defLine(document: vscode.TextDocument, target: string): number | undefined {
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

/** Asks which function to call: one of the document's, starting at the one around the cursor, or a typed name. */
export async function pickTarget(editor: vscode.TextEditor): Promise<string | undefined> {
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
