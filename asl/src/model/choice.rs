//! Choice rules: the elements of a Choice state's `Choices`.
//!
//! From the ASL spec ("Choice Rules"): a top-level rule has a test and `Next`. In JSONPath
//! the test is a comparison (`Variable` and exactly one operator: `StringEquals`,
//! `NumericLessThan`, ..., each but `StringMatches` and the `Is*` tests with a `...Path`
//! form that compares with another value of the input) or a Boolean combination (`And`,
//! `Or`, `Not`) of nested rules, which have no `Next`. In JSONata the test is `Condition`:
//! an expression or a boolean.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::{Number, Value};

use super::error::ModelError;
use super::query_language::QueryLanguage;
use super::read::{Fields, array, child, jsonata, wrong_type};
use super::template::{JsonataExpr, Template};

/// One element of `Choices`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChoiceRule {
    /// What is tested.
    pub test: Test,
    /// The state to go to when the test holds.
    pub next: String,
    /// Variables to assign when the rule matches.
    pub assign: Option<Template>,
    /// The state's output when the rule matches (JSONata).
    pub output: Option<Template>,
    /// A human-readable note.
    pub comment: Option<String>,
}

/// A top-level rule's test.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// JSONata: `Condition`.
    Condition(Condition),
    /// JSONPath: a comparison or a Boolean combination.
    Expr(Expr),
}

/// A JSONata `Condition`.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `true` or `false`.
    Literal(bool),
    /// `"{% ... %}"`, which must evaluate to a boolean.
    Jsonata(JsonataExpr),
}

/// A JSONPath test.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Holds when every nested rule holds.
    And(Vec<NestedRule>),
    /// Holds when any nested rule holds.
    Or(Vec<NestedRule>),
    /// Holds when the nested rule does not.
    Not(Box<NestedRule>),
    /// `Variable` compared by one operator.
    Compare(Comparison),
}

/// A rule inside `And`, `Or` or `Not` (no `Next`).
#[derive(Debug, Clone, PartialEq)]
pub struct NestedRule {
    /// What is tested.
    pub expr: Expr,
    /// A human-readable note.
    pub comment: Option<String>,
}

/// `"Variable": path` with one comparison operator.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The path of the value tested.
    pub variable: String,
    /// The operator (its field name without `Path`).
    pub operator: Operator,
    /// What the value is compared with.
    pub operand: Operand,
}

/// What a comparison's value is compared with.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A string (`String*` operators).
    String(String),
    /// A number as written (`Numeric*`).
    Number(Number),
    /// A boolean (`BooleanEquals`, and the expected outcome of the `Is*` tests).
    Boolean(bool),
    /// An RFC 3339 timestamp as written (`Timestamp*`).
    Timestamp(String),
    /// A path to the other value (the `...Path` form of the operator).
    Path(String),
}

/// The type of an operator's literal operand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperandKind {
    /// A string.
    String,
    /// A number.
    Number,
    /// A boolean.
    Boolean,
    /// An RFC 3339 timestamp string.
    Timestamp,
}

macro_rules! operators {
    ($( $(#[doc = $doc:literal])+ $variant:ident = $kind:ident, $path:literal; )+) => {
        /// A comparison operator of the ASL spec.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Operator {
            $( $(#[doc = $doc])+ $variant, )+
        }

        impl Operator {
            /// Every operator.
            pub const ALL: &'static [Operator] = &[$(Operator::$variant),+];

            /// The field name (without `Path`).
            pub fn as_str(self) -> &'static str {
                match self { $(Operator::$variant => stringify!($variant),)+ }
            }

            /// The type of its literal operand.
            pub fn operand_kind(self) -> OperandKind {
                match self { $(Operator::$variant => OperandKind::$kind,)+ }
            }

            /// Whether the operator has a `...Path` form.
            pub fn has_path_form(self) -> bool {
                match self { $(Operator::$variant => $path,)+ }
            }
        }
    };
}

operators! {
    /// Strings are equal.
    StringEquals = String, true;
    /// The value sorts before the operand.
    StringLessThan = String, true;
    /// The value sorts after the operand.
    StringGreaterThan = String, true;
    /// The value sorts before or equal to the operand.
    StringLessThanEquals = String, true;
    /// The value sorts after or equal to the operand.
    StringGreaterThanEquals = String, true;
    /// The value matches a pattern where `*` is any text (`\*` and `\\` escape).
    StringMatches = String, false;
    /// Numbers are equal.
    NumericEquals = Number, true;
    /// The value is below the operand.
    NumericLessThan = Number, true;
    /// The value is above the operand.
    NumericGreaterThan = Number, true;
    /// The value is at most the operand.
    NumericLessThanEquals = Number, true;
    /// The value is at least the operand.
    NumericGreaterThanEquals = Number, true;
    /// Booleans are equal.
    BooleanEquals = Boolean, true;
    /// Timestamps denote the same instant.
    TimestampEquals = Timestamp, true;
    /// The value is earlier than the operand.
    TimestampLessThan = Timestamp, true;
    /// The value is later than the operand.
    TimestampGreaterThan = Timestamp, true;
    /// The value is not later than the operand.
    TimestampLessThanEquals = Timestamp, true;
    /// The value is not earlier than the operand.
    TimestampGreaterThanEquals = Timestamp, true;
    /// The value is (`true`) or is not (`false`) JSON `null`.
    IsNull = Boolean, false;
    /// The path does (`true`) or does not (`false`) select something.
    IsPresent = Boolean, false;
    /// The value is (or is not) a number.
    IsNumeric = Boolean, false;
    /// The value is (or is not) a string.
    IsString = Boolean, false;
    /// The value is (or is not) a boolean.
    IsBoolean = Boolean, false;
    /// The value is (or is not) an RFC 3339 timestamp string.
    IsTimestamp = Boolean, false;
}

impl Operator {
    /// The operator a field name denotes, and whether it is the `...Path` form.
    pub fn from_field(name: &str) -> Option<(Operator, bool)> {
        if let Some(op) = Operator::ALL.iter().find(|op| op.as_str() == name) {
            return Some((*op, false));
        }
        let base = name.strip_suffix("Path")?;
        Operator::ALL
            .iter()
            .find(|op| op.has_path_form() && op.as_str() == base)
            .map(|op| (*op, true))
    }
}

impl ChoiceRule {
    pub(crate) fn read(v: &Value, pointer: &str, ql: QueryLanguage) -> Result<Self, ModelError> {
        let mut f = Fields::new(v, pointer, "a Choice rule object")?;
        let next = f.required_string("Next", "name the state to go to when the rule matches")?;
        let assign = f.object_template("Assign")?;
        let comment = f.string("Comment")?;
        let (test, output) = match ql {
            QueryLanguage::Jsonata => {
                let cp = f.at("Condition");
                let condition = match f.require(
                    "Condition",
                    "write the test as \"Condition\": \"{% <boolean expression> %}\"",
                )? {
                    Value::Bool(b) => Condition::Literal(*b),
                    Value::String(s) => Condition::Jsonata(jsonata(s, cp)?),
                    other => {
                        return Err(wrong_type(cp, "a JSONata expression or a boolean", other));
                    }
                };
                (Test::Condition(condition), f.template("Output"))
            }
            QueryLanguage::JsonPath => (Test::Expr(read_expr(&mut f)?), None),
        };
        f.finish(|| format!("a Choice rule ({})", ql.as_str()))?;
        Ok(ChoiceRule {
            test,
            next,
            assign,
            output,
            comment,
        })
    }
}

fn read_nested(v: &Value, pointer: &str) -> Result<NestedRule, ModelError> {
    let mut f = Fields::new(v, pointer, "a nested Choice rule object")?;
    let comment = f.string("Comment")?;
    let expr = read_expr(&mut f)?;
    f.finish(|| "a nested Choice rule (nested rules have no Next or Assign)".to_owned())?;
    Ok(NestedRule { expr, comment })
}

fn read_nested_list(v: &Value, pointer: &str) -> Result<Vec<NestedRule>, ModelError> {
    array(v, pointer, "an array of Choice rules")?
        .iter()
        .enumerate()
        .map(|(i, r)| read_nested(r, &child(pointer, &i.to_string())))
        .collect()
}

/// What a JSONPath rule's test field is.
#[derive(Clone, Copy)]
enum Found {
    And,
    Or,
    Not,
    Operator(Operator, bool),
}

/// Reads the test of a JSONPath rule: exactly one of `And`, `Or`, `Not` or an operator,
/// and `Variable` exactly when it is an operator.
fn read_expr(f: &mut Fields<'_>) -> Result<Expr, ModelError> {
    let mut found: Vec<(String, Found)> =
        [("And", Found::And), ("Or", Found::Or), ("Not", Found::Not)]
            .into_iter()
            .filter(|(k, _)| f.has(k))
            .map(|(k, t)| (k.to_owned(), t))
            .collect();
    for op in Operator::ALL {
        let name = op.as_str();
        if f.has(name) {
            found.push((name.to_owned(), Found::Operator(*op, false)));
        }
        let path = format!("{name}Path");
        if op.has_path_form() && f.has(&path) {
            found.push((path, Found::Operator(*op, true)));
        }
    }
    let [(name, test)] = &found[..] else {
        let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
        return Err(ModelError::Conflict {
            pointer: f.pointer().to_owned(),
            message: if names.is_empty() {
                "a Choice rule needs one test: `Variable` with a comparison operator such as \
                 `StringEquals`, or `And`, `Or` or `Not`"
                    .to_owned()
            } else {
                format!(
                    "a Choice rule has exactly one test, this one has {}; combine tests with \
                     `And` or `Or`",
                    names.join(", ")
                )
            },
        });
    };
    let pointer = f.at(name);
    let value = f.take(name).unwrap_or(&Value::Null);
    let expr = match *test {
        Found::And => Expr::And(read_nested_list(value, &pointer)?),
        Found::Or => Expr::Or(read_nested_list(value, &pointer)?),
        Found::Not => Expr::Not(Box::new(read_nested(value, &pointer)?)),
        Found::Operator(operator, is_path) => {
            let variable = f.required_string(
                "Variable",
                "give the path of the value to compare, e.g. \"Variable\": \"$.status\"",
            )?;
            let operand = if is_path {
                match value.as_str() {
                    Some(p) => Operand::Path(p.to_owned()),
                    None => return Err(wrong_type(pointer, "a path string", value)),
                }
            } else {
                read_operand(operator.operand_kind(), value, pointer)?
            };
            return Ok(Expr::Compare(Comparison {
                variable,
                operator,
                operand,
            }));
        }
    };
    if f.has("Variable") {
        return Err(ModelError::Conflict {
            pointer: f.at("Variable"),
            message: format!(
                "a rule with `{name}` has no `Variable`; move it into the nested rules"
            ),
        });
    }
    Ok(expr)
}

fn read_operand(kind: OperandKind, v: &Value, pointer: String) -> Result<Operand, ModelError> {
    match (kind, v) {
        (OperandKind::String, Value::String(s)) => Ok(Operand::String(s.clone())),
        (OperandKind::Timestamp, Value::String(s)) => Ok(Operand::Timestamp(s.clone())),
        (OperandKind::Number, Value::Number(n)) => Ok(Operand::Number(n.clone())),
        (OperandKind::Boolean, Value::Bool(b)) => Ok(Operand::Boolean(*b)),
        (kind, v) => Err(wrong_type(
            pointer,
            match kind {
                OperandKind::String => "a string",
                OperandKind::Timestamp => "an RFC 3339 timestamp string",
                OperandKind::Number => "a number",
                OperandKind::Boolean => "true or false",
            },
            v,
        )),
    }
}

impl Serialize for ChoiceRule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if let Some(c) = &self.comment {
            m.serialize_entry("Comment", c)?;
        }
        match &self.test {
            Test::Condition(Condition::Literal(b)) => m.serialize_entry("Condition", b)?,
            Test::Condition(Condition::Jsonata(e)) => m.serialize_entry("Condition", e)?,
            Test::Expr(e) => write_expr(e, &mut m)?,
        }
        m.serialize_entry("Next", &self.next)?;
        if let Some(a) = &self.assign {
            m.serialize_entry("Assign", a)?;
        }
        if let Some(o) = &self.output {
            m.serialize_entry("Output", o)?;
        }
        m.end()
    }
}

impl Serialize for NestedRule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if let Some(c) = &self.comment {
            m.serialize_entry("Comment", c)?;
        }
        write_expr(&self.expr, &mut m)?;
        m.end()
    }
}

fn write_expr<M: SerializeMap>(e: &Expr, m: &mut M) -> Result<(), M::Error> {
    match e {
        Expr::And(rules) => m.serialize_entry("And", rules),
        Expr::Or(rules) => m.serialize_entry("Or", rules),
        Expr::Not(rule) => m.serialize_entry("Not", rule),
        Expr::Compare(c) => {
            m.serialize_entry("Variable", &c.variable)?;
            let op = c.operator.as_str();
            match &c.operand {
                Operand::String(s) | Operand::Timestamp(s) => m.serialize_entry(op, s),
                Operand::Number(n) => m.serialize_entry(op, n),
                Operand::Boolean(b) => m.serialize_entry(op, b),
                Operand::Path(p) => m.serialize_entry(&format!("{op}Path"), p),
            }
        }
    }
}
