// Rich output (docs/protocol.md, "Rich output"): what the evalens display panel shows for a
// MIME bundle, which run each `evalens/display` notification belongs to and how a run's
// Result is reconciled with what already came, the page the panel's webview loads, and which
// images the hover of an inline result carries inline (a data: URI) or as a file. No `vscode`
// import, so test/display.test.mjs runs it in plain Node.

import type { DisplayBundle, Result } from "./protocol";

/** An image type the panel and the hover show as an image: base64 on the wire. */
const BINARY_IMAGES = ["image/png", "image/jpeg", "image/gif", "image/webp"] as const;

/**
 * What the panel draws for a bundle: one representation, the richest it can show safely, in
 * JupyterLab's order (HTML, markdown, LaTeX, SVG, PNG, JPEG, ..., JSON, plain text).
 */
export type Rendering =
  | { kind: "image"; mime: string; src: string; width?: number; height?: number } // src: a data: URI
  | { kind: "html"; html: string }
  | { kind: "text"; mime: string; text: string }; // markdown, LaTeX, JSON, plain text: as text

const BASE64 = /^[A-Za-z0-9+/=\r\n]*$/;

/** The base64 text of `content` (whitespace removed), or undefined when it is not base64. */
export function base64Of(content: unknown): string | undefined {
  if (typeof content !== "string" || content.length === 0 || !BASE64.test(content)) {
    return undefined;
  }
  return content.replace(/[\r\n]/g, "");
}

/** `metadata[mime]` `{width, height}` (a retina figure: its size in CSS pixels), when numbers. */
function sizeOf(bundle: DisplayBundle, mime: string): { width?: number; height?: number } {
  const meta = bundle.metadata?.[mime];
  const size: { width?: number; height?: number } = {};
  if (meta && typeof meta === "object") {
    const { width, height } = meta as { width?: unknown; height?: unknown };
    if (typeof width === "number" && width > 0) size.width = width;
    if (typeof height === "number" && height > 0) size.height = height;
  }
  return size;
}

function image(bundle: DisplayBundle, mime: string): Rendering | undefined {
  const base64 = base64Of(bundle.data[mime]);
  return base64 === undefined ? undefined : { kind: "image", mime, src: `data:${mime};base64,${base64}`, ...sizeOf(bundle, mime) };
}

/** An SVG as an image (`<img>`: its scripts never run), base64 in the data: URI. */
function svg(bundle: DisplayBundle): Rendering | undefined {
  const text = bundle.data["image/svg+xml"];
  if (typeof text !== "string" || !text) {
    return undefined;
  }
  const base64 = Buffer.from(text, "utf8").toString("base64");
  return { kind: "image", mime: "image/svg+xml", src: `data:image/svg+xml;base64,${base64}`, ...sizeOf(bundle, "image/svg+xml") };
}

function text(bundle: DisplayBundle, mime: string): Rendering | undefined {
  const content = bundle.data[mime];
  if (mime === "application/json") {
    return content === undefined ? undefined : { kind: "text", mime, text: JSON.stringify(content, null, 2) };
  }
  return typeof content === "string" ? { kind: "text", mime, text: content } : undefined;
}

/** What the panel shows for `bundle`. */
export function renderingOf(bundle: DisplayBundle): Rendering {
  const data = bundle.data ?? {};
  const html = data["text/html"];
  if (typeof html === "string" && html.trim()) {
    return { kind: "html", html };
  }
  const choices: (() => Rendering | undefined)[] = [
    () => text(bundle, "text/markdown"),
    () => text(bundle, "text/latex"),
    () => svg(bundle),
    ...BINARY_IMAGES.map((mime) => () => image(bundle, mime)),
    () => text(bundle, "application/json"),
    () => text(bundle, "text/plain"),
  ];
  for (const choice of choices) {
    const rendering = choice();
    if (rendering) {
      return rendering;
    }
  }
  const types = Object.keys(data);
  return { kind: "text", mime: "text/plain", text: types.length ? `(${types.join(", ")}: nothing evalens can show)` : "" };
}

// -- the runs the panel shows ---------------------------------------------------------------

/** `evalens/display`'s params: a bundle and the run's document (null: shown between runs). */
export type DisplayParams = DisplayBundle & { uri: string | null };

export type RunState = "running" | "ok" | "failed";

/** A run the panel shows: what ran, its bundles in order, and how it ended. */
export interface DisplayRun {
  id: number;
  title: string; // `eval demo.py:3`, `run cell analysis.py:12`, `shown between runs`
  uri: string | null;
  code: string; // the first line of the code an eval ran, else ""
  bundles: DisplayBundle[];
  state: RunState;
  summary: string; // once it ended: its inline text and time (`⇒ 42 · 3.1 ms`)
}

/** How the panel changes: a bundle added to a run, a run redrawn, runs dropped. */
export type DisplayChange =
  | { kind: "append"; run: DisplayRun; bundle: DisplayBundle; first: boolean } // first: the run's first bundle
  | { kind: "update"; run: DisplayRun }
  | { kind: "remove"; ids: number[] }
  | { kind: "clear" };

/** Bundles are the same when their data are (metadata follow their data). */
function sameBundle(a: DisplayBundle, b: DisplayBundle): boolean {
  const aKeys = Object.keys(a.data);
  const bKeys = Object.keys(b.data);
  if (aKeys.length !== bKeys.length) {
    return false;
  }
  return aKeys.every((key) => {
    const x = a.data[key];
    const y = b.data[key];
    return typeof x === "string" || typeof y === "string" ? x === y : JSON.stringify(x) === JSON.stringify(y);
  });
}

/**
 * The bundles of `display` (a Result's) that are not among `shown` (what came as
 * notifications), matched in order: the Result's display is what the run's notifications
 * were, or their last ones (an evalens.runCell answer lists its last cell's only), so
 * nothing is shown twice, and what did not come (a notification missed) is added.
 */
export function missingBundles(shown: readonly DisplayBundle[], display: readonly DisplayBundle[]): DisplayBundle[] {
  // Align the display's first bundle with the earliest place in `shown` from which all of it matches in order.
  const missing: DisplayBundle[] = [];
  let from = 0;
  for (const bundle of display) {
    let found = -1;
    for (let i = from; i < shown.length; i++) {
      if (sameBundle(shown[i], bundle)) {
        found = i;
        break;
      }
    }
    if (found < 0) {
      missing.push(bundle);
    } else {
      from = found + 1;
    }
  }
  return missing;
}

/** The run's inline text and time, for its header once it ended. */
export function summaryOf(result: Result | undefined, inline: (result: Result) => string): string {
  if (!result) {
    return "no result";
  }
  const time = Number.isFinite(result.durationMs) ? ` · ${formatMs(result.durationMs)}` : "";
  return `${inline(result)}${time}`;
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/**
 * The runs the panel shows, newest last, at most `maxRuns`: a run shows once it showed a
 * bundle. Runs are known from when they are sent (`start`); an `evalens/display` belongs to
 * the oldest run not yet ended on its document (the server runs one at a time, in order),
 * else the oldest not yet ended; one with no document (a thread between runs) goes under
 * "shown between runs".
 */
export class DisplayLog {
  private nextId = 1;
  /** Runs sent and not ended, oldest first (shown or not yet). */
  private readonly pending: DisplayRun[] = [];
  /** The runs shown, oldest first. */
  readonly runs: DisplayRun[] = [];
  /** Every bundle a run not yet ended got, shown or cleared since: what its Result is matched with. */
  private readonly seen = new Map<number, DisplayBundle[]>();

  constructor(
    private readonly listener: (change: DisplayChange) => void,
    public maxRuns = 50,
  ) {}

  /** A run was sent: answers its id for `finish`. */
  start(title: string, uri: string | null, code = ""): number {
    const run: DisplayRun = { id: this.nextId++, title, uri, code, bundles: [], state: "running", summary: "" };
    this.pending.push(run);
    this.seen.set(run.id, []);
    return run.id;
  }

  /** An `evalens/display` notification. */
  display(params: DisplayParams): void {
    const bundle: DisplayBundle = { data: params.data ?? {}, metadata: params.metadata ?? {} };
    let run: DisplayRun | undefined;
    if (params.uri !== null && params.uri !== undefined) {
      run = this.pending.find((r) => r.uri === params.uri) ?? this.pending[0];
    }
    if (!run) {
      const last = this.runs[this.runs.length - 1];
      if (last && last.title === BETWEEN_RUNS && last.state !== "running") {
        run = last;
      } else {
        run = { id: this.nextId++, title: BETWEEN_RUNS, uri: params.uri ?? null, code: "", bundles: [], state: "ok", summary: "" };
      }
    }
    this.seen.get(run.id)?.push(bundle);
    this.add(run, [bundle]);
  }

  /** The run `id` ended with `result` (undefined: it failed without one, e.g. a request error). */
  finish(id: number, result: Result | undefined, inline: (result: Result) => string): void {
    const index = this.pending.findIndex((r) => r.id === id);
    if (index < 0) {
      return;
    }
    const [run] = this.pending.splice(index, 1);
    const seen = this.seen.get(id) ?? [];
    this.seen.delete(id);
    run.state = result?.ok ? "ok" : "failed";
    run.summary = summaryOf(result, inline);
    const missing = missingBundles(seen, result?.display ?? []);
    if (missing.length > 0) {
      this.add(run, missing);
    }
    if (this.runs.includes(run)) {
      this.listener({ kind: "update", run });
    }
  }

  clear(): void {
    this.runs.length = 0;
    for (const run of this.pending) {
      run.bundles = []; // a run still going starts a new section if it shows more; what it showed stays seen
    }
    this.listener({ kind: "clear" });
  }

  /** Keeps the newest `maxRuns` runs. */
  trim(): void {
    const extra = this.runs.length - Math.max(1, this.maxRuns);
    if (extra > 0) {
      const dropped = this.runs.splice(0, extra);
      this.listener({ kind: "remove", ids: dropped.map((r) => r.id) });
    }
  }

  private add(run: DisplayRun, bundles: DisplayBundle[]): void {
    for (const bundle of bundles) {
      const first = !this.runs.includes(run);
      if (first) {
        this.runs.push(run);
      }
      run.bundles.push(bundle);
      this.listener({ kind: "append", run, bundle, first });
      if (first) {
        this.trim();
      }
    }
  }
}

export const BETWEEN_RUNS = "shown between runs";

// -- the hover's images -----------------------------------------------------------------------

/** VS Code cuts a hover's markdown longer than this (its MarkdownString limit). */
export const HOVER_MARKDOWN_LIMIT = 100_000;
/** The widest an image is drawn in a hover, in CSS pixels. */
export const HOVER_IMAGE_WIDTH = 400;

/** An image of a run for its hover: its type, base64 data and width to draw it at. */
export interface HoverImage {
  mime: string;
  base64: string;
  width: number;
}

/** The images a run showed (PNG, JPEG, SVG), at most `max`, in order. */
export function hoverImages(display: readonly DisplayBundle[], max = 3): HoverImage[] {
  const images: HoverImage[] = [];
  for (const bundle of display ?? []) {
    if (images.length >= max) {
      break;
    }
    const rendering = renderingOf({ ...bundle, data: withoutHtml(bundle.data) });
    if (rendering.kind !== "image") {
      continue;
    }
    const base64 = rendering.src.slice(rendering.src.indexOf(",") + 1);
    images.push({ mime: rendering.mime, base64, width: Math.min(HOVER_IMAGE_WIDTH, rendering.width ?? HOVER_IMAGE_WIDTH) });
  }
  return images;
}

function withoutHtml(data: Record<string, unknown>): Record<string, unknown> {
  const { "text/html": _html, "text/markdown": _md, "text/latex": _latex, ...rest } = data;
  return rest;
}

/** A markdown image: `![alt](uri|width=N)` (VS Code's markdown takes a size after `|`). */
export function markdownImage(uri: string, width: number, alt = "display"): string {
  return `![${alt}](${uri}|width=${Math.round(width)})`;
}

/**
 * How each image goes into a hover whose other markdown is `used` characters long: as a
 * data: URI while the whole markdown stays under VS Code's limit (`reserve` kept for the rest),
 * else as a file (`file` answers its URI).
 */
export function hoverImageMarkdown(
  images: readonly HoverImage[],
  used: number,
  file: (image: HoverImage) => string | undefined,
  reserve = 1000,
  limit = HOVER_MARKDOWN_LIMIT,
): { markdown: string[]; inline: number; files: number } {
  const markdown: string[] = [];
  let total = used;
  let inline = 0;
  let files = 0;
  for (const image of images) {
    const dataUri = markdownImage(`data:${image.mime};base64,${image.base64}`, image.width);
    if (total + dataUri.length + 2 + reserve < limit) {
      markdown.push(dataUri);
      total += dataUri.length + 2;
      inline += 1;
      continue;
    }
    const uri = file(image);
    if (uri) {
      const line = markdownImage(uri, image.width);
      markdown.push(line);
      total += line.length + 2;
      files += 1;
    }
  }
  return { markdown, inline, files };
}

/** A file name for an image's bytes: the same image, the same name. */
export function imageFileName(image: Pick<HoverImage, "mime" | "base64">, hash: (text: string) => string): string {
  const extension = image.mime === "image/svg+xml" ? "svg" : image.mime === "image/jpeg" ? "jpg" : image.mime.split("/")[1];
  return `${hash(image.base64)}.${extension}`;
}

// -- the webview ------------------------------------------------------------------------------

/**
 * The panel's Content-Security-Policy. Untrusted workspace: no script but the panel's own
 * (its nonce), images from data: URIs only, nothing fetched. Trusted: the HTML a run shows
 * may run its scripts and load from https (Plotly, Bokeh), inside its sandboxed iframe: the
 * iframe's document inherits this policy, so inline scripts are allowed (no nonce: a nonce
 * would turn 'unsafe-inline' off).
 */
export function contentSecurityPolicy(cspSource: string, trusted: boolean, nonce: string): string {
  if (trusted) {
    return [
      "default-src 'none'",
      `img-src ${cspSource} data: blob: https:`,
      `style-src ${cspSource} 'unsafe-inline' https:`,
      `font-src ${cspSource} data: https:`,
      `script-src ${cspSource} 'unsafe-inline' 'unsafe-eval' https:`,
      "frame-src data: blob:",
      "connect-src 'none'",
    ].join("; ");
  }
  return [
    "default-src 'none'",
    "img-src data:",
    "style-src 'unsafe-inline'",
    "font-src data:",
    `script-src 'nonce-${nonce}'`,
    "frame-src data: blob:",
  ].join("; ");
}

/**
 * The sandbox of the iframe holding a run's HTML: never `allow-same-origin` together with
 * `allow-scripts` (scripts could then reach the panel). Untrusted: same origin without scripts,
 * so the panel can measure its height; trusted: scripts in an origin of their own.
 */
export function htmlSandbox(trusted: boolean): string {
  return trusted ? "allow-scripts allow-popups allow-popups-to-escape-sandbox" : "allow-same-origin";
}
