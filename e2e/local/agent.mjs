// An MCP agent for mcp-warden's local end-to-end test and demo: the official SDK client over mutual TLS (undici
// Agent with the agent's SVID) against warden-sidecar. Runs one scenario, prints what happened, and exits non-zero
// when an expectation fails.
//
//   node agent.mjs --url https://127.0.0.1:8443/mcp --svid-dir DIR --scenario NAME [--quiet]
//
// DIR holds svid.pem, svid_key.pem and bundle.pem (from `wardenctl dev ca`).
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Agent, fetch as undiciFetch } from "undici";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const { values: opts } = parseArgs({
  options: {
    url: { type: "string" },
    "svid-dir": { type: "string" },
    scenario: { type: "string" },
    quiet: { type: "boolean", default: false },
    "timeout-ms": { type: "string", default: "20000" },
  },
});
for (const required of ["url", "svid-dir", "scenario"]) {
  if (!opts[required]) {
    console.error(`missing --${required}`);
    process.exit(64);
  }
}

const failures = [];
const say = (line) => {
  if (!opts.quiet) console.log(line);
};
const expect = (ok, what) => {
  say(`  ${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};

function connectClient(name) {
  const dir = opts["svid-dir"];
  const dispatcher = new Agent({
    connect: {
      cert: readFileSync(`${dir}/svid.pem`),
      key: readFileSync(`${dir}/svid_key.pem`),
      ca: readFileSync(`${dir}/bundle.pem`),
    },
  });
  const transport = new StreamableHTTPClientTransport(new URL(opts.url), {
    fetch: (url, init) => undiciFetch(url, { ...init, dispatcher }),
  });
  const client = new Client({ name, version: "1.0.0" });
  return { client, transport, dispatcher };
}

// A tool call's outcome in one line: allowed (with the result's text), or the JSON-RPC error the sidecar sent.
async function call(client, name, args, options) {
  try {
    const result = await client.callTool({ name, arguments: args }, undefined, options);
    const text = (result.content ?? []).map((c) => c.text ?? `[${c.type}]`).join(" ");
    return { allowed: !result.isError, isError: !!result.isError, text };
  } catch (e) {
    return { allowed: false, code: e.code, message: e.message, data: e.data };
  }
}

function describe(tool, outcome) {
  if (outcome.allowed) return `${tool}: allowed -> ${outcome.text.slice(0, 60)}`;
  if (outcome.code !== undefined) {
    const rule = outcome.data?.rule ? ` (rule ${outcome.data.rule})` : "";
    return `${tool}: ${outcome.code} ${outcome.message}${rule}`;
  }
  return `${tool}: error result -> ${outcome.text.slice(0, 80)}`;
}

const scenarios = {
  // The reader may use the everyday tools; get-env is denied; listings show only what it may call.
  async reader(client) {
    const tools = (await client.listTools()).tools.map((t) => t.name).sort();
    say(`tools/list -> ${tools.join(", ")}`);
    expect(tools.includes("echo") && tools.includes("get-sum"), "tools/list shows echo and get-sum");
    expect(!tools.includes("get-env"), "tools/list hides get-env");
    const echo = await call(client, "echo", { message: "hello through the warden" });
    say(describe("echo", echo));
    expect(echo.allowed && echo.text.includes("hello through the warden"), "echo is allowed and answered");
    const env = await call(client, "get-env", {});
    say(describe("get-env", env));
    expect(env.code === -32031, "get-env is denied with -32031");
    expect(typeof env.data?.receipt === "string" && env.data.receipt.length === 64, "the denial names its receipt");
    const big = await call(client, "get-sum", { a: 5000, b: 1 });
    say(describe("get-sum 5000+1", big));
    expect(big.code === -32031 && big.data?.rule === "everything-tools/sums-stay-small", "large sums are denied by rule");
    const sum = await call(client, "get-sum", { a: 2, b: 3 });
    say(describe("get-sum 2+3", sum));
    expect(sum.allowed && sum.text.includes("5"), "small sums are allowed");
    const secret = await call(client, "echo", { message: "my key is AKIAIOSFODNN7EXAMPLE" });
    say(describe("echo with an AWS key", secret));
    expect(secret.code === -32031, "a secret in the arguments is denied");
  },

  // Progress notifications of a long-running tool arrive while it runs, not at the end.
  async progress(client) {
    const started = Date.now();
    const seen = [];
    const outcome = await call(client, "trigger-long-running-operation", { duration: 3, steps: 3 }, {
      onprogress: (p) => {
        seen.push(Date.now() - started);
        say(`  progress ${p.progress}/${p.total} after ${Date.now() - started} ms`);
      },
      timeout: 20000,
    });
    const total = Date.now() - started;
    say(describe("trigger-long-running-operation", outcome) + ` after ${total} ms`);
    expect(outcome.allowed, "the long-running tool is allowed");
    expect(seen.length === 3, "three progress notifications arrived");
    expect(seen.length > 0 && total - seen[0] >= 1500, "the first progress arrived well before the result (streamed)");
  },

  // The operator may read the environment.
  async operator(client) {
    const tools = (await client.listTools()).tools.map((t) => t.name);
    say(`tools/list -> ${tools.sort().join(", ")}`);
    expect(tools.includes("get-env"), "tools/list shows get-env to the operator");
    const env = await call(client, "get-env", {});
    say(describe("get-env", env));
    expect(env.allowed, "get-env is allowed for the operator");
  },

  // Before a policy change: get-tiny-image is denied.
  async "before-change"(client) {
    const image = await call(client, "get-tiny-image", {});
    say(describe("get-tiny-image", image));
    expect(image.code === -32031, "get-tiny-image is denied before the policy change");
  },

  // After a policy change (no restart): get-tiny-image is allowed. The watcher needs a moment: retry, bounded.
  async "after-change"(client) {
    let image;
    for (let i = 0; i < 50; i++) {
      image = await call(client, "get-tiny-image", {});
      if (image.allowed) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    say(describe("get-tiny-image", image));
    expect(image.allowed, "get-tiny-image is allowed after the policy change, without a restart");
  },
};

const scenario = scenarios[opts.scenario];
if (!scenario) {
  console.error(`unknown scenario ${opts.scenario}: ${Object.keys(scenarios).join(", ")}`);
  process.exit(64);
}
const { client, transport, dispatcher } = connectClient(`mcp-warden-e2e-${opts.scenario}`);
const deadline = setTimeout(() => {
  console.error(`scenario ${opts.scenario} timed out`);
  process.exit(124);
}, Number(opts["timeout-ms"]));
try {
  await client.connect(transport);
  await scenario(client);
} catch (e) {
  failures.push(`unexpected error: ${e.stack ?? e}`);
  console.error(e);
} finally {
  clearTimeout(deadline);
  await transport.terminateSession().catch(() => {});
  await client.close().catch(() => {});
  await dispatcher.close().catch(() => {});
}
if (failures.length > 0) {
  console.error(`${failures.length} expectation(s) failed in scenario ${opts.scenario}:`);
  for (const f of failures) console.error(`  - ${f}`);
  process.exit(1);
}
