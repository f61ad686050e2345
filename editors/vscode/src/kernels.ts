// Jupyter kernels as plain data (no `vscode` import: test/kernels.test.mjs runs it in plain Node):
// the `kernel` setting and how it is named, the kernel picker's entries built from the server's
// `evalens.kernels` answer, the status bar's text from `evalens.status`, a Jupyter Server's URL as
// the user types or pastes it, and the kernels such a server lists (its REST API).

import type { Status } from "./protocol";

/**
 * The `kernel` setting (docs/protocol.md, Settings): null for evalens' own interpreter, a running
 * kernel by its connection file, a local kernelspec to start, or a Jupyter Server's kernel.
 */
export type KernelSetting =
  | null
  | { connectionFile: string }
  | { spec: string }
  | { url: string; token?: string; id?: string; spec?: string; allowInsecure?: boolean };

// The answer of evalens.kernels (evalens.features.kernels.Kernels). Not in protocol.ts, whose
// interfaces tests/editors/test_contract.py holds to the server's TypedDicts one by one: this one is
// read defensively (parseKernels) and its `server*` parts come with a `url` setting only.
export type KernelSpecInfo = { name: string; displayName: string; language: string };
export type RunningKernelInfo = { connectionFile: string; id?: string };
export type ServerKernelInfo = { id: string; name: string; state: string };
export type KernelsAnswer = {
  specs: KernelSpecInfo[];
  running: RunningKernelInfo[];
  server?: ServerKernelInfo[]; // the kernels of the url setting's server
  serverSpecs?: KernelSpecInfo[]; // its kernelspecs
  serverError?: string; // why it could not be asked
};

/**
 * A Jupyter Server (or Kernel/Enterprise Gateway), the token it takes ("" for none), and whether
 * plain http off this machine was allowed (the server refuses it otherwise).
 */
export interface JupyterServer {
  url: string;
  token: string;
  allowInsecure?: boolean;
}

/** The url setting's fields for `server`: its URL, its token when there is one, allowInsecure when set. */
function serverFields(server: JupyterServer): { url: string; token?: string; allowInsecure?: boolean } {
  return {
    url: server.url,
    ...(server.token ? { token: server.token } : {}),
    ...(server.allowInsecure ? { allowInsecure: true } : {}),
  };
}

/**
 * Whether `url` reaches another machine over plain http: the token and the code would cross the
 * network unencrypted, which the server refuses unless the setting has `"allowInsecure": true`.
 */
export function isInsecureUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== "http:") {
    return false;
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const loopback =
    ["localhost", "localhost.localdomain", "ip6-localhost", "::1"].includes(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
  return !loopback;
}

/** What choosing an entry of the kernel picker does. */
export type KernelAction =
  | { kind: "attach"; kernel: KernelSetting } // evalens.attach with this kernel
  | { kind: "newServer" } // ask for a server's URL and token, then its kernel
  | { kind: "server"; url: string }; // a server's kernels (its token: the one in use, else the one saved)

/** An entry of the kernel picker: a separator (no action) or a choice. */
export interface KernelItem {
  label: string;
  description?: string;
  detail?: string;
  separator?: boolean;
  /** The kernel in force now. */
  current?: boolean;
  /** A server used before, which can be forgotten (its token with it). */
  forgettable?: boolean;
  action?: KernelAction;
}

export const OWN_INTERPRETER = "evalens' own interpreter";
export const NEW_SERVER = "Jupyter Server or Gateway…";

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value ? value : undefined;
}

/** The answer of evalens.kernels, with whatever is malformed in it left out. */
export function parseKernels(answer: unknown): KernelsAnswer {
  const data = isObject(answer) ? answer : {};
  const list = (value: unknown) => (Array.isArray(value) ? value.filter(isObject) : []);
  const specs: KernelSpecInfo[] = [];
  for (const spec of list(data.specs)) {
    const name = text(spec.name);
    if (name) {
      specs.push({ name, displayName: text(spec.displayName) ?? name, language: text(spec.language) ?? "" });
    }
  }
  const running: RunningKernelInfo[] = [];
  for (const kernel of list(data.running)) {
    const connectionFile = text(kernel.connectionFile);
    if (connectionFile) {
      const id = text(kernel.id);
      running.push(id ? { connectionFile, id } : { connectionFile });
    }
  }
  const parsed: KernelsAnswer = { specs, running };
  if (Array.isArray(data.serverSpecs)) {
    parsed.serverSpecs = [];
    for (const spec of list(data.serverSpecs)) {
      const name = text(spec.name);
      if (name) {
        parsed.serverSpecs.push({ name, displayName: text(spec.displayName) ?? name, language: text(spec.language) ?? "" });
      }
    }
  }
  const serverError = text(data.serverError);
  if (serverError) {
    parsed.serverError = serverError;
  }
  if (Array.isArray(data.server)) {
    parsed.server = [];
    for (const kernel of list(data.server)) {
      const id = text(kernel.id);
      if (id) {
        parsed.server.push({ id, name: text(kernel.name) ?? "", state: text(kernel.state) ?? "" });
      }
    }
  }
  return parsed;
}

/** The last part of a path, `/` or `\` separated. */
export function baseName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}

/**
 * The kernel in a few words: `python3 kernel`, `kernel of kernel-1234.json`, `kernel at
 * http://host:8888`; null or an unknown shape: evalens' own interpreter.
 */
export function describeKernel(kernel: unknown): string {
  if (!isObject(kernel)) {
    return OWN_INTERPRETER;
  }
  const url = text(kernel.url);
  if (url) {
    return `kernel at ${url.replace(/\/+$/, "")}`;
  }
  const connectionFile = text(kernel.connectionFile);
  if (connectionFile) {
    return `kernel of ${baseName(connectionFile)}`;
  }
  const spec = text(kernel.spec);
  return spec ? `${spec} kernel` : "kernel";
}

/** Whether two kernel settings name the same kernel (a token aside: the server never shows it). */
export function sameKernel(a: unknown, b: unknown): boolean {
  const shape = (kernel: unknown) => {
    if (!isObject(kernel)) {
      return "null";
    }
    const fields = ["connectionFile", "spec", "url", "id"].map((key) => {
      const value = text(kernel[key]);
      return key === "url" && value ? value.replace(/\/+$/, "") : value ?? null;
    });
    return JSON.stringify(fields);
  };
  return shape(a) === shape(b);
}

/** The kernel setting without its token (for logs and messages). */
export function withoutToken(kernel: KernelSetting): KernelSetting {
  if (kernel && "url" in kernel) {
    const { token: _token, ...rest } = kernel;
    return rest;
  }
  return kernel;
}

/**
 * The kernel picker's entries: evalens' own interpreter, each kernelspec (started), each running
 * kernel (by its connection file), the kernels and kernelspecs of the Jupyter Server in use (or
 * why it could not be asked), the servers used before, and a new server. `answer` undefined:
 * evalens.kernels failed (no jupyter_client where the server runs): the entries that need no
 * listing are still there. `current`: the kernel setting in force (evalens.status' `kernel`,
 * without token); `server`: the server in use with its token, for its entries; `saved`: the URLs
 * of servers used before.
 */
export function kernelItems(
  answer: KernelsAnswer | undefined,
  current: unknown,
  server?: JupyterServer,
  saved: readonly string[] = [],
): KernelItem[] {
  const items: KernelItem[] = [];
  const choice = (item: KernelItem, kernel: KernelSetting) => {
    const isCurrent = sameKernel(kernel, current);
    items.push({
      ...item,
      ...(isCurrent ? { current: true, description: ["current", item.description].filter(Boolean).join(" · ") } : {}),
      action: { kind: "attach", kernel },
    });
  };
  choice({ label: OWN_INTERPRETER, description: "no kernel: a Python process of evalens' own" }, null);
  if (answer && answer.specs.length > 0) {
    items.push({ label: "Start a kernelspec", separator: true });
    for (const spec of answer.specs) {
      choice({ label: `Start ${spec.displayName}`, description: [spec.name, spec.language].filter(Boolean).join(" · ") }, { spec: spec.name });
    }
  }
  if (answer && answer.running.length > 0) {
    items.push({ label: "Running kernels", separator: true });
    for (const kernel of answer.running) {
      choice({ label: `Connect to ${baseName(kernel.connectionFile)}`, description: kernel.connectionFile }, { connectionFile: kernel.connectionFile });
    }
  }
  items.push({ label: "Jupyter Server", separator: true });
  const inUse: JupyterServer | undefined =
    server ??
    (isObject(current) && text(current.url)
      ? { url: text(current.url) as string, token: "", allowInsecure: current.allowInsecure === true }
      : undefined);
  const listed = new Set<string>();
  if (answer && inUse) {
    const fields = serverFields(inUse);
    for (const kernel of answer.server ?? []) {
      const state = [kernel.state, `at ${inUse.url}`].filter(Boolean).join(" · ");
      choice({ label: `${kernel.name || "kernel"} ${shortId(kernel.id)}`, description: state }, { ...fields, id: kernel.id });
    }
    for (const spec of answer.serverSpecs ?? []) {
      const description = [spec.name, spec.language, `at ${inUse.url}`].filter(Boolean).join(" · ");
      choice({ label: `Start ${spec.displayName} there`, description }, { ...fields, spec: spec.name });
    }
    if (answer.server?.length || answer.serverSpecs?.length) {
      listed.add(inUse.url);
    }
    if (answer.serverError) {
      items.push({
        label: `Jupyter Server at ${inUse.url}`,
        description: "could not be asked",
        detail: answer.serverError,
        action: { kind: "server", url: inUse.url },
      });
      listed.add(inUse.url);
    }
  }
  for (const url of saved.filter((url) => !listed.has(url))) {
    items.push({ label: `Jupyter Server at ${url}`, description: "its kernels", forgettable: true, action: { kind: "server", url } });
  }
  items.push({ label: NEW_SERVER, description: "a URL and a token", action: { kind: "newServer" } });
  return items;
}

/** The first 8 characters of a kernel id (a UUID), as Jupyter shows it. */
export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id;
}

/** The status bar item: its text and tooltip. */
export interface KernelStatusText {
  text: string;
  tooltip: string;
}

/**
 * What the status bar says runs code, from evalens.status: `evalens: python3 kernel`, `evalens:
 * kernel of kernel-1234.json`, `evalens: kernel at http://host:8888`, or evalens' own
 * interpreter's Python (`evalens: Python 3.12.3`).
 */
export function kernelStatusText(status: Partial<Status> | undefined): KernelStatusText {
  const kernel = status?.kernel ?? null;
  const python = status?.python ? `Python ${status.python}` : "Python";
  const facts = [
    status?.python ? `Python ${status.python}` : undefined,
    typeof status?.pid === "number" ? `pid ${status.pid}` : undefined,
    status?.executable,
    status?.state,
  ].filter(Boolean);
  const details = facts.length > 0 ? ` (${facts.join(", ")})` : "";
  if (!isObject(kernel)) {
    return {
      text: `evalens: ${python}`,
      tooltip: `Your code runs in ${OWN_INTERPRETER}${details}. Click to run it in a Jupyter kernel.`,
    };
  }
  const described = describeKernel(kernel);
  return {
    text: `evalens: ${described}`,
    tooltip: `Your code runs in the ${described}${details}. Click to choose another kernel or evalens' own interpreter.`,
  };
}

/**
 * A Jupyter Server's URL as typed or pasted: `http(s)://host:port/base`, without a trailing
 * slash, the query or the page of the web UI (`/lab`, `/tree`); a `?token=` in it (as `jupyter
 * server` prints its URL) is given as the token. `error` says what is wrong with it.
 */
export function parseServerUrl(input: string): { url: string; token?: string } | { error: string } {
  const trimmed = input.trim();
  const wrong = {
    error: "Give the server's URL, starting with http:// or https:// (e.g. http://localhost:8888)",
  };
  if (!/^https?:\/\/[^\s/?#]+/i.test(trimmed)) {
    return wrong;
  }
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    return wrong;
  }
  if ((parsed.protocol !== "http:" && parsed.protocol !== "https:") || !parsed.hostname) {
    return wrong;
  }
  const token = parsed.searchParams.get("token") ?? undefined;
  const path = parsed.pathname.replace(/\/(lab|tree|notebooks|doc)(\/.*)?$/, "").replace(/\/+$/, "");
  const url = `${parsed.protocol}//${parsed.host}${path}`;
  return token ? { url, token } : { url };
}

/** What a Jupyter Server lists: its kernelspecs (and its default one) and its kernels. */
export interface ServerListing {
  defaultSpec?: string;
  specs: KernelSpecInfo[];
  kernels: { id: string; name: string; state: string; connections?: number; lastActivity?: string }[];
}

/** The subset of fetch's answer used here. */
interface FetchAnswer {
  ok: boolean;
  status: number;
  statusText?: string;
  json(): Promise<unknown>;
}
export type Fetch = (url: string, init: { headers: Record<string, string>; signal?: AbortSignal }) => Promise<FetchAnswer>;

/** The cause of a failed fetch in words (`connect ECONNREFUSED 127.0.0.1:9`, not `fetch failed`). */
function causeOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    if (cause instanceof Error && cause.message) {
      return cause.message;
    }
    if (error.name === "TimeoutError" || error.name === "AbortError") {
      return "no answer in time";
    }
    return error.message;
  }
  return String(error);
}

/**
 * The kernelspecs and kernels of the Jupyter Server (or gateway) at `server.url`: GET
 * `/api/kernelspecs` and `/api/kernels` with the token. Throws an Error whose message says why
 * they could not be listed (unreachable, a token refused, not a Jupyter Server); never the token.
 */
export async function listServerKernels(server: JupyterServer, fetchImpl: Fetch, timeoutMs = 5000): Promise<ServerListing> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (server.token) {
    headers.Authorization = `token ${server.token}`;
  }
  const get = async (path: string): Promise<unknown> => {
    let answer: FetchAnswer;
    try {
      answer = await fetchImpl(`${server.url}${path}`, { headers, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new Error(`cannot reach ${server.url}: ${causeOf(error)}`);
    }
    if (answer.status === 401 || answer.status === 403) {
      throw new Error(`${server.url} refused the token (HTTP ${answer.status}); check the token`);
    }
    if (!answer.ok) {
      throw new Error(`${server.url}${path} answered HTTP ${answer.status}${answer.statusText ? ` ${answer.statusText}` : ""}; is it a Jupyter Server or gateway?`);
    }
    try {
      return await answer.json();
    } catch {
      throw new Error(`${server.url}${path} did not answer JSON; is it a Jupyter Server or gateway?`);
    }
  };
  const [specsAnswer, kernelsAnswer] = await Promise.all([get("/api/kernelspecs"), get("/api/kernels")]);
  const listing: ServerListing = { specs: [], kernels: [] };
  if (isObject(specsAnswer)) {
    const defaultSpec = text(specsAnswer.default);
    if (defaultSpec) {
      listing.defaultSpec = defaultSpec;
    }
    const specs = isObject(specsAnswer.kernelspecs) ? specsAnswer.kernelspecs : {};
    for (const [key, value] of Object.entries(specs)) {
      const entry = isObject(value) ? value : {};
      const spec = isObject(entry.spec) ? entry.spec : {};
      const name = text(entry.name) ?? key;
      listing.specs.push({ name, displayName: text(spec.display_name) ?? name, language: text(spec.language) ?? "" });
    }
    listing.specs.sort((a, b) => a.name.localeCompare(b.name));
  }
  if (Array.isArray(kernelsAnswer)) {
    for (const kernel of kernelsAnswer.filter(isObject)) {
      const id = text(kernel.id);
      if (!id) {
        continue;
      }
      const entry: ServerListing["kernels"][number] = { id, name: text(kernel.name) ?? "", state: text(kernel.execution_state) ?? "" };
      if (typeof kernel.connections === "number") {
        entry.connections = kernel.connections;
      }
      const lastActivity = text(kernel.last_activity);
      if (lastActivity) {
        entry.lastActivity = lastActivity;
      }
      listing.kernels.push(entry);
    }
  }
  return listing;
}

/**
 * The second step of "Jupyter Server or Gateway…": start the server's default kernel, start one
 * of its kernelspecs, or use one of its kernels. `listing` undefined: the kernels could not be
 * listed (`problem` says why): starting the default kernel is still offered (evalens.attach then
 * says what is wrong, in the server's words).
 */
export function serverKernelItems(server: JupyterServer, listing: ServerListing | undefined, problem?: string): KernelItem[] {
  const fields = serverFields(server);
  const items: KernelItem[] = [];
  const defaultSpec = listing?.specs.find((spec) => spec.name === listing.defaultSpec);
  items.push({
    label: "Start the server's default kernel",
    description: defaultSpec ? defaultSpec.displayName : listing?.defaultSpec,
    ...(problem ? { detail: `Could not list its kernels: ${problem}` } : {}),
    action: { kind: "attach", kernel: fields },
  });
  if (listing && listing.specs.length > 0) {
    items.push({ label: "Start a kernelspec", separator: true });
    for (const spec of listing.specs) {
      items.push({
        label: `Start ${spec.displayName}`,
        description: [spec.name, spec.language].filter(Boolean).join(" · "),
        action: { kind: "attach", kernel: { ...fields, spec: spec.name } },
      });
    }
  }
  if (listing && listing.kernels.length > 0) {
    items.push({ label: "Its kernels", separator: true });
    for (const kernel of listing.kernels) {
      const connections =
        kernel.connections === undefined ? undefined : `${kernel.connections} connection${kernel.connections === 1 ? "" : "s"}`;
      items.push({
        label: `${kernel.name || "kernel"} ${shortId(kernel.id)}`,
        description: [kernel.state, connections].filter(Boolean).join(" · "),
        ...(kernel.lastActivity ? { detail: `last active ${kernel.lastActivity}` } : {}),
        action: { kind: "attach", kernel: { ...fields, id: kernel.id } },
      });
    }
  }
  return items;
}

/**
 * What the error notification says when evalens.kernels fails: the server's message, and, when
 * it misses jupyter_client and the server is the extension's bundled one (not installed with
 * pip), where to install jupyter_client instead of `pip install 'evalens[jupyter]'`.
 */
export function kernelsFailureMessage(message: string, bundledPython?: string): string {
  const shown = message.startsWith("evalens") ? message : `evalens: ${message}`;
  if (!bundledPython || !/jupyter_client/.test(message)) {
    return shown;
  }
  return (
    `${shown}. The bundled server runs on "${bundledPython}": install jupyter_client there ` +
    `(${bundledPython} -m pip install jupyter_client), or set "evalens.server.python" to a Python that has it ` +
    "(an environment with ipykernel lists its python3 kernel)."
  );
}

/**
 * JSON text (an LSP message as traced) with every `"token"` string shown as `"…"`, and a token in
 * a URL's query (`?token=…`, as `jupyter server list` prints a URL) too.
 */
export function redactTokens(json: string): string {
  return json.replace(/("token"\s*:\s*)"(?:[^"\\]|\\.)*"/g, '$1"…"').replace(/([?&]token=)[^&"\s#]+/g, "$1…");
}
