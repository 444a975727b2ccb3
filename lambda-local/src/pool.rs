//! Functions and their warm instances: spawning processes, queueing invocations, timeouts.

use std::collections::{BTreeMap, HashMap};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::{Notify, mpsc, oneshot};

use crate::{FunctionSpec, FunctionStats, InvokeFailure, LocalError, server};

/// Lambda gives a function's init phase up to 10 s before it counts against the invocation
/// (<https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html>).
const INIT_ALLOWANCE: Duration = Duration::from_secs(10);

/// How long an event may wait for a free instance when the concurrency limit is reached.
/// (Lambda would throttle instead; locally, waiting is kinder and keeps runs deterministic.)
const QUEUE_ALLOWANCE: Duration = Duration::from_secs(60);

/// One queued invocation.
pub(crate) struct Job {
    pub(crate) request_id: String,
    pub(crate) payload: Vec<u8>,
    /// How long the function may run once it has the event.
    pub(crate) limit: Duration,
    /// Told when an instance takes the event (its run time starts then).
    pub(crate) picked: oneshot::Sender<()>,
}

/// A function: its spec, its queue and its instances.
pub(crate) struct Function {
    pub(crate) spec: FunctionSpec,
    pub(crate) arn: String,
    pub(crate) queue_tx: mpsc::UnboundedSender<Job>,
    pub(crate) queue_rx: tokio::sync::Mutex<mpsc::UnboundedReceiver<Job>>,
    /// Replies awaited by `invoke`, by request id.
    pub(crate) waiting: Mutex<HashMap<String, oneshot::Sender<Result<Value, InvokeFailure>>>>,
    pub(crate) instances: Mutex<Vec<Arc<Instance>>>,
    /// Jobs submitted and not yet answered.
    pending: AtomicUsize,
    /// Instances running or starting (the concurrency in use).
    live: AtomicUsize,
    next_instance: AtomicU64,
    pub(crate) invocations: AtomicU64,
    pub(crate) init_ms: Mutex<Vec<f64>>,
}

/// One running process.
pub(crate) struct Instance {
    pub(crate) id: u64,
    pub(crate) started: Instant,
    pub(crate) polled: std::sync::atomic::AtomicBool,
    /// The request this instance is working on.
    pub(crate) current: Mutex<Option<String>>,
    kill: Notify,
    alive: std::sync::atomic::AtomicBool,
}

impl Function {
    /// Completes a waiting invocation; unknown ids (already timed out) are ignored.
    pub(crate) fn complete(&self, request_id: &str, outcome: Result<Value, InvokeFailure>) {
        if let Some(tx) = self.waiting.lock().unwrap().remove(request_id) {
            let _ = tx.send(outcome);
        }
    }

    /// Marks an instance as gone and frees its concurrency slot (once).
    fn retire(&self, instance: &Instance) {
        if instance.alive.swap(false, Ordering::SeqCst) {
            self.live.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Reserves a slot for a new instance when every live one is taken and the
    /// concurrency limit allows another.
    fn reserve_instance(&self, pending: usize) -> bool {
        self.live
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |live| {
                (pending > live && live < self.spec.max_concurrency).then_some(live + 1)
            })
            .is_ok()
    }
}

/// The local Lambda service: a set of functions served by local processes.
pub struct LocalLambdas {
    runtime: tokio::runtime::Runtime,
    functions: BTreeMap<String, Arc<Function>>,
}

impl LocalLambdas {
    /// Checks the executables and prepares the functions. No process starts before the
    /// first invocation of its function (a cold start, as in Lambda).
    pub fn start(specs: Vec<FunctionSpec>) -> Result<Self, LocalError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("lambda-local")
            .enable_all()
            .build()
            .map_err(|source| LocalError::Io {
                name: "runtime".into(),
                source,
            })?;
        let mut functions = BTreeMap::new();
        for spec in specs {
            if !spec.command.is_file() {
                return Err(LocalError::MissingExecutable {
                    name: spec.name.clone(),
                    path: spec.command.clone(),
                });
            }
            let (queue_tx, queue_rx) = mpsc::unbounded_channel();
            let arn = format!(
                "arn:aws:lambda:us-east-1:111111111111:function:{}",
                spec.name
            );
            functions.insert(
                spec.name.clone(),
                Arc::new(Function {
                    spec,
                    arn,
                    queue_tx,
                    queue_rx: tokio::sync::Mutex::new(queue_rx),
                    waiting: Mutex::new(HashMap::new()),
                    instances: Mutex::new(Vec::new()),
                    pending: AtomicUsize::new(0),
                    live: AtomicUsize::new(0),
                    next_instance: AtomicU64::new(1),
                    invocations: AtomicU64::new(0),
                    init_ms: Mutex::new(Vec::new()),
                }),
            );
        }
        Ok(Self { runtime, functions })
    }

    /// The names of the configured functions.
    pub fn function_names(&self) -> impl Iterator<Item = &str> {
        self.functions.keys().map(String::as_str)
    }

    /// Invokes `name` with `payload` and waits for its answer. `task_timeout` is the
    /// caller's limit (a Task's `TimeoutSeconds`); the function's own timeout applies too.
    /// Blocks the calling thread; call it from outside any async runtime.
    pub fn invoke(
        &self,
        name: &str,
        payload: &Value,
        task_timeout: Option<Duration>,
    ) -> Result<Value, InvokeFailure> {
        let function = self
            .functions
            .get(name)
            .ok_or_else(|| InvokeFailure::UnknownFunction(name.to_owned()))?
            .clone();
        let request_id = uuid::Uuid::new_v4().to_string();
        let (tx, rx) = oneshot::channel();
        function
            .waiting
            .lock()
            .unwrap()
            .insert(request_id.clone(), tx);

        let pending = function.pending.fetch_add(1, Ordering::SeqCst) + 1;
        if function.reserve_instance(pending)
            && let Err(err) = self.spawn_instance(&function)
        {
            function.live.fetch_sub(1, Ordering::SeqCst);
            function.pending.fetch_sub(1, Ordering::SeqCst);
            function.waiting.lock().unwrap().remove(&request_id);
            return Err(InvokeFailure::Crashed {
                cause: format!("could not start the process: {err}"),
            });
        }

        let function_timeout = function.spec.timeout;
        let limit = task_timeout.map_or(function_timeout, |t| t.min(function_timeout));
        let (picked, picked_rx) = oneshot::channel();
        let job = Job {
            request_id: request_id.clone(),
            payload: serde_json::to_vec(payload).expect("a JSON value serializes"),
            limit,
            picked,
        };
        let _ = function.queue_tx.send(job);

        // The run time starts when an instance takes the event: a cold start's init (up to
        // Lambda's allowance) and queueing behind busy instances do not count against it.
        let outcome = self.runtime.block_on(async {
            let _ = tokio::time::timeout(QUEUE_ALLOWANCE + INIT_ALLOWANCE, picked_rx).await;
            tokio::time::timeout(limit, rx).await
        });
        function.pending.fetch_sub(1, Ordering::SeqCst);
        function.invocations.fetch_add(1, Ordering::SeqCst);
        match outcome {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(InvokeFailure::Crashed {
                cause: "the invocation was dropped".into(),
            }),
            Err(_) => {
                function.waiting.lock().unwrap().remove(&request_id);
                // The instance working on it is stuck: end it, as Lambda ends a timed-out sandbox.
                for instance in function.instances.lock().unwrap().iter() {
                    if instance.current.lock().unwrap().as_deref() == Some(request_id.as_str()) {
                        // Give its slot back now, so the next call starts a fresh instance
                        // instead of queueing behind one that is being ended.
                        function.retire(instance);
                        instance.kill.notify_one();
                    }
                }
                match task_timeout {
                    Some(t) if t < function_timeout => Err(InvokeFailure::TaskTimedOut(t)),
                    _ => Err(InvokeFailure::TimedOut(function_timeout)),
                }
            }
        }
    }

    /// Per-function counts and cold-start init times so far.
    pub fn stats(&self) -> Vec<FunctionStats> {
        self.functions
            .values()
            .map(|f| FunctionStats {
                name: f.spec.name.clone(),
                invocations: f.invocations.load(Ordering::SeqCst),
                init_ms: f.init_ms.lock().unwrap().clone(),
            })
            .collect()
    }

    fn spawn_instance(&self, function: &Arc<Function>) -> Result<(), LocalError> {
        let spec = &function.spec;
        let io_err = |source| LocalError::Io {
            name: spec.name.clone(),
            source,
        };
        let _guard = self.runtime.enter();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(io_err)?;
        listener.set_nonblocking(true).map_err(io_err)?;
        let addr = listener.local_addr().map_err(io_err)?;
        let listener = tokio::net::TcpListener::from_std(listener).map_err(io_err)?;

        let id = function.next_instance.fetch_add(1, Ordering::SeqCst);
        let mut command = tokio::process::Command::new(&spec.command);
        command
            .args(&spec.args)
            .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", &spec.name)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env(
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                spec.memory_mb.to_string(),
            )
            .env(
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/{}", spec.name),
            )
            .env("AWS_LAMBDA_LOG_STREAM_NAME", format!("local/{id}"))
            .env("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand")
            .env(
                "AWS_REGION",
                std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into()),
            )
            .envs(&spec.env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let instance = Arc::new(Instance {
            id,
            started: Instant::now(),
            polled: false.into(),
            current: Mutex::new(None),
            kill: Notify::new(),
            alive: true.into(),
        });
        let mut child = command.spawn().map_err(io_err)?;
        forward_logs(&spec.name, id, child.stdout.take(), child.stderr.take());
        function.instances.lock().unwrap().push(instance.clone());

        let server_task = tokio::spawn(server::serve(listener, function.clone(), instance.clone()));
        let function = function.clone();
        tokio::spawn(async move {
            let status = tokio::select! {
                status = child.wait() => status.map(|s| exit_text(&s)).unwrap_or_else(|e| e.to_string()),
                () = instance.kill.notified() => {
                    let _ = child.kill().await;
                    "signal: killed".to_owned()
                }
            };
            function.retire(&instance);
            server_task.abort();
            if let Some(request_id) = instance.current.lock().unwrap().take() {
                function.complete(
                    &request_id,
                    Err(InvokeFailure::Crashed {
                        cause: exit_error_document(&format!(
                            "RequestId: {request_id} Error: Runtime exited with error: {status}"
                        )),
                    }),
                );
            }
            // A process that died during init leaves queued jobs nobody will take.
            if !instance.polled.load(Ordering::SeqCst) && function.live.load(Ordering::SeqCst) == 0
            {
                let mut rx = function.queue_rx.lock().await;
                while let Ok(job) = rx.try_recv() {
                    function.complete(
                        &job.request_id,
                        Err(InvokeFailure::Crashed {
                            cause: exit_error_document(&format!(
                                "RequestId: {} Error: Runtime exited during init with error: {status}",
                                job.request_id
                            )),
                        }),
                    );
                }
            }
        });
        Ok(())
    }
}

/// A process's end as Lambda words it in a `Runtime.ExitError`: `exit status 3`, or
/// `signal: N` for a process a signal ended.
fn exit_text(status: &std::process::ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exit status {code}");
    }
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(status) {
        return format!("signal: {signal}");
    }
    status.to_string()
}

/// The error document Lambda returns for a runtime that exited during an invocation.
fn exit_error_document(message: &str) -> String {
    serde_json::json!({
        "errorType": crate::RUNTIME_EXIT_ERROR,
        "errorMessage": message,
    })
    .to_string()
}

/// Copies a process's output to our stderr, each line prefixed with the function's name.
fn forward_logs(
    name: &str,
    id: u64,
    stdout: Option<tokio::process::ChildStdout>,
    stderr: Option<tokio::process::ChildStderr>,
) {
    let quiet = std::env::var_os("LAMBDA_LOCAL_QUIET").is_some();
    let prefix = format!("[{name}#{id}]");
    if let Some(out) = stdout {
        let prefix = prefix.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(out).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if !quiet {
                    eprintln!("{prefix} {line}");
                }
            }
        });
    }
    if let Some(err) = stderr {
        tokio::spawn(async move {
            let mut lines = BufReader::new(err).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if !quiet {
                    eprintln!("{prefix} {line}");
                }
            }
        });
    }
}
