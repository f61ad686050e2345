// Failing docstring examples marked inline as run failures are: `✗ expected 16, got 15` after
// the example's `>>>` line, in the error colour, with the example, what it expected, what it
// printed and its traceback in the hover. The marks follow the server's diagnostics on failing
// examples (source evalens.doctest): they show where those are, and go when they go (the
// docstring's text changed, it passes now, the document closed), so the editor, the Problems
// panel and the marks never disagree. The outcomes of the last runs give the hover its detail.

import * as vscode from "vscode";
import { exampleAt, exampleInlineText, failures, promptedSource } from "./doctests";
import { FAILED, MAX_INLINE, fold } from "./inline";
import { DOCTEST_SOURCE, type DoctestResult, type ExampleOutcome } from "./protocol";

export class DoctestMarks implements vscode.Disposable {
  // As InlineResults draws an error: after the line, in evalens.errorForeground.
  private readonly type = vscode.window.createTextEditorDecorationType({
    after: { margin: "0 0 0 1.5em", color: new vscode.ThemeColor("evalens.errorForeground"), fontStyle: "normal" },
    rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
  });
  /** Per document: the failing examples of its last runs. */
  private readonly failing = new Map<string, ExampleOutcome[]>();
  /** Documents whose marks evalens: Clear Inline Results hid, until their examples run again. */
  private readonly hidden = new Set<string>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor() {
    this.subscriptions.push(
      vscode.languages.onDidChangeDiagnostics((event) => {
        const changed = new Set(event.uris.map((uri) => uri.toString()));
        vscode.window.visibleTextEditors.filter((e) => changed.has(e.document.uri.toString())).forEach((e) => this.render(e));
      }),
      vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((e) => this.render(e))),
      vscode.workspace.onDidCloseTextDocument((document) => {
        this.failing.delete(document.uri.toString());
        this.hidden.delete(document.uri.toString());
      }),
    );
  }

  /**
   * An evalens.doctest answer for `uri`: its failing examples replace those known on the lines
   * of the examples it ran (all of them, for a run of the whole document).
   */
  answered(uri: vscode.Uri, answer: DoctestResult, whole: boolean): void {
    const key = uri.toString();
    const ran = new Set((answer.examples ?? []).map((example) => example.line));
    const kept = whole ? [] : (this.failing.get(key) ?? []).filter((example) => !ran.has(example.line));
    this.failing.set(key, [...kept, ...failures(answer)]);
    this.hidden.delete(key);
    this.renderDocument(key);
  }

  /** evalens: Clear Inline Results: hides the marks of `uri` (all without), until its examples run again. */
  clear(uri?: vscode.Uri): void {
    const keys = uri ? [uri.toString()] : vscode.window.visibleTextEditors.map((e) => e.document.uri.toString());
    keys.forEach((key) => this.hidden.add(key));
    keys.forEach((key) => this.renderDocument(key));
  }

  private renderDocument(key: string): void {
    vscode.window.visibleTextEditors.filter((e) => e.document.uri.toString() === key).forEach((e) => this.render(e));
  }

  private render(editor: vscode.TextEditor): void {
    const document = editor.document;
    const key = document.uri.toString();
    const marks: vscode.DecorationOptions[] = [];
    if (!this.hidden.has(key)) {
      const known = this.failing.get(key) ?? [];
      const lines = new Set<number>();
      for (const diagnostic of vscode.languages.getDiagnostics(document.uri)) {
        const line = diagnostic.range.start.line;
        if (diagnostic.source !== DOCTEST_SOURCE || line >= document.lineCount || lines.has(line)) {
          continue;
        }
        lines.add(line);
        const example = exampleAt(known, line, document.lineAt(line).text);
        const end = document.lineAt(line).range.end;
        marks.push({
          range: new vscode.Range(end, end),
          hoverMessage: hoverFor(example, diagnostic.message),
          renderOptions: {
            after: { contentText: example ? exampleInlineText(example) : `${FAILED} ${fold(diagnostic.message, MAX_INLINE)}` },
          },
        });
      }
    }
    editor.setDecorations(this.type, marks);
  }

  dispose(): void {
    this.type.dispose();
    this.subscriptions.forEach((d) => d.dispose());
  }
}

function fence(text: string, language = ""): string {
  const ticks = text.includes("```") ? "````" : "```";
  return `${ticks}${language}\n${text.replace(/\n$/, "")}\n${ticks}\n`;
}

/** The hover of a mark: the example, what it expected and printed, its traceback; else the diagnostic's message. */
function hoverFor(example: ExampleOutcome | undefined, message: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.supportHtml = false;
  md.appendMarkdown("**Example failed**\n\n");
  if (!example) {
    md.appendMarkdown(fence(message));
  } else {
    md.appendMarkdown(fence(promptedSource(example.source), "python"));
    md.appendMarkdown("expected\n");
    md.appendMarkdown(fence(example.want || "(nothing)"));
    md.appendMarkdown("got\n");
    md.appendMarkdown(fence(example.got || "(nothing)"));
    if (example.traceback) {
      md.appendMarkdown(fence(example.traceback, "pytb"));
    }
  }
  md.appendMarkdown(
    "\n*evalens* · a docstring example; *Quick Fix…* on its line offers *Update expected output*" +
      " when what it printed can be written there",
  );
  return md;
}
