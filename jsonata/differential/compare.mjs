// The differential test of asl-jsonata against the reference implementation, jsonata-js
// 2.0.6 (pinned by package-lock.json): every case of cases.json, plus a set of generated
// expressions (a fixed seed, so the same every run), is evaluated by both; the values, or
// the error codes, must agree.
//
//   node compare.mjs OURS_BINARY [--verbose]
//
// OURS_BINARY is the `differential` example of asl-jsonata (see run.sh). Prints the
// agreement by feature group, each disagreement, and a closing "N passed, M failed" line.
// A case on which jsonata-js itself fails with a JavaScript exception (not a JSONata
// error) is not compared, and is counted apart. Exits 1 when a case disagrees that known-differences.json does not list (a regression),
// or when a listed case now agrees (the list is to be updated).

import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import jsonata from "jsonata";
import { generated } from "./generate.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const [ours, ...flags] = process.argv.slice(2);
const verbose = flags.includes("--verbose");
const spec = JSON.parse(readFileSync(join(here, "cases.json"), "utf8"));
const known = new Set(JSON.parse(readFileSync(join(here, "known-differences.json"), "utf8")).cases.map((c) => c.id));

const groups = spec.groups.map((g) => ({
  name: g.name,
  cases: g.cases.map((c) => ({ ...c, doc: typeof c.doc === "string" ? spec.documents[c.doc] : c.doc })),
}));
groups.push(...generated(spec.documents));

async function reference(c) {
  try {
    const value = await jsonata(c.expr).evaluate(c.doc ?? null, c.bindings ?? {});
    if (value === undefined) return { undefined: true };
    if (typeof value === "function" || (value && value._jsonata_lambda)) return { error: "SFN_FUNCTION_RESULT" };
    return { value: JSON.parse(JSON.stringify(value)) };
  } catch (e) {
    return { error: e.code ?? "JS_ERROR" };
  }
}

function same(a, b) {
  if (a.error !== undefined || b.error !== undefined) return a.error === b.error;
  if (a.undefined || b.undefined) return !!a.undefined === !!b.undefined;
  return deepEqual(a.value, b.value);
}

function deepEqual(x, y) {
  if (typeof x === "number" && typeof y === "number") return x === y || Math.abs(x - y) <= 1e-12 * Math.max(1, Math.abs(x));
  if (x === null || y === null || typeof x !== "object" || typeof y !== "object") return x === y;
  if (Array.isArray(x) !== Array.isArray(y)) return false;
  const kx = Object.keys(x), ky = Object.keys(y);
  if (kx.length !== ky.length) return false;
  return kx.every((k) => Object.prototype.hasOwnProperty.call(y, k) && deepEqual(x[k], y[k]));
}

// Our side: one run of the binary over every case.
const dir = mkdtempSync(join(tmpdir(), "jsonata-diff-"));
const casesPath = join(dir, "cases.json");
writeFileSync(casesPath, JSON.stringify({ groups }));
const oursOut = JSON.parse(execFileSync(ours, [casesPath], { maxBuffer: 1 << 28 }).toString());

let i = 0, passed = 0, failed = 0, regressions = 0, fixed = 0, crashes = 0;
const lines = [];
for (const g of groups) {
  let agree = 0;
  const crashesBefore = crashes;
  for (const c of g.cases) {
    const mine = oursOut[i++];
    const ref = await reference(c);
    const id = `${g.name}: ${c.expr}`;
    if (ref.error === "JS_ERROR") {
      // The reference failed with a JavaScript exception (a TypeError inside jsonata-js),
      // not a JSONata error: there is no expected outcome to compare with.
      crashes++;
      if (verbose) lines.push(`  reference crashed: ${id}\n      ours: ${JSON.stringify(mine).slice(0, 300)}`);
      continue;
    }
    if (same(mine, ref)) {
      agree++;
      if (known.has(id)) { fixed++; lines.push(`  now agrees (remove from known-differences.json): ${id}`); }
    } else {
      const tag = known.has(id) ? "known" : "REGRESSION";
      if (!known.has(id)) regressions++;
      if (verbose || !known.has(id)) {
        lines.push(`  ${tag}: ${id}\n      doc: ${JSON.stringify(c.doc)?.slice(0, 120)}\n      ours: ${JSON.stringify(mine).slice(0, 300)}\n      ref:  ${JSON.stringify(ref).slice(0, 300)}`);
      }
    }
  }
  const compared = g.cases.length - (crashes - crashesBefore);
  passed += agree;
  failed += compared - agree;
  console.log(`${g.name.padEnd(28)} ${agree} of ${compared} agree${crashes > crashesBefore ? ` (${crashes - crashesBefore} not compared: the reference crashed)` : ""}`);
}
if (lines.length) console.log(lines.join("\n"));
console.log(`agreement: ${passed} of ${passed + failed} agree (${regressions} unexpected, ${failed - regressions} known differences); ${crashes} more not compared (the reference crashed)`);
// Known differences count as skipped: only an unexpected one fails the run.
console.log(`differential: ${passed} passed, ${regressions} failed, ${failed - regressions} skipped`);
process.exit(regressions > 0 || fixed > 0 ? 1 : 0);
