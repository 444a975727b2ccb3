// The reference side of bench/jsonata/run.sh: jsonata-js (2.0.6, from package-lock.json)
// on every case of cases.json. Each expression is compiled once (`jsonata(expr)`, timed
// apart), warmed up, then evaluated ITERATIONS times per document; only evaluation is in
// the timing. jsonata-js evaluates asynchronously, so every evaluation is awaited, as a
// caller of the library must.
//
// Prints one JSON document: {"engine", "iterations", "cases": [{"class", "expr", "doc",
// "compile_ns", "eval_ns", "outcome"}]}, where `eval_ns` is per evaluation and `outcome` is
// {"value"} or {"undefined": true} or {"error"}.
//
//   node bench/jsonata/bench.mjs CASES.json [ITERATIONS]

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import jsonata from "jsonata";

const require = createRequire(import.meta.url);
const version = require("jsonata/package.json").version;

const [casesPath, iterationsArg] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(casesPath, "utf8"));
const iterations = Number(iterationsArg ?? spec.iterations);
const warmup = Math.max(1, Math.floor(iterations / 5));
// Compilation is timed over its own repetitions (it is not part of the evaluation loop).
const COMPILE_REPS = 200;

async function outcomeOf(compiled, doc, bindings) {
  try {
    const value = await compiled.evaluate(doc, bindings);
    if (value === undefined) return { undefined: true };
    // Round-trip through JSON: jsonata-js marks sequences with extra properties.
    return { value: JSON.parse(JSON.stringify(value)) };
  } catch (e) {
    return { error: `${e.code ?? ""} ${e.message}`.trim() };
  }
}

const cases = [];
for (const klass of spec.classes) {
  for (const c of klass.cases) {
    const bindings = c.bindings ?? {};
    const compiled = jsonata(c.expr);
    for (let i = 0; i < COMPILE_REPS / 5; i++) jsonata(c.expr);
    const compileStart = process.hrtime.bigint();
    for (let i = 0; i < COMPILE_REPS; i++) jsonata(c.expr);
    const compileNs = Number(process.hrtime.bigint() - compileStart) / COMPILE_REPS;
    for (const docName of c.docs) {
      const doc = spec.documents[docName];
      const outcome = await outcomeOf(compiled, doc, bindings);
      let evalNs = null;
      if (!outcome.error) {
        for (let i = 0; i < warmup; i++) await compiled.evaluate(doc, bindings);
        const start = process.hrtime.bigint();
        for (let i = 0; i < iterations; i++) await compiled.evaluate(doc, bindings);
        evalNs = Number(process.hrtime.bigint() - start) / iterations;
      }
      cases.push({ class: klass.name, expr: c.expr, doc: docName, compile_ns: compileNs, eval_ns: evalNs, outcome });
    }
  }
}
process.stdout.write(JSON.stringify({ engine: `jsonata-js ${version}`, node: process.version, iterations, cases }) + "\n");
