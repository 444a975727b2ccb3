//! Expected values come from AWS-recorded executions
//! (`../shared/conformance/localstack-aws-recorded/cases`, beside the repository, named in
//! each test) or from the AWS and Jayway documentation.

use serde_json::{Value, json};

use super::*;

fn no_vars(_: &str) -> Option<Value> {
    None
}

fn with_scope<T>(context: &Value, f: impl FnOnce(&Scope<'_>) -> T) -> T {
    let vars = |name: &str| match name {
        "x" => Some(json!({"a": [1, 2, 3]})),
        "answer" => Some(json!(42)),
        _ => None,
    };
    f(&Scope {
        context,
        variables: &vars,
    })
}

fn sel(path: &str, input: &Value) -> Result<Value, PathError> {
    let context = json!({
        "Execution": {"Name": "ExecArnPart_0idx", "Input": input.clone()},
        "StateMachine": {"Name": "ArnPart_0idx"},
        "Map": {"Item": {"Index": 2, "Value": "Charizard"}}
    });
    with_scope(&context, |scope| select(path, input, scope))
}

fn reason(path: &str, input: &Value) -> Option<String> {
    let context = json!({});
    let scope = Scope {
        context: &context,
        variables: &no_vars,
    };
    not_found_message(path, input, &scope)
}

fn items() -> Value {
    json!({"items": (0..=10).map(|k| json!({"item_key": k})).collect::<Vec<_>>()})
}

#[test]
fn root_and_names() {
    let input = json!({"a": {"b": [1, 2]}, "delivery-partner": "x"});
    assert_eq!(sel("$", &input).unwrap(), input);
    assert_eq!(sel("$.a.b", &input).unwrap(), json!([1, 2]));
    assert_eq!(sel("$['a']['b'][1]", &input).unwrap(), json!(2));
    assert_eq!(sel("$[\"a\"].b", &input).unwrap(), json!([1, 2]));
    // test_base_scenarios ... `$.delivery-partner` style names with hyphens.
    assert_eq!(sel("$.delivery-partner", &input).unwrap(), json!("x"));
}

#[test]
fn array_access_recorded() {
    // test_base__TestSnfBase__test_json_path_array_access__$.items[0] / [10]
    assert_eq!(sel("$.items[0]", &items()).unwrap(), json!({"item_key": 0}));
    assert_eq!(
        sel("$.items[10]", &items()).unwrap(),
        json!({"item_key": 10})
    );
    assert_eq!(
        sel("$.items[-1]", &items()).unwrap(),
        json!({"item_key": 10})
    );
}

#[test]
fn indefinite_paths_on_missing_input_give_empty_arrays() {
    // test_base__TestSnfBase__test_json_path_array_wildcard_or_slice_with_no_input__*
    for path in [
        "$.item.items[1:5].itemValue",
        "$.item.items[1:5]",
        "$.item.items[1:]",
        "$.item.items[*]",
        "$.item.items[:1]",
        "$.items[1:].itemValue",
        "$.items[1:]",
        "$.items[*].itemValue",
        "$.items[*]",
        "$.items[:1].itemValue",
        "$.items[:1]",
        "$[*]",
    ] {
        assert_eq!(sel(path, &json!({})).unwrap(), json!([]), "{path}");
    }
}

#[test]
fn filter_recorded() {
    // test_base__TestSnfBase__test_state_pass_regex_json_path_base
    let input = json!({"users": [{"year": 1997, "status": 0}, {"year": 1998, "status": 1}]});
    assert_eq!(
        sel("$.users[?(@.status == 0)]", &input).unwrap(),
        json!([{"year": 1997, "status": 0}])
    );
}

#[test]
fn bracket_names_keep_backslashes() {
    // test_base_scenarios__..._test_escape_sequence_parsing__ESCAPE_SEQUENCES_JSONPATH
    let input = json!({"Test\\\"\"Name\"": "Value\"\\"});
    assert_eq!(
        sel("$['Test\\\"\"Name\"']", &input).unwrap(),
        json!("Value\"\\")
    );
}

#[test]
fn not_found_messages_match_aws() {
    // test_invalid_jsonpath__ST.INVALID_JSONPATH_IN_INPUTPATH:
    // "Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']"
    assert_eq!(
        reason("$.NoSuchInputPath", &json!({"a": 1})).as_deref(),
        Some("No results for path: $['NoSuchInputPath']")
    );
    assert_eq!(
        sel("$.NoSuchInputPath", &json!({})),
        Err(PathError::NoResults {
            path: "$.NoSuchInputPath".to_owned()
        })
    );
    // test_catch_states_runtime:
    // "Invalid path '$.no.such.result.path' : Missing property in path $['no']"
    assert_eq!(
        reason("$.no.such.result.path", &json!({})).as_deref(),
        Some("Missing property in path $['no']")
    );
    assert_eq!(reason("$.a", &json!({"a": 1})), None);
}

#[test]
fn context_and_variables() {
    let input = json!({"input-value": 7});
    assert_eq!(
        sel("$$.Execution.Name", &input).unwrap(),
        json!("ExecArnPart_0idx")
    );
    assert_eq!(
        sel("$$.Execution.Input.input-value", &input).unwrap(),
        json!(7)
    );
    assert_eq!(
        sel("$$.Map.Item.Value", &input).unwrap(),
        json!("Charizard")
    );
    assert!(matches!(
        sel("$$.Execution.Input.no_such_jsonpath", &input),
        Err(PathError::NoResults { .. })
    ));
    assert_eq!(sel("$answer", &input).unwrap(), json!(42));
    assert_eq!(sel("$x.a[1]", &input).unwrap(), json!(2));
    // A function at the end of a path is reported as not found (see `functions`).
    assert!(matches!(
        sel("$x.a.length()", &input),
        Err(PathError::NoResults { .. })
    ));
    assert_eq!(
        sel("$nope", &input),
        Err(PathError::UndefinedVariable {
            path: "$nope".to_owned()
        })
    );
    assert_eq!(
        sel("$nope.a", &input),
        Err(PathError::UndefinedVariable {
            path: "$nope.a".to_owned()
        })
    );
}

/// The Jayway README's example document.
fn store() -> Value {
    json!({
        "store": {
            "book": [
                {"category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95},
                {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99},
                {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99},
                {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99}
            ],
            "bicycle": {"color": "red", "price": 19.95}
        },
        "expensive": 10
    })
}

#[test]
fn jayway_readme_examples() {
    let s = store();
    assert_eq!(
        sel("$.store.book[*].author", &s).unwrap(),
        json!([
            "Nigel Rees",
            "Evelyn Waugh",
            "Herman Melville",
            "J. R. R. Tolkien"
        ])
    );
    assert_eq!(
        sel("$..author", &s).unwrap(),
        json!([
            "Nigel Rees",
            "Evelyn Waugh",
            "Herman Melville",
            "J. R. R. Tolkien"
        ])
    );
    assert_eq!(sel("$.store.*", &s).unwrap().as_array().unwrap().len(), 2);
    assert_eq!(
        sel("$.store..price", &s).unwrap(),
        json!([8.95, 12.99, 8.99, 22.99, 19.95])
    );
    assert_eq!(sel("$..book[2].title", &s).unwrap(), json!(["Moby Dick"]));
    assert_eq!(sel("$..book[-2].title", &s).unwrap(), json!(["Moby Dick"]));
    assert_eq!(
        sel("$..book[0,1].title", &s).unwrap(),
        json!(["Sayings of the Century", "Sword of Honour"])
    );
    assert_eq!(
        sel("$..book[:2].title", &s).unwrap(),
        json!(["Sayings of the Century", "Sword of Honour"])
    );
    assert_eq!(
        sel("$..book[1:2].title", &s).unwrap(),
        json!(["Sword of Honour"])
    );
    assert_eq!(
        sel("$..book[-2:].title", &s).unwrap(),
        json!(["Moby Dick", "The Lord of the Rings"])
    );
    assert_eq!(
        sel("$..book[2:].title", &s).unwrap(),
        json!(["Moby Dick", "The Lord of the Rings"])
    );
    assert_eq!(
        sel("$..book[?(@.isbn)].title", &s).unwrap(),
        json!(["Moby Dick", "The Lord of the Rings"])
    );
    assert_eq!(
        sel("$.store.book[?(@.price < 10)].title", &s).unwrap(),
        json!(["Sayings of the Century", "Moby Dick"])
    );
    assert_eq!(
        sel("$..book[?(@.price <= $['expensive'])].title", &s).unwrap(),
        json!(["Sayings of the Century", "Moby Dick"])
    );
    assert_eq!(
        sel("$..book[?(@.author =~ /.*REES/i)].title", &s).unwrap(),
        json!(["Sayings of the Century"])
    );
    // The README's `$..book.length()` is not evaluated by Step Functions (see `functions`);
    // in a filter it is Jayway's.
    assert!(sel("$..book.length()", &s).is_err());
    assert_eq!(
        sel("$.store[?(@.book.length() == 4)].bicycle.color", &s).unwrap(),
        json!(["red"])
    );
}

#[test]
fn filter_operators() {
    let s = store();
    assert_eq!(
        sel(
            "$.store.book[?(@.category == 'fiction' && @.price > 20)].title",
            &s
        )
        .unwrap(),
        json!(["The Lord of the Rings"])
    );
    assert_eq!(
        sel("$.store.book[?(@.price < 9 || @.price > 20)].price", &s).unwrap(),
        json!([8.95, 8.99, 22.99])
    );
    assert_eq!(
        sel("$.store.book[?(@.category != 'fiction')].price", &s).unwrap(),
        json!([8.95])
    );
    assert_eq!(
        sel("$.store.book[?(@.price >= 22.99)].price", &s).unwrap(),
        json!([22.99])
    );
    assert_eq!(
        sel("$.store.book[?(@.category in ['reference'])].price", &s).unwrap(),
        json!([8.95])
    );
    assert_eq!(
        sel("$.store.book[?(!(@.isbn))].price", &s).unwrap(),
        json!([8.95, 12.99])
    );
    // Jayway's `==` converts between numbers and strings, `===` does not (Jayway
    // FilterTest.int_eq_string_evals: `1 == '1'` is true, `1 === '1'` false).
    let users = json!({"users": [{"status": 0}, {"status": "0"}, {"status": 1}]});
    assert_eq!(
        sel("$.users[?(@.status == '0')]", &users).unwrap(),
        json!([{"status": 0}, {"status": "0"}])
    );
    assert_eq!(
        sel("$.users[?(@.status === '0')]", &users).unwrap(),
        json!([{"status": "0"}])
    );
    assert_eq!(
        sel("$.users[?(@.status !== 0)]", &users).unwrap(),
        json!([{"status": "0"}, {"status": 1}])
    );
    // Numbers compare by value.
    assert_eq!(
        sel(
            "$.a[?(@.n == 1)]",
            &json!({"a": [{"n": 1.0}, {"n": 2}, {"n": 1}]})
        )
        .unwrap(),
        json!([{"n": 1.0}, {"n": 1}])
    );
    // AWS: "The @ operator ... does not match scalar values. It only matches objects."
    assert_eq!(
        sel("$.a[?(@ == 1)]", &json!({"a": [1.0, 2, 1]})).unwrap(),
        json!([])
    );
}

#[test]
fn union_of_names_at_the_end_selects_an_object() {
    // Jayway: `$['a','b']` is a definite path returning the existing properties.
    let input = json!({"a": 1, "b": 2, "c": 3});
    assert_eq!(sel("$['a','b']", &input).unwrap(), json!({"a": 1, "b": 2}));
    assert_eq!(
        sel("$.x['a','b']", &json!({"x": {"a": 1}})).unwrap(),
        json!({"a": 1})
    );
    // In the middle of a path it iterates.
    assert_eq!(
        sel("$['a','b'].v", &json!({"a": {"v": 1}, "b": {"v": 2}})).unwrap(),
        json!([1, 2])
    );
}

#[test]
fn definite_paths_that_miss() {
    assert!(matches!(
        sel("$.items[11]", &items()),
        Err(PathError::NoResults { .. })
    ));
    assert_eq!(
        reason("$.items[11]", &items()).as_deref(),
        Some("No results for path: $['items'][11]")
    );
    assert!(matches!(
        sel("$.a.b", &json!({"a": "text"})),
        Err(PathError::NoResults { .. })
    ));
}

#[test]
fn syntax_errors() {
    for bad in [
        "",
        "a.b",
        "$.",
        "$..",
        "$[",
        "$[1",
        "$['a",
        "$.a[?(@.x ==)]",
        "$[x]",
        "$.a.foo()",
    ] {
        assert!(
            matches!(parse(bad), Err(PathError::Syntax { .. })),
            "{bad:?} should be rejected"
        );
    }
    for good in [
        "$",
        "$$",
        "$$.Map.Item.Value",
        "$var",
        "$var.a[0]",
        "$.a[*].b",
        "$..x",
        "$.a[1:3:1]",
    ] {
        assert!(parse(good).is_ok(), "{good:?} should be accepted");
    }
    assert!(parse("$.a.b").unwrap().is_definite());
    assert!(!parse("$.a[*]").unwrap().is_definite());
    assert!(parse("$$.Execution").unwrap().is_context());
    assert_eq!(parse("$x.y").unwrap().variable().as_deref(), Some("x"));
    assert!(is_reference_path("$.a[0].b"));
    assert!(!is_reference_path("$.a[*]"));
    assert!(!is_reference_path("$$.a"));
    assert!(!is_reference_path("$['a','b']"));
    assert!(!is_reference_path("$.a.length()"));
}

#[test]
fn result_path() {
    // `$` replaces the input.
    assert_eq!(set(json!({"a": 1}), "$", json!(5)).unwrap(), json!(5));
    // Missing objects are created; existing fields are kept (AWS docs, ResultPath).
    assert_eq!(
        set(json!({"a": 1}), "$.b.c", json!("x")).unwrap(),
        json!({"a": 1, "b": {"c": "x"}})
    );
    assert_eq!(
        set(json!({"a": {"k": 1}}), "$.a.c", json!(true)).unwrap(),
        json!({"a": {"k": 1, "c": true}})
    );
    // Overwrites a leaf whatever it holds.
    assert_eq!(
        set(json!({"a": "old"}), "$.a", json!({"n": 1})).unwrap(),
        json!({"a": {"n": 1}})
    );
    assert_eq!(
        set(json!({"a": [1, 2]}), "$.a[1]", json!(9)).unwrap(),
        json!({"a": [1, 9]})
    );
    // A non-object on the way is an error.
    let err = set(json!({"a": "text"}), "$.a.b", json!(1)).unwrap_err();
    assert!(
        matches!(&err, PathError::Syntax { reason, .. } if reason.contains("not an object")),
        "{err}"
    );
    assert!(set(json!({}), "$.a[*]", json!(1)).is_err());
    assert!(set(json!({}), "$$.a", json!(1)).is_err());
    assert!(set(json!({"a": []}), "$.a[0]", json!(1)).is_err());
}

#[test]
fn functions() {
    let input = json!({"n": [1, 2, 3, 4], "o": {"a": 1, "b": 2}, "s": ["a", "b"]});
    // Step Functions accepts a definition with `$.Jobs.sum()`, but the execution fails
    // with "The JSONPath '$.Jobs.sum()' specified for the field 'Jobs.$' could not be found
    // in the input" (re:Post QUYiQKP0XfThWEc_ahsMnLOA); the developer guide: "Functions
    // such as length() aren't supported". Every function at the end of a path does so.
    for f in [
        "length()",
        "size()",
        "sum()",
        "min()",
        "max()",
        "avg()",
        "stddev()",
        "keys()",
        "first()",
        "last()",
        "concat(\"x\")",
        "append(5)",
    ] {
        for base in ["$.n", "$.o", "$.n[*]", "$..n"] {
            let path = format!("{base}.{f}");
            assert!(parse(&path).is_ok(), "{path}");
            assert!(
                matches!(sel(&path, &input), Err(PathError::NoResults { .. })),
                "{path}"
            );
            assert!(reason(&path, &input).is_some(), "{path}");
        }
    }
    // Unknown functions and functions that are not last do not parse.
    for bad in [
        "$.n.foo()",
        "$.n.length().x",
        "$.n.index(1)",
        "$.n.concat(",
        "$.n.sum(1,)",
    ] {
        assert!(parse(bad).is_err(), "{bad}");
    }

    // Inside a filter they are Jayway's (FilterCompilerTest: `@.message.min() > 10`).
    let lists = json!({"l": [
        {"v": [1, 5], "o": {"k": 1}, "s": ["x", "y"]},
        {"v": [20, 30], "o": {}, "s": []}
    ]});
    let names = |path: &str| sel(path, &lists).unwrap();
    let first = json!([lists["l"][0]]);
    let second = json!([lists["l"][1]]);
    assert_eq!(names("$.l[?(@.v.min() > 10)]"), second);
    assert_eq!(names("$.l[?(@.v.max() == 5)]"), first);
    assert_eq!(names("$.l[?(@.v.sum() == 6)]"), first);
    assert_eq!(names("$.l[?(@.v.avg() == 25)]"), second);
    assert_eq!(names("$.l[?(@.v.stddev() == 2)]"), first);
    // Numeric arguments join the array's numbers (AbstractAggregation).
    assert_eq!(names("$.l[?(@.v.sum(4) == 10)]"), first);
    assert_eq!(names("$.l[?(@.v.length() == 2)]"), lists["l"]);
    assert_eq!(names("$.l[?(@.o.size() == 1)]"), first);
    assert_eq!(names("$.l[?(@.v.first() == 20)]"), second);
    assert_eq!(names("$.l[?(@.v.last() == 5)]"), first);
    assert_eq!(names("$.l[?(@.o.keys() == ['k'])]"), first);
    // concat: the string elements, then the arguments.
    assert_eq!(names("$.l[?(@.s.concat(\"z\") == 'xyz')]"), first);
    assert_eq!(names("$.l[?(@.s.concat(@.o.k) == 'xy1')]"), first);
    // append: the arguments added to the array.
    assert_eq!(names("$.l[?(@.s.append(\"q\") == [\"q\"])]"), second);
    // An aggregation over no numbers is undefined (Jayway throws; the item does not match).
    assert_eq!(names("$.l[?(@.s.sum() > 0)]"), json!([]));
}

/// 120 nested arrays, about 241 bytes: `[[[...]]]`.
fn deep_document() -> Value {
    let text = format!("{}{}", "[".repeat(120), "]".repeat(120));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn path_evaluation_is_bounded_for_repeated_deep_scans() {
    // Each `..*` multiplies the nodes by the depth: about 120^4 / 24 (some ten million)
    // nodes before the fix, several gigabytes of paths. The budget ends it.
    let err = sel("$..*..*..*..*", &deep_document()).unwrap_err();
    assert!(matches!(err, PathError::NoResults { .. }), "{err:?}");
    let why = reason("$..*..*..*..*", &deep_document()).unwrap_or_default();
    assert!(why.contains("evaluation budget"), "{why}");
    // One deep scan of the same document stays well within the budget: 119 nested arrays.
    let all = sel("$..*", &deep_document()).unwrap();
    assert_eq!(all.as_array().unwrap().len(), 119);
}

#[test]
fn a_dot_before_a_bracket_is_the_bracket() {
    // Jayway's PathCompiler.readDotToken reads the next token after '.', and a '[' token
    // is a bracket: `$.[0]` is `$[0]`, `$.a.['b']` is `$.a['b']`.
    let input = json!({
        "Snapshots": [{"State": "available"}, {"State": "pending"}],
        "OU": [{"OU": 1}, {"OU": 0}, {"OU": 3}]
    });
    for (dotted, plain) in [
        ("$.Snapshots.[0].State", "$.Snapshots[0].State"),
        ("$.Snapshots.[-1]", "$.Snapshots[-1]"),
        ("$.Snapshots.[*].State", "$.Snapshots[*].State"),
        ("$.Snapshots.[0:1]", "$.Snapshots[0:1]"),
        ("$.OU.[?(@.OU > 0)]", "$.OU[?(@.OU > 0)]"),
        ("$.['OU'].[1]", "$['OU'][1]"),
        ("$.Snapshots.[0].['State']", "$.Snapshots[0]['State']"),
    ] {
        assert_eq!(
            parse(dotted).unwrap().parsed,
            parse(plain).unwrap().parsed,
            "{dotted}"
        );
        assert_eq!(sel(dotted, &input), sel(plain, &input), "{dotted}");
    }
    assert_eq!(
        sel("$.Snapshots.[0].State", &input).unwrap(),
        json!("available")
    );
    // At the root, on an array input.
    let rows = json!([{"bucket": "b1", "key": "k1", "x": 1}, {"bucket": "b2", "key": "k2"}]);
    assert_eq!(sel("$.[0]", &rows).unwrap(), rows[0]);
    assert_eq!(
        sel("$.[*].['bucket', 'key']", &rows).unwrap(),
        json!([{"bucket": "b1", "key": "k1"}, {"bucket": "b2", "key": "k2"}])
    );
    assert_eq!(
        sel("$.[?(@.x > 0)]", &rows).unwrap(),
        json!([{"bucket": "b1", "key": "k1", "x": 1}])
    );
    // Inside a filter too.
    assert_eq!(
        sel("$[?(@.v.[0] == 2)]", &json!([{"v": [1]}, {"v": [2]}])).unwrap(),
        json!([{"v": [2]}])
    );
    // A definite dotted path is a reference path (ResultPath) exactly when the plain one is.
    assert!(is_reference_path("$.a.[0]"));
    assert!(is_reference_path("$.[0].b"));
    assert!(!is_reference_path("$.a.[*]"));
    assert!(!is_reference_path("$.a.[?(@.b)]"));
    assert_eq!(
        set(json!({"a": [1, 2]}), "$.a.[1]", json!(9)).unwrap(),
        json!({"a": [1, 9]})
    );
    // On variables and the Context Object too.
    assert_eq!(sel("$x.a.[1]", &input).unwrap(), json!(2));
    assert_eq!(
        sel("$$.Map.Item.['Value']", &input).unwrap(),
        json!("Charizard")
    );
    // Still errors: a dot must be followed by something, and `...` is not a token.
    for bad in ["$.", "$.[", "$.[0", "$...a", "$.a.", "$.[]"] {
        assert!(parse(bad).is_err(), "{bad:?}");
    }
}

/// People for the filter tests.
fn people() -> Value {
    json!({"people": [
        {"Name": "Receipt", "age": 30, "tags": ["a", "b"], "nick": "", "id": "7"},
        {"Name": "Invoice", "age": 17, "tags": [], "nick": "inv", "id": 8},
        {"Name": "receipt", "age": 45.5, "tags": ["b", "c"], "nick": "r", "meta": {}}
    ]})
}

/// The `Name`s of the people `filter` selects.
fn names_of(filter: &str) -> Value {
    let path = format!("$.people[?({filter})].Name");
    sel(&path, &people()).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn unquoted_words_on_the_right_of_a_comparison_are_strings() {
    // `[?(@.Name==Receipt)]` is used in deployed Step Functions definitions.
    assert_eq!(names_of("@.Name==Receipt"), json!(["Receipt"]));
    assert_eq!(names_of("@.Name == Receipt"), json!(["Receipt"]));
    assert_eq!(names_of("@.Name != Receipt"), json!(["Invoice", "receipt"]));
    assert_eq!(
        names_of("@.Name==Receipt || @.Name==Invoice"),
        json!(["Receipt", "Invoice"])
    );
    // Keywords keep their meaning.
    assert_eq!(
        sel(
            "$.l[?(@.ok == true)].n",
            &json!({"l": [{"ok": true, "n": 1}, {"ok": "true", "n": 2}, {"ok": null, "n": 3}]})
        )
        .unwrap(),
        json!([1])
    );
    assert_eq!(
        sel(
            "$.l[?(@.ok == null)].n",
            &json!({"l": [{"ok": true, "n": 1}, {"ok": null, "n": 3}]})
        )
        .unwrap(),
        json!([3])
    );
    // A word on the left is still an error.
    assert!(parse("$.people[?(Receipt == @.Name)]").is_err());
}

#[test]
fn jayway_filter_operators() {
    // Relational operators; `==` converts between numbers and strings (`'7' == 7`).
    assert_eq!(names_of("@.age > 18"), json!(["Receipt", "receipt"]));
    assert_eq!(names_of("@.age >= 45.5"), json!(["receipt"]));
    assert_eq!(names_of("@.age > 45.49e0"), json!(["receipt"]));
    assert_eq!(
        sel(
            "$.l[?(@.p < .5)].p",
            &json!({"l": [{"p": 0.25}, {"p": 0.75}]})
        )
        .unwrap(),
        json!([0.25])
    );
    assert_eq!(names_of("@.age < 18"), json!(["Invoice"]));
    assert_eq!(names_of("@.age <= 30"), json!(["Receipt", "Invoice"]));
    assert_eq!(names_of("@.id == 7"), json!(["Receipt"]));
    assert_eq!(names_of("@.id == '8'"), json!(["Invoice"]));
    assert_eq!(names_of("@.id === '7'"), json!(["Receipt"]));
    assert_eq!(names_of("@.id === 7"), json!([]));
    // A missing property is not equal to anything, so `!=` holds.
    assert_eq!(names_of("@.id != 7"), json!(["Invoice", "receipt"]));
    // No conversion for ordering: a string is not greater than a number.
    assert_eq!(names_of("@.id > 1"), json!(["Invoice"]));
    // Strings order as Java's compareTo.
    assert_eq!(names_of("@.Name < 'S'"), json!(["Receipt", "Invoice"]));

    // Regular expressions match the whole value (Matcher.matches), with Java's flags.
    assert_eq!(names_of("@.Name =~ /rec.*/"), json!(["receipt"]));
    assert_eq!(
        names_of("@.Name =~ /rec.*/i"),
        json!(["Receipt", "receipt"])
    );
    assert_eq!(names_of("@.Name =~ /ecei/"), json!([]));
    assert_eq!(
        names_of("@.Name =~ /.*ecei.*/"),
        json!(["Receipt", "receipt"])
    );
    // A number is matched as its text; anything else as the empty string.
    assert_eq!(names_of("@.age =~ /\\d+\\.5/"), json!(["receipt"]));
    assert_eq!(
        names_of("@.meta =~ /^$/"),
        json!(["Receipt", "Invoice", "receipt"])
    );

    // in / nin take a list (JSON, or single-quoted as Jayway's permissive parser reads it).
    assert_eq!(
        names_of("@.Name in ['Receipt', 'Invoice']"),
        json!(["Receipt", "Invoice"])
    );
    assert_eq!(
        names_of("@.Name nin [\"Receipt\", \"Invoice\"]"),
        json!(["receipt"])
    );
    assert_eq!(names_of("@.id in [7, 8]"), json!(["Receipt", "Invoice"]));
    // Without a list on the right, in is false and nin true.
    assert_eq!(names_of("@.Name in 'Receipt'"), json!([]));
    assert_eq!(
        names_of("@.Name nin 'Receipt'"),
        json!(["Receipt", "Invoice", "receipt"])
    );
    // Word operators are matched without regard to case.
    assert_eq!(names_of("@.Name IN ['Invoice']"), json!(["Invoice"]));
    assert_eq!(
        names_of("@.Name NIN ['Invoice']"),
        json!(["Receipt", "receipt"])
    );

    // subsetof / anyof / noneof compare two lists.
    assert_eq!(
        names_of("@.tags subsetof ['a', 'b', 'c']"),
        json!(["Receipt", "Invoice", "receipt"])
    );
    assert_eq!(
        names_of("@.tags subsetof ['a', 'b']"),
        json!(["Receipt", "Invoice"])
    );
    assert_eq!(names_of("@.tags anyof ['c', 'z']"), json!(["receipt"]));
    assert_eq!(
        names_of("@.tags noneof ['a']"),
        json!(["Invoice", "receipt"])
    );
    assert_eq!(names_of("@.Name anyof ['Receipt']"), json!([]));

    // contains: a list element or a substring.
    assert_eq!(
        names_of("@.tags contains 'b'"),
        json!(["Receipt", "receipt"])
    );
    assert_eq!(names_of("@.Name contains 'voi'"), json!(["Invoice"]));

    // size: a list's or a string's length; empty: of a list, an object or a string.
    assert_eq!(names_of("@.tags size 2"), json!(["Receipt", "receipt"]));
    assert_eq!(
        names_of("@.Name size 7"),
        json!(["Receipt", "Invoice", "receipt"])
    );
    assert_eq!(names_of("@.nick size 3"), json!(["Invoice"]));
    assert_eq!(names_of("@.tags empty true"), json!(["Invoice"]));
    assert_eq!(
        names_of("@.tags empty false"),
        json!(["Receipt", "receipt"])
    );
    assert_eq!(names_of("@.nick empty true"), json!(["Receipt"]));
    assert_eq!(names_of("@.meta empty true"), json!(["receipt"]));

    // &&, || (&& binds tighter), !, parentheses, and paths from the root.
    assert_eq!(
        names_of("@.age > 18 && @.Name == 'Receipt' || @.age < 18"),
        json!(["Receipt", "Invoice"])
    );
    assert_eq!(
        names_of("@.age > 18 && (@.Name == 'Invoice' || @.nick == 'r')"),
        json!(["receipt"])
    );
    assert_eq!(names_of("!@.meta"), json!(["Receipt", "Invoice"]));
    assert_eq!(names_of("!(@.age > 18)"), json!(["Invoice"]));
    assert_eq!(names_of("@.meta"), json!(["receipt"]));
    assert_eq!(
        names_of("@.age > $.people[1].age && @.age < 40"),
        json!(["Receipt"])
    );
    // Jayway ignores a `!` before a path that is compared (`!@.a == 1` is `@.a == 1`).
    assert_eq!(names_of("!@.age == 17"), json!(["Invoice"]));

    // Lone literals and unknown operators do not compile (FilterCompilerTest
    // .invalid_filters_does_not_compile).
    for bad in [
        "$[?(!5)]",
        "$[?('foo')]",
        "$[?(true)]",
        "$[?(@ FOO 1)]",
        "$[?(@ || )]",
        "$[?(@ == 'foo )]",
        "$[?(@.i == 5 @.i == 8)]",
        "$[?(@.a =~ /x)]",
        "$[?(@.a =~ /(/)]",
        "$[?(@.a in [1, )]",
    ] {
        assert!(parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn filters_match_only_objects() {
    // AWS developer guide, Reference Paths: "The @ operator, matching the current node
    // being processed in a filter, does not match scalar values. It only matches objects."
    let input =
        json!({"bar": ["a", "b", "c"], "jar": [{"a": 1}, {"a": 5}, {"a": 2}, {"a": 7}, {"a": 3}]});
    assert_eq!(sel("$.bar[?(@ == 'a')]", &input).unwrap(), json!([]));
    // The guide's own example.
    assert_eq!(
        sel("$.jar[?(@.a >= 5)]", &input).unwrap(),
        json!([{"a": 5}, {"a": 7}])
    );
    // A filter on an object tests the object itself.
    assert_eq!(
        sel("$.o[?(@.k == 1)]", &json!({"o": {"k": 1}})).unwrap(),
        json!([{"k": 1}])
    );
    assert_eq!(sel("$.s[?(@)]", &json!({"s": "text"})).unwrap(), json!([]));
}

#[test]
fn deep_scan_with_filters_names_and_indexes() {
    let doc = json!({
        "a": {"id": 1, "kids": [{"id": 2}, {"id": 3, "kids": [{"id": 4}]}]},
        "b": [[10, 11], [12]]
    });
    // Every object of the subtree that passes, each once, in document order.
    assert_eq!(sel("$..[?(@.id > 1)].id", &doc).unwrap(), json!([2, 3, 4]));
    assert_eq!(sel("$..[?(@.id)].id", &doc).unwrap(), json!([1, 2, 3, 4]));
    // The start itself is tested too.
    assert_eq!(
        sel("$..[?(@.a)]", &doc).unwrap().as_array().unwrap().len(),
        1
    );
    assert_eq!(sel("$..kids[?(@.id == 4)].id", &doc).unwrap(), json!([4]));
    assert_eq!(sel("$..id", &doc).unwrap(), json!([1, 2, 3, 4]));
    assert_eq!(sel("$..kids[0].id", &doc).unwrap(), json!([2, 4]));
    assert_eq!(sel("$.b..[0]", &doc).unwrap(), json!([[10, 11], 10, 12]));
    assert_eq!(sel("$.b..[-1]", &doc).unwrap(), json!([[12], 11, 12]));
    assert_eq!(sel("$..kids[*].id", &doc).unwrap(), json!([2, 3, 4]));
}

#[test]
fn what_jayway_does_not_compile_is_refused() {
    for bad in [
        // Goessner's script expressions are not Jayway's (readNextToken has no `[(`).
        "$..book[(@.length-1)]",
        // A placeholder filter needs a predicate passed through Jayway's API.
        "$.a[?]",
        // Filters need `[?(` ... `)]`.
        "$.a[?@.b]",
        // Spaces in a dot-notated name ("Use bracket notion ['my prop']").
        "$.my prop",
    ] {
        assert!(parse(bad).is_err(), "{bad:?}");
    }
    // Java regular expression features the regex crate does not have are refused with a
    // message that says so.
    let err = parse("$.a[?(@.b =~ /(?!x).*/)]").unwrap_err().to_string();
    assert!(err.contains("look-around"), "{err}");
}

#[test]
fn negative_indexes_and_slices_as_jayway() {
    let input = json!({"a": [0, 1, 2, 3, 4]});
    let s = |path: &str| sel(path, &input).unwrap();
    assert_eq!(s("$.a[-1]"), json!(4));
    assert_eq!(s("$.a[-5]"), json!(0));
    assert!(matches!(
        sel("$.a[-6]", &input),
        Err(PathError::NoResults { .. })
    ));
    assert_eq!(s("$.a[0,-1]"), json!([0, 4]));
    assert_eq!(s("$.a[0,9]"), json!([0]));
    // [from:]
    assert_eq!(s("$.a[3:]"), json!([3, 4]));
    assert_eq!(s("$.a[-2:]"), json!([3, 4]));
    assert_eq!(s("$.a[-9:]"), json!([0, 1, 2, 3, 4]));
    assert_eq!(s("$.a[9:]"), json!([]));
    // [:to]
    assert_eq!(s("$.a[:2]"), json!([0, 1]));
    assert_eq!(s("$.a[:-2]"), json!([0, 1, 2]));
    assert_eq!(s("$.a[:9]"), json!([0, 1, 2, 3, 4]));
    // [from:to]: no adjustment before comparing, then each negative index from the end.
    assert_eq!(s("$.a[1:3]"), json!([1, 2]));
    assert_eq!(s("$.a[1:-1]"), json!([]));
    assert_eq!(s("$.a[-2:-1]"), json!([3]));
    assert_eq!(s("$.a[-2:1]"), json!([3, 4, 0]));
    assert_eq!(s("$.a[3:1]"), json!([]));
    // A step is read and ignored (ArraySliceOperation.parse reads two parts).
    assert_eq!(s("$.a[0:4:2]"), json!([0, 1, 2, 3]));
    assert_eq!(s("$.a[1::2]"), json!([1, 2, 3, 4]));
    assert_eq!(s("$.a[:2:-1]"), json!([0, 1]));
    assert_eq!(s("$.a[0:4:0]"), json!([0, 1, 2, 3]));
    // Neither a start nor an end: Jayway refuses it ("Failed to parse SliceOperation").
    for bad in ["$.a[:]", "$.a[::2]", "$.a[::-1]", "$.a[::]"] {
        let err = parse(bad).unwrap_err();
        assert!(err.to_string().contains("start or an end"), "{bad}: {err}");
    }
    // Slices on something else than an array select nothing.
    assert_eq!(sel("$.o[1:]", &json!({"o": {"k": 1}})).unwrap(), json!([]));
}

/// A small deterministic generator (xorshift64*), so that the generated inputs are the same
/// on every run and a failure names a reproducible case.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Fragments paths are made of, valid or not.
const FRAGMENTS: &[&str] = &[
    "$",
    "$$",
    "@",
    ".",
    "..",
    ".[",
    "[",
    "]",
    "(",
    ")",
    "?",
    "?(",
    "*",
    ":",
    ",",
    "'",
    "\"",
    "\\",
    "-",
    "0",
    "1",
    "-1",
    "9",
    "a",
    "b",
    "Name",
    "==",
    "===",
    "!=",
    "!==",
    "<",
    "<=",
    ">",
    ">=",
    "=~",
    "/",
    "/i",
    "&&",
    "||",
    "!",
    " ",
    "in",
    "nin",
    "subsetof",
    "anyof",
    "noneof",
    "size",
    "empty",
    "contains",
    "true",
    "false",
    "null",
    "length()",
    "sum()",
    "concat(",
    "append(",
    "keys()",
    "{",
    "}",
    "é",
    "\u{1F600}",
    "['a']",
    "[0]",
    "[*]",
    "[1:]",
    "[:2]",
    "[::]",
    "[?(@.a)]",
    "[?(@.a == 1)]",
    "Receipt",
    "$x",
    "States.",
];

/// A path built from parts that are each valid Jayway, nested up to `depth` filters.
fn structured_path(g: &mut Gen, depth: usize, root: &str) -> String {
    let mut out = String::from(root);
    for _ in 0..g.below(6) {
        match g.below(12) {
            0 => out.push_str(".a"),
            1 => out.push_str(".[0]"),
            2 => out.push_str("[-1]"),
            3 => out.push_str("[*]"),
            4 => out.push_str(".*"),
            5 => out.push_str("..b"),
            6 => out.push_str("['a', 'b']"),
            7 => out.push_str(g.pick(&["[1:]", "[:2]", "[0:3:2]", "[-2:-1]"])),
            8 | 9 if depth > 0 => {
                let left = structured_path(g, depth - 1, "@");
                let op = g.pick(&[
                    "==", "!=", ">", "<=", "=~", " in ", " nin ", " size ", " empty ",
                ]);
                let right = g.pick(&["1", "'a'", "Receipt", "[1, 'a']", "/a.*/i", "true", "$.a"]);
                out.push_str(&format!("[?({left} {op} {right} || !@.b)]"));
            }
            10 => {
                // A function ends a path.
                out.push_str(g.pick(&[".length()", ".sum()", ".concat(\"x\", @.a)", ".append(1)"]));
                break;
            }
            _ => out.push_str(".[?(@.a)]"),
        }
    }
    out
}

fn documents() -> Vec<Value> {
    vec![
        json!(null),
        json!([]),
        json!({"a": [1, {"a": 2, "b": [3]}, "x"], "b": {"a": {"b": true}}}),
        json!([{"a": 1, "b": [{"a": "Receipt"}]}, {"a": [1, 2, 3]}, 4]),
        people(),
    ]
}

/// Parses, and if that succeeds evaluates and sets, `path`: none of it may panic.
fn exercise(path: &str, docs: &[Value]) {
    let Ok(parsed) = parse(path) else {
        return;
    };
    let context = json!({"Execution": {"Input": docs[2].clone()}});
    let vars = |name: &str| (name == "x").then(|| json!({"a": [1, 2]}));
    let scope = Scope {
        context: &context,
        variables: &vars,
    };
    for doc in docs {
        let _ = parsed.select(doc, &scope);
        let _ = parsed.not_found_message(doc, &scope);
        let _ = parsed.set(doc.clone(), json!(1));
    }
    let _ = is_reference_path(path);
    let _ = crate::intrinsics::parse(&format!("States.Array({path}, 'x')"));
}

#[test]
fn generated_paths_never_panic() {
    let docs = documents();
    let mut g = Gen(0x9e37_79b9_7f4a_7c15);
    let mut parsed = 0;
    for _ in 0..4000 {
        let mut path = String::new();
        for _ in 0..g.below(12) {
            path.push_str(g.pick(FRAGMENTS));
        }
        exercise(&path, &docs);
        let root = g.pick(&["$", "$", "$", "$$", "$x"]);
        let structured = structured_path(&mut g, 3, root);
        assert!(
            parse(&structured).is_ok(),
            "valid Jayway should parse: {structured:?}: {:?}",
            parse(&structured)
        );
        exercise(&structured, &docs);
        parsed += 1;
    }
    assert_eq!(parsed, 4000);
}

#[test]
fn hostile_paths_are_refused_or_bounded() {
    let docs = documents();
    let n = 20_000;
    for path in [
        format!("$[?({})]", "(".repeat(n)),
        format!("$[?({}@.a)]", "!".repeat(n)),
        format!("$[?({}@.a{})]", "(".repeat(n), ")".repeat(n)),
        format!("${}{}", "[?(@".repeat(n), ")]".repeat(n)),
        format!("$.a.concat({})", "$.a.concat(".repeat(n)),
    ] {
        let Err(PathError::Syntax { reason, .. }) = parse(&path) else {
            panic!(
                "nesting past the bound is refused ({} characters)",
                path.len()
            );
        };
        assert!(reason.contains("deep"), "{reason}");
    }
    // Within the bound, nesting parses and evaluates.
    let nested = format!("$[?({}@.a{})]", "(".repeat(60), ")".repeat(60));
    assert!(parse(&nested).is_ok());
    exercise(&nested, &docs);
    // Too many steps: refused before anything recurses over them.
    for path in [
        format!("${}", ".a".repeat(n)),
        format!("${}", ".[0]".repeat(n)),
    ] {
        let Err(PathError::Syntax { reason, .. }) = parse(&path) else {
            panic!("a path of {} characters is refused", path.len());
        };
        assert!(reason.contains("steps"), "{reason}");
    }
    // At the bound, the steps that do not descend (a filter tests the object itself) and a
    // ResultPath that builds an object as deep as the path still run.
    let at_bound = format!("${}", "[?(@)]".repeat(512));
    exercise(&at_bound, &docs);
    assert_eq!(
        parse(&at_bound).unwrap().select(
            &json!({"k": 1}),
            &Scope {
                context: &json!({}),
                variables: &no_vars,
            }
        ),
        Ok(json!([{"k": 1}]))
    );
    let deep = set(json!({}), &format!("${}", ".a".repeat(512)), json!(1)).unwrap();
    drop(deep);
    // Long but flat: many terms, long names and indexes, many indexes in one bracket.
    for path in [
        format!("$[?({})]", vec!["@.a == 1"; n].join(" || ")),
        format!("$[?({})]", vec!["@.a"; n].join(" && ")),
        format!("${}", "..a".repeat(50)),
        format!("$.{}", "a".repeat(100_000)),
        format!("$[{}]", "9".repeat(100)),
        format!("$[{}]", vec!["1"; n].join(",")),
    ] {
        exercise(&path, &docs);
    }
}
