"""Compares and tabulates the two sides of bench/jsonata/run.sh.

   python3 bench/jsonata/report.py OURS.json JSONATA_JS.json RUNS_NOTE > RESULTS.md

Fails (exit 1, each case on stderr) when a case's outcome differs between the sides or
either side raised an error: the benchmark only times expressions both agree on.
"""
import datetime
import json
import math
import os
import sys


def same(a, b):
    """JSON equality that tells booleans from numbers (Python's True == 1)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def main(ours_path, js_path, note):
    ours = json.load(open(ours_path))
    js = json.load(open(js_path))
    if ours["iterations"] != js["iterations"]:
        sys.exit(f"the sides ran {ours['iterations']} and {js['iterations']} iterations")
    if len(ours["cases"]) != len(js["cases"]):
        sys.exit("the sides ran different case lists")
    bad = []
    for o, j in zip(ours["cases"], js["cases"]):
        assert (o["expr"], o["doc"]) == (j["expr"], j["doc"]), (o["expr"], j["expr"])
        if "error" in o["outcome"] or "error" in j["outcome"] or not same(o["outcome"], j["outcome"]):
            bad.append((o, j))
    for o, j in bad:
        print(f"DISAGREE [{o['class']}] `{o['expr']}` on `{o['doc']}`:\n"
              f"  asl-jsonata: {json.dumps(o['outcome'])}\n  jsonata-js:  {json.dumps(j['outcome'])}",
              file=sys.stderr)
    if bad:
        sys.exit(f"{len(bad)} case(s) disagree; fix or remove them from bench/jsonata/cases.json")

    classes = {}
    for o, j in zip(ours["cases"], js["cases"]):
        row = classes.setdefault(o["class"], {"n": 0, "eval": 0.0, "compile": 0.0,
                                              "js": 0.0, "js_compile": 0.0, "ratios": []})
        row["n"] += 1
        row["eval"] += o["evaluate_ns"]
        row["compile"] += o["compile_ns"]
        row["js"] += j["eval_ns"]
        row["js_compile"] += j["compile_ns"]
        row["ratios"].append(j["eval_ns"] / o["evaluate_ns"])

    us = lambda ns, n: f"{ns / n / 1000:.2f}"
    x = lambda r: f"{r:.2f}x"
    geo = lambda rs: math.exp(sum(math.log(r) for r in rs) / len(rs))
    n_cases = len(ours["cases"])
    print("# JSONata evaluator benchmark")
    print()
    print(f"Measured by `bench/jsonata/run.sh` on {datetime.date.today()}, {os.cpu_count()} cores, "
          f"one run of both sides: {ours['engine']} against {js['engine']} (node {js['node']}). "
          f"{n_cases} cases (expression × document) from `bench/jsonata/cases.json`, "
          f"each evaluated {ours['iterations']} times after a warm-up, same documents and variables on both sides; "
          f"all {n_cases} results are identical on both sides. {note}")
    print()
    print("Both sides compile each expression once (`asl_jsonata::Expression::compile`, `jsonata(expr)`; "
          "timed apart) and evaluate the compiled expression each time (jsonata-js's `evaluate` awaited). "
          "Times are µs per call, the mean over the class's cases; a ratio is jsonata-js's evaluation time "
          "over ours, so above 1x means we are faster.")
    print()
    print("| class | cases | ours, evaluate | jsonata-js, evaluate | ratio | ours, compile | jsonata-js, compile |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    tot = {"n": 0, "eval": 0.0, "compile": 0.0, "js": 0.0, "js_compile": 0.0, "ratios": []}
    for name, r in classes.items():
        n = r["n"]
        print(f"| {name} | {n} | {us(r['eval'], n)} | {us(r['js'], n)} | {x(r['js'] / r['eval'])} | "
              f"{us(r['compile'], n)} | {us(r['js_compile'], n)} |")
        for k in tot:
            tot[k] += r[k]
    n = tot["n"]
    print(f"| **all** | {n} | {us(tot['eval'], n)} | {us(tot['js'], n)} | **{x(tot['js'] / tot['eval'])}** | "
          f"{us(tot['compile'], n)} | {us(tot['js_compile'], n)} |")
    print()
    print(f"Geometric mean of the per-case ratios: {x(geo(tot['ratios']))}. Time to evaluate every case once: "
          f"ours {tot['eval'] / 1000:.1f} µs, jsonata-js {tot['js'] / 1000:.1f} µs.")
    slow = sorted(zip(ours["cases"], js["cases"]), key=lambda p: p[1]["eval_ns"] / p[0]["evaluate_ns"])[:5]
    print()
    print("Cases where we are relatively slowest:")
    print()
    for o, j in slow:
        print(f"- `{o['expr']}` on `{o['doc']}`: ours {o['evaluate_ns'] / 1000:.2f} µs, "
              f"jsonata-js {j['eval_ns'] / 1000:.2f} µs ({x(j['eval_ns'] / o['evaluate_ns'])})")


if __name__ == "__main__":
    main(*sys.argv[1:4])
