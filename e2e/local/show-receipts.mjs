// Prints a receipt log (hash-chained JSON lines) as a table for people: one row per decision.
//   node show-receipts.mjs receipts.jsonl
import { readFileSync } from "node:fs";

const lines = readFileSync(process.argv[2], "utf8").split("\n").filter((l) => l.length > 0);
const short = (id) => (id ?? "").replace(/^spiffe:\/\/[^/]+\/ns\/[^/]+\/sa\//, "");
const pad = (s, n) => (s.length > n ? s.slice(0, n - 1) + "~" : s.padEnd(n));
console.log(`${pad("SEQ", 5)}${pad("AGENT", 10)}${pad("METHOD", 28)}${pad("TARGET", 32)}${pad("DECISION", 9)}REASON`);
for (const line of lines) {
  let r;
  try {
    r = JSON.parse(line);
  } catch {
    console.log("(torn line)");
    continue;
  }
  const reason = r.reason.replace(/^[a-z_]+: /, "");
  console.log(
    `${pad(String(r.seq), 5)}${pad(short(r.principal), 10)}${pad(r.method, 28)}${pad(r.target, 32)}` +
      `${pad(r.decision, 9)}${reason}`,
  );
}
