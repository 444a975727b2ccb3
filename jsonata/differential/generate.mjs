// Generated cases for compare.mjs: random expressions from a small grammar (paths,
// predicates, operators, constructors, function calls, bindings), with a fixed seed so that
// every run generates the same set. Many are errors on both sides; the codes must agree.

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const names = ["a", "b", "c", "items", "price", "name", "tags", "qty"];
const funcs1 = ["$count", "$sum", "$string", "$length", "$uppercase", "$number", "$boolean", "$not",
  "$exists", "$keys", "$distinct", "$reverse", "$type", "$floor", "$abs", "$max", "$min", "$average", "$trim"];
const funcs2 = ["$join", "$substring", "$split", "$contains", "$round", "$power", "$append", "$lookup",
  "$formatBase", "$substringBefore", "$substringAfter", "$pad"];

export function generated(documents) {
  const rand = rng(906);
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const literal = () => pick(['1', '2.5', '-3', '0', '"x"', '"hello"', '""', 'true', 'false', 'null', '[]', '[1,2]', '{}']);
  const expr = (d) => {
    if (d <= 0) return pick([literal, () => pick(names), () => "$", () => "$v"])();
    switch (Math.floor(rand() * 12)) {
      case 0: return `${expr(d - 1)}.${pick(names)}`;
      case 1: return `${expr(d - 1)}[${expr(d - 1)}]`;
      case 2: return `(${expr(d - 1)} ${pick(["+", "-", "*", "/", "%", "=", "!=", "<", ">=", "and", "or", "&", "in"])} ${expr(d - 1)})`;
      case 3: return `[${expr(d - 1)}, ${expr(d - 1)}]`;
      case 4: return `{"k": ${expr(d - 1)}}`;
      case 5: return `${pick(funcs1)}(${expr(d - 1)})`;
      case 6: return `${pick(funcs2)}(${expr(d - 1)}, ${expr(d - 1)})`;
      case 7: return `($v := ${expr(d - 1)}; ${expr(d - 1)})`;
      case 8: return `(${expr(d - 1)} ? ${expr(d - 1)} : ${expr(d - 1)})`;
      case 9: return `${pick(names)}[]`;
      case 10: return `$map(${expr(d - 1)}, function($x){ ${expr(d - 1)} })`;
      default: return `${expr(d - 1)}.${pick(names)}^(${pick(["", ">"])}${pick(names)})`;
    }
  };
  const docs = Object.keys(documents);
  const cases = [];
  for (let i = 0; i < 1500; i++) {
    cases.push({ expr: expr(1 + Math.floor(rand() * 3)), doc: documents[pick(docs)] });
  }
  // Paths over the shop and library documents with the tuple operators (`@$v`, `#$i`,
  // `%`), predicates, sorts, groups and transforms.
  const shopSteps = ["Shop", "Orders", "Items", "Tags", "*"];
  const libSteps = ["library", "books", "loans", "authors"];
  const ops = [];
  for (let i = 0; i < 200; i++) {
    const lib = rand() < 0.5;
    const steps = lib ? libSteps : shopSteps;
    let path = steps[0];
    const n = 1 + Math.floor(rand() * 3);
    const vars = [];
    for (let k = 1; k <= n; k++) {
      path += "." + (lib ? pick(steps.slice(1)) : steps[Math.min(k, steps.length - 1)]);
      switch (Math.floor(rand() * 7)) {
        case 0: { const v = `$v${k}`; vars.push(v); path += `@${v}`; break; }
        case 1: { const v = `$i${k}`; vars.push(v); path += `#${v}`; break; }
        case 2: path += `[${pick(["0", "-1", "Price > 8", "Qty = 1", "isbn = '3'", "$count(Tags) > 0", "%.Id = 'A1'"])}]`; break;
        case 3: path += `^(${pick(["", ">"])}${pick(["Price", "Title", "title", "isbn", "$"])})`; break;
        default: break;
      }
    }
    const v = vars.length ? pick(vars) : "$";
    const tail = pick([
      "", `.{'x': ${v}}`, `.[${v}, %.Id]`, `{$string(${v}): $count($)}`, `.%`, `.%.%`, `.$type(${v})`,
      `~> $count()`, `.(${v})`, ` ~> |$|{'seen': true}|`,
    ]);
    ops.push({ expr: path + tail, doc: lib ? documents.lib : documents.shop });
  }
  // Random pictures for $formatNumber, $formatInteger, $fromMillis and $toMillis.
  const pics = [];
  const numAlphabet = ["#", "0", "0", "#", ",", ".", "%", "e", "\u2030", ";", "a", " ", "9", "$"];
  for (let i = 0; i < 150; i++) {
    const pic = Array.from({ length: 1 + Math.floor(rand() * 9) }, () => pick(numAlphabet)).join("");
    // (jsonata-js loops forever on an exponent picture with zero or a negative number)
    let value = pick([1234.5678, 0.00042, 98765432.1, 7, 0.5, 12.345, -3.75, 0, -1234.5]);
    if (pic.includes("e") && value <= 0) value = 42.42;
    pics.push({ expr: `$formatNumber(${value}, '${pic}')`, doc: null });
  }
  const intAlphabet = ["#", "0", "9", ",", " ", "1", "w", "W", "i", "I", "a", "A", ";o", "\u0661", "\u0660"];
  for (let i = 0; i < 100; i++) {
    const pic = Array.from({ length: 1 + Math.floor(rand() * 5) }, () => pick(intAlphabet)).join("");
    const value = pick([0, 1, 7, 12, 21, 99, 101, 1234, 99999, 1234567, -42]);
    pics.push({ expr: `$formatInteger(${value}, '${pic}')`, doc: null });
    pics.push({ expr: `$parseInteger($formatInteger(${Math.abs(value)}, '${pic}'), '${pic}')`, doc: null });
  }
  const markers = ["Y", "Y0001", "Y,2", "YI", "Yw", "M", "M01", "MNn", "MN,3-3", "Mn", "D", "D01", "D1o", "Dwo", "d", "d001",
    "F", "FNn", "FNn,3-3", "F1", "W", "W01", "w", "X", "x", "H", "H01", "h", "h#1", "P", "PN", "m", "m01", "s", "s01", "f", "f001",
    "f01", "Z", "Z01:01", "Z0000", "Z01:01t", "z", "E", "C", "MNn,*-4", "D,2-2"];
  const lits = ["-", "/", " ", ":", "T", ", ", "[[", "]]", "at "];
  for (let i = 0; i < 150; i++) {
    let pic = "";
    for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) pic += (k ? pick(lits) : "") + `[${pick(markers)}]`;
    const ms = pick([0, 1521801216617, 951782400000, 1735603200000, -86400000, 1609459200000, 1704067200000, 1510067557121]);
    const tz = pick(["", ", '+0100'", ", '-0500'", ", '+0530'", ", '-0000'"]);
    pics.push({ expr: `$fromMillis(${ms}, '${pic}'${tz})`, doc: null });
    if (!tz) pics.push({ expr: `$toMillis($fromMillis(${ms}, '${pic}'), '${pic}') = ${ms}`, doc: null });
  }
  return [
    { name: "generated", cases },
    { name: "generated-operators", cases: ops },
    { name: "generated-pictures", cases: pics },
  ];
}
