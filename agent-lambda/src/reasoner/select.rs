//! Which reasoner a run uses, decided by the function's configuration, never by the caller.
//!
//! The start input's `options` may choose among what the configuration allows and nothing
//! more: the model endpoint, its key and the set of models are the deployment's. A start
//! input that names an endpoint (`baseUrl`), a reasoner or a model outside the allow-lists,
//! or an option this agent does not know, is refused with `Agent.InvalidStart` before any
//! model is called.
//!
//! | variable | meaning | default |
//! | --- | --- | --- |
//! | `AGENT_REASONER` | the reasoner when the input names none: `plan`, `bedrock`, `openai` | `plan` |
//! | `AGENT_REASONERS` | comma-separated reasoners a caller may choose with `options.reasoner` | `AGENT_REASONER` only |
//! | `AGENT_MODELS` | comma-separated models a caller may choose with `options.model` | the configured model only |
//! | `BEDROCK_MODEL_ID` | the Bedrock model | [`DEFAULT_MODEL`] |
//! | `OPENAI_BASE_URL` | the chat-completions endpoint | `https://api.openai.com/v1` |
//! | `OPENAI_MODEL` | the OpenAI-compatible model | `gpt-4o-mini` |
//! | `OPENAI_API_KEY` | its bearer key | none |
//! | `OPENAI_ALLOW` | CIDR blocks the endpoint may resolve to although not public (a local model server: `127.0.0.1/32`) | none |

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use netguard::{AddressPolicy, Cidr};
use serde_json::Value;

use super::Reasoner;
use super::bedrock::{BedrockReasoner, DEFAULT_MODEL};
use super::openai::{OpenAiReasoner, guarded_client};
use super::plan::PlanReasoner;

/// The option keys a start input may carry.
pub const OPTION_KEYS: [&str; 3] = ["reasoner", "model", "plan"];

/// The reasoners this agent knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReasonerKind {
    /// [`PlanReasoner`]: no model.
    Plan,
    /// [`BedrockReasoner`].
    Bedrock,
    /// [`OpenAiReasoner`].
    OpenAi,
}

impl ReasonerKind {
    /// Every kind, by its option name.
    pub const ALL: [ReasonerKind; 3] = [Self::Plan, Self::Bedrock, Self::OpenAi];

    /// The name used in `options.reasoner` and `AGENT_REASONER`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Plan => "plan",
            Self::Bedrock => "bedrock",
            Self::OpenAi => "openai",
        }
    }

    /// Parses a name.
    pub fn parse(name: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == name)
            .ok_or_else(|| format!("unknown reasoner `{name}`; use {}", Self::names()))
    }

    /// Every kind's name in backticks, as a sentence lists them (`a`, `b` or `c`).
    fn names() -> String {
        let names: Vec<String> = Self::ALL.map(|k| format!("`{}`", k.as_str())).into();
        match names.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        }
    }
}

/// The deployment's reasoner configuration.
#[derive(Debug, Clone)]
pub struct ReasonerConfig {
    /// The reasoner when the input names none.
    pub default: ReasonerKind,
    /// Reasoners a caller may choose (always includes `default`).
    pub allowed: Vec<ReasonerKind>,
    /// Models a caller may choose besides the configured ones.
    pub allowed_models: Vec<String>,
    /// The Bedrock model.
    pub bedrock_model: String,
    /// The OpenAI-compatible endpoint.
    pub openai_base_url: String,
    /// The OpenAI-compatible model.
    pub openai_model: String,
    /// The OpenAI-compatible key.
    pub openai_api_key: Option<String>,
    /// Non-public blocks the endpoint may resolve to.
    pub openai_allow: Vec<Cidr>,
}

impl Default for ReasonerConfig {
    /// The plan reasoner only; the public OpenAI endpoint and Bedrock's default model.
    fn default() -> Self {
        Self {
            default: ReasonerKind::Plan,
            allowed: vec![ReasonerKind::Plan],
            allowed_models: Vec::new(),
            bedrock_model: DEFAULT_MODEL.to_owned(),
            openai_base_url: "https://api.openai.com/v1".to_owned(),
            openai_model: "gpt-4o-mini".to_owned(),
            openai_api_key: None,
            openai_allow: Vec::new(),
        }
    }
}

fn list(text: &str) -> impl Iterator<Item = &str> {
    text.split(',').map(str::trim).filter(|s| !s.is_empty())
}

impl ReasonerConfig {
    /// Reads the variables in the module docs; a wrong value is an init error naming it.
    pub fn from_env() -> Result<Self, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let mut config = Self::default();
        if let Some(kind) = var("AGENT_REASONER") {
            config.default =
                ReasonerKind::parse(kind.trim()).map_err(|e| format!("AGENT_REASONER: {e}"))?;
        }
        config.allowed = match var("AGENT_REASONERS") {
            Some(text) => list(&text)
                .map(|k| ReasonerKind::parse(k).map_err(|e| format!("AGENT_REASONERS: {e}")))
                .collect::<Result<_, _>>()?,
            None => Vec::new(),
        };
        if !config.allowed.contains(&config.default) {
            config.allowed.push(config.default);
        }
        if let Some(models) = var("AGENT_MODELS") {
            config.allowed_models = list(&models).map(str::to_owned).collect();
        }
        if let Some(model) = var("BEDROCK_MODEL_ID") {
            config.bedrock_model = model;
        }
        if let Some(url) = var("OPENAI_BASE_URL") {
            config.openai_base_url = url;
        }
        if let Some(model) = var("OPENAI_MODEL") {
            config.openai_model = model;
        }
        config.openai_api_key = var("OPENAI_API_KEY");
        if let Some(allow) = var("OPENAI_ALLOW") {
            config.openai_allow = list(&allow)
                .map(|c| c.parse().map_err(|e| format!("OPENAI_ALLOW: {e}")))
                .collect::<Result<_, _>>()?;
        }
        Ok(config)
    }

    /// The reasoner and model `options` ask for, when the configuration allows them.
    pub fn choose(&self, options: &Value) -> Result<(ReasonerKind, Option<String>), String> {
        let options = match options {
            Value::Null => return Ok((self.default, None)),
            Value::Object(map) => map,
            other => return Err(format!("`options` must be an object, got `{other}`")),
        };
        for key in options.keys() {
            if key == "baseUrl" {
                return Err("`options.baseUrl` is not accepted: the model endpoint and its key come from the function's configuration (OPENAI_BASE_URL, OPENAI_API_KEY)".to_owned());
            }
            if !OPTION_KEYS.contains(&key.as_str()) {
                return Err(format!(
                    "unknown option `{key}`; a start input's options may hold {}",
                    OPTION_KEYS.map(|k| format!("`{k}`")).join(", ")
                ));
            }
        }
        let kind = match options.get("reasoner") {
            None => self.default,
            Some(Value::String(name)) => ReasonerKind::parse(name)?,
            Some(other) => {
                return Err(format!(
                    "`options.reasoner` must be a string, got `{other}`"
                ));
            }
        };
        if !self.allowed.contains(&kind) {
            return Err(format!(
                "reasoner `{}` is not enabled for this agent (enabled: {}); the deployment sets AGENT_REASONER / AGENT_REASONERS",
                kind.as_str(),
                self.allowed
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let model = match options.get("model") {
            None => None,
            Some(Value::String(model)) => {
                let configured = match kind {
                    ReasonerKind::Bedrock => Some(&self.bedrock_model),
                    ReasonerKind::OpenAi => Some(&self.openai_model),
                    ReasonerKind::Plan => None,
                };
                if configured != Some(model) && !self.allowed_models.contains(model) {
                    return Err(format!(
                        "model `{model}` is not allowed for this agent; the deployment lists the models callers may choose in AGENT_MODELS"
                    ));
                }
                Some(model.clone())
            }
            Some(other) => return Err(format!("`options.model` must be a string, got `{other}`")),
        };
        Ok((kind, model))
    }
}

/// The reasoners of one agent process: the configuration and the clients, built on first
/// use and shared across steps, or one fixed reasoner (tests, embedding) that answers
/// whatever the options say.
pub struct Reasoners {
    config: ReasonerConfig,
    fixed: Option<Arc<dyn Reasoner>>,
    bedrock: Mutex<BTreeMap<String, Arc<BedrockReasoner>>>,
    http: OnceLock<Result<reqwest::Client, String>>,
}

impl Reasoners {
    /// Reasoners for `config`.
    pub fn new(config: ReasonerConfig) -> Self {
        Self {
            config,
            fixed: None,
            bedrock: Mutex::default(),
            http: OnceLock::new(),
        }
    }

    /// Uses `reasoner` for every run, whatever its options (which are then not checked).
    pub fn fix(&mut self, reasoner: Arc<dyn Reasoner>) {
        self.fixed = Some(reasoner);
    }

    /// Replaces the configuration (and the clients built for the old one); a fixed
    /// reasoner stays.
    pub fn configure(&mut self, config: ReasonerConfig) {
        let fixed = self.fixed.take();
        *self = Self {
            fixed,
            ..Self::new(config)
        };
    }

    /// The configuration.
    pub fn config(&self) -> &ReasonerConfig {
        &self.config
    }

    /// Whether a start input's `options` choose what the configuration allows (always,
    /// with a fixed reasoner); the error says what is refused and how to fix it.
    pub fn accept(&self, options: &Value) -> Result<(), String> {
        match self.fixed {
            Some(_) => Ok(()),
            None => self.config.choose(options).map(|_| ()),
        }
    }

    /// The reasoner for a run's `options` (already accepted at the start, so an error here
    /// means the configuration changed under a running execution).
    pub fn pick(&self, options: &Value) -> Result<Arc<dyn Reasoner>, String> {
        if let Some(fixed) = &self.fixed {
            return Ok(fixed.clone());
        }
        let (kind, model) = self.config.choose(options)?;
        match kind {
            ReasonerKind::Plan => Ok(Arc::new(PlanReasoner)),
            ReasonerKind::Bedrock => {
                let model = model.unwrap_or_else(|| self.config.bedrock_model.clone());
                let mut cache = self.bedrock.lock().unwrap_or_else(|e| e.into_inner());
                Ok(cache
                    .entry(model.clone())
                    .or_insert_with(|| Arc::new(BedrockReasoner::new(model)))
                    .clone())
            }
            ReasonerKind::OpenAi => {
                let policy = AddressPolicy::with_allow_list(self.config.openai_allow.clone());
                let client = self.http.get_or_init(|| guarded_client(policy)).clone()?;
                let reasoner = OpenAiReasoner::new(
                    self.config.openai_base_url.clone(),
                    model.unwrap_or_else(|| self.config.openai_model.clone()),
                    self.config.openai_api_key.clone(),
                )
                .with_client(client)
                .with_policy(AddressPolicy::with_allow_list(
                    self.config.openai_allow.clone(),
                ));
                Ok(Arc::new(reasoner))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn openai_deployment() -> ReasonerConfig {
        ReasonerConfig {
            default: ReasonerKind::OpenAi,
            allowed: vec![ReasonerKind::OpenAi],
            allowed_models: vec!["small".into()],
            ..ReasonerConfig::default()
        }
    }

    #[test]
    fn the_execution_input_cannot_choose_the_model_endpoint() {
        let err = openai_deployment()
            .choose(&json!({"reasoner": "openai", "baseUrl": "http://169.254.169.254/latest"}))
            .unwrap_err();
        assert!(err.contains("OPENAI_BASE_URL"), "{err}");
    }

    #[test]
    fn callers_choose_only_among_configured_reasoners_and_models() {
        let config = openai_deployment();
        assert_eq!(
            config.choose(&Value::Null).unwrap(),
            (ReasonerKind::OpenAi, None)
        );
        assert_eq!(
            config.choose(&json!({"model": "small"})).unwrap(),
            (ReasonerKind::OpenAi, Some("small".into()))
        );
        assert_eq!(
            config
                .choose(&json!({"model": "gpt-4o-mini"}))
                .unwrap()
                .1
                .as_deref(),
            Some("gpt-4o-mini")
        );
        assert!(
            config
                .choose(&json!({"model": "expensive"}))
                .unwrap_err()
                .contains("AGENT_MODELS")
        );
        assert!(
            config
                .choose(&json!({"reasoner": "plan"}))
                .unwrap_err()
                .contains("not enabled")
        );
        assert!(config.choose(&json!({"reasoner": "bedrock"})).is_err());
        assert!(
            config
                .choose(&json!({"apiKey": "x"}))
                .unwrap_err()
                .contains("unknown option")
        );
        assert!(config.choose(&json!("openai")).is_err());
        // The default configuration runs plans only.
        let plan_only = ReasonerConfig::default();
        assert!(
            plan_only
                .choose(&json!({"reasoner": "plan", "plan": {}}))
                .is_ok()
        );
        assert!(plan_only.choose(&json!({"reasoner": "openai"})).is_err());
    }

    #[test]
    fn an_unknown_reasoner_is_refused_with_every_kind_named() {
        let err = ReasonerKind::parse("gemini").unwrap_err();
        assert_eq!(
            err,
            "unknown reasoner `gemini`; use `plan`, `bedrock` or `openai`"
        );
    }

    /// A reasoner that is never consulted; only its identity matters.
    struct Fixed;

    #[async_trait::async_trait]
    impl Reasoner for Fixed {
        async fn decide(
            &self,
            _: &super::super::Conversation<'_>,
        ) -> Result<super::super::Decision, super::super::ReasonerError> {
            unreachable!("selection tests do not consult the reasoner")
        }
    }

    #[test]
    fn a_fixed_reasoner_answers_whatever_the_options_and_survives_a_new_configuration() {
        let mut reasoners = Reasoners::new(ReasonerConfig::default());
        let refused = json!({"reasoner": "openai"});
        assert!(
            reasoners
                .accept(&refused)
                .unwrap_err()
                .contains("not enabled")
        );
        assert!(reasoners.pick(&refused).is_err());
        let fixed: Arc<dyn Reasoner> = Arc::new(Fixed);
        reasoners.fix(fixed.clone());
        reasoners.configure(openai_deployment());
        assert_eq!(reasoners.config().default, ReasonerKind::OpenAi);
        assert_eq!(reasoners.accept(&refused), Ok(()));
        assert_eq!(reasoners.accept(&json!({"baseUrl": "http://x"})), Ok(()));
        assert!(Arc::ptr_eq(&reasoners.pick(&refused).unwrap(), &fixed));
    }
}
