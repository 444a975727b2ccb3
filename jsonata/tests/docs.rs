//! Examples from the JSONata documentation (docs.jsonata.org), with the results the
//! documentation gives.

use serde_json::{Map, Value, json};

fn person() -> Value {
    json!({
      "FirstName": "Fred",
      "Surname": "Smith",
      "Age": 28,
      "Address": { "Street": "Hursley Park", "City": "Winchester", "Postcode": "SO21 2JN" },
      "Phone": [
        { "type": "home", "number": "0203 544 1234" },
        { "type": "office", "number": "01962 001234" },
        { "type": "office", "number": "01962 001235" },
        { "type": "mobile", "number": "077 7700 1234" }
      ],
      "Email": [
        { "type": "work", "address": ["fred.smith@my-work.com", "fsmith@my-work.com"] },
        { "type": "home", "address": ["freddy@my-social.com", "frederic.smith@very-serious.com"] }
      ],
      "Other": {
        "Over 18 ?": true,
        "Misc": null,
        "Alternative.Address": { "Street": "Brick Lane", "City": "London", "Postcode": "E1 6RF" }
      }
    })
}

fn ev(expr: &str, input: &Value) -> Option<Value> {
    asl_jsonata::evaluate(expr, input, &Map::new())
        .unwrap_or_else(|e| panic!("`{expr}` failed: {e:?}"))
}

fn code(expr: &str, input: &Value) -> String {
    asl_jsonata::evaluate(expr, input, &Map::new())
        .expect_err(expr)
        .code
        .unwrap_or_default()
}

fn check(cases: &[(&str, Value)], input: &Value) {
    for (expr, expected) in cases {
        assert_eq!(ev(expr, input).as_ref(), Some(expected), "`{expr}`");
    }
}

#[test]
fn simple_paths() {
    let p = person();
    check(
        &[
            ("Surname", json!("Smith")),
            ("Age", json!(28)),
            ("Address.City", json!("Winchester")),
            ("Other.Misc", json!(null)),
            ("Other.`Over 18 ?`", json!(true)),
            (
                "Phone[0]",
                json!({ "type": "home", "number": "0203 544 1234" }),
            ),
            (
                "Phone[-1]",
                json!({ "type": "mobile", "number": "077 7700 1234" }),
            ),
            (
                "Phone[-2]",
                json!({ "type": "office", "number": "01962 001235" }),
            ),
            ("Phone[0].number", json!("0203 544 1234")),
            (
                "Phone.number",
                json!([
                    "0203 544 1234",
                    "01962 001234",
                    "01962 001235",
                    "077 7700 1234"
                ]),
            ),
            (
                "Phone.number[0]",
                json!([
                    "0203 544 1234",
                    "01962 001234",
                    "01962 001235",
                    "077 7700 1234"
                ]),
            ),
            ("(Phone.number)[0]", json!("0203 544 1234")),
            (
                "Phone[type='mobile']",
                json!({ "type": "mobile", "number": "077 7700 1234" }),
            ),
            ("Phone[type='mobile'].number", json!("077 7700 1234")),
            (
                "Phone[type='office'].number",
                json!(["01962 001234", "01962 001235"]),
            ),
            (
                "Address.*",
                json!(["Hursley Park", "Winchester", "SO21 2JN"]),
            ),
            ("*.Postcode", json!("SO21 2JN")),
            ("**.Postcode", json!(["SO21 2JN", "E1 6RF"])),
            (
                "Email.address",
                json!([
                    "fred.smith@my-work.com",
                    "fsmith@my-work.com",
                    "freddy@my-social.com",
                    "frederic.smith@very-serious.com"
                ]),
            ),
            ("FirstName & ' ' & Surname", json!("Fred Smith")),
            (
                "Address.(Street & ', ' & City)",
                json!("Hursley Park, Winchester"),
            ),
            (
                "[Address, Other.`Alternative.Address`].City",
                json!(["Winchester", "London"]),
            ),
            (
                "Email.[address]",
                json!([
                    ["fred.smith@my-work.com", "fsmith@my-work.com"],
                    ["freddy@my-social.com", "frederic.smith@very-serious.com"]
                ]),
            ),
            (
                "Phone.{type: number}",
                json!([
                    { "home": "0203 544 1234" },
                    { "office": "01962 001234" },
                    { "office": "01962 001235" },
                    { "mobile": "077 7700 1234" }
                ]),
            ),
            (
                "Phone{type: number}",
                json!({
                    "home": "0203 544 1234",
                    "office": ["01962 001234", "01962 001235"],
                    "mobile": "077 7700 1234"
                }),
            ),
            (
                "Phone{type: number[]}",
                json!({
                    "home": ["0203 544 1234"],
                    "office": ["01962 001234", "01962 001235"],
                    "mobile": ["077 7700 1234"]
                }),
            ),
        ],
        &p,
    );
    assert_eq!(ev("Other.Nothing", &p), None);
    assert_eq!(ev("Phone[8]", &p), None);
}

#[test]
fn array_inputs() {
    let input = json!([{ "a": 1 }, { "a": 2 }]);
    check(
        &[
            ("a", json!([1, 2])),
            ("$[0].a", json!(1)),
            ("$[1]", json!({ "a": 2 })),
        ],
        &input,
    );
    check(
        &[("$[0]", json!(1)), ("$", json!([1, 2, 3]))],
        &json!([1, 2, 3]),
    );
    // A singleton array stays an array when it is the whole selection.
    check(&[("a", json!([1]))], &json!({ "a": [1] }));
    check(&[("a[]", json!([1]))], &json!({ "a": 1 }));
}

#[test]
fn operators() {
    let n = json!(null);
    check(
        &[
            ("1 + 2", json!(3)),
            ("5 - 7", json!(-2)),
            ("4 * 2.5", json!(10)),
            ("10 / 4", json!(2.5)),
            ("10 % 4", json!(2)),
            ("1 = 1", json!(true)),
            ("'a' != 'b'", json!(true)),
            ("3 < 4 and 'b' > 'a'", json!(true)),
            ("false or true", json!(true)),
            ("'world' in ['hello', 'world']", json!(true)),
            ("[1..5]", json!([1, 2, 3, 4, 5])),
            ("[1..3, 7]", json!([1, 2, 3, 7])),
            ("3 > 2 ? 'yes' : 'no'", json!("yes")),
            ("'abc' & 1 & true", json!("abc1true")),
            ("-(1 + 2)", json!(-3)),
            ("[1,2,3][0]", json!(1)),
            ("[[1,2],[3]]", json!([[1, 2], [3]])),
            ("{'a': 1, 'b': [1, 2]}", json!({ "a": 1, "b": [1, 2] })),
            ("($x := 5; $y := $x * 2; $y)", json!(10)),
            ("0.1 + 0.2", json!(0.30000000000000004)),
        ],
        &n,
    );
    assert_eq!(ev("1 > 2 ? 'yes'", &n), None);
    assert_eq!(code("'a' + 1", &n), "T2001");
    assert_eq!(code("1 + 'a'", &n), "T2002");
    assert_eq!(code("1 < 'a'", &n), "T2009");
    assert_eq!(code("1 / 0", &n), "D1001");
    assert_eq!(code("$foo()", &n), "T1006");
    assert_eq!(code("-'a'", &n), "D1002");
    assert_eq!(code("{'a': 1, 'a': 2}", &n), "D1009");
}

#[test]
fn functions_and_lambdas() {
    let p = person();
    check(
        &[
            (
                "($factorial := function($x){ $x <= 1 ? 1 : $x * $factorial($x-1) }; $factorial(4))",
                json!(24),
            ),
            (
                "($first5 := $substring(?, 0, 5); $first5('Hello, World'))",
                json!("Hello"),
            ),
            (
                "($normalize := $uppercase ~> $trim; $normalize('   Some   Words  '))",
                json!("SOME WORDS"),
            ),
            ("Address.City ~> $uppercase()", json!("WINCHESTER")),
            (
                "Email[0].address[0] ~> $substringAfter('@') ~> $substringBefore('.') ~> $uppercase()",
                json!("MY-WORK"),
            ),
            ("$map([1..5], $string)", json!(["1", "2", "3", "4", "5"])),
            (
                "$map([1,2,3], function($v, $i) { $v * $i })",
                json!([0, 2, 6]),
            ),
            (
                "$filter([1..6], function($v) { $v % 2 = 0 })",
                json!([2, 4, 6]),
            ),
            ("$reduce([1..5], function($i, $j){$i * $j})", json!(120)),
            ("$reduce([1..5], function($i, $j){$i + $j}, 10)", json!(25)),
            (
                "$each(Address, function($v, $k) {$k & ': ' & $v})",
                json!([
                    "Street: Hursley Park",
                    "City: Winchester",
                    "Postcode: SO21 2JN"
                ]),
            ),
            (
                "$sift(Address, function($v, $k) {$k = 'City'})",
                json!({ "City": "Winchester" }),
            ),
            ("$keys(Address)", json!(["Street", "City", "Postcode"])),
            ("$lookup(Address, 'City')", json!("Winchester")),
            ("$count(Phone)", json!(4)),
            (
                "Phone.$uppercase(type)",
                json!(["HOME", "OFFICE", "OFFICE", "MOBILE"]),
            ),
            (
                "Phone.$string()",
                json!([
                    "{\"type\":\"home\",\"number\":\"0203 544 1234\"}",
                    "{\"type\":\"office\",\"number\":\"01962 001234\"}",
                    "{\"type\":\"office\",\"number\":\"01962 001235\"}",
                    "{\"type\":\"mobile\",\"number\":\"077 7700 1234\"}"
                ]),
            ),
            (
                "$single(Phone, function($v) { $v.type = 'home' }).number",
                json!("0203 544 1234"),
            ),
            ("(Phone^(>number).number)[0]", json!("077 7700 1234")),
            (
                "Phone^(>number).number[0]",
                json!([
                    "077 7700 1234",
                    "0203 544 1234",
                    "01962 001235",
                    "01962 001234"
                ]),
            ),
            (
                "Phone^(type, >number).type",
                json!(["home", "mobile", "office", "office"]),
            ),
            ("$sort(Phone.number)[0]", json!("01962 001234")),
        ],
        &p,
    );
    assert_eq!(
        code("$single(Phone, function($v) { $v.type = 'office' })", &p),
        "D3138"
    );
}

#[test]
fn string_functions() {
    let n = json!(null);
    check(
        &[
            ("$string(5)", json!("5")),
            ("$string(0.1 + 0.2)", json!("0.3")),
            ("$string({'a': [1, true]})", json!("{\"a\":[1,true]}")),
            ("$string({'a': 1}, true)", json!("{\n  \"a\": 1\n}")),
            ("$length('Hello World')", json!(11)),
            ("$substring('Hello World', 3)", json!("lo World")),
            ("$substring('Hello World', 3, 5)", json!("lo Wo")),
            ("$substring('Hello World', -4)", json!("orld")),
            ("$substring('Hello World', -4, 2)", json!("or")),
            ("$substringBefore('Hello World', ' ')", json!("Hello")),
            ("$substringAfter('Hello World', ' ')", json!("World")),
            ("$uppercase('Hello World')", json!("HELLO WORLD")),
            ("$lowercase('Hello World')", json!("hello world")),
            ("$trim(' Hello \n World ')", json!("Hello World")),
            ("$pad('foo', 5)", json!("foo  ")),
            ("$pad('foo', -5)", json!("  foo")),
            ("$pad('foo', -5, '#')", json!("##foo")),
            ("$formatBase(35, 2) ~> $pad(-8, '0')", json!("00100011")),
            ("$contains('abracadabra', 'bra')", json!(true)),
            ("$contains('abracadabra', /a.*a/)", json!(true)),
            ("$contains('abracadabra', /ar.*a/)", json!(false)),
            ("$contains('Hello World', /wo/)", json!(false)),
            ("$contains('Hello World', /wo/i)", json!(true)),
            (
                "$split('so many words', ' ')",
                json!(["so", "many", "words"]),
            ),
            ("$split('so many words', ' ', 2)", json!(["so", "many"])),
            (
                "$split('too much, punctuation. hard; to read', /[ ,.;]+/)",
                json!(["too", "much", "punctuation", "hard", "to", "read"]),
            ),
            ("$join(['a','b','c'])", json!("abc")),
            (
                "$join($split('too much, punctuation. hard; to read', /[ ,.;]+/, 3), ', ')",
                json!("too, much, punctuation"),
            ),
            (
                "$match('ababbabbcc', /a(b+)/)",
                json!([
                    { "match": "ab", "index": 0, "groups": ["b"] },
                    { "match": "abb", "index": 2, "groups": ["bb"] },
                    { "match": "abb", "index": 5, "groups": ["bb"] }
                ]),
            ),
            (
                "$replace('John Smith and John Jones', 'John', 'Mr')",
                json!("Mr Smith and Mr Jones"),
            ),
            (
                "$replace('John Smith and John Jones', 'John', 'Mr', 1)",
                json!("Mr Smith and John Jones"),
            ),
            ("$replace('abracadabra', /a.*?a/, '*')", json!("*c*bra")),
            (
                "$replace('John Smith', /(\\w+)\\s(\\w+)/, '$2, $1')",
                json!("Smith, John"),
            ),
            ("$replace('265USD', /([0-9]+)USD/, '$$$1')", json!("$265")),
            (
                "$base64encode('myuser:mypass')",
                json!("bXl1c2VyOm15cGFzcw=="),
            ),
            (
                "$base64decode('bXl1c2VyOm15cGFzcw==')",
                json!("myuser:mypass"),
            ),
            ("$contains('hello$world', /^hello\\$/)", json!(true)),
            ("$contains('hello$world', /^hello\\ /)", json!(false)),
            ("$contains('hello$world', /^hello\\$world/)", json!(true)),
        ],
        &n,
    );
}

#[test]
fn numeric_and_aggregate_functions() {
    let n = json!(null);
    check(
        &[
            ("$number('5')", json!(5)),
            ("$number('0x12')", json!(18)),
            ("$number(true)", json!(1)),
            ("$abs(-5)", json!(5)),
            ("$floor(-5.3)", json!(-6)),
            ("$ceil(5.3)", json!(6)),
            ("$round(123.456, 2)", json!(123.46)),
            ("$round(12.5)", json!(12)),
            ("$power(2, 8)", json!(256)),
            ("$power(2, -2)", json!(0.25)),
            ("$sqrt(4)", json!(2)),
            ("$formatNumber(12345.6, '#,###.00')", json!("12,345.60")),
            ("$formatNumber(34.555, '#0.00;(#0.00)')", json!("34.56")),
            ("$formatNumber(-34.555, '#0.00;(#0.00)')", json!("(34.56)")),
            ("$formatBase(100, 2)", json!("1100100")),
            ("$formatBase(2555, 16)", json!("9fb")),
            ("$sum([5,1,3,7,4])", json!(20)),
            ("$max([5,1,3,7,4])", json!(7)),
            ("$min([5,1,3,7,4])", json!(1)),
            ("$average([5,1,3,7,4])", json!(4)),
            ("$count([1,2,3,1])", json!(4)),
            ("$count('hello')", json!(1)),
            ("$append([1,2,3], [4,5,6])", json!([1, 2, 3, 4, 5, 6])),
            ("$append(1, 2)", json!([1, 2])),
            ("$append([1,2,3], 4)", json!([1, 2, 3, 4])),
            ("$reverse(['Hello', 'World'])", json!(["World", "Hello"])),
            ("[1..5] ~> $reverse()", json!([5, 4, 3, 2, 1])),
            ("$distinct([1,2,3,3,4,3,5])", json!([1, 2, 3, 4, 5])),
            ("$zip([1,2,3], [4,5,6])", json!([[1, 4], [2, 5], [3, 6]])),
            ("$zip([1,2,3],[4,5],[7,8,9])", json!([[1, 4, 7], [2, 5, 8]])),
            ("$sort([3, 1, 2])", json!([1, 2, 3])),
            (
                "$sort([1, 3, 2], function($a, $b) { $a < $b })",
                json!([3, 2, 1]),
            ),
            ("$merge([{'a': 1}, {'b': 2}])", json!({ "a": 1, "b": 2 })),
            ("$spread({'a': 1, 'b': 2})", json!([{ "a": 1 }, { "b": 2 }])),
            ("$boolean(0)", json!(false)),
            ("$boolean('x')", json!(true)),
            ("$boolean([])", json!(false)),
            ("$not(true)", json!(false)),
            ("$exists(nothing)", json!(false)),
            ("$type('a')", json!("string")),
            ("$type({})", json!("object")),
            (
                "$fromMillis(1510067557121)",
                json!("2017-11-07T15:12:37.121Z"),
            ),
            (
                "$toMillis('2017-11-07T15:07:54.972Z')",
                json!(1510067274972_i64),
            ),
        ],
        &n,
    );
    assert_eq!(code("$sum(['a'])", &n), "T0412");
    assert_eq!(code("$number('abc')", &n), "D3030");
    assert_eq!(code("$length(5)", &n), "T0410");
}

#[test]
fn step_functions_extras() {
    let n = json!(null);
    check(
        &[
            ("$partition([1,2,3,4], 3)", json!([[1, 2, 3], [4]])),
            ("$range(0, 10, 2)", json!([0, 2, 4, 6, 8, 10])),
            ("$range(0, 9, 3)", json!([0, 3, 6, 9])),
            ("$range(1, 9, 9)", json!(1)),
            (
                "$hash('Hello', 'MD5')",
                json!("8b1a9953c4611296a827abf8c47804d7"),
            ),
            (
                "$hash('abc', 'SHA-1')",
                json!("a9993e364706816aba3e25717850c26c9cd0d89d"),
            ),
            (
                "$hash('abc', 'SHA-256')",
                json!("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            ),
            ("$parse('{\"a\": [1, 2]}')", json!({ "a": [1, 2] })),
            ("$random(1) = $random(1)", json!(true)),
            ("$length($uuid())", json!(36)),
        ],
        &n,
    );
    let r = ev("$random()", &n).unwrap().as_f64().unwrap();
    assert!((0.0..1.0).contains(&r));
}

#[test]
fn bindings_and_undefined() {
    let mut b = Map::new();
    b.insert(
        "states".into(),
        json!({ "input": { "value": 25, "items": [1, 2] } }),
    );
    b.insert("var".into(), json!("\""));
    let n = json!({});
    let e = |x: &str| asl_jsonata::evaluate(x, &n, &b).unwrap();
    assert_eq!(
        e("$states.input.value >= 20 and $states.input.value < 30"),
        Some(json!(true))
    );
    assert_eq!(e("$sum($states.input.items) + 1"), Some(json!(4)));
    assert_eq!(e("$var = '\"'"), Some(json!(true)));
    assert_eq!(e("$doesNotExist"), None);
    assert_eq!(e("$states.input.missing"), None);
    let f = asl_jsonata::evaluate("$fn := function($x){$x}", &n, &b).unwrap_err();
    assert_eq!(f.code.as_deref(), Some(asl_jsonata::FUNCTION_RESULT_CODE));
}

#[test]
fn syntax_errors() {
    for (expr, c) in [
        ("(1", "S0203"),
        ("(", "S0207"),
        ("1 +", "S0207"),
        ("'abc", "S0101"),
        ("a b", "S0201"),
    ] {
        assert_eq!(
            asl_jsonata::parse(expr).unwrap_err().code.as_deref(),
            Some(c),
            "{expr}"
        );
    }
}

#[test]
fn deep_recursion_runs_or_fails_cleanly() {
    let n = json!(null);
    let deep = "($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(1000))";
    assert_eq!(ev(deep, &n), Some(json!(1000)));
    let endless = "($f := function($n){ 1 + $f($n) }; $f(1))";
    assert_eq!(code(endless, &n), "U1001");
}
