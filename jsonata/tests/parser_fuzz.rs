//! Generated-input robustness of the parser (and the evaluator behind it): random token
//! soups, random nested expressions (some nested past the bound) and mutations of real
//! expressions must end in a value or a JSONata error with a code, never a panic or a stack
//! overflow, on a 2 MiB stack (a Lambda's or tokio's worker thread). Bounded and
//! deterministic: fixed seeds, a fixed number of cases.

use std::panic::{AssertUnwindSafe, catch_unwind};

use asl_jsonata::{MAX_NESTING, NESTING_CODE, evaluate, parse};
use serde_json::{Map, json};

/// xorshift64*: small, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

const FRAGMENTS: &[&str] = &[
    "a",
    "b",
    "Account",
    "`odd name`",
    "$",
    "$$",
    "$x",
    "$f",
    "1",
    "0",
    "-2.5",
    "1e3",
    "\"s\"",
    "'t'",
    "\"\\u00e9\\uD800\"",
    "true",
    "null",
    ".",
    "..",
    "[",
    "]",
    "{",
    "}",
    "(",
    ")",
    ",",
    ";",
    ":",
    "?",
    "?:",
    "??",
    ":=",
    "+",
    "-",
    "*",
    "**",
    "/",
    "%",
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "&",
    "and",
    "or",
    "in",
    "~>",
    "^(",
    "@",
    "#",
    "|",
    "/ab+c/i",
    "function($x){",
    "λ($y)<n:n>{",
    "}",
    "$sum(",
    "$string(",
    "$formatNumber(",
    "$fromMillis(",
    "$match(",
    "$map(",
    "?",
    "/*c*/",
    "\"unterminated",
    "`",
    "\\",
    "é",
    "\u{1F600}",
];

/// A random expression from a small grammar, `depth` levels deep.
fn expr(r: &mut Rng, depth: usize) -> String {
    if depth == 0 {
        return r
            .pick(&[
                "a", "b.c", "1", "\"x\"", "$", "$v", "%", "[1,2]", "{}", "true",
            ])
            .to_string();
    }
    let e = |r: &mut Rng| expr(r, depth - 1);
    match r.below(14) {
        0 => format!("({})", e(r)),
        1 => format!("{}.{}", e(r), e(r)),
        2 => format!("{}[{}]", e(r), e(r)),
        3 => format!("{} + {}", e(r), e(r)),
        4 => format!("[{}, {}]", e(r), e(r)),
        5 => format!("{{'k': {}}}", e(r)),
        6 => format!("$count({})", e(r)),
        7 => format!("{}@$v.{}", e(r), e(r)),
        8 => format!("{}#$i[{}]", e(r), e(r)),
        9 => format!("$ ~> |{}|{{'u': {}}}|", e(r), e(r)),
        10 => format!("{} ? {} : {}", e(r), e(r), e(r)),
        11 => format!("function($x){{ {} }}({})", e(r), e(r)),
        12 => format!("-{}", e(r)),
        _ => format!("{}^(>{})", e(r), e(r)),
    }
}

/// Parses and (when it parses) evaluates `src`: a panic fails with the input.
fn exercise(src: &str) -> Result<(), String> {
    let doc = json!({"a": [1, {"b": 2}], "b": {"c": [3, 4]}, "Account": {"x": 1}});
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        if let Err(e) = parse(src) {
            assert!(e.code.is_some(), "a parse error without a code: {e:?}");
            return;
        }
        if let Err(e) = evaluate(src, &doc, &Map::new()) {
            assert!(
                e.code.is_some(),
                "an evaluation error without a code: {e:?}"
            );
        }
    }));
    outcome.map_err(|_| format!("panicked on {src:?}"))
}

/// Runs `f` on a 2 MiB stack (a stack overflow aborts the test process: the failure).
fn on_small_stack(f: impl FnOnce() -> Vec<String> + Send + 'static) -> Vec<String> {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("thread")
        .join()
        .expect("no panic escapes")
}

#[test]
fn random_token_soups_never_panic() {
    let failures = on_small_stack(|| {
        let mut r = Rng(0x9e37_79b9_7f4a_7c15);
        let mut failures = Vec::new();
        for _ in 0..4000 {
            let n = 1 + r.below(24);
            let src: Vec<&str> = (0..n).map(|_| r.pick(FRAGMENTS)).collect();
            let sep = if r.below(2) == 0 { " " } else { "" };
            if let Err(f) = exercise(&src.join(sep)) {
                failures.push(f);
            }
        }
        failures
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn random_nested_expressions_never_panic() {
    let failures = on_small_stack(|| {
        let mut r = Rng(906);
        let mut failures = Vec::new();
        for i in 0..1500 {
            let src = expr(&mut r, 1 + i % 5);
            if let Err(f) = exercise(&src) {
                failures.push(f);
            }
        }
        failures
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn mutations_of_real_expressions_never_panic() {
    let seeds = [
        "Account.Order.Product.{'Product': `Product Name`, 'Order': %.OrderID}",
        "library.loans@$L.books@$B[$L.isbn=$B.isbn].{'book': $B.title}",
        "library.books#$i['Kernighan' in authors].{'title': title, 'index': $i}",
        "$ ~> |Account.Order.Product|{'Price': Price * 1.2}, ['SKU']|",
        "$formatNumber(1234.5, '#,##0.00;(#)', {'zero-digit': '0'})",
        "$fromMillis(1521801216617, '[FNn], [D1o] [MNn] [Y]', '+0100')",
        "(function($x)<n-:n>{$x * 2})() ; [1..3].$string()",
        "$match('abc', /b(c)/i) ~> $map(function($m){$m.groups[0]})",
    ];
    let failures = on_small_stack(move || {
        let mut r = Rng(42);
        let mut failures = Vec::new();
        for _ in 0..3000 {
            let mut chars: Vec<char> = seeds[r.below(seeds.len())].chars().collect();
            for _ in 0..1 + r.below(4) {
                let at = r.below(chars.len() + 1);
                match r.below(3) {
                    0 if at < chars.len() => {
                        chars.remove(at);
                    }
                    1 => {
                        let c = r.pick(&[
                            "(", ")", "[", "]", "{", "}", "|", "%", "@", "#", "$", "'", "`", ".",
                            ",",
                        ]);
                        chars.insert(at, c.chars().next().unwrap_or(' '));
                    }
                    _ if at + 1 < chars.len() => chars.swap(at, at + 1),
                    _ => {}
                }
            }
            let src: String = chars.into_iter().collect();
            if let Err(f) = exercise(&src) {
                failures.push(f);
            }
        }
        failures
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn nesting_past_the_bound_is_a_nesting_error_in_every_shape() {
    let shapes: [fn(usize) -> String; 7] = [
        |n| format!("{}1{}", "(".repeat(n), ")".repeat(n)),
        |n| format!("{}1{}", "[".repeat(n), "]".repeat(n)),
        |n| format!("{}1{}", "{'a':".repeat(n), "}".repeat(n)),
        |n| format!("{}1{}", "$f(".repeat(n), ")".repeat(n)),
        |n| format!("{}a{}", "$ ~> |".repeat(n), "|{}|".repeat(n)),
        |n| vec!["a"; n].join("."),
        |n| format!("{}1{}", "function(){".repeat(n), "}".repeat(n)),
    ];
    let failures = on_small_stack(move || {
        let mut failures = Vec::new();
        for (i, shape) in shapes.iter().enumerate() {
            let deep = shape(4 * MAX_NESTING);
            match parse(&deep) {
                Err(e) if e.code.as_deref() == Some(NESTING_CODE) => {}
                other => failures.push(format!("shape {i}: {other:?}")),
            }
            if let Err(f) = exercise(&shape(MAX_NESTING / 2)) {
                failures.push(format!("shape {i}: {f}"));
            }
        }
        failures
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
