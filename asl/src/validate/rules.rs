//! The validator's rules: one stable kebab-case id each, and what each refuses.
//!
//! Every [`Diagnostic`](super::Diagnostic) names one [`Rule`]. The ids are a public
//! interface (`sfn-gen validate` prints them, tests and the conformance report count them):
//! never rename one. This list is the only place an id is spelled.

/// Defines [`Rule`] from one list: each variant's doc (what the rule refuses) and its id.
macro_rules! rules {
    ($( $(#[doc = $doc:literal])+ $variant:ident = $id:literal, )+) => {
        /// A rule of the validator (see the module docs). Each variant's doc says what it
        /// refuses.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Rule {
            $( $(#[doc = $doc])+ $variant, )+
        }

        impl Rule {
            /// Every rule, in the order of this list.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),+];

            /// The stable id, e.g. `unknown-next-state`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Rule::$variant => $id,)+
                }
            }

            /// What the rule refuses (its doc comment).
            pub const fn refuses(self) -> &'static str {
                match self {
                    $(Rule::$variant => concat!($($doc),+),)+
                }
            }
        }
    };
}

rules! {
    // The document.
    /// Definition text that is not JSON, or is empty.
    InvalidJson = "invalid-json",
    /// A definition over 1 MB (measured minified, as AWS counts it).
    DefinitionTooLarge = "definition-too-large",
    /// A definition that is not a JSON object.
    DefinitionNotObject = "definition-not-object",
    /// A `QueryLanguage` other than `JSONPath` or `JSONata`.
    InvalidQueryLanguage = "invalid-query-language",
    /// A state set to `JSONPath` inside a machine set to `JSONata`.
    QueryLanguageDowngrade = "query-language-downgrade",

    // Fields, whatever the state.
    /// A field whose JSON type is wrong (a number where a string is required, ...).
    InvalidFieldType = "invalid-field-type",
    /// A required field that is missing (`StartAt`, `States`, `Type`, `Choices`, ...).
    MissingRequiredField = "missing-required-field",
    /// A field the state type (or Choice rule, Retrier, Catcher) does not have.
    UnknownField = "unknown-field",
    /// A field of the other query language (`Parameters` in JSONata, `Arguments` in
    /// JSONPath, ...).
    FieldNotAllowedInQueryLanguage = "field-not-allowed-in-query-language",
    /// Two fields of which at most one may be set (`Seconds` and `SecondsPath`, ...).
    MutuallyExclusiveFields = "mutually-exclusive-fields",
    /// A Map count that is not a non-negative integer (`MaxConcurrency`,
    /// `ToleratedFailureCount`), or a `ToleratedFailurePercentage` outside 0 to 100.
    InvalidFieldValue = "invalid-field-value",

    // The state graph.
    /// A `States` object with no state.
    EmptyStates = "empty-states",
    /// A `StartAt` naming no state of its machine.
    UnknownStartState = "unknown-start-state",
    /// A `Next` or `Default` naming no state of its machine.
    UnknownNextState = "unknown-next-state",
    /// A state no transition reaches from `StartAt`.
    UnreachableState = "unreachable-state",
    /// A machine with no `End`, Succeed or Fail state.
    NoTerminalState = "no-terminal-state",
    /// An empty state name.
    InvalidStateName = "invalid-state-name",
    /// A state name over 80 characters.
    StateNameTooLong = "state-name-too-long",
    /// A state name used twice (names are unique across nested machines too).
    DuplicateStateName = "duplicate-state-name",

    // States.
    /// A `Type` that is not a state type (case matters).
    UnknownStateType = "unknown-state-type",
    /// A state with both `Next` and `"End": true`.
    NextAndEnd = "next-and-end",
    /// A non-terminal state with neither `Next` nor `"End": true`.
    MissingNextOrEnd = "missing-next-or-end",
    /// `Retry` or `Catch` on a state other than Task, Map and Parallel.
    RetryCatchNotAllowed = "retry-catch-not-allowed",
    /// `TimeoutSeconds`, `HeartbeatSeconds` or a Wait's `Seconds` that is not a whole
    /// number of seconds in range.
    InvalidSeconds = "invalid-seconds",
    /// `HeartbeatSeconds` not smaller than `TimeoutSeconds`.
    HeartbeatNotBelowTimeout = "heartbeat-not-below-timeout",
    /// A Wait state without exactly one of `Seconds`, `Timestamp`, `SecondsPath`,
    /// `TimestampPath`.
    WaitDuration = "wait-duration",
    /// A Wait `Timestamp` that is not an RFC 3339 timestamp.
    InvalidTimestamp = "invalid-timestamp",
    /// A Map `Label` that is empty or over 40 characters.
    InvalidMapLabel = "invalid-map-label",
    /// A Map `ProcessorConfig.Mode` other than `INLINE` or `DISTRIBUTED`.
    InvalidProcessorMode = "invalid-processor-mode",
    /// A Map `ProcessorConfig.ExecutionType` other than `STANDARD` or `EXPRESS`.
    InvalidExecutionType = "invalid-execution-type",

    // Choice rules.
    /// A malformed Choice rule: no comparison, several, an empty `And`/`Or`, a bad `Not`.
    InvalidChoiceRule = "invalid-choice-rule",
    /// A comparison operand of the wrong type (a number for `StringEquals`, ...).
    InvalidChoiceOperand = "invalid-choice-operand",
    /// A `Next` on a rule nested in `And`, `Or` or `Not`.
    NestedRuleNext = "nested-rule-next",
    /// A JSONata `Condition` that is neither `{% ... %}` nor a boolean.
    InvalidCondition = "invalid-condition",

    // Retry and Catch.
    /// A Retrier value out of range (`IntervalSeconds` below 1, `BackoffRate` below 1, ...).
    InvalidRetrier = "invalid-retrier",
    /// `States.ALL` with other names in the same `ErrorEquals`.
    StatesAllNotAlone = "states-all-not-alone",
    /// A Retrier or Catcher with `States.ALL` that is not the last one.
    StatesAllNotLast = "states-all-not-last",

    // Expressions.
    /// A value that is not a JSONPath (InputPath, `.$` fields, Choice `Variable`, ...).
    InvalidPath = "invalid-path",
    /// A path that must be a reference path (ResultPath, Choice `Variable`, ...) using
    /// wildcards, filters, slices, `$$` or variables.
    InvalidReferencePath = "invalid-reference-path",
    /// An intrinsic function call that does not parse or names no function.
    InvalidIntrinsicFunction = "invalid-intrinsic-function",
    /// An intrinsic function where only a path is allowed (InputPath, OutputPath, ...).
    IntrinsicNotAllowed = "intrinsic-not-allowed",
    /// A `{% ... %}` JSONata expression that is unterminated, empty or does not parse.
    InvalidJsonata = "invalid-jsonata",
    /// An `Assign` variable name that is not an identifier, or is too long.
    InvalidVariableName = "invalid-variable-name",

    // Task resources.
    /// A `Resource` that is not an ARN.
    InvalidResource = "invalid-resource",
    /// A `Resource` ARN of no known integration or AWS SDK action.
    UnknownResource = "unknown-resource",
    /// A `.sync` or `.waitForTaskToken` integration in an Express machine.
    ExpressUnsupportedIntegration = "express-unsupported-integration",
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for Rule {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Rule {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl serde::Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_every_rule_says_what_it_refuses() {
        let mut seen = std::collections::BTreeSet::new();
        for rule in Rule::ALL {
            let id = rule.as_str();
            assert!(seen.insert(id), "`{id}` is used twice");
            assert!(
                !id.is_empty()
                    && id
                        .split('-')
                        .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase())),
                "`{id}` is not kebab-case"
            );
            assert!(rule.refuses().trim().len() > 10, "`{id}` has no doc");
        }
    }

    #[test]
    fn every_rule_the_validator_names_is_in_the_list() {
        // Scans the validator's sources for `Rule::X` and checks that each is defined (the
        // compiler does that) and that each defined rule is used somewhere, so the list
        // holds no dead ids.
        let sources = [
            include_str!("mod.rs"),
            include_str!("machine.rs"),
            include_str!("state.rs"),
            include_str!("choice.rs"),
            include_str!("handlers.rs"),
            include_str!("expr.rs"),
            include_str!("resource.rs"),
        ]
        .concat();
        for rule in Rule::ALL {
            let name = format!("Rule::{rule:?}");
            let used = sources.match_indices(&name).any(|(at, _)| {
                !sources[at + name.len()..].starts_with(|c: char| c.is_alphanumeric())
            });
            assert!(used, "`{}` ({name}) is never raised", rule.as_str());
        }
    }
}
