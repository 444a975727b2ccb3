//! Header values from AWS Secrets Manager, read once per cold start.
//!
//! `MCP_HEADERS_SECRET` names a secret whose `SecretString` is a JSON object mapping
//! header names to values, e.g. `{"Authorization": "Bearer …"}` (keys compared without
//! regard to case, as HTTP header names are). Headers with an `MCP_HEADER_<NAME>` variable
//! take that value; the rest come from the secret. The function's role needs
//! `secretsmanager:GetSecretValue` on that secret only (the CDK stack grants it). The
//! secret is read with the standard AWS configuration chain, so
//! `AWS_ENDPOINT_URL_SECRETS_MANAGER` points it at any endpoint (the tests use a local one).
//! Values are never logged.

use serde_json::Value;

use crate::config::{ConfigError, HeaderSecret, ProxyConfig};

/// Reads the secret named in `config.secret` (if any) with the standard AWS configuration
/// chain and fills the headers it holds.
pub async fn resolve(config: &mut ProxyConfig) -> Result<(), ConfigError> {
    if config.secret.is_none() {
        return Ok(());
    }
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    resolve_with(config, &aws_sdk_secretsmanager::Client::new(&aws)).await
}

/// [`resolve`] with a given client (tests point one at a local endpoint).
pub async fn resolve_with(
    config: &mut ProxyConfig,
    client: &aws_sdk_secretsmanager::Client,
) -> Result<(), ConfigError> {
    let Some(secret) = config.secret.clone() else {
        return Ok(());
    };
    let fetched = client
        .get_secret_value()
        .secret_id(&secret.arn)
        .send()
        .await
        .map_err(|e| ConfigError::Secret {
            arn: secret.arn.clone(),
            message: format!(
                "cannot read it: {}; check that it exists in this region and that the \
                 function's role may call secretsmanager:GetSecretValue on it",
                aws_sdk_secretsmanager::error::DisplayErrorContext(&e)
            ),
        })?;
    let Some(text) = fetched.secret_string() else {
        return Err(ConfigError::Secret {
            arn: secret.arn,
            message: "it holds binary data; store the headers as a JSON object in its \
                      SecretString"
                .into(),
        });
    };
    apply(config, text)
}

/// Fills the pending headers of `config` from the secret's text (a JSON object).
pub fn apply(config: &mut ProxyConfig, secret_text: &str) -> Result<(), ConfigError> {
    let Some(HeaderSecret { arn, headers }) = config.secret.take() else {
        return Ok(());
    };
    let fail = |message: String| ConfigError::Secret {
        arn: arn.clone(),
        message,
    };
    let object = match serde_json::from_str::<Value>(secret_text) {
        Ok(Value::Object(object)) => object,
        // The secret's text is never echoed: it is a credential.
        _ => {
            return Err(fail(format!(
                "its SecretString is not a JSON object; store the headers as {{\"{}\": \"…\"}}",
                headers
                    .first()
                    .map(String::as_str)
                    .unwrap_or("Authorization")
            )));
        }
    };
    for header in headers {
        let value = object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&header))
            .map(|(_, v)| v);
        match value {
            Some(Value::String(value)) => config.headers.push((header, value.clone())),
            Some(_) => return Err(fail(format!("the value of `{header}` is not a string"))),
            None => {
                let keys: Vec<&str> = object.keys().map(String::as_str).collect();
                return Err(fail(format!(
                    "it has no key `{header}` (it has: {}); add it, or set `{}`",
                    keys.join(", "),
                    protocol::mcp::header_env_var(&header)
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> ProxyConfig {
        let manifest = serde_json::json!({
            "name": "srv_echo", "description": "d", "inputSchema": {"type": "object"},
            "x-sfn": {"timeoutSeconds": 10, "mcp": {
                "runtime": "mcp-proxy", "server": "srv", "tool": "echo",
                "inputSchema": {"type": "object"},
                "transport": {"streamableHttp": {"url": "http://a/mcp",
                              "headers": ["Authorization", "X-Team"]}}}}
        });
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        ProxyConfig::from_manifest(
            serde_json::from_value(manifest).unwrap(),
            "test",
            move |k| map.get(k).cloned(),
        )
        .unwrap()
    }

    #[test]
    fn headers_without_a_variable_come_from_the_secret_case_insensitively() {
        let mut c = config(&[
            ("MCP_HEADERS_SECRET", "arn:s"),
            ("MCP_HEADER_X_TEAM", "red"),
        ]);
        assert_eq!(
            c.secret,
            Some(HeaderSecret {
                arn: "arn:s".into(),
                headers: vec!["Authorization".into()]
            })
        );
        apply(&mut c, r#"{"authorization": "Bearer t"}"#).unwrap();
        let mut headers = c.headers.clone();
        headers.sort();
        assert_eq!(
            headers,
            [
                ("Authorization".to_owned(), "Bearer t".to_owned()),
                ("X-Team".to_owned(), "red".to_owned())
            ]
        );
        assert!(c.secret.is_none());
    }

    #[test]
    fn a_secret_without_the_header_or_not_an_object_is_a_clear_error_that_never_echoes_it() {
        let mut c = config(&[("MCP_HEADERS_SECRET", "arn:s")]);
        let err = apply(&mut c, r#"{"Authorization": "Bearer hunter2"}"#).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("no key `X-Team`"), "{text}");
        assert!(text.contains("MCP_HEADER_X_TEAM"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        let mut c = config(&[("MCP_HEADERS_SECRET", "arn:s")]);
        let err = apply(&mut c, "Bearer hunter2").unwrap_err().to_string();
        assert!(err.contains("not a JSON object"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn without_a_secret_every_header_needs_its_variable() {
        let c = config(&[
            ("MCP_HEADER_AUTHORIZATION", "a"),
            ("MCP_HEADER_X_TEAM", "b"),
            ("MCP_HEADERS_SECRET", "arn:s"),
        ]);
        assert!(
            c.secret.is_none(),
            "nothing is left to read from the secret"
        );
    }
}
