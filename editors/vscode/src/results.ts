// Inline results: a decoration after the evaluated code (`⇒ 42`, errors in the
// error colour, a run the user interrupted in a neutral one), with the full value or
// traceback in its hover. The decoration spans only the end of its line (as GitLens' line
// annotations do): its hover shows over the result's text, and hovering the code shows the
// server's hover alone (which has the live value) instead of both. Results move
// with edits above them and disappear when their own lines are edited. A run that
// brought code up to date (re-ran or patched some) makes every result shown before it
// stale: dimmed, with ` (stale)` after it, until it runs again (docs/protocol.md,
// "Stale results").

import * as vscode from "vscode";
import { EditorCommand } from "./commands";
import { hoverImageMarkdown, hoverImages } from "./display";
import type { ImageFiles } from "./imagefiles";
import { type ResultStyle, reloadsCode, resultStyle, shownText } from "./inline";
import type { Result } from "./protocol";

interface Shown {
  line: number; // the line the decoration is attached to (its end)
  firstLine: number; // the first line of the evaluated code
  result: Result;
  stale: boolean; // a later run brought code up to date: the value may differ now
  hover?: { stale: boolean; markdown: vscode.MarkdownString }; // made once (its images can be large)
}

function decorationType(color: string, fontStyle: "normal" | "italic"): vscode.TextEditorDecorationType {
  return vscode.window.createTextEditorDecorationType({
    after: { margin: "0 0 0 1.5em", color: new vscode.ThemeColor(color), fontStyle },
    rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
  });
}

export class InlineResults implements vscode.Disposable {
  private readonly types: Record<ResultStyle, vscode.TextEditorDecorationType> = {
    value: decorationType("evalens.resultForeground", "normal"),
    error: decorationType("evalens.errorForeground", "normal"),
    interrupted: decorationType("evalens.interruptedForeground", "normal"),
    stale: decorationType("evalens.staleForeground", "italic"),
  };
  /** How many runs so far brought code up to date: a result from before the last one is stale. */
  private generation = 0;
  private readonly byDocument = new Map<string, Shown[]>();
  private readonly subscriptions: vscode.Disposable[] = [];

  /** `images`: where images too large for a hover's markdown are written. */
  constructor(private readonly images?: ImageFiles) {
    this.subscriptions.push(
      vscode.workspace.onDidChangeTextDocument((event) => this.onChange(event)),
      vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((e) => this.render(e))),
      vscode.workspace.onDidCloseTextDocument((doc) => this.byDocument.delete(doc.uri.toString())),
    );
  }

  /**
   * A Result arrived. When its run brought code up to date, every result shown so far, in
   * every document, becomes stale. Answers the generation to `show` it with: a result placed
   * after a later run brought code up to date is shown stale too.
   */
  arrived(result: Result): number {
    if (reloadsCode(result)) {
      this.generation += 1;
      let changed = false;
      for (const shown of this.byDocument.values()) {
        for (const s of shown) {
          changed = changed || !s.stale;
          s.stale = true;
        }
      }
      if (changed) {
        vscode.window.visibleTextEditors.forEach((e) => this.render(e));
      }
    }
    return this.generation;
  }

  /**
   * Show `result` for the code spanning `firstLine`..`line` of `uri`, in place of what was
   * shown there; `generation` is what `arrived` answered for it (default: the current one).
   */
  show(uri: vscode.Uri, firstLine: number, line: number, result: Result, generation = this.generation): void {
    const key = uri.toString();
    const shown = (this.byDocument.get(key) ?? []).filter((s) => s.line < firstLine || s.firstLine > line);
    shown.push({ line, firstLine, result, stale: generation < this.generation });
    this.byDocument.set(key, shown);
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.uri.toString() === key) {
        this.render(editor);
      }
    }
  }

  clear(uri?: vscode.Uri): void {
    if (uri) {
      this.byDocument.delete(uri.toString());
    } else {
      this.byDocument.clear();
    }
    vscode.window.visibleTextEditors.forEach((e) => this.render(e));
  }

  private render(editor: vscode.TextEditor): void {
    const shown = this.byDocument.get(editor.document.uri.toString()) ?? [];
    const byStyle: Record<ResultStyle, vscode.DecorationOptions[]> = { value: [], error: [], interrupted: [], stale: [] };
    const lineCount = editor.document.lineCount;
    for (const s of shown) {
      if (s.line >= lineCount) {
        continue;
      }
      // Empty, at the end of the line: the hover belongs to the result's text, not the code.
      const end = editor.document.lineAt(s.line).range.end;
      byStyle[resultStyle(s.result, s.stale)].push({
        range: new vscode.Range(end, end),
        hoverMessage: this.hover(s),
        renderOptions: { after: { contentText: shownText(s.result, s.stale) } },
      });
    }
    for (const style of Object.keys(this.types) as ResultStyle[]) {
      editor.setDecorations(this.types[style], byStyle[style]);
    }
  }

  private hover(s: Shown): vscode.MarkdownString {
    if (s.hover?.stale !== s.stale) {
      s.hover = { stale: s.stale, markdown: hoverFor(s.result, s.stale, this.images) };
    }
    return s.hover.markdown;
  }

  private onChange(event: vscode.TextDocumentChangeEvent): void {
    const key = event.document.uri.toString();
    let shown = this.byDocument.get(key);
    if (!shown || event.contentChanges.length === 0) {
      return;
    }
    for (const change of event.contentChanges) {
      const first = change.range.start.line;
      const last = change.range.end.line;
      const added = (change.text.match(/\n/g) ?? []).length;
      const delta = added - (last - first);
      shown = shown
        .filter((s) => s.line < first || s.firstLine > last)
        .map((s) => (s.firstLine > last ? { ...s, line: s.line + delta, firstLine: s.firstLine + delta } : s));
    }
    this.byDocument.set(key, shown);
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.uri.toString() === key) {
        this.render(editor);
      }
    }
  }

  dispose(): void {
    Object.values(this.types).forEach((type) => type.dispose());
    this.subscriptions.forEach((d) => d.dispose());
  }
}

function fence(text: string, language = ""): string {
  const ticks = text.includes("```") ? "````" : "```";
  return `${ticks}${language}\n${text.replace(/\n$/, "")}\n${ticks}\n`;
}

/**
 * The hover on a result: the images the run showed (data: URIs while the markdown stays under
 * VS Code's limit, else files in `images`' folder), the whole value or traceback, the output
 * and timing, and a link to the display panel when the run showed anything.
 */
export function hoverFor(result: Result, stale = false, images?: ImageFiles): vscode.MarkdownString {
  const md = hoverText(result, stale);
  const display = result.display ?? []; // `?? []`: a server older than rich output sends none
  if (display.length === 0) {
    return md;
  }
  const shown = hoverImageMarkdown(hoverImages(display), md.value.length, (image) => {
    const path = images?.write(image);
    return path ? vscode.Uri.file(path).toString() : undefined;
  });
  const what = display.length === 1 ? "1 display" : `${display.length} displays`;
  const link = `[${what} in the evalens display panel](command:${EditorCommand.showDisplays})`;
  const hover = new vscode.MarkdownString();
  hover.supportHtml = false;
  hover.isTrusted = { enabledCommands: [EditorCommand.showDisplays] };
  hover.appendMarkdown(shown.markdown.map((line) => `${line}\n\n`).join(""));
  hover.appendMarkdown(md.value);
  hover.appendMarkdown(` · ${link}`);
  return hover;
}

function hoverText(result: Result, stale: boolean): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.supportHtml = false;
  if (stale) {
    md.appendMarkdown(
      "*Stale*: a later run re-ran or patched code this result may have used. Run it again for a current one.\n\n",
    );
  }
  if (result.error) {
    md.appendMarkdown(`**${result.error.type}**`);
    if (result.error.message) {
      md.appendMarkdown(": ");
      md.appendText(result.error.message);
    }
    md.appendMarkdown("\n\n");
    md.appendMarkdown(fence(result.error.traceback || `${result.error.type}: ${result.error.message}`, "pytb"));
    const links = result.error.frames
      .filter((f) => f.uri)
      .map((f) => {
        const uri = vscode.Uri.parse(f.uri as string);
        const name = uri.path.split("/").pop() ?? uri.path;
        return `[${name}:${f.line + 1} ${f.name}](${uri.with({ fragment: `L${f.line + 1}` }).toString()})`;
      });
    if (links.length > 0) {
      md.appendMarkdown(`\n${links.join(" · ")}\n`);
    }
  } else if (result.value) {
    md.appendMarkdown(fence(result.value.repr, "python"));
  }
  if (result.stdout) {
    md.appendMarkdown("\n**stdout**\n");
    md.appendMarkdown(fence(result.stdout));
  }
  if (result.stderr) {
    md.appendMarkdown("\n**stderr**\n");
    md.appendMarkdown(fence(result.stderr));
  }
  const facts: string[] = [];
  if (result.value) {
    facts.push(`\`${result.value.type}\``);
  }
  if (result.valueName) {
    facts.push(`bound to \`${result.valueName}\``);
  }
  if (Number.isFinite(result.durationMs)) {
    // NaN: not known (a cell before the last of an evalens.runCell, whose answer times the last)
    facts.push(`${result.durationMs.toFixed(1)} ms`);
  }
  if (result.truncated) {
    facts.push("truncated to the limits");
  }
  md.appendMarkdown(`\n*evalens* · ${facts.join(" · ")}`);
  return md;
}
