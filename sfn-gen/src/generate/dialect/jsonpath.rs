//! The JSONPath dialect: payload templates whose `.$` keys hold a path or an intrinsic
//! call, `ResultSelector`, `ResultPath` and `OutputPath` for where a result goes, Choice
//! rules as `Variable` comparisons, Fail's `ErrorPath`/`CausePath`.

use asl::model::states::{Choice, Fail, Pass};
use asl::model::{
    Catcher, ChoiceRule, Common, Comparison, Dynamic, Expr, NullablePath, Operand, Operator,
    QueryLanguage, State, StateKind, Template, Test, Transition,
};
use serde_json::{Map, Value};

use super::{
    Cond, Dialect, Fields, KIND_SEPARATOR, MapSpec, Observer, Output, TaskSpec, Val, build_map,
    build_task, catch_all, terminal,
};
use crate::generate::mark;

/// JSONPath, the default query language.
pub struct JsonPath;

/// Where a caught error's output waits for the Pass that turns it into an observation: a
/// JSONPath catcher can place the error output (`ResultPath`) but not reshape it.
const CAUGHT_ERROR_AT: &str = "error";

/// The state the observing catcher leads to.
const OBSERVER: &str = "CallFailed";

/// `root` followed by the dotted `path` (`$`, `$.calls[0]`, `$$.Execution.Id`).
fn path(root: &str, path: &str) -> String {
    if path.is_empty() {
        root.to_owned()
    } else {
        format!("{root}.{path}")
    }
}

/// A string constant as an intrinsic function's argument (`'...'`, with `'`, `{`, `}`
/// and `\` escaped, as the ASL spec's "Intrinsic functions" require).
fn intrinsic_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if matches!(c, '\'' | '{' | '}' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// The path or intrinsic call that computes `v` (in a ResultSelector the result is the
/// input, so [`Val::Result`] reads `$`). Objects are not expressions: templates write them
/// field by field ([`object`]), so an object inside an array cannot be written.
fn expression(v: &Val) -> String {
    match v {
        Val::Input(p) | Val::Result(p) => path("$", p),
        Val::Context(p) => path("$$", p),
        Val::ErrorOutput(p) => path(&path("$", CAUGHT_ERROR_AT), p),
        Val::Literal(Value::String(s)) => intrinsic_string(s),
        Val::Literal(other) => other.to_string(),
        Val::Array(items) => {
            let args: Vec<String> = items.iter().map(expression).collect();
            format!("States.Array({})", args.join(", "))
        }
        // A programming error of the layout, caught by its tests: no JSONPath expression
        // builds an object with computed fields, only a template does.
        Val::Object(_) => panic!("JSONPath cannot compute an object inside an array"),
    }
}

/// A payload template: constants and objects as they are, every computed field under
/// `<key>.$`.
fn object(fields: &Fields) -> Value {
    let mut out = Map::new();
    for (key, v) in fields {
        match v {
            Val::Literal(c) => out.insert((*key).to_owned(), c.clone()),
            Val::Object(inner) => out.insert((*key).to_owned(), object(inner)),
            computed => out.insert(format!("{key}.$"), Value::String(expression(computed))),
        };
    }
    Value::Object(out)
}

fn template(fields: &Fields) -> Option<Template> {
    Some(Template(object(fields)))
}

fn at(p: &str) -> Option<NullablePath> {
    Some(NullablePath::Path(path("$", p)))
}

/// Where the result goes: `OutputPath` for a field of it, `ResultSelector` to reshape it,
/// plus `ResultPath` to keep the input around it.
fn place_result(output: &Output, result_selector: &mut Option<Template>, common: &mut Common) {
    match output {
        Output::ResultField(p) => common.output_path = at(p),
        Output::FromResult(fields) => *result_selector = template(fields),
        Output::MergeResult(key, fields) => {
            *result_selector = template(fields);
            common.result_path = at(key);
        }
    }
}

/// Fail's `Error` or `Cause`: a constant string, else a path or an intrinsic.
fn fail_field(v: &Val) -> Option<Dynamic<String>> {
    Some(match v {
        Val::Literal(Value::String(s)) => Dynamic::Literal(s.clone()),
        computed => Dynamic::Path(expression(computed)),
    })
}

/// The `StringMatches` pattern of `text` followed by anything (`*` and `\` escaped).
fn starts_with_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        if matches!(c, '*' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('*');
    out
}

fn rule(cond: Cond, next: String) -> ChoiceRule {
    let (field, operator, operand) = match cond {
        Cond::Equals(field, value) => (field, Operator::StringEquals, Operand::String(value)),
        Cond::HasKind(field, kind) => (
            field,
            Operator::StringMatches,
            Operand::String(starts_with_pattern(&format!("{kind}{KIND_SEPARATOR}"))),
        ),
        Cond::Filler(field) => (field, Operator::IsPresent, Operand::Boolean(false)),
    };
    ChoiceRule {
        test: Test::Expr(Expr::Compare(Comparison {
            variable: path("$", field),
            operator,
            operand,
        })),
        next,
        assign: None,
        output: None,
        comment: None,
    }
}

impl Dialect for JsonPath {
    fn query_language(&self) -> Option<QueryLanguage> {
        None
    }

    fn task(&self, spec: TaskSpec) -> State {
        build_task(spec, |task, common, arguments, output| {
            task.parameters = template(arguments);
            place_result(output, &mut task.result_selector, common);
        })
    }

    fn map(&self, spec: MapSpec) -> State {
        build_map(spec, |map, common, spec| {
            map.items_path = Some(path("$", spec.items));
            map.item_selector = template(&spec.item_selector);
            place_result(&spec.output, &mut map.result_selector, common);
        })
    }

    fn pass(&self, comment: String, value: Option<Fields>, transition: Transition) -> State {
        State {
            common: Common {
                comment: Some(comment),
                transition: Some(transition),
                ..Common::default()
            },
            kind: StateKind::Pass(Pass {
                result: None,
                parameters: value.as_ref().and_then(template),
            }),
        }
    }

    fn choice(&self, comment: String, rules: Vec<(Cond, String)>, default: &str) -> State {
        let choices = rules.into_iter().map(|(c, next)| rule(c, next)).collect();
        terminal(
            comment,
            StateKind::Choice(Choice {
                choices,
                default: Some(default.to_owned()),
            }),
        )
    }

    fn fail(&self, comment: String, error: Val, cause: Val) -> State {
        terminal(
            comment,
            StateKind::Fail(Fail {
                error: fail_field(&error),
                cause: fail_field(&cause),
            }),
        )
    }

    fn merge_errors(&self, key: &'static str, next: &str) -> Catcher {
        Catcher {
            result_path: at(key),
            ..catch_all(next)
        }
    }

    fn observe_errors(&self, observation: Fields) -> Observer {
        Observer {
            catcher: self.merge_errors(CAUGHT_ERROR_AT, OBSERVER),
            name: OBSERVER,
            state: self.pass(
                mark("turns a caught error into an error observation"),
                Some(observation),
                Transition::End,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn computed_fields_get_a_dollar_key_and_constants_stay_as_written() {
        let fields: Fields = vec![
            ("call", Val::Input("calls[0]")),
            ("id", Val::Context("Execution.Id")),
            ("n", Val::Literal(json!(3))),
            ("nested", Val::Object(vec![("whole", Val::Input(""))])),
            ("results", Val::Array(vec![Val::Result("Payload")])),
        ];
        assert_eq!(
            object(&fields),
            json!({"call.$": "$.calls[0]", "id.$": "$$.Execution.Id", "n": 3,
                   "nested": {"whole.$": "$"}, "results.$": "States.Array($.Payload)"})
        );
    }

    #[test]
    fn intrinsic_and_pattern_text_is_escaped() {
        assert_eq!(intrinsic_string("it's {x}"), r"'it\'s \{x\}'");
        assert_eq!(starts_with_pattern("a*b:"), r"a\*b:*");
    }
}
