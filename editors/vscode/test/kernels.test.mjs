// Jupyter kernels as plain data (src/kernels.ts): the kernel picker's entries from the server's
// evalens.kernels answer, the status bar's text from evalens.status, a Jupyter Server's URL as
// typed or pasted, its kernels listed through its REST API, and tokens kept out of traces.
// `npm test` bundles src/kernels.ts to out/test/kernels.mjs first.

import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const kernels = await import(join(here, "..", "out", "test", "kernels.mjs"));

const ANSWER = {
  specs: [
    { name: "python3", displayName: "Python 3 (ipykernel)", language: "python" },
    { name: "ir", displayName: "R", language: "R" },
  ],
  running: [{ connectionFile: "/run/user/0/jupyter/runtime/kernel-1234.json", id: "1234" }],
};

/** The entries as `label | description` (separators as `-- label`), with their actions. */
function shown(items) {
  return items.map((item) =>
    item.separator ? `-- ${item.label}` : [item.label, item.description].filter(Boolean).join(" | "),
  );
}

test("the picker: own interpreter, each kernelspec started, each running kernel by its file, a new server", () => {
  const items = kernels.kernelItems(kernels.parseKernels(ANSWER), null);
  assert.deepEqual(shown(items), [
    "evalens' own interpreter | current · no kernel: a Python process of evalens' own",
    "-- Start a kernelspec",
    "Start Python 3 (ipykernel) | python3 · python",
    "Start R | ir · R",
    "-- Running kernels",
    "Connect to kernel-1234.json | /run/user/0/jupyter/runtime/kernel-1234.json",
    "-- Jupyter Server",
    "Jupyter Server or Gateway… | a URL and a token",
  ]);
  const actions = items.filter((item) => !item.separator).map((item) => item.action);
  assert.deepEqual(actions, [
    { kind: "attach", kernel: null },
    { kind: "attach", kernel: { spec: "python3" } },
    { kind: "attach", kernel: { spec: "ir" } },
    { kind: "attach", kernel: { connectionFile: "/run/user/0/jupyter/runtime/kernel-1234.json" } },
    { kind: "newServer" },
  ]);
  assert.deepEqual(items.filter((item) => item.current).map((item) => item.label), ["evalens' own interpreter"]);
});

test("the kernel in force is marked current, whatever its shape", () => {
  const answer = kernels.parseKernels(ANSWER);
  const current = (kernel) => kernels.kernelItems(answer, kernel).filter((item) => item.current).map((item) => item.label);
  assert.deepEqual(current({ spec: "python3" }), ["Start Python 3 (ipykernel)"]);
  assert.deepEqual(current({ connectionFile: "/run/user/0/jupyter/runtime/kernel-1234.json" }), ["Connect to kernel-1234.json"]);
  assert.deepEqual(current({ spec: "julia" }), []);
});

test("the kernels and kernelspecs of the Jupyter Server in use, with its token and allowInsecure; servers used before", () => {
  const answer = kernels.parseKernels({
    ...ANSWER,
    running: [],
    server: [
      { id: "0f1e2d3c-aaaa-bbbb-cccc-000000000000", name: "python3", state: "idle" },
      { id: "bad", name: "", state: "" },
      { name: "no id" },
    ],
    serverSpecs: [{ name: "python3", displayName: "Python 3", language: "python" }, { displayName: "no name" }],
  });
  const server = { url: "http://gpu:8888", token: "s3cret", allowInsecure: true };
  const current = { url: "http://gpu:8888", id: "bad", allowInsecure: true };
  const items = kernels.kernelItems(answer, current, server, ["http://gpu:8888", "https://hub.example/user/me"]);
  assert.deepEqual(shown(items).slice(4), [
    "-- Jupyter Server",
    "python3 0f1e2d3c | idle · at http://gpu:8888",
    "kernel bad | current · at http://gpu:8888",
    "Start Python 3 there | python3 · python · at http://gpu:8888",
    "Jupyter Server at https://hub.example/user/me | its kernels",
    "Jupyter Server or Gateway… | a URL and a token",
  ]);
  const fields = { url: "http://gpu:8888", token: "s3cret", allowInsecure: true };
  assert.deepEqual(items[5].action, { kind: "attach", kernel: { ...fields, id: "0f1e2d3c-aaaa-bbbb-cccc-000000000000" } });
  assert.deepEqual(items[7].action, { kind: "attach", kernel: { ...fields, spec: "python3" } });
  assert.deepEqual(items[8].action, { kind: "server", url: "https://hub.example/user/me" });
  assert.equal(items[8].forgettable, true);
  // Without a token to hand, the entries carry none (the server may need none); allowInsecure
  // comes from the setting in force.
  const noToken = kernels.kernelItems(answer, current);
  assert.deepEqual(noToken[5].action.kernel, { url: "http://gpu:8888", allowInsecure: true, id: "0f1e2d3c-aaaa-bbbb-cccc-000000000000" });
});

test("a Jupyter Server in use that could not be asked: why, and an entry to try its kernels again", () => {
  const answer = kernels.parseKernels({ ...ANSWER, running: [], server: [], serverSpecs: [], serverError: "cannot reach http://gpu:8888 (refused)" });
  const items = kernels.kernelItems(answer, { url: "http://gpu:8888" }, undefined, ["http://gpu:8888"]);
  assert.deepEqual(shown(items).slice(4), [
    "-- Jupyter Server",
    "Jupyter Server at http://gpu:8888 | could not be asked",
    "Jupyter Server or Gateway… | a URL and a token",
  ]);
  assert.equal(items[5].detail, "cannot reach http://gpu:8888 (refused)");
  assert.deepEqual(items[5].action, { kind: "server", url: "http://gpu:8888" });
});

test("plain http to another machine is insecure (the server wants allowInsecure); https and loopback are not", () => {
  for (const url of ["http://gpu:8888", "http://10.0.0.5:8888/base", "http://[fe80::1]:8888"]) {
    assert.equal(kernels.isInsecureUrl(url), true, url);
  }
  for (const url of ["https://gpu:8888", "http://localhost:8888", "http://127.0.0.1:8888", "http://127.1.2.3:1", "http://[::1]:8888"]) {
    assert.equal(kernels.isInsecureUrl(url), false, url);
  }
  const items = kernels.serverKernelItems({ url: "http://gpu:8888", token: "", allowInsecure: true }, undefined, "x");
  assert.deepEqual(items[0].action.kernel, { url: "http://gpu:8888", allowInsecure: true });
});

test("evalens.kernels failed (no jupyter_client): the own interpreter and the server entries are still offered", () => {
  assert.deepEqual(shown(kernels.kernelItems(undefined, { spec: "python3" }, undefined, ["http://h:1"])), [
    "evalens' own interpreter | no kernel: a Python process of evalens' own",
    "-- Jupyter Server",
    "Jupyter Server at http://h:1 | its kernels",
    "Jupyter Server or Gateway… | a URL and a token",
  ]);
});

test("a malformed answer is read for what is right in it", () => {
  assert.deepEqual(kernels.parseKernels(null), { specs: [], running: [] });
  assert.deepEqual(
    kernels.parseKernels({ specs: [{ name: "x" }, { displayName: "no name" }, 3], running: [{ id: "no file" }, { connectionFile: "/k.json" }] }),
    { specs: [{ name: "x", displayName: "x", language: "" }], running: [{ connectionFile: "/k.json" }] },
  );
});

test("the status bar says where code runs", () => {
  const status = (kernel, extra = {}) =>
    kernels.kernelStatusText({ state: "idle", pid: 4242, python: "3.12.3", executable: "/w/.venv/bin/python", kernel, ...extra });
  assert.equal(status(null).text, "evalens: Python 3.12.3");
  assert.equal(
    status(null).tooltip,
    "Your code runs in evalens' own interpreter (Python 3.12.3, pid 4242, /w/.venv/bin/python, idle). Click to run it in a Jupyter kernel.",
  );
  assert.equal(status({ spec: "python3" }).text, "evalens: python3 kernel");
  assert.match(status({ spec: "python3" }).tooltip, /^Your code runs in the python3 kernel \(Python 3\.12\.3, pid 4242, .*Click to choose another kernel/);
  assert.equal(status({ connectionFile: "/run/user/0/jupyter/runtime/kernel-1234.json" }).text, "evalens: kernel of kernel-1234.json");
  assert.equal(status({ url: "http://host:8888/" }).text, "evalens: kernel at http://host:8888");
  assert.equal(status({ url: "http://host:8888", id: "abc" }).text, "evalens: kernel at http://host:8888");
  // Before the interpreter started: its Python is not known yet.
  assert.equal(kernels.kernelStatusText({ state: "stopped", pid: null, python: null, executable: "/usr/bin/python3", kernel: null }).text, "evalens: Python");
  assert.equal(kernels.kernelStatusText(undefined).text, "evalens: Python");
});

test("kernels compare by what they name, not by the token (the server never shows it)", () => {
  assert.ok(kernels.sameKernel(null, undefined));
  assert.ok(kernels.sameKernel({ url: "http://h:1/", token: "t" }, { url: "http://h:1" }));
  assert.ok(!kernels.sameKernel({ url: "http://h:1", id: "a" }, { url: "http://h:1" }));
  assert.ok(!kernels.sameKernel({ spec: "python3" }, null));
  assert.deepEqual(kernels.withoutToken({ url: "http://h:1", token: "t", id: "a" }), { url: "http://h:1", id: "a" });
  assert.deepEqual(kernels.withoutToken({ spec: "python3" }), { spec: "python3" });
});

test("a server's URL: http(s) only; the web UI's page, the query and a trailing slash dropped; a pasted token taken", () => {
  const wrong = { error: "Give the server's URL, starting with http:// or https:// (e.g. http://localhost:8888)" };
  assert.deepEqual(kernels.parseServerUrl(" http://localhost:8888/ "), { url: "http://localhost:8888" });
  assert.deepEqual(kernels.parseServerUrl("https://hub.example/user/me/lab?token=abc123"), { url: "https://hub.example/user/me", token: "abc123" });
  assert.deepEqual(kernels.parseServerUrl("http://127.0.0.1:8888/tree?token=x"), { url: "http://127.0.0.1:8888", token: "x" });
  assert.deepEqual(kernels.parseServerUrl("http://gateway:8889/base"), { url: "http://gateway:8889/base" });
  for (const bad of ["", "localhost:8888", "ftp://h:1", "http://", "http:// h"]) {
    assert.deepEqual(kernels.parseServerUrl(bad), wrong, bad);
  }
});

/** A fetch answering from `routes` (path -> [status, body]), recording what it was asked. */
function fakeFetch(routes, asked = []) {
  return async (url, init) => {
    asked.push({ url, headers: init.headers });
    const path = new URL(url).pathname.replace(/^\/base/, "");
    const [status, body] = routes[path] ?? [404, {}];
    return { ok: status >= 200 && status < 300, status, statusText: "", json: async () => body };
  };
}

test("a server's kernels come from its REST API, asked with the token; the picker's second step", async () => {
  const asked = [];
  const fetch = fakeFetch(
    {
      "/api/kernelspecs": [200, { default: "python3", kernelspecs: { python3: { name: "python3", spec: { display_name: "Python 3", language: "python" } }, ir: { name: "ir", spec: { display_name: "R", language: "R" } } } }],
      "/api/kernels": [200, [{ id: "0f1e2d3c-aaaa", name: "python3", execution_state: "busy", connections: 1, last_activity: "2026-05-01T10:00:00Z" }]],
    },
    asked,
  );
  const server = { url: "http://h:8888/base", token: "s3cret" };
  const listing = await kernels.listServerKernels(server, fetch);
  assert.deepEqual(asked.map((a) => [a.url, a.headers.Authorization]), [
    ["http://h:8888/base/api/kernelspecs", "token s3cret"],
    ["http://h:8888/base/api/kernels", "token s3cret"],
  ]);
  const items = kernels.serverKernelItems(server, listing);
  assert.deepEqual(shown(items), [
    "Start the server's default kernel | Python 3",
    "-- Start a kernelspec",
    "Start R | ir · R",
    "Start Python 3 | python3 · python",
    "-- Its kernels",
    "python3 0f1e2d3c | busy · 1 connection",
  ]);
  assert.deepEqual(
    items.filter((item) => item.action).map((item) => item.action.kernel),
    [
      { url: "http://h:8888/base", token: "s3cret" },
      { url: "http://h:8888/base", token: "s3cret", spec: "ir" },
      { url: "http://h:8888/base", token: "s3cret", spec: "python3" },
      { url: "http://h:8888/base", token: "s3cret", id: "0f1e2d3c-aaaa" },
    ],
  );
  // No token: no Authorization header, and none in the kernel setting.
  const bare = [];
  await kernels.listServerKernels({ url: "http://h:8888/base", token: "" }, fakeFetch({ "/api/kernelspecs": [200, {}], "/api/kernels": [200, []] }, bare));
  assert.equal(bare[0].headers.Authorization, undefined);
  assert.deepEqual(kernels.serverKernelItems({ url: "http://h:1", token: "" }, undefined, "x")[0].action.kernel, { url: "http://h:1" });
});

test("a server that cannot be listed says why, never with the token; starting its default kernel is still offered", async () => {
  const server = { url: "http://h:8888", token: "s3cret" };
  const failing = async (routes) => {
    try {
      await kernels.listServerKernels(server, typeof routes === "function" ? routes : fakeFetch(routes));
    } catch (error) {
      return error.message;
    }
    return "listed";
  };
  assert.equal(await failing({ "/api/kernelspecs": [403, {}], "/api/kernels": [403, {}] }), "http://h:8888 refused the token (HTTP 403); check the token");
  assert.equal(await failing({ "/api/kernelspecs": [200, {}] }), "http://h:8888/api/kernels answered HTTP 404; is it a Jupyter Server or gateway?");
  const refused = async () => {
    throw Object.assign(new TypeError("fetch failed"), { cause: new Error("connect ECONNREFUSED 127.0.0.1:8888") });
  };
  const message = await failing(refused);
  assert.equal(message, "cannot reach http://h:8888: connect ECONNREFUSED 127.0.0.1:8888");
  assert.ok(!message.includes("s3cret"));
  const items = kernels.serverKernelItems(server, undefined, message);
  assert.deepEqual(shown(items), ["Start the server's default kernel"]);
  assert.equal(items[0].detail, "Could not list its kernels: cannot reach http://h:8888: connect ECONNREFUSED 127.0.0.1:8888");
});

test("no jupyter_client for the bundled server: the message says where to install it", () => {
  const message = "evalens.kernels: the kernel setting needs jupyter_client, which is not installed where evalens runs: pip install 'evalens[jupyter]'";
  assert.equal(
    kernels.kernelsFailureMessage(message, "/usr/bin/python3"),
    `${message}. The bundled server runs on "/usr/bin/python3": install jupyter_client there (/usr/bin/python3 -m pip install jupyter_client), ` +
      'or set "evalens.server.python" to a Python that has it (an environment with ipykernel lists its python3 kernel).',
  );
  // Another server (evalens.server.command), or another failure: the server's words alone.
  assert.equal(kernels.kernelsFailureMessage(message, undefined), message);
  assert.equal(kernels.kernelsFailureMessage("timed out", "/usr/bin/python3"), "evalens: timed out");
});

test("traced LSP messages show no token", () => {
  const params = JSON.stringify({ command: "evalens.attach", arguments: [{ kernel: { url: "http://h:1", token: 's3"cret' } }] }, null, 4);
  const traced = kernels.redactTokens(`Params: ${params}`);
  assert.ok(!traced.includes("s3"), traced);
  assert.ok(traced.includes('"token": "…"'));
  assert.equal(kernels.redactTokens('{"settings":{"evalens":{"kernel":{"token":"abc","url":"u"}}}}'), '{"settings":{"evalens":{"kernel":{"token":"…","url":"u"}}}}');
  // A token in a URL's query, as `jupyter server list` prints the URL.
  assert.equal(kernels.redactTokens('{"url": "http://h:8888/?token=abc123&x=1"}'), '{"url": "http://h:8888/?token=…&x=1"}');
});
