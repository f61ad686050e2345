// The page of the evalens display panel's webview: a toolbar (the run count, Clear), then
// each run's section (its title, how it ended, its bundles). The extension posts what to show
// (display.ts's Renderings, never HTML to insert): images become <img> with data: URIs, text
// goes in as text, and a run's HTML goes into a sandboxed iframe of its own (display.ts,
// htmlSandbox), styled like the editor, its height fitted to its content. No `vscode` import.

import { contentSecurityPolicy, htmlSandbox } from "./display";

/** The messages the page sends to the extension. */
export type PageMessage = { type: "ready" } | { type: "clear" } | { type: "save"; run: number; index: number };

/** The page: `cspSource` the webview's, `nonce` for its one script, `trusted` the workspace's trust. */
export function displayPage(cspSource: string, nonce: string, trusted: boolean): string {
  const csp = contentSecurityPolicy(cspSource, trusted, nonce);
  const config = JSON.stringify({ trusted, sandbox: htmlSandbox(trusted) });
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>evalens display</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<div id="toolbar"><span id="count"></span><span class="spacer"></span><button id="clear" title="Clear the panel (evalens: Clear Display Panel)">Clear</button></div>
<div id="empty">Plots, images, HTML and tables your runs show appear here, under what ran.</div>
<main id="runs"></main>
<script nonce="${nonce}">const EVALENS = ${config};
${SCRIPT}</script>
</body>
</html>`;
}

const STYLE = `
:root { color-scheme: light dark; }
body { margin: 0; padding: 0 12px 24px; color: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); }
#toolbar { position: sticky; top: 0; z-index: 1; display: flex; align-items: center; gap: 8px; padding: 6px 0; background: var(--vscode-editor-background); border-bottom: 1px solid var(--vscode-panel-border, transparent); }
#toolbar .spacer { flex: 1; }
#count { color: var(--vscode-descriptionForeground); }
button { color: var(--vscode-button-secondaryForeground); background: var(--vscode-button-secondaryBackground); border: none; padding: 3px 10px; border-radius: 2px; cursor: pointer; font: inherit; }
button:hover { background: var(--vscode-button-secondaryHoverBackground); }
#empty { margin-top: 24px; color: var(--vscode-descriptionForeground); }
section.run { margin-top: 14px; }
section.run > header { display: flex; gap: 10px; align-items: baseline; white-space: nowrap; min-width: 0; padding: 2px 0 4px; border-bottom: 1px solid var(--vscode-editorWidget-border, rgba(128,128,128,.35)); margin-bottom: 8px; }
section.run > header .title { font-weight: 600; }
section.run > header .title { flex: none; }
section.run > header .code { flex: 1 1 auto; min-width: 0; font-family: var(--vscode-editor-font-family); color: var(--vscode-descriptionForeground); white-space: pre; overflow: hidden; text-overflow: ellipsis; }
section.run > header .summary { flex: 0 1 auto; min-width: 3em; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 45%; color: var(--vscode-descriptionForeground); font-family: var(--vscode-editor-font-family); }
section.run.failed > header .summary { color: var(--vscode-errorForeground); }
section.run.running > header .summary::after { content: "running…"; }
.bundle { margin: 6px 0 10px; position: relative; }
.bundle img { display: block; max-width: 100%; height: auto; }
.bundle.image.svg img { background: white; }
.bundle .save { position: absolute; top: 4px; left: 4px; display: none; font-size: 11px; padding: 2px 6px; }
.bundle:hover .save { display: block; }
.bundle iframe { display: block; width: 100%; height: 60px; border: 0; background: transparent; }
.bundle pre { margin: 0; white-space: pre-wrap; word-break: break-word; font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); }
`;

// The page's script: plain JavaScript, built into the page as it is.
const SCRIPT = String.raw`
(function () {
  const vscode = acquireVsCodeApi();
  const runs = document.getElementById("runs");
  const empty = document.getElementById("empty");
  const count = document.getElementById("count");
  const sections = new Map();
  document.getElementById("clear").addEventListener("click", () => vscode.postMessage({ type: "clear" }));

  function frames() {
    return [...document.querySelectorAll("iframe.html")];
  }

  function refresh() {
    const n = sections.size;
    empty.style.display = n ? "none" : "";
    count.textContent = n ? n + (n === 1 ? " run" : " runs") : "";
  }

  function atBottom() {
    return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 48;
  }

  function scrollDown(follow) {
    if (follow) window.scrollTo(0, document.documentElement.scrollHeight);
  }

  function section(run) {
    let s = sections.get(run.id);
    if (!s) {
      s = document.createElement("section");
      s.dataset.run = String(run.id);
      const header = document.createElement("header");
      for (const part of ["title", "code", "summary"]) {
        const span = document.createElement("span");
        span.className = part;
        header.append(span);
      }
      const bundles = document.createElement("div");
      bundles.className = "bundles";
      s.append(header, bundles);
      runs.append(s);
      sections.set(run.id, s);
    }
    s.className = "run " + run.state;
    s.querySelector(".title").textContent = run.title;
    s.querySelector(".code").textContent = run.code || "";
    s.querySelector(".summary").textContent = run.summary || "";
    s.querySelector(".summary").title = run.summary || "";
    return s;
  }

  function css(name, fallback) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
  }

  // The iframe's own document: the editor's colours and fonts (it inherits neither), tables as
  // Jupyter draws DataFrames; with scripts (trusted), it tells the panel its height (its body's:
  // the root's is never less than the frame's).
  function frameDocument(html) {
    const fg = css("--vscode-editor-foreground", "inherit");
    const style = [
      ":root { color-scheme: " + (getComputedStyle(document.documentElement).colorScheme || "normal") + "; color: " + fg + "; font-family: " + css("--vscode-font-family", "sans-serif") + "; font-size: " + css("--vscode-font-size", "13px") + "; }",
      "body { margin: 0; background: transparent; overflow-x: auto; overflow-y: hidden; }",
      "a { color: " + css("--vscode-textLink-foreground", "inherit") + "; }",
      "table { border-collapse: collapse; border: none; font-size: 12px; font-variant-numeric: tabular-nums; margin: 0; }",
      "th, td { padding: 4px 10px; text-align: right; vertical-align: middle; border: none; white-space: nowrap; }",
      "thead th, thead td { border-bottom: 1px solid " + css("--vscode-editorWidget-border", "rgba(128,128,128,.5)") + "; font-weight: 600; }",
      "tbody th { font-weight: 600; }",
      "tbody tr:nth-child(odd) { background: rgba(128,128,128,.08); }",
      "tbody tr:hover { background: " + css("--vscode-list-hoverBackground", "rgba(128,128,128,.18)") + "; }",
      "pre, code { font-family: " + css("--vscode-editor-font-family", "monospace") + "; }",
      "img, svg { max-width: 100%; }",
    ].join("\n");
    const report = EVALENS.trusted
      ? "<scr" + "ipt>(function(){function post(){parent.postMessage({evalensFrameHeight:document.body?document.body.scrollHeight:0},'*');}" +
        "addEventListener('load',post);if(window.ResizeObserver){new ResizeObserver(post).observe(document.body||document.documentElement);}setTimeout(post,0);})();</scr" + "ipt>"
      : "";
    return "<!DOCTYPE html><html><head><meta charset='utf-8'><style>" + style + "</style>" + report + "</head><body>" + html + "</body></html>";
  }

  function fit(frame) {
    try {
      const doc = frame.contentDocument;
      if (doc && doc.body) frame.style.height = Math.ceil(doc.body.scrollHeight) + "px"; // not <html>'s: never less than the frame
    } catch (error) {
      // another origin: it reports its height itself
    }
  }

  function bundleElement(run, index, rendering) {
    const div = document.createElement("div");
    div.className = "bundle " + rendering.kind;
    div.dataset.mime = rendering.mime || "text/html";
    if (rendering.kind === "image") {
      if (rendering.mime === "image/svg+xml") div.classList.add("svg");
      const img = document.createElement("img");
      img.alt = rendering.mime;
      if (rendering.width) img.style.width = rendering.width + "px";
      img.src = rendering.src;
      const save = document.createElement("button");
      save.className = "save";
      save.textContent = "Save…";
      save.title = "Save the image to a file";
      save.addEventListener("click", () => vscode.postMessage({ type: "save", run: run.id, index }));
      div.append(img, save);
    } else if (rendering.kind === "html") {
      const frame = document.createElement("iframe");
      frame.className = "html";
      frame.setAttribute("sandbox", EVALENS.sandbox); // before its document is set
      frame.setAttribute("title", "HTML shown by " + run.title);
      if (!EVALENS.trusted) frame.addEventListener("load", () => fit(frame));
      frame.srcdoc = frameDocument(rendering.html);
      div.append(frame);
    } else {
      const pre = document.createElement("pre");
      pre.textContent = rendering.text;
      div.append(pre);
    }
    return div;
  }

  function append(run, index, rendering) {
    const follow = atBottom() || !sections.has(run.id);
    const s = section(run);
    const element = bundleElement(run, index, rendering);
    s.querySelector(".bundles").append(element);
    const img = element.querySelector("img");
    if (img) img.addEventListener("load", () => scrollDown(follow));
    refresh();
    scrollDown(follow);
  }

  window.addEventListener("message", (event) => {
    const message = event.data;
    const frame = frames().find((f) => f.contentWindow === event.source);
    if (frame) {
      // only a height from a run's HTML
      if (message && typeof message.evalensFrameHeight === "number") {
        frame.style.height = Math.min(Math.ceil(message.evalensFrameHeight), 20000) + "px";
      }
      return;
    }
    if (!message || typeof message.type !== "string") return;
    switch (message.type) {
      case "reset":
        runs.replaceChildren();
        sections.clear();
        for (const run of message.runs) {
          section(run);
          run.renderings.forEach((rendering, index) => append(run, index, rendering));
        }
        refresh();
        scrollDown(true);
        break;
      case "append":
        append(message.run, message.index, message.rendering);
        break;
      case "update":
        if (sections.has(message.run.id)) section(message.run);
        break;
      case "remove":
        for (const id of message.ids) {
          sections.get(id)?.remove();
          sections.delete(id);
        }
        refresh();
        break;
      case "clear":
        runs.replaceChildren();
        sections.clear();
        refresh();
        break;
    }
  });
  refresh();
  vscode.postMessage({ type: "ready" });
})();
`;
