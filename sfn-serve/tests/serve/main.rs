//! End-to-end tests of the server with real clients: `aws-sdk-sfn` and `aws-sdk-lambda`
//! against a server in this process, the AWS CLI and boto3 against the `sfn-serve` binary,
//! raw requests for the malformed ones, a SIGKILL restart, and a bounded load test.

mod agent;
mod bad_requests;
mod clients;
mod lambda_api;
mod load;
mod restart;
mod sdk;
mod support;
