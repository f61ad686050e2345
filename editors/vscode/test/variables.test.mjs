// The pure part of the Variables view (src/variables.ts): what a row says (name, `type (size) =
// repr`, tooltip, icon), the rows of a listing with "Load more… (N of TOTAL)" and pages appended,
// the request arguments, the name paths that keep what was expanded, and what a refusal is.
// `npm test` bundles src/variables.ts to out/test/variables.mjs with esbuild first.

import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const {
  BUSY_MESSAGE,
  Expansion,
  MAX_PAGE,
  PAGE_SIZE,
  appendPage,
  describe,
  firstPageCount,
  fullValueTitle,
  iconFor,
  moreLabel,
  oneLine,
  pageArgument,
  pathKey,
  refusalOf,
  rowsOf,
  sizeText,
  stillCutMessage,
  tooltipMarkdown,
  typeText,
} = await import(join(here, "..", "out", "test", "variables.mjs"));

const variable = (name, type, repr, ref = null, size = null, extra = {}) => ({ name, type, repr, ref, size, ...extra });

// The namespace of `numbers = [10, 20, 30]; table = {"a": 1}; text = "hello"`, as the server answers.
const NUMBERS = variable("numbers", "list", "[10, 20, 30]", 7, 3);
const TABLE = variable("table", "dict", "{'a': 1}", 8, 1);
const TEXT = variable("text", "str", "'hello'", null, 5);

test("a row: the name, then `type (size) = repr`; the size only when the value has one", () => {
  assert.equal(describe(NUMBERS), "list (3) = [10, 20, 30]");
  assert.equal(describe(TABLE), "dict (1) = {'a': 1}");
  assert.equal(describe(variable("0", "int", "10")), "int = 10");
  assert.equal(describe(variable("x", "NoneType", "None")), "NoneType = None");
  assert.equal(describe(variable("e", "list", "[]", 3, 0)), "list (0) = []");
  assert.equal(typeText(TEXT), "str (5)");
});

test("a repr spread over lines reads as one line in the row", () => {
  assert.equal(oneLine("<DataFrame\n  2 rows>"), "<DataFrame 2 rows>");
  assert.equal(describe(variable("f", "x.Frame", "a\r\nb")), "x.Frame = a b");
});

test("the size in words: items, characters, rows", () => {
  assert.equal(sizeText(NUMBERS), "3 items");
  assert.equal(sizeText(TABLE), "1 item");
  assert.equal(sizeText(TEXT), "5 characters");
  assert.equal(sizeText(variable("b", "bytes", "b'a'", null, 1)), "1 character");
  assert.equal(sizeText(variable("frame", "pandas.DataFrame", "<DataFrame 2 rows × 2 columns: 'a', 'b'>", 4, 2)), "2 rows");
  assert.equal(sizeText(variable("n", "int", "1")), undefined);
});

test("the tooltip: the path, the type and size, the repr in a fence, and a word when it was cut", () => {
  assert.equal(tooltipMarkdown(["numbers"], NUMBERS), "**numbers**: `list`, 3 items\n\n```python\n[10, 20, 30]\n```");
  assert.equal(tooltipMarkdown(["table", "'a'"], variable("'a'", "int", "1")), "**table › 'a'**: `int`\n\n```python\n1\n```");
  const cut = tooltipMarkdown(["big"], variable("big", "list", "[0, 1, …", 9, 1000000, { truncated: true }));
  assert.ok(cut.endsWith("*Cut short: Show Full Value shows all of it.*"), cut);
  // A repr holding a fence gets a longer one; markdown in a name is shown as text.
  assert.equal(tooltipMarkdown(["s"], variable("s", "str", "'```'", null, 3)).split("\n\n")[1], "````python\n'```'\n````");
  assert.ok(tooltipMarkdown(["__name__"], variable("__name__", "str", "'m'", null, 1)).startsWith("**\\_\\_name\\_\\_**"));
});

test("an icon by the value's type", () => {
  assert.equal(iconFor(variable("0", "int", "10")), "symbol-number");
  assert.equal(iconFor(variable("ok", "bool", "True")), "symbol-boolean");
  assert.equal(iconFor(TEXT), "symbol-string");
  assert.equal(iconFor(NUMBERS), "symbol-array");
  assert.equal(iconFor(TABLE), "symbol-object");
  assert.equal(iconFor(variable("os", "module", "<module 'os'>")), "symbol-module");
  assert.equal(iconFor(variable("f", "function", "<function f at 0x1>")), "symbol-method");
  assert.equal(iconFor(variable("C", "type", "<class 'm.C'>")), "symbol-class");
  assert.equal(iconFor(variable("n", "NoneType", "None")), "symbol-null");
  assert.equal(iconFor(variable("p", "m.Point", "<m.Point object at 0x1>", 5)), "symbol-object");
});

test("the rows of a listing: each entry under its name path, no Load more when all are there", () => {
  const rows = rowsOf([], { entries: [NUMBERS, TABLE], total: 2 });
  assert.deepEqual(rows, [
    { kind: "variable", path: ["numbers"], index: 0, variable: NUMBERS },
    { kind: "variable", path: ["table"], index: 1, variable: TABLE },
  ]);
  const children = rowsOf(["numbers"], { entries: [variable("0", "int", "10"), variable("1", "int", "20")], total: 2 });
  assert.deepEqual(children.map((r) => [r.path, r.index]), [[["numbers", "0"], 0], [["numbers", "1"], 1]]);
  assert.deepEqual(rowsOf([], { entries: [], total: 0 }), []);
});

test("a listing read in pages: Load more… (N of TOTAL) until every entry is there", () => {
  const items = (from, n) => Array.from({ length: n }, (_, i) => variable(String(from + i), "int", String(from + i)));
  let listing = { entries: items(0, PAGE_SIZE), total: 250 };
  let rows = rowsOf(["big"], listing);
  assert.equal(rows.length, 101);
  assert.deepEqual(rows[100], { kind: "more", path: ["big"], shown: 100, total: 250 });
  assert.equal(moreLabel(100, 250), "Load more… (100 of 250)");
  listing = appendPage(listing, { variables: items(100, 100), total: 250 });
  rows = rowsOf(["big"], listing);
  assert.deepEqual([rows.length, rows[199].index, rows[199].path, rows[200].shown], [201, 199, ["big", "199"], 200]);
  listing = appendPage(listing, { variables: items(200, 50), total: 250 });
  rows = rowsOf(["big"], listing);
  assert.equal(rows.length, 250);
  assert.ok(rows.every((r) => r.kind === "variable"));
  assert.deepEqual(new Set(rows.map((r) => pathKey(r.path))).size, 250);
});

test("a next page refused (busy): the notice in place of Load more…, gone once a page is appended", () => {
  const listing = { entries: [NUMBERS], total: 5, notice: BUSY_MESSAGE };
  const rows = rowsOf([], listing);
  assert.deepEqual(rows[1], { kind: "message", path: [], text: "The interpreter is busy; the view refreshes when the run ends" });
  const next = appendPage(listing, { variables: [TABLE], total: 5 });
  assert.equal(next.notice, undefined);
  assert.deepEqual(rowsOf([], next)[2], { kind: "more", path: [], shown: 2, total: 5 });
});

test("two entries of the same name (dict keys cut at 100 characters) get paths of their own", () => {
  const key = `'${"k".repeat(98)}`;
  const rows = rowsOf(["d"], { entries: [variable(key, "int", "1"), variable(key, "int", "2")], total: 2 });
  assert.deepEqual(rows.map((r) => r.path), [["d", key], ["d", `${key}#1`]]);
  assert.notEqual(pathKey(rows[0].path), pathKey(rows[1].path));
});

test("a path's key tells apart paths a plain join would not", () => {
  assert.notEqual(pathKey(["a", "b"]), pathKey(["a.b"]));
  assert.notEqual(pathKey(["a", "b"]), pathKey(["a,b"]));
  assert.equal(pathKey(["numbers", "0"]), pathKey(["numbers", "0"]));
});

test("after a refresh a listing is read as far as it was shown: a page at least, a request's most at most", () => {
  assert.equal(firstPageCount(undefined), PAGE_SIZE);
  assert.equal(firstPageCount(30), PAGE_SIZE);
  assert.equal(firstPageCount(300), 300);
  assert.equal(firstPageCount(5000), MAX_PAGE);
});

test("the request: a namespace by document (with all), children by ref (all is the namespace's alone)", () => {
  assert.deepEqual(pageArgument({ uri: "file:///w/v.py", ref: null }, 0, 100, false), {
    uri: "file:///w/v.py",
    all: false,
    start: 0,
    count: 100,
  });
  assert.deepEqual(pageArgument({ uri: "file:///w/v.py", ref: 7 }, 100, 100, true), { ref: 7, start: 100, count: 100 });
  assert.deepEqual(pageArgument({ uri: "file:///w/v.py", ref: 7 }, 2, 1, false, 100000), { ref: 7, start: 2, count: 1, reprChars: 100000 });
});

test("a refusal is read from the error's data: busy, a stale ref; anything else is an error", () => {
  assert.equal(refusalOf({ code: -32602, message: "busy", data: { reason: "busy" } }), "busy");
  assert.equal(refusalOf({ code: -32602, message: "stale", data: { reason: "staleRef" } }), "staleRef");
  assert.equal(refusalOf({ code: -32602, message: "not an open document" }), undefined);
  assert.equal(refusalOf({ data: { reason: "other" } }), undefined);
  assert.equal(refusalOf(new Error("x")), undefined);
  assert.equal(refusalOf(undefined), undefined);
  assert.equal(refusalOf("busy"), undefined);
});

test("expansion is kept by name path, per document, and forgotten for a new interpreter", () => {
  const expansion = new Expansion();
  const a = "file:///w/a.py";
  const b = "file:///w/b.py";
  expansion.set(a, ["numbers"], true);
  expansion.set(a, ["numbers", "0"], true);
  expansion.set(b, ["table"], true);
  assert.equal(expansion.isExpanded(a, ["numbers"]), true);
  assert.equal(expansion.isExpanded(b, ["numbers"]), false);
  assert.equal(expansion.isExpanded(a, ["numbers", "0"]), true);
  expansion.set(a, ["numbers"], false);
  assert.equal(expansion.isExpanded(a, ["numbers"]), false);
  assert.equal(expansion.isExpanded(a, ["numbers", "0"]), true); // shown again as it was, when expanded again
  expansion.forget(a);
  assert.equal(expansion.isExpanded(a, ["numbers", "0"]), false);
  assert.equal(expansion.isExpanded(b, ["table"]), true);
});

test("Show Full Value's title and what it says of a value cut still", () => {
  assert.equal(fullValueTitle(["table", "'a'"], variable("'a'", "int", "1")), "table › 'a' (int)");
  assert.equal(fullValueTitle(["numbers"], NUMBERS), "numbers (list (3))");
  assert.equal(
    stillCutMessage(["big"], 10000),
    "big: the value is cut at 10000 characters; raise evalens.limits.reprChars for more",
  );
});
