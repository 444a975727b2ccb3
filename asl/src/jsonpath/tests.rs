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
    // Still errors: a dot must be followed by something, and `...` is not a token.
    for bad in ["$.", "$.[", "$.[0", "$...a", "$.a.", "$.[]"] {
        assert!(parse(bad).is_err(), "{bad:?}");
    }
}
