//! The bounded evaluator keeps RFC 9535's semantics: the RFC's own examples (expected
//! values from the RFC's tables), and agreement with `serde_json_path`'s evaluator (which
//! json-query used before) on a broad set of queries where that evaluator follows the RFC.

use json_query::query;
use serde_json::{Value, json};
use serde_json_path::JsonPath;

/// RFC 9535 section 1.5.
fn bookstore() -> Value {
    json!({"store": {
        "book": [
            {"category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95},
            {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99},
            {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99},
            {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99}
        ],
        "bicycle": {"color": "red", "price": 399}
    }})
}

/// RFC 9535 section 2.3.5.3 (filter examples).
fn filters_doc() -> Value {
    json!({
        "a": [3, 5, 1, 2, 4, 6, {"b": "j"}, {"b": "k"}, {"b": {}}, {"b": "kilo"}],
        "o": {"p": 1, "q": 2, "r": 3, "s": 5, "t": {"u": 6}},
        "e": "f"
    })
}

fn values(q: &str, doc: &Value) -> Vec<Value> {
    query(q, doc, Some(10_000))
        .unwrap_or_else(|e| panic!("{q}: {e}"))
        .matches
        .into_iter()
        .map(|m| m.value)
        .collect()
}

#[test]
fn rfc_filter_examples() {
    let doc = filters_doc();
    let cases: Vec<(&str, Value)> = vec![
        ("$.a[?@.b == 'kilo']", json!([{"b": "kilo"}])),
        ("$.a[?(@.b == 'kilo')]", json!([{"b": "kilo"}])),
        ("$.a[?@>3.5]", json!([5, 4, 6])),
        (
            "$.a[?@.b]",
            json!([{"b": "j"}, {"b": "k"}, {"b": {}}, {"b": "kilo"}]),
        ),
        ("$[?@.*]", json!([doc["a"], doc["o"]])),
        ("$[?@[?@.b]]", json!([doc["a"]])),
        ("$.o[?@<3, ?@<3]", json!([1, 2, 1, 2])),
        ("$.a[?@<2 || @.b == \"k\"]", json!([1, {"b": "k"}])),
        (
            "$.a[?match(@.b, \"[jk]\")]",
            json!([{"b": "j"}, {"b": "k"}]),
        ),
        (
            "$.a[?search(@.b, \"[jk]\")]",
            json!([{"b": "j"}, {"b": "k"}, {"b": "kilo"}]),
        ),
        ("$.o[?@>1 && @<4]", json!([2, 3])),
        ("$.o[?@.u || @.x]", json!([{"u": 6}])),
        ("$.a[?@.b == $.x]", json!([3, 5, 1, 2, 4, 6])),
        ("$.a[?@ == @]", doc["a"].clone()),
    ];
    for (q, expected) in cases {
        assert_eq!(Value::Array(values(q, &doc)), expected, "{q}");
    }
}

/// Where serde_json_path 0.7 departs from the RFC (see `eval`'s docs), json-query follows
/// the RFC.
#[test]
fn rfc_semantics_where_serde_json_path_departs() {
    let doc = json!({"a": [[1, 2], [2], [3]], "n": [1, 2, 3], "x": [1.0, 2], "y": [1, 2]});
    // `@[-1]` in a comparison is the last element.
    assert_eq!(
        values("$.a[?@[-1] == 2]", &doc),
        [json!([1, 2]), json!([2])]
    );
    // `>` is `<` reversed: false for arrays.
    assert!(values("$.a[?@ > $.a[1]]", &doc).is_empty());
    // Nothing <= Nothing (section 2.3.5.2.2: `<=` is `<` or `==`).
    assert_eq!(values("$.n[?@.absent <= @.missing]", &doc).len(), 3);
    // Numbers compare by value inside arrays too.
    assert_eq!(
        values("$[?@ == $.y]", &doc),
        [json!([1.0, 2]), json!([1, 2])]
    );
    // Normalized paths escape `'` and `\` (section 2.7).
    let doc = json!({"it's": {"a\\b": 1}});
    let paths: Vec<String> = query("$..*", &doc, None)
        .unwrap()
        .matches
        .into_iter()
        .map(|m| m.path)
        .collect();
    assert_eq!(paths, [r"$['it\'s']", r"$['it\'s']['a\\b']"]);
}

#[test]
fn evaluation_agrees_with_serde_json_path() {
    let docs = [
        bookstore(),
        filters_doc(),
        json!([[[[[0]]]], {"a": {"a": {"a": 1}}, "b": [1, [2, [3]]]}, "s", null, true, -1.5]),
        json!({"k": {"": 1, " ": 2, "é": 3, "\"": 5}, "arr": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]}),
    ];
    let queries = [
        "$",
        "$.store",
        "$.store.book[*].author",
        "$..author",
        "$.store.*",
        "$.store..price",
        "$..book[2]",
        "$..book[-1]",
        "$..book[0,1]",
        "$..book[:2]",
        "$..book[?@.isbn]",
        "$..book[?@.price<10]",
        "$..*",
        "$..[*]",
        "$..[0]",
        "$..a",
        "$..a.a",
        "$..['a','b']",
        "$..book[?@.price > 10 && @.category == 'fiction'].title",
        "$..book[?!@.isbn].title",
        "$..book[?!(@.price < 9)].title",
        "$..book[?(@.price < 9 || @.price > 20)].author",
        "$..[?@.price]",
        "$..[?@.price].price",
        "$.store.book[::-1].title",
        "$.store.book[1:3:1]",
        "$.store.book[-3:-1]",
        "$.store.book[5:1:-2]",
        "$.store.book[0:4:2]['title']",
        "$.arr[1:8:3]",
        "$.arr[-2:]",
        "$.arr[:-7]",
        "$.arr[9:0:-4]",
        "$.arr[::0]",
        "$..book[?length(@.title) > 10].title",
        "$..book[?count(@.*) == 5].title",
        "$..book[?match(@.author, 'J.*')]",
        "$..book[?search(@.title, 'of')].title",
        "$..book[?value(@..isbn) == '0-553-21311-3'].title",
        "$['store']['bicycle']['color']",
        "$[\"store\"].bicycle[\"price\"]",
        "$.store.book[0]['author','title']",
        "$..book[?@.price == 8.95].title",
        "$..book[?@.price != 8.95].price",
        "$..book[?@.price >= 8.99].price",
        "$..book[?@.price <= 8.99].price",
        "$..book[?@.price < 8.99e0].price",
        "$..[*].price",
        "$.store.book[?@.author == $.store.book[0].author].title",
        "$.store[?@.color]",
        "$..*[?@ == 'red']",
        "$ .store .book [0] .title",
        "$.store.book[ ?@.price<9 , 0 ].title",
        "$.k['', ' ', 'é', '\"', \"\\\"\"]",
        "$.k.é",
        "$.k[*]",
        "$.a[?@.b == 'kilo' || @ == 3]",
        "$.a[?(@ > 2 && @ < 5) || !(@.b)]",
        "$.a[?length(@) == 1]",
        "$.a[?length(@.b) == 4]",
        "$.o[?@ == 1 || @ == 5].u",
        "$.o.*.u",
        "$..u",
        "$[?@ == 'f']",
        "$[?search(@, 'f')]",
        "$.e[0]",
        "$..[1]",
        "$..[?@ == 1]",
        "$..[?@ == true]",
        "$..[?@ == null]",
        "$..[?@ < 0]",
        "$..[?@ == 's']",
        "$[?count($..*) > 10]",
        "$..b[?@ == 2]",
        "$..b[*][*][*]",
    ];
    let mut compared = 0;
    for doc in &docs {
        for q in queries {
            let theirs = JsonPath::parse(q)
                .unwrap_or_else(|e| panic!("{q}: {e}"))
                .query_located(doc);
            let expected: Vec<(String, Value)> = theirs
                .iter()
                .map(|n| (n.location().to_string(), n.node().clone()))
                .collect();
            let ours: Vec<(String, Value)> = query(q, doc, Some(10_000))
                .unwrap_or_else(|e| panic!("{q}: {e}"))
                .matches
                .into_iter()
                .map(|m| (m.path, m.value))
                .collect();
            assert_eq!(ours, expected, "{q} over {doc}");
            compared += 1;
        }
    }
    assert_eq!(compared, docs.len() * queries.len());
}
