//! Task `Resource`: it must be an ARN; `arn:<partition>:states:::<service>:<action>`
//! optimized integrations must name a known service action with a supported suffix
//! (`.sync`, `.sync:2`, `.waitForTaskToken`); Express machines allow neither `.sync` nor
//! `.waitForTaskToken`.

use serde_json::Value;

use super::{Ctx, MachineType, Rule, type_name};

const SYNC: u8 = 1;
const SYNC2: u8 = 2;
const WAIT: u8 = 4;

/// Optimized integrations: (service, action, allowed suffixes).
const INTEGRATIONS: &[(&str, &str, u8)] = &[
    ("lambda", "invoke", WAIT),
    ("batch", "submitJob", SYNC | WAIT),
    ("dynamodb", "getItem", 0),
    ("dynamodb", "putItem", 0),
    ("dynamodb", "updateItem", 0),
    ("dynamodb", "deleteItem", 0),
    ("ecs", "runTask", SYNC | WAIT),
    ("sns", "publish", WAIT),
    ("sqs", "sendMessage", WAIT),
    ("glue", "startJobRun", SYNC | WAIT),
    ("sagemaker", "createEndpoint", 0),
    ("sagemaker", "createEndpointConfig", 0),
    ("sagemaker", "createHyperParameterTuningJob", SYNC),
    ("sagemaker", "createLabelingJob", SYNC),
    ("sagemaker", "createModel", 0),
    ("sagemaker", "createProcessingJob", SYNC),
    ("sagemaker", "createTrainingJob", SYNC),
    ("sagemaker", "createTransformJob", SYNC),
    ("sagemaker", "updateEndpoint", 0),
    ("states", "startExecution", SYNC | SYNC2 | WAIT),
    ("events", "putEvents", WAIT),
    ("apigateway", "invoke", WAIT),
    ("codebuild", "startBuild", SYNC),
    ("codebuild", "stopBuild", 0),
    ("codebuild", "batchDeleteBuilds", 0),
    ("codebuild", "batchGetReports", 0),
    ("codebuild", "startBuildBatch", SYNC),
    ("codebuild", "stopBuildBatch", 0),
    ("codebuild", "retryBuildBatch", SYNC),
    ("codebuild", "deleteBuildBatch", 0),
    ("athena", "startQueryExecution", SYNC),
    ("athena", "stopQueryExecution", 0),
    ("athena", "getQueryExecution", 0),
    ("athena", "getQueryResults", 0),
    ("eks", "createCluster", SYNC),
    ("eks", "deleteCluster", SYNC),
    ("eks", "createFargateProfile", SYNC),
    ("eks", "deleteFargateProfile", SYNC),
    ("eks", "createNodegroup", SYNC),
    ("eks", "deleteNodegroup", SYNC),
    ("eks", "runJob", SYNC),
    ("eks", "call", 0),
    ("elasticmapreduce", "createCluster", SYNC),
    ("elasticmapreduce", "terminateCluster", SYNC),
    ("elasticmapreduce", "addStep", SYNC),
    ("elasticmapreduce", "cancelStep", 0),
    ("elasticmapreduce", "setClusterTerminationProtection", 0),
    ("elasticmapreduce", "modifyInstanceFleetByName", 0),
    ("elasticmapreduce", "modifyInstanceGroupByName", 0),
    ("emr-containers", "startJobRun", SYNC),
    ("emr-containers", "createVirtualCluster", 0),
    ("emr-containers", "deleteVirtualCluster", SYNC),
    ("emr-serverless", "createApplication", SYNC),
    ("emr-serverless", "startApplication", SYNC),
    ("emr-serverless", "stopApplication", SYNC),
    ("emr-serverless", "deleteApplication", SYNC),
    ("emr-serverless", "startJobRun", SYNC),
    ("emr-serverless", "cancelJobRun", SYNC),
    ("databrew", "startJobRun", SYNC),
    ("bedrock", "invokeModel", 0),
    ("bedrock", "createModelCustomizationJob", SYNC),
    ("http", "invoke", 0),
    ("mediaconvert", "createJob", SYNC),
];

/// Validates a Task state's `Resource`.
pub(crate) fn check_task_resource(ctx: &mut Ctx, v: &Value, ptr: &str) {
    let Some(r) = v.as_str() else {
        ctx.push(
            ptr,
            Rule::InvalidFieldType,
            format!(
                "Resource must be a string (an ARN such as \"arn:aws:states:::lambda:invoke\"), \
                 not {}.",
                type_name(v)
            ),
        );
        return;
    };
    let parts: Vec<&str> = r.splitn(6, ':').collect();
    if parts.len() < 6 || parts[0] != "arn" || parts[1].is_empty() || parts[2].is_empty() {
        ctx.push(
            ptr,
            Rule::InvalidResource,
            format!(
                "Resource {r:?} is not an ARN. Use an integration ARN such as \
                 \"arn:aws:states:::lambda:invoke\", \"arn:aws:states:::aws-sdk:s3:getObject\", \
                 a Lambda function ARN or an activity ARN."
            ),
        );
        return;
    }
    if parts[2] != "states" || !parts[3].is_empty() || !parts[4].is_empty() {
        return; // Lambda function, activity or other service ARN.
    }
    let rest = parts[5];
    let (service, action) = rest.split_once(':').unwrap_or((rest, ""));
    let (action, suffix) = match action.find('.') {
        Some(i) => (&action[..i], &action[i..]),
        None => (action, ""),
    };
    let suffix_bit = match suffix {
        "" => 0,
        ".sync" => SYNC,
        ".sync:2" => SYNC2,
        ".waitForTaskToken" => WAIT,
        _ => u8::MAX,
    };
    if ctx.options.machine_type == MachineType::Express
        && (suffix_bit & (SYNC | SYNC2)) != 0
        && suffix_bit != u8::MAX
    {
        ctx.push(
            ptr,
            Rule::ExpressUnsupportedIntegration,
            "Express state machine does not support '.sync' service integration. Use the \
             request-response form (drop '.sync') or create a STANDARD state machine.",
        );
        return;
    }
    if ctx.options.machine_type == MachineType::Express && suffix_bit == WAIT {
        ctx.push(
            ptr,
            Rule::ExpressUnsupportedIntegration,
            "Express state machine does not support '.waitForTaskToken' service integration. \
             Use the request-response form or create a STANDARD state machine.",
        );
        return;
    }
    if service == "aws-sdk" {
        let ok = action
            .split_once(':')
            .is_some_and(|(svc, act)| !svc.is_empty() && !act.is_empty());
        if !ok {
            ctx.push(
                ptr,
                Rule::UnknownResource,
                format!(
                    "The resource provided {r} is not recognized. AWS SDK integrations have the \
                     form arn:aws:states:::aws-sdk:<service>:<apiAction>, e.g. \
                     arn:aws:states:::aws-sdk:s3:listBuckets."
                ),
            );
        }
        return;
    }
    let known = INTEGRATIONS
        .iter()
        .find(|(s, a, _)| *s == service && *a == action);
    let ok = match known {
        Some((_, _, allowed)) => {
            suffix_bit == 0 || (suffix_bit != u8::MAX && allowed & suffix_bit != 0)
        }
        None => false,
    };
    if !ok {
        let hint = match known {
            Some(_) => format!(
                "The integration {service}:{action} does not support the '{suffix}' pattern; \
                 remove it or use a supported one."
            ),
            None => format!(
                "There is no optimized integration {service}:{action}; use the AWS SDK \
                 integration arn:aws:states:::aws-sdk:{service}:{action} instead, or check the \
                 spelling."
            ),
        };
        ctx.push(
            ptr,
            Rule::UnknownResource,
            format!(
                "The resource provided {r} is not recognized. The value is not a valid resource \
                 ARN. {hint}"
            ),
        );
    }
}
