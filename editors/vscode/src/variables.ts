// The variables view's pure part (the view: variablesview.ts): what a row of the view says (a
// Variable of an evalens.variables page: docs/protocol.md "Variables"), its tooltip and icon,
// the pages a listing is read in and its "Load more…" row, the request arguments, the name paths
// that keep what was expanded across refreshes, and what a refused request says. No `vscode`
// import, so test/variables.test.mjs runs it in plain Node.

import type { Variable, VariablesPage, VariablesRefusal } from "./protocol";

/** Entries asked for at a time, as "Load more…" asks for them. */
export const PAGE_SIZE = 100;

/** The most entries one request may ask for (the server's limit). */
export const MAX_PAGE = 1000;

/** The repr asked for by Show Full Value (the server cuts it at evalens.limits.reprChars). */
export const FULL_REPR_CHARS = 100000;

/** What the view shows while a run holds the interpreter (it refreshes when the run ends). */
export const BUSY_MESSAGE = "The interpreter is busy; the view refreshes when the run ends";

/** Between the names of a path in titles: `table › 'a'`. */
export const PATH_SEPARATOR = " › ";

/** A path of names from the module's namespace down: `["numbers", "0"]`. */
export type NamePath = readonly string[];

/** A page's entries as received, and how many all pages of that listing hold. */
export interface Listing {
  entries: Variable[];
  total: number;
  /** Said in place of "Load more…" when the next page was refused (the interpreter was busy). */
  notice?: string;
}

/** One row of the view. */
export type Row =
  | { kind: "variable"; path: NamePath; index: number; variable: Variable }
  | { kind: "more"; path: NamePath; shown: number; total: number } // path: the listing's own
  | { kind: "message"; path: NamePath; text: string };

/** A listing with the page that came after it (what "Load more…" read) appended. */
export function appendPage(listing: Listing, page: VariablesPage): Listing {
  return { entries: [...listing.entries, ...page.variables], total: page.total, notice: undefined };
}

/** Flattened to one line: a repr never runs the value's own code, but a library's summary may hold breaks. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, " ");
}

/** `list (3)`: the type, and the size when the value has one. */
export function typeText(variable: Variable): string {
  return variable.size === null || variable.size === undefined ? variable.type : `${variable.type} (${variable.size})`;
}

/** A row's description, after its name: `list (3) = [10, 20, 30]`, `int = 10`. */
export function describe(variable: Variable): string {
  return `${typeText(variable)} = ${oneLine(variable.repr)}`;
}

/** The size in words: `3 items`, `5 characters`, `2 rows`. */
export function sizeText(variable: Variable): string | undefined {
  const size = variable.size;
  if (size === null || size === undefined) {
    return undefined;
  }
  if (["str", "bytes", "bytearray"].includes(variable.type)) {
    return size === 1 ? "1 character" : `${size} characters`;
  }
  if (/^(pandas|numpy)\./.test(variable.type)) {
    return size === 1 ? "1 row" : `${size} rows`;
  }
  return size === 1 ? "1 item" : `${size} items`;
}

function fence(text: string): string {
  let ticks = "```";
  while (text.includes(ticks)) {
    ticks += "`";
  }
  return `${ticks}python\n${text}\n${ticks}`;
}

/** The tooltip (markdown): the path, the type and size, the repr, and whether it was cut. */
export function tooltipMarkdown(path: NamePath, variable: Variable): string {
  const size = sizeText(variable);
  const parts = [`**${escapeMarkdown(path.join(PATH_SEPARATOR))}**: \`${variable.type}\`${size ? `, ${size}` : ""}`, fence(variable.repr)];
  if (variable.truncated) {
    parts.push("*Cut short: Show Full Value shows all of it.*");
  }
  return parts.join("\n\n");
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!<>|~]/g, "\\$&");
}

/** A codicon for the row: by the value's type, as the Outline and the debugger's Variables view draw them. */
export function iconFor(variable: Variable): string {
  const type = variable.type;
  if (["int", "float", "complex", "bool", "decimal.Decimal", "fractions.Fraction"].includes(type)) {
    return type === "bool" ? "symbol-boolean" : "symbol-number";
  }
  if (["str", "bytes", "bytearray"].includes(type)) {
    return "symbol-string";
  }
  if (["list", "tuple", "set", "frozenset", "range", "collections.deque", "numpy.ndarray", "pandas.Series"].includes(type)) {
    return "symbol-array";
  }
  if (type === "module") {
    return "symbol-module";
  }
  if (["function", "builtin_function_or_method", "method"].includes(type)) {
    return "symbol-method";
  }
  if (type === "type" || /Meta$|^abc\.ABCMeta$/.test(type)) {
    return "symbol-class";
  }
  if (type === "NoneType") {
    return "symbol-null";
  }
  return variable.ref !== null ? "symbol-object" : "symbol-variable";
}

/**
 * The rows of a listing at `path` (`[]`: the namespace): its entries, each under a name path
 * unique among them (a dict key's repr is cut at 100 characters, so two may read the same: the
 * later ones get `#index`), then "Load more…" while entries are left, or the notice saying why
 * the next page could not be read.
 */
export function rowsOf(path: NamePath, listing: Listing): Row[] {
  const seen = new Set<string>();
  const rows: Row[] = listing.entries.map((variable, index) => {
    const name = seen.has(variable.name) ? `${variable.name}#${index}` : variable.name;
    seen.add(name);
    return { kind: "variable", path: [...path, name], index, variable };
  });
  if (listing.notice) {
    rows.push({ kind: "message", path, text: listing.notice });
  } else if (listing.entries.length < listing.total && listing.entries.length > 0) {
    rows.push({ kind: "more", path, shown: listing.entries.length, total: listing.total });
  }
  return rows;
}

/** The label of the row that reads the next page: `Load more… (100 of 250)`. */
export function moreLabel(shown: number, total: number): string {
  return `Load more… (${shown} of ${total})`;
}

/** A key of a name path, for maps (names may hold any character). */
export function pathKey(path: NamePath): string {
  return JSON.stringify(path);
}

/**
 * How many entries to ask for first in a listing that showed `shown` before a refresh: as many
 * again (a page at least, a request's most at most), so that what was loaded stays loaded.
 */
export function firstPageCount(shown: number | undefined): number {
  return Math.min(Math.max(shown ?? 0, PAGE_SIZE), MAX_PAGE);
}

/** The argument of evalens.variables for a page: of `uri`'s namespace without a ref, of the ref's children with one. */
export function pageArgument(
  where: { uri: string; ref: number | null },
  start: number,
  count: number,
  all: boolean,
  reprChars?: number,
): Record<string, unknown> {
  const argument: Record<string, unknown> =
    where.ref === null ? { uri: where.uri, all } : { ref: where.ref };
  argument.start = start;
  argument.count = count;
  if (reprChars !== undefined) {
    argument.reprChars = reprChars;
  }
  return argument;
}

/** Why the server refused a request, when it is not a mistake: busy (a run holds the interpreter) or a stale ref. */
export function refusalOf(error: unknown): VariablesRefusal | undefined {
  if (typeof error !== "object" || error === null) {
    return undefined;
  }
  const data = (error as { data?: unknown }).data;
  const reason = typeof data === "object" && data !== null ? (data as { reason?: unknown }).reason : undefined;
  return reason === "busy" || reason === "staleRef" ? reason : undefined;
}

/**
 * The paths expanded in the view, per document: a refresh lists new entries (refs last until the
 * next run) under the same name paths, and those expanded before are expanded again.
 */
export class Expansion {
  private readonly expanded = new Map<string, Set<string>>();

  set(uri: string, path: NamePath, expanded: boolean): void {
    let paths = this.expanded.get(uri);
    if (!paths) {
      paths = new Set();
      this.expanded.set(uri, paths);
    }
    if (expanded) {
      paths.add(pathKey(path));
    } else {
      // What was under it stays remembered, as VS Code keeps it: expanded again, it shows the same.
      paths.delete(pathKey(path));
    }
  }

  isExpanded(uri: string, path: NamePath): boolean {
    return this.expanded.get(uri)?.has(pathKey(path)) ?? false;
  }

  /** Everything of `uri` forgotten (a new interpreter: nothing of the old one is there). */
  forget(uri: string): void {
    this.expanded.delete(uri);
  }
}

/** The title of a value opened by Show Full Value: its path and type, `table › 'a' (int)`. */
export function fullValueTitle(path: NamePath, variable: Variable): string {
  return `${path.join(PATH_SEPARATOR)} (${typeText(variable)})`;
}

/** What Show Full Value says when the value it opened is cut still (at evalens.limits.reprChars). */
export function stillCutMessage(path: NamePath, length: number): string {
  return `${path.join(PATH_SEPARATOR)}: the value is cut at ${length} characters; raise evalens.limits.reprChars for more`;
}
