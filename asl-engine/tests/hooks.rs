//! The hooks a durable server builds on: checkpoints and resuming from one, stopping a run,
//! and answering `.waitForTaskToken` tokens.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use asl_engine::task::{InvokeError, InvokeRequest, LambdaInvoker, TaskCallbacks};
use asl_engine::{Clock, Resume, RunOptions, Status, run};
use serde_json::{Value, json};

/// A Lambda that records each payload and answers `{"ok": true}`.
#[derive(Default)]
struct Recording(Mutex<Vec<Value>>);

impl LambdaInvoker for Recording {
    fn invoke(&self, request: InvokeRequest<'_>) -> Result<Value, InvokeError> {
        self.0.lock().unwrap().push(request.payload.clone());
        Ok(json!({"ok": true}))
    }
}

/// One `wait` call: the token, its heartbeat and its timeout.
type Asked = (String, Option<Duration>, Option<Duration>);

/// Answers every token with its own answer, remembering the tokens it was asked for.
struct Answering {
    answer: Result<Value, InvokeError>,
    asked: Mutex<Vec<Asked>>,
}

impl TaskCallbacks for Answering {
    fn wait(
        &self,
        token: &str,
        heartbeat: Option<Duration>,
        timeout: Option<Duration>,
    ) -> Result<Value, InvokeError> {
        self.asked
            .lock()
            .unwrap()
            .push((token.to_owned(), heartbeat, timeout));
        self.answer.clone()
    }
}

fn kinds(outcome: &asl_engine::Outcome) -> Vec<String> {
    outcome.history.iter().map(|e| e.kind.clone()).collect()
}

#[test]
fn a_run_resumed_from_a_checkpoint_ends_as_the_whole_run_does() {
    let definition = json!({
        "QueryLanguage": "JSONata",
        "StartAt": "Count",
        "States": {
            "Count": {"Type": "Pass", "Assign": {"n": "{% $states.input.start + 1 %}"}, "Next": "Wait"},
            "Wait": {"Type": "Wait", "Seconds": 5, "Next": "Report"},
            "Report": {"Type": "Pass", "Output": {"n": "{% $n %}", "input": "{% $states.context.Execution.Input %}"}, "End": true}
        }
    });
    let input = json!({"start": 41});
    let checkpoints = Arc::new(Mutex::new(Vec::<Resume>::new()));
    let seen = checkpoints.clone();
    let options = RunOptions {
        checkpoint: Some(Arc::new(move |r: &Resume| {
            seen.lock().unwrap().push(r.clone())
        })),
        ..RunOptions::default()
    };
    let whole = run(&definition, input.clone(), &options);
    assert_eq!(whole.status, Status::Succeeded);
    assert_eq!(whole.output, Some(json!({"n": 42, "input": {"start": 41}})));
    let checkpoints = checkpoints.lock().unwrap().clone();
    let states: Vec<&str> = checkpoints.iter().map(|c| c.state.as_str()).collect();
    assert_eq!(states, ["Count", "Wait", "Report"]);

    // Restart before `Report`, as a server would after a crash.
    let at_report = checkpoints[2].clone();
    assert_eq!(at_report.variables.get("n"), Some(&json!(42)));
    let mut identity = options.identity.clone();
    identity.original_input = Some(input);
    let resumed = run(
        &definition,
        at_report.input.clone(),
        &RunOptions {
            identity,
            resume: Some(at_report.clone()),
            ..RunOptions::default()
        },
    );
    assert_eq!(resumed.status, Status::Succeeded);
    assert_eq!(resumed.output, whole.output);
    assert_eq!(resumed.transitions, whole.transitions);
    assert_eq!(resumed.event_count, whole.event_count);
    // The resumed part's events continue the ids and repeat the whole run's tail.
    assert_eq!(resumed.history[0].id, at_report.events + 1);
    assert_eq!(resumed.history[0].previous_event_id, at_report.events);
    let tail: Vec<String> = kinds(&whole).split_off(at_report.events as usize);
    assert_eq!(kinds(&resumed), tail);
}

#[test]
fn a_cancelled_run_stops_in_a_real_wait_and_is_neither_retried_nor_caught() {
    let definition = json!({
        "StartAt": "Guarded",
        "States": {
            "Guarded": {
                "Type": "Parallel",
                "Branches": [{"StartAt": "Long", "States": {"Long": {"Type": "Wait", "Seconds": 30, "End": true}}}],
                "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 3}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled"}],
                "End": true
            },
            "Handled": {"Type": "Pass", "End": true}
        }
    });
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        flag.store(true, Ordering::Relaxed);
    });
    let began = Instant::now();
    let outcome = run(
        &definition,
        json!({}),
        &RunOptions {
            clock: Clock::Real,
            cancel: Some(cancel),
            ..RunOptions::default()
        },
    );
    stopper.join().unwrap();
    assert_eq!(outcome.status, Status::Aborted);
    assert!(
        began.elapsed() < Duration::from_secs(10),
        "the 30 s wait was not interrupted: {:?}",
        began.elapsed()
    );
    let kinds = kinds(&outcome);
    assert_eq!(kinds.last().map(String::as_str), Some("ExecutionAborted"));
    assert!(!kinds.iter().any(|k| k == "PassStateEntered"), "{kinds:?}");
}

fn callback_machine() -> Value {
    json!({
        "StartAt": "Approve",
        "States": {
            "Approve": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": "ask", "Payload": {"token.$": "$$.Task.Token", "what.$": "$.what"}},
                "HeartbeatSeconds": 60,
                "TimeoutSeconds": 600,
                "Catch": [{"ErrorEquals": ["States.HeartbeatTimeout"], "Next": "Lapsed"}],
                "End": true
            },
            "Lapsed": {"Type": "Pass", "Result": "lapsed", "End": true}
        }
    })
}

#[test]
fn a_wait_for_task_token_task_ends_with_the_answer_to_the_token_it_sent() {
    let lambda = Arc::new(Recording::default());
    let callbacks = Arc::new(Answering {
        answer: Ok(json!({"approved": true})),
        asked: Mutex::new(Vec::new()),
    });
    let outcome = run(
        &callback_machine(),
        json!({"what": "deploy"}),
        &RunOptions {
            invoker: lambda.clone(),
            callbacks: Some(callbacks.clone()),
            ..RunOptions::default()
        },
    );
    assert_eq!(outcome.status, Status::Succeeded, "{:?}", outcome.cause);
    assert_eq!(outcome.output, Some(json!({"approved": true})));
    let sent = lambda.0.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["what"], json!("deploy"));
    let asked = callbacks.asked.lock().unwrap().clone();
    assert_eq!(asked.len(), 1);
    let (token, heartbeat, timeout) = &asked[0];
    assert_eq!(
        sent[0]["token"],
        json!(token),
        "the Lambda got the token waited on"
    );
    assert!(token.len() >= 32);
    assert_eq!(*heartbeat, Some(Duration::from_secs(60)));
    assert_eq!(*timeout, Some(Duration::from_secs(600)));
    let kinds = kinds(&outcome);
    let scheduled = kinds.iter().position(|k| k == "TaskScheduled").unwrap();
    assert_eq!(
        kinds[scheduled..scheduled + 4],
        [
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitted",
            "TaskSucceeded"
        ]
    );
}

#[test]
fn a_missed_heartbeat_is_caught_by_its_name() {
    let callbacks = Arc::new(Answering {
        answer: Err(InvokeError::Failed {
            error: "States.HeartbeatTimeout".into(),
            cause: "no heartbeat within 60 seconds".into(),
        }),
        asked: Mutex::new(Vec::new()),
    });
    let outcome = run(
        &callback_machine(),
        json!({"what": "deploy"}),
        &RunOptions {
            invoker: Arc::new(Recording::default()),
            callbacks: Some(callbacks),
            ..RunOptions::default()
        },
    );
    assert_eq!(outcome.output, Some(json!("lapsed")));
    assert!(kinds(&outcome).iter().any(|k| k == "TaskTimedOut"));
}

#[test]
fn a_task_token_without_a_callback_service_fails_saying_what_answers_tokens() {
    let outcome = run(
        &callback_machine(),
        json!({"what": "deploy"}),
        &RunOptions {
            invoker: Arc::new(Recording::default()),
            ..RunOptions::default()
        },
    );
    assert_eq!(outcome.status, Status::Failed);
    assert_eq!(outcome.error.as_deref(), Some("States.Runtime"));
    assert!(outcome.cause.unwrap().contains("sfn-gen serve"));
}
