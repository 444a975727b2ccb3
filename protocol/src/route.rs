//! The routes: where the generated state machine's `Route` Choice sends the loop next.
//!
//! The agent writes one into [`AgentStepOutput::route`](crate::AgentStepOutput::route); the
//! generator writes one Choice rule per route (and per tool for `call:<tool>`). Both take
//! the wire names from [`Route`], so they cannot disagree. The wire names are part of the
//! public contract (ARCHITECTURE.md, "Contracts"): never rename one.
//!
//! | wire name | route | next state |
//! | --- | --- | --- |
//! | `done` | [`Route::Done`] | Succeed (output: `answer`) |
//! | `failed` | [`Route::Failed`] | Fail with the step's `error` and `cause` |
//! | `continue` | [`Route::Continue`] | continue-as-new (StartExecution of the same machine) |
//! | `call:<tool>` | [`Route::Call`] | that tool's Task, with `calls[0]` |
//! | `map` | [`Route::Map`] | the Map state over `calls` (several calls, or any call in the compact layout) |

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Where the loop goes after an agent step.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Route {
    /// The agent answered: the run succeeds.
    Done,
    /// A guard tripped or the reasoner failed: the run fails with the step's error.
    Failed,
    /// Hand off to a fresh execution (continue-as-new).
    Continue,
    /// One call, to the tool named here: straight to that tool's Task.
    Call(String),
    /// Several calls: the Map state runs them in parallel.
    Map,
}

impl Route {
    /// The prefix of [`Route::Call`]'s wire name (`call:<tool>`).
    pub const CALL_PREFIX: &'static str = "call:";

    /// The routes that name no tool, each with its fixed wire name.
    pub const FIXED: [Route; 4] = [Route::Map, Route::Done, Route::Failed, Route::Continue];

    /// The route of a single call to `tool`.
    pub fn call(tool: impl Into<String>) -> Self {
        Self::Call(tool.into())
    }

    /// The wire name, as the agent writes it and the Choice compares it.
    pub fn as_wire(&self) -> Cow<'static, str> {
        match self {
            Self::Done => Cow::Borrowed("done"),
            Self::Failed => Cow::Borrowed("failed"),
            Self::Continue => Cow::Borrowed("continue"),
            Self::Map => Cow::Borrowed("map"),
            Self::Call(tool) => Cow::Owned(format!("{}{tool}", Self::CALL_PREFIX)),
        }
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_wire())
    }
}

impl From<Route> for String {
    fn from(route: Route) -> Self {
        route.as_wire().into_owned()
    }
}

impl PartialEq<str> for Route {
    fn eq(&self, other: &str) -> bool {
        self.as_wire() == other
    }
}

impl PartialEq<&str> for Route {
    fn eq(&self, other: &&str) -> bool {
        self.as_wire() == *other
    }
}

/// A route string that names no route.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a route; a route is `done`, `failed`, `continue`, `map` or `call:<tool>` \
     with a tool name"
)]
pub struct UnknownRoute(pub String);

impl FromStr for Route {
    type Err = UnknownRoute;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if let Some(tool) = text.strip_prefix(Self::CALL_PREFIX) {
            return if tool.is_empty() {
                Err(UnknownRoute(text.to_owned()))
            } else {
                Ok(Self::call(tool))
            };
        }
        Self::FIXED
            .into_iter()
            .find(|route| route == text)
            .ok_or_else(|| UnknownRoute(text.to_owned()))
    }
}

impl Serialize for Route {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.as_wire())
    }
}

impl<'de> Deserialize<'de> for Route {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<str>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Route {
    fn schema_name() -> Cow<'static, str> {
        "Route".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Where the state machine's Route Choice sends the loop next: `done`, `failed`, `continue`, `map`, or `call:<tool>` for a single call.",
            "type": "string",
            "pattern": "^(done|failed|continue|map|call:.+)$"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_are_the_documented_ones_and_round_trip() {
        // The wire names of protocol::agent's routing table and ARCHITECTURE.md.
        let cases = [
            (Route::Done, "done"),
            (Route::Failed, "failed"),
            (Route::Continue, "continue"),
            (Route::Map, "map"),
            (Route::call("http-fetch"), "call:http-fetch"),
        ];
        for (route, wire) in cases {
            assert_eq!(route.to_string(), wire);
            assert_eq!(serde_json::to_value(&route).unwrap(), wire);
            assert_eq!(serde_json::from_value::<Route>(wire.into()).unwrap(), route);
            assert_eq!(wire.parse::<Route>().unwrap(), route);
            assert_eq!(route, wire);
        }
    }

    #[test]
    fn unknown_routes_are_refused_with_the_routes_that_exist() {
        for text in ["", "Done", "call:", "call", "tool_calls", "map "] {
            let err = text.parse::<Route>().unwrap_err();
            assert_eq!(err, UnknownRoute(text.to_owned()));
            assert!(err.to_string().contains("`call:<tool>`"), "{err}");
            assert!(
                serde_json::from_value::<Route>(text.into()).is_err(),
                "{text}"
            );
        }
    }
}
