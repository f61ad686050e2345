// Rich output in plain Node (src/display.ts and src/displaypage.ts, bundled by `npm test`):
// what the display panel draws for a bundle, which run a notification belongs to and how a
// Result is reconciled with what came (nothing twice), the cap on runs, the hover's choice of
// a data: URI or a file, and the panel's Content-Security-Policy and iframe sandbox.

import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const {
  BETWEEN_RUNS,
  DisplayLog,
  HOVER_MARKDOWN_LIMIT,
  contentSecurityPolicy,
  hoverImageMarkdown,
  hoverImages,
  htmlSandbox,
  imageFileName,
  missingBundles,
  renderingOf,
} = await import(join(here, "..", "out", "test", "display.mjs"));
const { displayPage } = await import(join(here, "..", "out", "test", "displaypage.mjs"));

const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
const bundle = (data, metadata = {}) => ({ data: { "text/plain": "<repr>", ...data }, metadata });
const figure = bundle({ "image/png": PNG, "text/plain": "<Figure size 640x480 with 1 Axes>" });
const frame = bundle({ "text/html": "<table class='dataframe'><tr><td>1</td></tr></table>", "text/plain": "   a\n0  1" });
const result = (display, extra = {}) => ({
  ok: true,
  value: null,
  stdout: "",
  stderr: "",
  truncated: false,
  error: null,
  durationMs: 12.5,
  reloaded: [],
  display,
  ...extra,
});
const inline = (r) => (r.ok ? "✓" : "✗");

test("a bundle is drawn as its richest type: HTML, markdown, LaTeX, SVG, PNG, JPEG, JSON, then text", () => {
  assert.deepEqual(renderingOf(figure), { kind: "image", mime: "image/png", src: `data:image/png;base64,${PNG}` });
  assert.deepEqual(renderingOf(frame), { kind: "html", html: frame.data["text/html"] });
  assert.equal(renderingOf(bundle({ "text/html": "<b>x</b>", "image/png": PNG })).kind, "html");
  assert.deepEqual(renderingOf(bundle({ "text/markdown": "# Title" })), { kind: "text", mime: "text/markdown", text: "# Title" });
  assert.deepEqual(renderingOf(bundle({ "text/latex": "$x^2$" })), { kind: "text", mime: "text/latex", text: "$x^2$" });
  const svg = renderingOf(bundle({ "image/svg+xml": "<svg xmlns='http://www.w3.org/2000/svg'/>", "image/png": PNG }));
  assert.equal(svg.mime, "image/svg+xml");
  assert.equal(Buffer.from(svg.src.split(",")[1], "base64").toString(), "<svg xmlns='http://www.w3.org/2000/svg'/>");
  assert.equal(renderingOf(bundle({ "image/jpeg": "/9j/4AAQ" })).src, "data:image/jpeg;base64,/9j/4AAQ");
  assert.deepEqual(renderingOf(bundle({ "application/json": { a: [1, 2] } })), {
    kind: "text",
    mime: "application/json",
    text: '{\n  "a": [\n    1,\n    2\n  ]\n}',
  });
  assert.deepEqual(renderingOf(bundle({})), { kind: "text", mime: "text/plain", text: "<repr>" });
});

test("an image is only ever base64 in a data: URI; a retina figure is drawn at its size", () => {
  // not base64 (a quote would end the attribute): the next representation instead
  assert.deepEqual(renderingOf(bundle({ "image/png": 'x" onerror="alert(1)' })), { kind: "text", mime: "text/plain", text: "<repr>" });
  assert.equal(renderingOf(bundle({ "image/png": `${PNG.slice(0, 20)}\n${PNG.slice(20)}` })).src, `data:image/png;base64,${PNG}`);
  const retina = renderingOf(bundle({ "image/png": PNG }, { "image/png": { width: 640, height: 480 } }));
  assert.equal(retina.width, 640);
  assert.equal(retina.height, 480);
});

test("a Result's display adds only what its notifications did not bring, in order", () => {
  const a = bundle({ "text/plain": "a" });
  const b = bundle({ "text/plain": "b" });
  const c = bundle({ "text/plain": "c" });
  assert.deepEqual(missingBundles([a, b], [a, b]), []);
  assert.deepEqual(missingBundles([], [a, b]), [a, b]); // nothing came: all of it
  assert.deepEqual(missingBundles([a], [a, b]), [b]);
  assert.deepEqual(missingBundles([a, b, c], [c]), []); // runCell: the answer lists its last cell's
  assert.deepEqual(missingBundles([a, a], [a, a, a]), [a]); // the same figure shown three times
  // equal data, another object (a JSON value compared by value)
  assert.deepEqual(missingBundles([bundle({ "application/json": { x: 1 } })], [bundle({ "application/json": { x: 1 } })]), []);
});

test("notifications go to the run of their document, progressively; the Result shows nothing twice", () => {
  const changes = [];
  const log = new DisplayLog((change) => changes.push(change));
  const first = log.start("eval demo.py:3", "file:///demo.py", "plt.plot([1, 3, 2])");
  const other = log.start("eval other.py:1", "file:///other.py");
  assert.deepEqual(log.runs, []); // a run shows once it shows something
  log.display({ uri: "file:///other.py", ...frame });
  log.display({ uri: "file:///demo.py", ...figure });
  assert.deepEqual(
    changes.map((c) => [c.kind, c.run.title, c.first]),
    [
      ["append", "eval other.py:1", true],
      ["append", "eval demo.py:3", true],
    ],
  );
  assert.equal(log.runs[1].code, "plt.plot([1, 3, 2])");
  log.finish(first, result([figure]), inline);
  assert.equal(changes.length, 3);
  assert.equal(changes[2].kind, "update");
  assert.equal(changes[2].run.state, "ok");
  assert.equal(changes[2].run.summary, "✓ · 12.5 ms");
  assert.equal(log.runs[1].bundles.length, 1); // not twice
  log.finish(other, result([frame, figure], { ok: false }), inline); // the figure had not come
  assert.deepEqual(changes.slice(3).map((c) => c.kind), ["append", "update"]);
  assert.equal(log.runs[0].bundles.length, 2);
  assert.equal(log.runs[0].state, "failed");
});

test("a run that shows nothing is not in the panel; its Result's display alone is enough", () => {
  const changes = [];
  const log = new DisplayLog((change) => changes.push(change));
  log.finish(log.start("eval a.py:1", "file:///a.py"), result([]), inline);
  assert.deepEqual(changes, []);
  log.finish(log.start("eval a.py:2", "file:///a.py"), result([figure]), inline);
  assert.deepEqual(changes.map((c) => [c.kind, c.first ?? null]), [["append", true], ["update", null]]);
  log.finish(log.start("eval a.py:3", "file:///a.py"), undefined, inline); // the request failed
  assert.equal(log.runs.length, 1);
});

test("a display with no document (a thread between runs) has a section of its own", () => {
  const log = new DisplayLog(() => undefined);
  log.display({ uri: null, ...figure });
  log.display({ uri: null, ...frame });
  assert.deepEqual(log.runs.map((r) => [r.title, r.bundles.length]), [[BETWEEN_RUNS, 2]]);
  const id = log.start("eval a.py:1", "file:///a.py");
  log.display({ uri: "file:///a.py", ...figure });
  log.finish(id, result([figure]), inline);
  log.display({ uri: null, ...figure });
  assert.deepEqual(log.runs.map((r) => r.title), [BETWEEN_RUNS, "eval a.py:1", BETWEEN_RUNS]);
});

test("the panel keeps the newest maxRuns runs; Clear empties it and a cleared run's Result does not bring it back", () => {
  const changes = [];
  const log = new DisplayLog((change) => changes.push(change), 2);
  for (let i = 1; i <= 3; i++) {
    log.finish(log.start(`eval a.py:${i}`, "file:///a.py"), result([figure]), inline);
  }
  assert.deepEqual(log.runs.map((r) => r.title), ["eval a.py:2", "eval a.py:3"]);
  assert.deepEqual(changes.find((c) => c.kind === "remove").ids, [1]);
  const running = log.start("eval a.py:4", "file:///a.py");
  log.display({ uri: "file:///a.py", ...figure });
  log.clear();
  assert.deepEqual(log.runs, []);
  log.finish(running, result([figure]), inline);
  assert.deepEqual(log.runs, []);
  assert.equal(changes[changes.length - 1].kind, "clear");
});

test("the hover's images: data: URIs while its markdown stays under 100,000 characters, files beyond", () => {
  const images = hoverImages([frame, figure, bundle({ "image/png": PNG }, { "image/png": { width: 320 } })]);
  assert.deepEqual(images.map((i) => [i.mime, i.width]), [["image/png", 400], ["image/png", 320]]); // no HTML; at most 400 px wide
  const files = [];
  const small = hoverImageMarkdown(images, 500, (image) => files.push(image) && "file:///tmp/x.png");
  assert.deepEqual([small.inline, small.files, files.length], [2, 0, 0]);
  assert.equal(small.markdown[0], `![display](data:image/png;base64,${PNG}|width=400)`);
  const big = { mime: "image/png", base64: "A".repeat(HOVER_MARKDOWN_LIMIT), width: 400 };
  const large = hoverImageMarkdown([big, images[0]], 500, (image) => (files.push(image), "file:///tmp/evalens-images-1/abc.png"));
  assert.deepEqual([large.inline, large.files], [1, 1]);
  assert.equal(large.markdown[0], "![display](file:///tmp/evalens-images-1/abc.png|width=400)");
  assert.ok(large.markdown.join("\n\n").length + 500 < HOVER_MARKDOWN_LIMIT);
  // near the limit already: the small image goes to a file too
  assert.equal(hoverImageMarkdown([images[0]], HOVER_MARKDOWN_LIMIT - 200, () => "file:///x.png").files, 1);
  // no file could be written: left out, never a cut markdown
  assert.deepEqual(hoverImageMarkdown([big], 0, () => undefined).markdown, []);
  assert.equal(imageFileName({ mime: "image/svg+xml", base64: "PHN2Zy8+" }, () => "h"), "h.svg");
  assert.equal(imageFileName({ mime: "image/jpeg", base64: "x" }, () => "h"), "h.jpg");
});

test("the panel's policy: no script but its own and images from data: only when untrusted; the HTML's iframe never gets scripts with the panel's origin", () => {
  const untrusted = contentSecurityPolicy("https://res.example", false, "N0NCE");
  assert.match(untrusted, /default-src 'none'/);
  assert.match(untrusted, /script-src 'nonce-N0NCE'(;|$)/);
  assert.match(untrusted, /img-src data:(;|$)/);
  assert.doesNotMatch(untrusted, /unsafe-eval|https:/);
  const trusted = contentSecurityPolicy("https://res.example", true, "N0NCE");
  assert.doesNotMatch(trusted, /nonce/); // a nonce would turn off the inline scripts of the HTML's own document
  assert.match(trusted, /script-src [^;]*'unsafe-inline'/);
  assert.equal(htmlSandbox(false), "allow-same-origin");
  assert.ok(htmlSandbox(true).split(" ").includes("allow-scripts"));
  assert.ok(!htmlSandbox(true).split(" ").includes("allow-same-origin"));
  const page = displayPage("https://res.example", "N0NCE", false);
  assert.ok(page.includes(`content="${untrusted}"`));
  assert.ok(page.includes('<script nonce="N0NCE">'));
  assert.equal((page.match(/<script/g) ?? []).length, 1); // its own, the one the nonce allows
  assert.equal((page.match(/<\/script/g) ?? []).length, 1);
});
