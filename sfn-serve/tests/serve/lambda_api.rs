//! The Rust `aws-sdk-lambda` client against the Invoke API.

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;
use serde_json::{Value, json};
use sfn_serve::Clock;

use crate::support::{lambda, start};

#[tokio::test(flavor = "multi_thread")]
async fn lambda_sdk_invokes_the_served_functions_in_every_invocation_type() {
    let (server, _dir) = start(Clock::Virtual).await;
    let client = lambda(&server.endpoint());

    let answered = client
        .invoke()
        .function_name("echo")
        .payload(Blob::new(r#"{"n": 1}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status_code, 200);
    assert_eq!(answered.function_error, None);
    let payload: Value = serde_json::from_slice(answered.payload.unwrap().as_ref()).unwrap();
    assert_eq!(payload, json!({"n": 1}));

    // By ARN, as a state machine names it.
    let by_arn = client
        .invoke()
        .function_name("arn:aws:lambda:us-east-1:123456789012:function:echo")
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap();
    assert_eq!(by_arn.status_code, 200);

    let failed = client.invoke().function_name("boom").send().await.unwrap();
    assert_eq!(failed.status_code, 200);
    assert_eq!(failed.function_error.as_deref(), Some("Unhandled"));
    let document: Value = serde_json::from_slice(failed.payload.unwrap().as_ref()).unwrap();
    assert_eq!(document["errorType"], "Boom");

    let queued = client
        .invoke()
        .function_name("echo")
        .invocation_type(InvocationType::Event)
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap();
    assert_eq!(queued.status_code, 202);
    let dry = client
        .invoke()
        .function_name("echo")
        .invocation_type(InvocationType::DryRun)
        .send()
        .await
        .unwrap();
    assert_eq!(dry.status_code, 204);

    let missing = client
        .invoke()
        .function_name("nope")
        .send()
        .await
        .unwrap_err();
    assert!(
        missing
            .into_service_error()
            .is_resource_not_found_exception()
    );
    server.stop().await;
}
