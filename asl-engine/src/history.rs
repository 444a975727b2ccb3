//! History events as AWS's `GetExecutionHistory` returns them, and the transition count.
//!
//! Each event has an `id` (from 1), the `previousEventId` of the event that led to it, a
//! `type` (`ExecutionStarted`, `PassStateEntered`, `TaskScheduled`, `MapIterationStarted`,
//! ...) and a details object under AWS's key for that type (`stateEnteredEventDetails`,
//! ...), where inputs and outputs are JSON text, as AWS stores them.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;
use serde_json::{Map, Value};

/// One history event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Sequence number, from 1.
    pub id: u64,
    /// The event this one follows.
    #[serde(rename = "previousEventId")]
    pub previous_event_id: u64,
    /// When it happened (ISO 8601, UTC), on the run's clock.
    pub timestamp: String,
    /// Seconds since the execution started, on the run's clock.
    #[serde(rename = "elapsedSeconds")]
    pub elapsed_seconds: f64,
    /// AWS's event type.
    #[serde(rename = "type")]
    pub kind: String,
    /// The details, keyed as AWS keys them (e.g. `stateEnteredEventDetails`).
    #[serde(flatten)]
    pub details: Map<String, Value>,
}

/// The details key AWS uses for an event type.
pub fn details_key(kind: &str) -> String {
    match kind {
        k if k.ends_with("StateEntered") => "stateEnteredEventDetails".to_owned(),
        k if k.ends_with("StateExited") => "stateExitedEventDetails".to_owned(),
        k => {
            let mut chars = k.chars();
            match chars.next() {
                Some(first) => format!("{}{}EventDetails", first.to_lowercase(), chars.as_str()),
                None => "eventDetails".to_owned(),
            }
        }
    }
}

/// A callback for each history event as it is recorded (the CLI's live trace).
pub type Observer = std::sync::Arc<dyn Fn(&Event) + Send + Sync>;

/// Collects events and counts transitions; shared by all branches of a run.
pub(crate) struct Recorder {
    events: Mutex<Events>,
    count: std::sync::atomic::AtomicU64,
    keep: bool,
    start: chrono::DateTime<chrono::Utc>,
    transitions: AtomicU64,
    pub(crate) observer: Option<Observer>,
}

/// The events so far, and the last timestamp text with its instant (with the virtual clock
/// most events share one, and formatting it is a large share of recording).
#[derive(Default)]
struct Events {
    list: Vec<Event>,
    stamp: Option<(i64, String)>,
}

impl Recorder {
    pub(crate) fn new(
        observer: Option<Observer>,
        keep: bool,
        start: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        Self {
            start,
            events: Mutex::new(Events::default()),
            count: std::sync::atomic::AtomicU64::new(0),
            keep,
            transitions: AtomicU64::new(0),
            observer,
        }
    }

    /// Continues the counts of an earlier part of the same execution (a resumed run): the
    /// next event's id is `events + 1`.
    pub(crate) fn continuing(self, events: u64, transitions: u64) -> Self {
        self.count.store(events, Ordering::Relaxed);
        self.transitions.store(transitions, Ordering::Relaxed);
        self
    }

    /// Whether events are kept or watched (else only counted, which is much cheaper).
    pub(crate) fn wants_details(&self) -> bool {
        self.keep || self.observer.is_some()
    }

    /// Appends an event and returns its id. `elapsed_seconds` and `details` are only called
    /// when events are kept or watched.
    pub(crate) fn record(
        &self,
        kind: &str,
        elapsed_seconds: impl FnOnce() -> f64,
        details: impl FnOnce() -> Map<String, Value>,
    ) -> u64 {
        if !self.wants_details() {
            return self.count.fetch_add(1, Ordering::Relaxed) + 1;
        }
        let elapsed_seconds = elapsed_seconds();
        let details = details();
        let mut events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        let id = self.count.fetch_add(1, Ordering::Relaxed) + 1;
        let previous = id - 1;
        let mut wrapped = Map::new();
        if !details.is_empty() {
            wrapped.insert(details_key(kind), Value::Object(details));
        }
        let micros = (elapsed_seconds * 1e6) as i64;
        let timestamp = match &events.stamp {
            Some((at, text)) if *at == micros => text.clone(),
            _ => {
                let at = self.start + chrono::Duration::microseconds(micros);
                let text = at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
                events.stamp = Some((micros, text.clone()));
                text
            }
        };
        let event = Event {
            timestamp,
            id,
            previous_event_id: previous,
            elapsed_seconds,
            kind: kind.to_owned(),
            details: wrapped,
        };
        if let Some(observer) = &self.observer {
            observer(&event);
        }
        if self.keep {
            events.list.push(event);
        }
        id
    }

    /// How many events were recorded.
    pub(crate) fn event_count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// Counts one state transition and returns the new total.
    pub(crate) fn transition(&self) -> u64 {
        self.transitions.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub(crate) fn transitions(&self) -> u64 {
        self.transitions.load(Ordering::Relaxed)
    }

    pub(crate) fn into_events(self) -> Vec<Event> {
        self.events
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .list
    }
}

/// JSON text of a value, as AWS stores inputs and outputs in events.
pub(crate) fn text(value: &Value) -> Value {
    Value::String(serde_json::to_string(value).unwrap_or_default())
}
