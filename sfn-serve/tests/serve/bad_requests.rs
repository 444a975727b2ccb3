//! Malformed and oversized requests get AWS's errors, never a crash.

use serde_json::{Value, json};
use sfn_serve::Clock;

use crate::support::{ROLE, call, raw, start};

fn error_type(answer: &crate::support::Raw) -> String {
    answer.json()["__type"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_requests_get_aws_errors_and_the_server_keeps_serving() {
    let (server, _dir) = start(Clock::Virtual).await;
    let addr = server.addr();
    tokio::task::spawn_blocking(move || {
        let unknown = call(addr, "ExplodeStateMachine", &json!({}));
        assert_eq!((unknown.status, error_type(&unknown).as_str()), (400, "UnknownOperationException"));
        assert_eq!(unknown.header("x-amzn-ErrorType"), Some("UnknownOperationException"));

        let malformed = raw(
            addr,
            "POST",
            "/",
            &[("X-Amz-Target", "AWSStepFunctions.ListStateMachines")],
            b"{not json",
        );
        assert_eq!((malformed.status, error_type(&malformed).as_str()), (400, "SerializationException"));

        let wrong_type = call(addr, "ListStateMachines", &json!({"maxResults": "many"}));
        assert_eq!(error_type(&wrong_type), "ValidationException");
        assert!(wrong_type.json()["message"].as_str().unwrap().contains("maxResults"));

        let bad_arn = call(addr, "DescribeStateMachine", &json!({"stateMachineArn": "arn:aws:s3:::bucket"}));
        assert_eq!(error_type(&bad_arn), "InvalidArn");
        let missing = call(addr, "DescribeStateMachine", &json!({}));
        assert_eq!(error_type(&missing), "ValidationException");

        let big = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "x".repeat(1_100_000), "End": true}}});
        let too_large = call(
            addr,
            "CreateStateMachine",
            &json!({"name": "big", "definition": big.to_string(), "roleArn": ROLE}),
        );
        assert_eq!(error_type(&too_large), "ValidationException");
        assert!(too_large.json()["message"].as_str().unwrap().contains("1048576"));

        let machine = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}});
        let created = call(
            addr,
            "CreateStateMachine",
            &json!({"name": "small", "definition": machine.to_string(), "roleArn": ROLE}),
        );
        assert_eq!(created.status, 200, "{}", created.body);
        let arn = created.json()["stateMachineArn"].as_str().unwrap().to_owned();
        let input = json!({"blob": "y".repeat(262_144)}).to_string();
        let over = call(addr, "StartExecution", &json!({"stateMachineArn": arn, "input": input}));
        assert_eq!(error_type(&over), "ValidationException");
        assert!(over.json()["message"].as_str().unwrap().contains("262144"));

        let huge = vec![b' '; 5 << 20];
        let refused = raw(addr, "POST", "/", &[("X-Amz-Target", "AWSStepFunctions.StartExecution")], &huge);
        assert_eq!(refused.status, 413);

        let nowhere = raw(addr, "DELETE", "/anything", &[], b"");
        assert_eq!(error_type(&nowhere), "UnknownOperationException");

        // StartSyncExecution runs an Express machine (SDKs send it to a `sync-` host
        // prefix; a raw request shows the shape).
        let express = call(
            addr,
            "CreateStateMachine",
            &json!({"name": "quick", "definition": machine.to_string(), "roleArn": ROLE, "type": "EXPRESS"}),
        );
        let express_arn = express.json()["stateMachineArn"].as_str().unwrap().to_owned();
        let sync = call(addr, "StartSyncExecution", &json!({"stateMachineArn": express_arn, "input": "{\"a\": 1}"}));
        let sync: Value = sync.json();
        assert_eq!(sync["status"], "SUCCEEDED", "{sync}");
        assert_eq!(sync["output"], "{\"a\":1}");
        assert!(sync["executionArn"].as_str().unwrap().contains(":express:quick:"));
        let standard = call(addr, "StartSyncExecution", &json!({"stateMachineArn": arn}));
        assert_eq!(error_type(&standard), "StateMachineTypeNotSupported");

        // Still serving.
        let listed = call(addr, "ListStateMachines", &json!({}));
        assert_eq!(listed.status, 200);
        let page = raw(addr, "GET", "/", &[], b"");
        assert_eq!(page.status, 200);
        assert!(page.body.contains("small"));
    })
    .await
    .unwrap();
    server.stop().await;
}
