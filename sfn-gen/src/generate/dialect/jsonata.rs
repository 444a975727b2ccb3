//! The JSONata dialect: `Arguments`, `Output` and `Items` as `{% ... %}` expressions
//! built by [`Expr`], Choice rules as `Condition`s, catchers with their own `Output`.

use asl::model::states::{Choice, Fail, Pass};
use asl::model::{
    Catcher, ChoiceRule, Common, Condition, Dynamic, JsonataExpr, QueryLanguage, State, StateKind,
    Template, Test, Transition,
};
use serde_json::{Map, Value};

use super::{
    Cond, Dialect, Fields, KIND_SEPARATOR, MapSpec, Observer, Output, TaskSpec, Val, build_map,
    build_task, catch_all, terminal,
};
use crate::generate::mark;

/// JSONata.
pub struct Jsonata;

/// The state the observing catcher leads to.
const OBSERVER: &str = "CallDone";

/// JSONata source text, built from typed parts (and never parsed back here).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Expr(String);

impl Expr {
    /// The expression computing `v`.
    fn of(v: &Val) -> Expr {
        match v {
            Val::Literal(Value::String(s)) => Expr::string(s),
            // JSON is a subset of JSONata: numbers, booleans, null, arrays and objects of
            // constants are written as JSON.
            Val::Literal(other) => Expr(other.to_string()),
            Val::Input(p) => Expr::variable("$states.input", p),
            Val::Context(p) => Expr::variable("$states.context", p),
            Val::Result(p) => Expr::variable("$states.result", p),
            Val::ErrorOutput(p) => Expr::variable("$states.errorOutput", p),
            Val::Object(fields) => Expr::object(fields.iter().map(|(k, v)| (*k, Expr::of(v)))),
            Val::Array(items) => Expr::array(items.iter().map(Expr::of)),
        }
    }

    /// A `$states` variable followed by a dotted path.
    fn variable(root: &str, path: &str) -> Expr {
        if path.is_empty() {
            Expr(root.to_owned())
        } else {
            Expr(format!("{root}.{path}"))
        }
    }

    /// A string literal: single-quoted when nothing in it needs escaping (JSONata 2.0 has
    /// no `\'`), else double-quoted with JSON's escapes, which JSONata shares.
    fn string(s: &str) -> Expr {
        if s.chars()
            .any(|c| matches!(c, '\'' | '\\') || c.is_control())
        {
            Expr(Value::String(s.to_owned()).to_string())
        } else {
            Expr(format!("'{s}'"))
        }
    }

    /// `false` or `true`.
    fn boolean(b: bool) -> Expr {
        Expr(b.to_string())
    }

    /// `{'key': value, ...}`.
    fn object<'a>(fields: impl IntoIterator<Item = (&'a str, Expr)>) -> Expr {
        let fields: Vec<String> = fields
            .into_iter()
            .map(|(k, v)| format!("{}: {}", Expr::string(k).0, v.0))
            .collect();
        Expr(format!("{{{}}}", fields.join(", ")))
    }

    /// `[a, b, ...]`.
    fn array(items: impl IntoIterator<Item = Expr>) -> Expr {
        let items: Vec<String> = items.into_iter().map(|e| e.0).collect();
        Expr(format!("[{}]", items.join(", ")))
    }

    /// `$function(a, b, ...)`.
    fn call(function: &str, args: impl IntoIterator<Item = Expr>) -> Expr {
        let args: Vec<String> = args.into_iter().map(|e| e.0).collect();
        Expr(format!("${function}({})", args.join(", ")))
    }

    /// `self = other`.
    fn equals(self, other: Expr) -> Expr {
        Expr(format!("{} = {}", self.0, other.0))
    }

    /// The state's input with the field `key` set to `value`.
    fn merged_into_input(key: &str, value: Expr) -> Expr {
        let input = Expr::of(&Val::Input(""));
        Expr::call(
            "merge",
            [Expr::array([input, Expr::object([(key, value)])])],
        )
    }

    /// `{% expression %}`, as a Condition or a Fail field holds it.
    fn delimited(self) -> JsonataExpr {
        JsonataExpr(format!(" {} ", self.0))
    }

    /// `"{% expression %}"`, as a template field holds it.
    fn template(self) -> Template {
        Template(Value::String(format!("{{% {} %}}", self.0)))
    }
}

/// A Task's `Arguments`: constants as they are (so `${...}` placeholders stay
/// substitutable), every computed field as its own expression.
fn arguments(fields: &Fields) -> Template {
    let out: Map<String, Value> = fields
        .iter()
        .map(|(key, v)| {
            let value = match v {
                Val::Literal(c) => c.clone(),
                computed => Expr::of(computed).template().0,
            };
            ((*key).to_owned(), value)
        })
        .collect();
    Template(Value::Object(out))
}

/// The `Output` of a Task or Map.
fn output(output: &Output) -> Template {
    let built = |fields: &Fields| Expr::of(&Val::Object(fields.clone()));
    match output {
        Output::ResultField(p) => Expr::of(&Val::Result(p)),
        Output::FromResult(fields) => built(fields),
        Output::MergeResult(key, fields) => Expr::merged_into_input(key, built(fields)),
    }
    .template()
}

/// Fail's `Error` or `Cause`: a constant string, else an expression.
fn fail_field(v: &Val) -> Option<Dynamic<String>> {
    Some(match v {
        Val::Literal(Value::String(s)) => Dynamic::Literal(s.clone()),
        computed => Dynamic::Jsonata(Expr::of(computed).delimited()),
    })
}

fn rule(cond: Cond, next: String) -> ChoiceRule {
    let condition = match cond {
        Cond::Equals(field, value) => Expr::of(&Val::Input(field)).equals(Expr::string(&value)),
        Cond::HasKind(field, kind) => Expr::call(
            "substringBefore",
            [
                Expr::of(&Val::Input(field)),
                Expr::string(&KIND_SEPARATOR.to_string()),
            ],
        )
        .equals(Expr::string(kind)),
        Cond::Filler(_) => Expr::boolean(false),
    };
    ChoiceRule {
        test: Test::Condition(Condition::Jsonata(condition.delimited())),
        next,
        assign: None,
        output: None,
        comment: None,
    }
}

impl Dialect for Jsonata {
    fn query_language(&self) -> Option<QueryLanguage> {
        Some(QueryLanguage::Jsonata)
    }

    fn task(&self, spec: TaskSpec) -> State {
        build_task(spec, |task, common, fields, out| {
            task.arguments = Some(arguments(fields));
            common.output = Some(output(out));
        })
    }

    fn map(&self, spec: MapSpec) -> State {
        build_map(spec, |map, common, spec| {
            map.items = Some(Expr::of(&Val::Input(spec.items)).template());
            map.item_selector = Some(Expr::of(&Val::Object(spec.item_selector.clone())).template());
            common.output = Some(output(&spec.output));
        })
    }

    fn pass(&self, comment: String, value: Option<Fields>, transition: Transition) -> State {
        State {
            common: Common {
                comment: Some(comment),
                output: value.map(|fields| Expr::of(&Val::Object(fields)).template()),
                transition: Some(transition),
                ..Common::default()
            },
            kind: StateKind::Pass(Pass::default()),
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
        let error = Expr::of(&Val::ErrorOutput(""));
        Catcher {
            output: Some(Expr::merged_into_input(key, error).template()),
            ..catch_all(next)
        }
    }

    fn observe_errors(&self, observation: Fields) -> Observer {
        Observer {
            catcher: Catcher {
                output: Some(Expr::of(&Val::Object(observation)).template()),
                ..catch_all(OBSERVER)
            },
            name: OBSERVER,
            state: self.pass(
                mark("an error observation for the agent"),
                None,
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
    fn values_become_expressions_over_the_states_variables() {
        let v = Val::Object(vec![
            ("call", Val::Input("calls[0]")),
            ("id", Val::Context("Execution.Id")),
            ("results", Val::Array(vec![Val::Result("Payload")])),
            ("config", Val::Literal(json!({"max_turns": 5}))),
        ]);
        assert_eq!(
            Expr::of(&v).0,
            r#"{'call': $states.input.calls[0], 'id': $states.context.Execution.Id, 'results': [$states.result.Payload], 'config': {"max_turns":5}}"#
        );
        assert_eq!(
            Expr::merged_into_input("failure", Expr::of(&Val::ErrorOutput(""))).0,
            "$merge([$states.input, {'failure': $states.errorOutput}])"
        );
    }

    #[test]
    fn a_string_with_a_quote_is_written_double_quoted() {
        assert_eq!(Expr::string("call:a").0, "'call:a'");
        assert_eq!(Expr::string("it's").0, r#""it's""#);
        assert_eq!(Expr::string(r"a\b").0, r#""a\\b""#);
    }
}
