//! Request headers: checked before the first request is sent, and pared down when a
//! redirect leads to another origin.
//!
//! - Every name and value is checked up front ([`validate`]); a bad one is
//!   `ToolError.InvalidInput` naming the header (never echoing the value, which may be a
//!   secret), not a transport failure to retry.
//! - Two URLs have the same origin when scheme, host and port (explicit or the scheme's
//!   default) are equal ([`same_origin`]).
//! - On a redirect to another origin, only [`KEPT_ACROSS_ORIGINS`] survive
//!   ([`across_origins`]): every other header the caller set may carry a credential
//!   (`Authorization`, `Cookie`, `Proxy-Authorization`, but also `X-Api-Key` and other
//!   custom schemes a name cannot reveal), so it is dropped. Dropping is for the rest of the
//!   chain: a later redirect back to the first origin does not bring the headers back (as in
//!   the Fetch standard, stricter than curl, which re-sends to the first host).
//! - When a redirect drops the body (301/302/303 turning POST into GET), the headers that
//!   describe it go too ([`without_body_headers`]).

use std::collections::BTreeMap;

use reqwest::Url;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use toolkit::ToolError;

/// The caller's headers kept on a redirect to another origin: they describe what the caller
/// accepts or sends, never who it is.
pub const KEPT_ACROSS_ORIGINS: [&str; 4] =
    ["accept", "accept-language", "user-agent", "content-type"];

/// Headers that describe a request body (the Fetch standard's "request-body-header names").
const BODY_HEADERS: [&str; 5] = [
    "content-type",
    "content-length",
    "content-encoding",
    "content-language",
    "content-location",
];

/// Checks every header name and value; the error names the offending header.
pub fn validate(headers: &BTreeMap<String, String>) -> Result<HeaderMap, ToolError> {
    let mut map = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            ToolError::invalid_input(format!(
                "`headers`: `{}` is not a valid HTTP header name; use letters, digits and `-` only (no spaces, `:` or control characters)",
                name.escape_debug()
            ))
        })?;
        let value = HeaderValue::from_str(value).map_err(|_| {
            ToolError::invalid_input(format!(
                "`headers`: the value of `{name}` is not a valid HTTP header value: it contains a control character (CR, LF, NUL, DEL or another below 0x20 other than tab); remove it"
            ))
        })?;
        map.append(header, value);
    }
    Ok(map)
}

/// Whether two URLs share scheme, host and port.
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// The headers to send to another origin: only [`KEPT_ACROSS_ORIGINS`].
pub fn across_origins(headers: &HeaderMap) -> HeaderMap {
    keep(headers, |name| KEPT_ACROSS_ORIGINS.contains(&name))
}

/// The headers without those that describe a body.
pub fn without_body_headers(headers: &HeaderMap) -> HeaderMap {
    keep(headers, |name| !BODY_HEADERS.contains(&name))
}

fn keep(headers: &HeaderMap, keep: impl Fn(&str) -> bool) -> HeaderMap {
    let mut kept = HeaderMap::new();
    for (name, value) in headers {
        if keep(name.as_str()) {
            kept.append(name.clone(), value.clone());
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn origins_differ_by_scheme_host_or_port() {
        assert!(same_origin(
            &url("http://a.test/x"),
            &url("http://a.test:80/y")
        ));
        assert!(same_origin(&url("http://A.test/"), &url("http://a.test/")));
        assert!(!same_origin(
            &url("http://a.test/"),
            &url("https://a.test/")
        ));
        assert!(!same_origin(&url("http://a.test/"), &url("http://b.test/")));
        assert!(!same_origin(
            &url("http://a.test:8080/"),
            &url("http://a.test:8081/")
        ));
    }

    #[test]
    fn only_descriptive_headers_cross_origins() {
        let headers = validate(&BTreeMap::from([
            ("Authorization".to_owned(), "Bearer s3cret".to_owned()),
            ("Cookie".to_owned(), "session=1".to_owned()),
            ("Proxy-Authorization".to_owned(), "Basic eA==".to_owned()),
            ("X-Api-Key".to_owned(), "k".to_owned()),
            ("Accept".to_owned(), "application/json".to_owned()),
            ("User-Agent".to_owned(), "agent".to_owned()),
        ]))
        .unwrap();
        let kept = across_origins(&headers);
        let names: Vec<&str> = kept.keys().map(HeaderName::as_str).collect();
        assert_eq!(names, ["accept", "user-agent"]);
    }
}
