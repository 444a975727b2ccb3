//! The Lambda side of the HTTP front: a Function URL (or API Gateway HTTP API) event in,
//! the MCP answer out, with the caller taken from what AWS authenticated (the IAM
//! principal under `AWS_IAM` auth, the JWT `sub` under a JWT authorizer), never from a
//! header the client could set.

use bytes::Bytes;
use http_body_util::BodyExt;
use lambda_http::request::RequestContext;
use lambda_http::{Body, RequestExt};
use rmcp::transport::StreamableHttpService;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;

use crate::server::{Caller, Gateway};

/// The authenticated caller of a request, `anonymous` when AWS authenticated none.
pub fn caller_of(request: &lambda_http::Request) -> Caller {
    let authorizer = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.authorizer.as_ref(),
        _ => None,
    };
    let iam = authorizer
        .and_then(|a| a.iam.as_ref())
        .and_then(|iam| iam.user_arn.clone());
    let jwt = authorizer
        .and_then(|a| a.jwt.as_ref())
        .and_then(|jwt| jwt.claims.get("sub").cloned())
        .map(|sub| format!("jwt:{sub}"));
    Caller(iam.or(jwt).unwrap_or_else(|| "anonymous".to_owned()))
}

/// Answers one event; a streamed answer (SSE) is collected whole, as a Function URL in
/// buffered mode needs.
pub async fn handle(
    service: &StreamableHttpService<Gateway, NeverSessionManager>,
    request: lambda_http::Request,
) -> Result<lambda_http::Response<Body>, lambda_http::Error> {
    let caller = caller_of(&request);
    let response = crate::http::route(service, request, caller).await;
    let (parts, body) = response.into_parts();
    let bytes: Bytes = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(never) => match never {},
    };
    Ok(lambda_http::Response::from_parts(
        parts,
        Body::Binary(bytes.to_vec()),
    ))
}
