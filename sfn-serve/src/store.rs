//! The durable store: state machines, executions and their histories in SQLite.
//!
//! One writer thread owns the write connection and commits in small batches (whatever has
//! queued up while the last batch committed), so thousands of executions writing events at
//! once cost one commit per batch, not per event. The database is in WAL mode with
//! `synchronous = NORMAL`: a commit survives the process being killed (SIGKILL), which is
//! the failure this server promises to survive; only a power cut may lose the last
//! batches. Writes that a client must be able to read back at once (a created machine, a
//! started or finished execution) wait for their batch to commit; history events do not.
//! Since every write goes through the one ordered queue, the database always holds a prefix
//! of what happened: an execution's final status is committed after all its events.
//!
//! Readers use their own connections (WAL lets them read while the writer writes).

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc;

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

/// The store could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("the database `{path}` failed")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// The data folder could not be created.
    #[error("cannot create the data folder `{path}`; pass a writable folder with `--data DIR`")]
    Folder {
        /// The folder.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The writer thread is gone (the server is shutting down).
    #[error("the database writer has stopped")]
    WriterGone,
}

/// A stored state machine.
#[derive(Debug, Clone, PartialEq)]
pub struct MachineRow {
    /// Its ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// `STANDARD` or `EXPRESS`.
    pub kind: String,
    /// The definition text, as given.
    pub definition: String,
    /// The role ARN, as given.
    pub role_arn: String,
    /// Creation time (epoch seconds).
    pub created: f64,
    /// Last update time (epoch seconds).
    pub updated: f64,
    /// Changes on every update.
    pub revision: String,
    /// `loggingConfiguration` as given (JSON), or null.
    pub logging: Value,
    /// `tracingConfiguration` as given (JSON), or null.
    pub tracing: Value,
}

/// A stored execution.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionRow {
    /// Its ARN.
    pub arn: String,
    /// The state machine's ARN.
    pub machine_arn: String,
    /// The execution's name.
    pub name: String,
    /// `RUNNING`, `SUCCEEDED`, `FAILED`, `TIMED_OUT` or `ABORTED`.
    pub status: String,
    /// Input JSON text.
    pub input: String,
    /// Output JSON text, once succeeded.
    pub output: Option<String>,
    /// Error name, once failed.
    pub error: Option<String>,
    /// Cause, once failed.
    pub cause: Option<String>,
    /// Start time (epoch seconds).
    pub started: f64,
    /// Stop time (epoch seconds).
    pub stopped: Option<f64>,
    /// The definition it runs (a snapshot: updating the machine does not change it).
    pub definition: String,
    /// The machine's role ARN at start.
    pub role_arn: String,
    /// The machine's revision at start.
    pub revision: String,
    /// The last checkpoint (JSON: where a restarted server resumes it).
    pub checkpoint: Option<Value>,
}

type Job = Box<dyn FnOnce(&Connection) -> rusqlite::Result<()> + Send>;

enum Write {
    Job(Job, Option<mpsc::SyncSender<()>>),
    Stop,
}

/// The database.
pub struct Store {
    path: PathBuf,
    writer: Mutex<mpsc::Sender<Write>>,
    writer_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    readers: Mutex<Vec<Connection>>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS state_machines(
  arn TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, definition TEXT NOT NULL,
  role_arn TEXT NOT NULL, created REAL NOT NULL, updated REAL NOT NULL, revision TEXT NOT NULL,
  logging TEXT NOT NULL, tracing TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS executions(
  arn TEXT PRIMARY KEY, machine_arn TEXT NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL,
  input TEXT NOT NULL, output TEXT, error TEXT, cause TEXT, started REAL NOT NULL, stopped REAL,
  definition TEXT NOT NULL, role_arn TEXT NOT NULL, revision TEXT NOT NULL, checkpoint TEXT);
CREATE INDEX IF NOT EXISTS executions_by_machine ON executions(machine_arn, started DESC);
CREATE INDEX IF NOT EXISTS executions_by_status ON executions(status);
CREATE TABLE IF NOT EXISTS events(
  execution_arn TEXT NOT NULL, id INTEGER NOT NULL, body TEXT NOT NULL,
  PRIMARY KEY(execution_arn, id)) WITHOUT ROWID;
";

/// The most jobs committed in one transaction.
const BATCH: usize = 2048;

impl Store {
    /// Opens (creating if needed) `DIR/sfn-serve.sqlite3`.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Folder {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join("sfn-serve.sqlite3");
        let sqlite = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let connection = Connection::open(&path).map_err(sqlite)?;
        connection
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(sqlite)?;
        connection
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(sqlite)?;
        connection
            .busy_timeout(std::time::Duration::from_secs(10))
            .map_err(sqlite)?;
        connection.execute_batch(SCHEMA).map_err(sqlite)?;
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("sfn-serve-store".into())
            .spawn(move || write_loop(connection, rx))
            .map_err(|source| StoreError::Folder {
                path: dir.to_path_buf(),
                source,
            })?;
        Ok(Self {
            path,
            writer: Mutex::new(tx),
            writer_thread: Mutex::new(Some(thread)),
            readers: Mutex::new(Vec::new()),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn send(&self, write: Write) -> Result<(), StoreError> {
        self.writer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(write)
            .map_err(|_| StoreError::WriterGone)
    }

    /// Queues a write; returns at once.
    pub fn write(
        &self,
        job: impl FnOnce(&Connection) -> rusqlite::Result<()> + Send + 'static,
    ) -> Result<(), StoreError> {
        self.send(Write::Job(Box::new(job), None))
    }

    /// Queues a write and waits until it is committed.
    pub fn write_committed(
        &self,
        job: impl FnOnce(&Connection) -> rusqlite::Result<()> + Send + 'static,
    ) -> Result<(), StoreError> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.send(Write::Job(Box::new(job), Some(tx)))?;
        rx.recv().map_err(|_| StoreError::WriterGone)
    }

    /// Runs `f` on a read connection.
    pub fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let sqlite = |source| StoreError::Sqlite {
            path: self.path.clone(),
            source,
        };
        let pooled = self.readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let connection = match pooled {
            Some(c) => c,
            None => {
                let c = Connection::open(&self.path).map_err(sqlite)?;
                c.busy_timeout(std::time::Duration::from_secs(10))
                    .map_err(sqlite)?;
                c
            }
        };
        let result = f(&connection).map_err(sqlite);
        self.readers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(connection);
        result
    }

    /// Commits everything queued and stops the writer.
    pub fn close(&self) {
        let _ = self.send(Write::Stop);
        if let Some(thread) = self
            .writer_thread
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            let _ = thread.join();
        }
    }

    // --- state machines ----------------------------------------------------------------

    /// Inserts or replaces a state machine (committed on return).
    pub fn put_machine(&self, m: MachineRow) -> Result<(), StoreError> {
        self.write_committed(move |c| {
            c.execute(
                "INSERT OR REPLACE INTO state_machines VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
                params![
                    m.arn,
                    m.name,
                    m.kind,
                    m.definition,
                    m.role_arn,
                    m.created,
                    m.updated,
                    m.revision,
                    m.logging.to_string(),
                    m.tracing.to_string()
                ],
            )
            .map(drop)
        })
    }

    /// Deletes a state machine (committed on return).
    pub fn delete_machine(&self, arn: &str) -> Result<(), StoreError> {
        let arn = arn.to_owned();
        self.write_committed(move |c| {
            c.execute("DELETE FROM state_machines WHERE arn = ?1", [arn])
                .map(drop)
        })
    }

    /// One state machine.
    pub fn machine(&self, arn: &str) -> Result<Option<MachineRow>, StoreError> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {MACHINE_COLUMNS} FROM state_machines WHERE arn = ?1"
            ))?
            .query_row([arn], machine_row)
            .optional()
        })
    }

    /// State machines by name, `limit` from `offset`.
    pub fn machines(&self, offset: u64, limit: u64) -> Result<Vec<MachineRow>, StoreError> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {MACHINE_COLUMNS} FROM state_machines ORDER BY name LIMIT ?1 OFFSET ?2"
            ))?
            .query_map([limit as i64, offset as i64], machine_row)?
            .collect()
        })
    }

    // --- executions ----------------------------------------------------------------------

    /// Inserts a new execution (committed on return).
    pub fn insert_execution(&self, e: ExecutionRow) -> Result<(), StoreError> {
        self.write_committed(move |c| {
            c.execute(
                "INSERT OR REPLACE INTO executions VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)",
                params![
                    e.arn,
                    e.machine_arn,
                    e.name,
                    e.status,
                    e.input,
                    e.output,
                    e.error,
                    e.cause,
                    e.started,
                    e.stopped,
                    e.definition,
                    e.role_arn,
                    e.revision,
                    e.checkpoint.map(|v| v.to_string())
                ],
            )
            .map(drop)
        })
    }

    /// Records where a running execution would resume (queued).
    pub fn checkpoint(&self, arn: &str, checkpoint: Value) -> Result<(), StoreError> {
        let arn = arn.to_owned();
        self.write(move |c| {
            c.prepare_cached("UPDATE executions SET checkpoint = ?2 WHERE arn = ?1")?
                .execute(params![arn, checkpoint.to_string()])
                .map(drop)
        })
    }

    /// Appends one history event (queued). `body` is the event as `GetExecutionHistory`
    /// returns it.
    pub fn event(&self, arn: &str, id: u64, body: &Value) -> Result<(), StoreError> {
        let (arn, body) = (arn.to_owned(), body.to_string());
        self.write(move |c| {
            c.prepare_cached("INSERT OR REPLACE INTO events VALUES (?1, ?2, ?3)")?
                .execute(params![arn, id as i64, body])
                .map(drop)
        })
    }

    /// Drops an execution's history (a restart from the beginning writes it again).
    pub fn clear_events(&self, arn: &str) -> Result<(), StoreError> {
        let arn = arn.to_owned();
        self.write_committed(move |c| {
            c.execute("DELETE FROM events WHERE execution_arn = ?1", [arn])
                .map(drop)
        })
    }

    /// Records how an execution ended (committed on return), unless it already ended.
    pub fn finish(
        &self,
        arn: &str,
        status: &str,
        output: Option<String>,
        error: Option<String>,
        cause: Option<String>,
        stopped: f64,
    ) -> Result<(), StoreError> {
        let (arn, status) = (arn.to_owned(), status.to_owned());
        self.write_committed(move |c| {
            c.prepare_cached(
                "UPDATE executions SET status = ?2, output = ?3, error = ?4, cause = ?5, stopped = ?6, checkpoint = NULL
                 WHERE arn = ?1 AND status = 'RUNNING'",
            )?
            .execute(params![arn, status, output, error, cause, stopped])
            .map(drop)
        })
    }

    /// One execution.
    pub fn execution(&self, arn: &str) -> Result<Option<ExecutionRow>, StoreError> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {EXECUTION_COLUMNS} FROM executions WHERE arn = ?1"
            ))?
            .query_row([arn], execution_row)
            .optional()
        })
    }

    /// Executions of a machine (all machines when `None`), newest first, optionally of one
    /// status.
    pub fn executions(
        &self,
        machine_arn: Option<&str>,
        status: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<ExecutionRow>, StoreError> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {EXECUTION_COLUMNS} FROM executions
                 WHERE (?1 IS NULL OR machine_arn = ?1) AND (?2 IS NULL OR status = ?2)
                 ORDER BY started DESC, arn LIMIT ?3 OFFSET ?4"
            ))?
            .query_map(
                params![machine_arn, status, limit as i64, offset as i64],
                execution_row,
            )?
            .collect()
        })
    }

    /// Every execution recorded as running (what a restarted server resumes).
    pub fn running(&self) -> Result<Vec<ExecutionRow>, StoreError> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {EXECUTION_COLUMNS} FROM executions WHERE status = 'RUNNING' ORDER BY started"
            ))?
            .query_map([], execution_row)?
            .collect()
        })
    }

    /// Executions per status.
    pub fn counts(&self) -> Result<Vec<(String, u64)>, StoreError> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT status, COUNT(*) FROM executions GROUP BY status ORDER BY status",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?
            .collect()
        })
    }

    // --- history -------------------------------------------------------------------------

    /// History events of an execution, `limit` from `offset`, oldest first unless
    /// `reverse`.
    pub fn events(
        &self,
        arn: &str,
        reverse: bool,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<Value>, StoreError> {
        let order = if reverse { "DESC" } else { "ASC" };
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT body FROM events WHERE execution_arn = ?1 ORDER BY id {order} LIMIT ?2 OFFSET ?3"
            ))?
            .query_map(params![arn, limit as i64, offset as i64], |r| {
                let text: String = r.get(0)?;
                Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
            })?
            .collect()
        })
    }

    /// The highest event id of an execution (0 when it has none).
    pub fn last_event_id(&self, arn: &str) -> Result<u64, StoreError> {
        self.read(|c| {
            c.prepare_cached("SELECT COALESCE(MAX(id), 0) FROM events WHERE execution_arn = ?1")?
                .query_row([arn], |r| r.get::<_, i64>(0).map(|n| n as u64))
        })
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        self.close();
    }
}

fn write_loop(connection: Connection, rx: mpsc::Receiver<Write>) {
    let mut acks = Vec::new();
    while let Ok(first) = rx.recv() {
        let mut stop = false;
        let mut jobs = Vec::new();
        match first {
            Write::Job(job, ack) => jobs.push((job, ack)),
            Write::Stop => stop = true,
        }
        while !stop && jobs.len() < BATCH {
            match rx.try_recv() {
                Ok(Write::Job(job, ack)) => jobs.push((job, ack)),
                Ok(Write::Stop) => stop = true,
                Err(_) => break,
            }
        }
        if let Err(err) = connection.execute_batch("BEGIN IMMEDIATE") {
            tracing::error!(error = %err, "cannot begin a transaction");
        }
        for (job, ack) in jobs {
            if let Err(err) = job(&connection) {
                tracing::error!(error = %err, "a database write failed");
            }
            acks.extend(ack);
        }
        if let Err(err) = connection.execute_batch("COMMIT") {
            tracing::error!(error = %err, "cannot commit a transaction");
        }
        for ack in acks.drain(..) {
            let _ = ack.send(());
        }
        if stop {
            break;
        }
    }
}

const MACHINE_COLUMNS: &str =
    "arn, name, kind, definition, role_arn, created, updated, revision, logging, tracing";

fn machine_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MachineRow> {
    let json = |i: usize| -> rusqlite::Result<Value> {
        let text: String = r.get(i)?;
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    };
    Ok(MachineRow {
        arn: r.get(0)?,
        name: r.get(1)?,
        kind: r.get(2)?,
        definition: r.get(3)?,
        role_arn: r.get(4)?,
        created: r.get(5)?,
        updated: r.get(6)?,
        revision: r.get(7)?,
        logging: json(8)?,
        tracing: json(9)?,
    })
}

const EXECUTION_COLUMNS: &str = "arn, machine_arn, name, status, input, output, error, cause, started, stopped, definition, role_arn, revision, checkpoint";

fn execution_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ExecutionRow> {
    let checkpoint: Option<String> = r.get(13)?;
    Ok(ExecutionRow {
        arn: r.get(0)?,
        machine_arn: r.get(1)?,
        name: r.get(2)?,
        status: r.get(3)?,
        input: r.get(4)?,
        output: r.get(5)?,
        error: r.get(6)?,
        cause: r.get(7)?,
        started: r.get(8)?,
        stopped: r.get(9)?,
        definition: r.get(10)?,
        role_arn: r.get(11)?,
        revision: r.get(12)?,
        checkpoint: checkpoint.and_then(|t| serde_json::from_str(&t).ok()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn execution(arn: &str) -> ExecutionRow {
        ExecutionRow {
            arn: arn.into(),
            machine_arn: "m".into(),
            name: "e".into(),
            status: "RUNNING".into(),
            input: "{}".into(),
            output: None,
            error: None,
            cause: None,
            started: 1.0,
            stopped: None,
            definition: "{}".into(),
            role_arn: "r".into(),
            revision: "1".into(),
            checkpoint: None,
        }
    }

    #[test]
    fn events_written_before_the_final_status_are_readable_once_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.insert_execution(execution("a")).unwrap();
        for id in 1..=50 {
            store
                .event("a", id, &serde_json::json!({"id": id}))
                .unwrap();
        }
        store
            .finish("a", "SUCCEEDED", Some("1".into()), None, None, 2.0)
            .unwrap();
        assert_eq!(store.last_event_id("a").unwrap(), 50);
        let last = store.events("a", true, 0, 1).unwrap();
        assert_eq!(last, vec![serde_json::json!({"id": 50})]);
        assert_eq!(store.execution("a").unwrap().unwrap().status, "SUCCEEDED");
        // A finished execution does not finish again.
        store.finish("a", "FAILED", None, None, None, 3.0).unwrap();
        assert_eq!(store.execution("a").unwrap().unwrap().status, "SUCCEEDED");
    }

    #[test]
    fn a_reopened_store_still_holds_what_was_committed() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            store.insert_execution(execution("a")).unwrap();
            store
                .checkpoint("a", serde_json::json!({"state": "W"}))
                .unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        let running = store.running().unwrap();
        assert_eq!(running.len(), 1);
        assert_eq!(
            running[0].checkpoint,
            Some(serde_json::json!({"state": "W"}))
        );
    }
}
