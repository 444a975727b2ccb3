//! Machine-level checks: the top-level fields, `StartAt`, the `States` map, transition
//! targets, reachability and terminal states, for the top-level machine and for every
//! nested one (Parallel branches, Map `ItemProcessor`/`Iterator`).

use std::collections::{HashSet, VecDeque};

use serde_json::{Map, Value};

use super::state::{self, Transition};
use super::{Ctx, QueryLanguage, Rule, child, type_name};

/// The longest state name AWS accepts, in characters.
pub(crate) const MAX_STATE_NAME_CHARS: usize = 80;

/// Where a machine sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The whole definition.
    Top,
    /// A Parallel branch.
    Branch,
    /// A Map `ItemProcessor`.
    ItemProcessor,
    /// A legacy Map `Iterator`.
    Iterator,
}

impl Kind {
    fn describe(self) -> &'static str {
        match self {
            Kind::Top => "the state machine",
            Kind::Branch => "a Parallel branch",
            Kind::ItemProcessor => "a Map ItemProcessor",
            Kind::Iterator => "a Map Iterator",
        }
    }

    fn allowed(self) -> &'static [&'static str] {
        match self {
            Kind::Top => &[
                "StartAt",
                "States",
                "Comment",
                "Version",
                "TimeoutSeconds",
                "QueryLanguage",
            ],
            Kind::Branch => &["StartAt", "States", "Comment", "QueryLanguage"],
            Kind::ItemProcessor | Kind::Iterator => &[
                "StartAt",
                "States",
                "Comment",
                "QueryLanguage",
                "ProcessorConfig",
            ],
        }
    }
}

/// Validates the whole document.
pub(crate) fn check_root(ctx: &mut Ctx, definition: &Value) {
    if !definition.is_object() {
        ctx.push(
            "",
            Rule::DefinitionNotObject,
            format!(
                "Definition must be a valid JSON object, but it is {}. Provide an object with \
                 `StartAt` and `States`.",
                type_name(definition)
            ),
        );
        return;
    }
    check_machine(ctx, definition, "", QueryLanguage::JsonPath, Kind::Top);
}

/// Reads a `QueryLanguage` field; reports bad values and a JSONata-to-JSONPath downgrade.
pub(crate) fn query_language(
    ctx: &mut Ctx,
    obj: &Map<String, Value>,
    ptr: &str,
    outer: QueryLanguage,
) -> QueryLanguage {
    let Some(v) = obj.get("QueryLanguage") else {
        return outer;
    };
    let p = child(ptr, "QueryLanguage");
    match v.as_str() {
        Some("JSONPath") => {
            if outer == QueryLanguage::Jsonata {
                ctx.push(
                    &p,
                    Rule::QueryLanguageDowngrade,
                    "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state \
                     machine. Remove this QueryLanguage and convert the state to JSONata, or set \
                     the top-level QueryLanguage to JSONPath and opt individual states into \
                     JSONata instead.",
                );
            }
            QueryLanguage::JsonPath
        }
        Some("JSONata") => QueryLanguage::Jsonata,
        _ => {
            ctx.push(
                &p,
                Rule::InvalidQueryLanguage,
                format!(
                    "QueryLanguage must be \"JSONPath\" or \"JSONata\", not {v}. Use one of \
                     these two values (exact case)."
                ),
            );
            outer
        }
    }
}

/// Validates one machine (top level or nested) at `ptr`.
pub(crate) fn check_machine(ctx: &mut Ctx, v: &Value, ptr: &str, outer: QueryLanguage, kind: Kind) {
    let Some(obj) = v.as_object() else {
        ctx.push(
            ptr,
            Rule::InvalidFieldType,
            format!(
                "{} must be a JSON object with `StartAt` and `States`, but it is {}.",
                kind.describe(),
                type_name(v)
            ),
        );
        return;
    };

    for key in obj.keys() {
        if !kind.allowed().contains(&key.as_str()) {
            let hint = match (kind, key.as_str()) {
                (Kind::Top, "ProcessorConfig") => {
                    " ProcessorConfig belongs inside a Map state's ItemProcessor.".to_owned()
                }
                _ => format!(" Allowed fields: {}.", kind.allowed().join(", ")),
            };
            ctx.push(
                &child(ptr, key),
                Rule::UnknownField,
                format!(
                    "Field '{key}' is not supported in {}. Remove it.{hint}",
                    kind.describe()
                ),
            );
        }
    }

    let missing: Vec<&str> = ["States", "StartAt"]
        .into_iter()
        .filter(|k| !obj.contains_key(*k))
        .collect();
    if !missing.is_empty() {
        ctx.push(
            ptr,
            Rule::MissingRequiredField,
            format!(
                "These fields are required: [{}]. Add `StartAt` (the name of the first state) \
                 and `States` (an object mapping state names to states).",
                missing.join(", ")
            ),
        );
    }

    let ql = query_language(ctx, obj, ptr, outer);

    if let Some(c) = obj.get("Comment")
        && !c.is_string()
    {
        ctx.push(
            &child(ptr, "Comment"),
            Rule::InvalidFieldType,
            format!("Comment must be a string, not {}.", type_name(c)),
        );
    }
    if let Some(c) = obj.get("Version")
        && !c.is_string()
    {
        ctx.push(
            &child(ptr, "Version"),
            Rule::InvalidFieldType,
            format!(
                "Version must be a string such as \"1.0\", not {}.",
                type_name(c)
            ),
        );
    }
    if kind == Kind::Top
        && let Some(t) = obj.get("TimeoutSeconds")
    {
        state::check_positive_int(ctx, t, &child(ptr, "TimeoutSeconds"), "TimeoutSeconds");
    }
    if matches!(kind, Kind::ItemProcessor | Kind::Iterator) {
        check_processor_config(ctx, obj, ptr);
    }

    let start_at = match obj.get("StartAt") {
        Some(Value::String(s)) => Some(s.as_str()),
        Some(other) => {
            ctx.push(
                &child(ptr, "StartAt"),
                Rule::InvalidFieldType,
                format!(
                    "StartAt must be a string naming the first state, not {}.",
                    type_name(other)
                ),
            );
            None
        }
        None => None,
    };

    let states_ptr = child(ptr, "States");
    let states = match obj.get("States") {
        Some(Value::Object(m)) => m,
        Some(other) => {
            ctx.push(
                &states_ptr,
                Rule::InvalidFieldType,
                format!(
                    "States must be an object mapping state names to states, not {}.",
                    type_name(other)
                ),
            );
            return;
        }
        None => return,
    };
    if states.is_empty() {
        ctx.push(
            &states_ptr,
            Rule::EmptyStates,
            "States must contain at least one state. Add a state and point StartAt at it.",
        );
        return;
    }

    let mut transitions: Vec<(String, Vec<Transition>)> = Vec::new();
    let mut any_terminal = false;
    for (name, s) in states {
        let sp = child(&states_ptr, name);
        check_state_name(ctx, name, &sp);
        let info = state::check_state(ctx, name, s, &sp, ql);
        any_terminal |= info.terminal;
        transitions.push((name.clone(), info.targets));
    }

    if let Some(start) = start_at
        && !states.contains_key(start)
    {
        ctx.push(
            &child(ptr, "StartAt"),
            Rule::UnknownStartState,
            format!(
                "StartAt names state '{start}', which is not defined in States. Use one of: {}.",
                name_list(states)
            ),
        );
    }
    for (_, targets) in &transitions {
        for t in targets {
            if !states.contains_key(&t.target) {
                ctx.push(
                    &t.pointer,
                    Rule::UnknownNextState,
                    format!(
                        "Missing 'Next' target: '{}' is not a state in this {}. States can only \
                         transition to states of the same States object. Use one of: {}.",
                        t.target,
                        match kind {
                            Kind::Top => "state machine",
                            _ => "branch/processor",
                        },
                        name_list(states)
                    ),
                );
            }
        }
    }

    // Reachability from StartAt.
    if let Some(start) = start_at.filter(|s| states.contains_key(*s)) {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut queue = VecDeque::from([start]);
        seen.insert(start);
        while let Some(n) = queue.pop_front() {
            if let Some((_, targets)) = transitions.iter().find(|(name, _)| name == n) {
                for t in targets {
                    if let Some((k, _)) = states.get_key_value(&t.target)
                        && seen.insert(k.as_str())
                    {
                        queue.push_back(k.as_str());
                    }
                }
            }
        }
        for name in states.keys() {
            if !seen.contains(name.as_str()) {
                ctx.push(
                    &child(&states_ptr, name),
                    Rule::UnreachableState,
                    format!(
                        "State '{name}' is not reachable from StartAt '{start}'. Step Functions \
                         rejects unreachable states: add a transition (Next, Default, a Choice \
                         rule or a Catch) to it, or delete it."
                    ),
                );
            }
        }
    }

    if !any_terminal {
        ctx.push(
            &states_ptr,
            Rule::NoTerminalState,
            format!(
                "{} has no terminal state. Add `\"End\": true` to the last state, or a Succeed or \
                 Fail state.",
                capitalise(kind.describe())
            ),
        );
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn name_list(states: &Map<String, Value>) -> String {
    let mut names: Vec<String> = states.keys().take(10).map(|k| format!("'{k}'")).collect();
    if states.len() > 10 {
        names.push("...".to_owned());
    }
    names.join(", ")
}

fn check_state_name(ctx: &mut Ctx, name: &str, ptr: &str) {
    let chars = name.chars().count();
    if chars == 0 {
        ctx.push(
            ptr,
            Rule::InvalidStateName,
            "State names must not be empty. Give the state a name of 1 to 80 characters.",
        );
    } else if chars > MAX_STATE_NAME_CHARS {
        ctx.push(
            ptr,
            Rule::StateNameTooLong,
            format!(
                "State name '{name}' is {chars} characters long; the limit is \
                 {MAX_STATE_NAME_CHARS}. Shorten it (and every Next/Default/StartAt that names it)."
            ),
        );
    }
    if let Some(first) = ctx.state_names.get(name) {
        let first = first.clone();
        ctx.push(
            ptr,
            Rule::DuplicateStateName,
            format!(
                "State name '{name}' is already used at {first}. State names must be unique \
                 across the whole state machine, nested branches and Map processors included; \
                 rename one of them."
            ),
        );
    } else {
        ctx.state_names.insert(name.to_owned(), ptr.to_owned());
    }
}

/// `ProcessorConfig` of an `ItemProcessor`.
fn check_processor_config(ctx: &mut Ctx, obj: &Map<String, Value>, ptr: &str) {
    let Some(pc) = obj.get("ProcessorConfig") else {
        return;
    };
    let pp = child(ptr, "ProcessorConfig");
    let Some(pc) = pc.as_object() else {
        ctx.push(
            &pp,
            Rule::InvalidFieldType,
            format!(
                "ProcessorConfig must be an object such as {{\"Mode\": \"INLINE\"}}, not {}.",
                type_name(pc)
            ),
        );
        return;
    };
    for key in pc.keys() {
        if !["Mode", "ExecutionType"].contains(&key.as_str()) {
            ctx.push(
                &child(&pp, key),
                Rule::UnknownField,
                format!(
                    "Field '{key}' is not supported in ProcessorConfig. Allowed fields: Mode, \
                     ExecutionType."
                ),
            );
        }
    }
    let mode = match pc.get("Mode") {
        None => "INLINE",
        Some(Value::String(m)) if m == "INLINE" || m == "DISTRIBUTED" => m.as_str(),
        Some(other) => {
            ctx.push(
                &child(&pp, "Mode"),
                Rule::InvalidProcessorMode,
                format!("ProcessorConfig.Mode must be \"INLINE\" or \"DISTRIBUTED\", not {other}."),
            );
            return;
        }
    };
    match pc.get("ExecutionType") {
        None if mode == "DISTRIBUTED" => ctx.push(
            &pp,
            Rule::MissingRequiredField,
            "A DISTRIBUTED Map needs ProcessorConfig.ExecutionType. Add \"ExecutionType\": \
             \"STANDARD\" or \"EXPRESS\".",
        ),
        None => {}
        Some(Value::String(t)) if t == "STANDARD" || t == "EXPRESS" => {}
        Some(other) => ctx.push(
            &child(&pp, "ExecutionType"),
            Rule::InvalidExecutionType,
            format!(
                "ProcessorConfig.ExecutionType must be \"STANDARD\" or \"EXPRESS\", not {other}."
            ),
        ),
    }
}
