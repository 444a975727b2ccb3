//! The transcript in the offload store: an append-only chain of immutable segments.
//!
//! - The **genesis** object holds the goal and the options (a plan may be large); it is
//!   written once, by a run's first step.
//! - Each step writes one **segment**: the entries it added (`first` is the index of the
//!   first of them), a [`Link`] to the previous segment and to the genesis, and the few
//!   counters that change (`execution_first_turn`, `invalid_streak`). The state's
//!   `transcript` pointer names the latest segment.
//!
//! So a step writes O(its new entries) bytes, whatever the run's length. A continued
//! execution adopts the chain without copying: its first segment links to the parent's
//! last one, in the parent's folder.
//!
//! A link names the execution whose folder holds the object, and the object's offload
//! pointer (size and SHA-256): every object is read through that execution's
//! [`offload::ExecutionStore`], which verifies both, so an altered segment, or a pointer
//! whose hash does not match, is refused. The chain is only followed from a segment the
//! step already trusts (the state's pointer in this execution's folder, or a proven
//! hand-off record), links must stay within the same state machine, and each segment's
//! `first` must continue the previous one.

use std::collections::BTreeMap;

use offload::{OffloadError, Store};
use protocol::ErrorName;
use protocol::OffloadPointer;
use protocol::call::ExecutionRef;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Entry, Transcript};

/// The `format` of a segment.
pub const SEGMENT_FORMAT: &str = "sfn-agents.transcript-segment.v1";
/// The `format` of a genesis object.
pub const GENESIS_FORMAT: &str = "sfn-agents.transcript-genesis.v1";

/// Where an object of the chain is: the execution whose folder holds it, and its pointer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// The execution that wrote it.
    pub execution: ExecutionRef,
    /// The object (verified by size and SHA-256 on every read).
    pub object: OffloadPointer,
}

/// The goal and options of a run, written once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Genesis {
    format: String,
    goal: String,
    options: Value,
}

/// One step's entries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// [`SEGMENT_FORMAT`].
    pub format: String,
    /// The run's goal and options.
    pub genesis: Link,
    /// The index of the first entry of this segment in the whole transcript.
    pub first: usize,
    /// The entries this step added.
    pub entries: Vec<Entry>,
    /// The previous segment (none for the run's first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev: Option<Link>,
    /// The turn at which each execution of the run began.
    #[serde(default)]
    pub execution_first_turn: BTreeMap<String, u32>,
    /// Consecutive steps in which every call was invalid.
    #[serde(default)]
    pub invalid_streak: u32,
}

/// How much of a transcript is stored, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    /// Entries stored.
    pub entries: usize,
    /// The latest segment.
    pub last: Link,
    /// The genesis.
    pub genesis: Link,
}

/// A chain that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// An object could not be read or did not verify.
    #[error(transparent)]
    Store(#[from] OffloadError),
    /// The objects verified but do not form a transcript.
    #[error("the transcript segment `{uri}` is not part of a valid chain: {reason}")]
    Malformed {
        /// The object.
        uri: String,
        /// What is wrong.
        reason: String,
    },
}

impl ChainError {
    /// The stable error name.
    pub fn error_name(&self) -> ErrorName {
        match self {
            Self::Store(e) => e.error_name(),
            Self::Malformed { .. } => ErrorName::OffloadStoreError,
        }
    }
}

/// The state machine an execution belongs to (the first part of its store segment).
pub fn machine_of(execution: &ExecutionRef) -> String {
    execution
        .store_segment()
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Writes the entries of `transcript` not stored yet as one segment in `execution`'s
/// folder (and the genesis, on a run's first step); returns the segment's pointer.
pub async fn append(
    store: &Store,
    execution: &ExecutionRef,
    transcript: &mut Transcript,
) -> Result<OffloadPointer, OffloadError> {
    let folder = store.for_execution(execution);
    let (genesis, prev, first) = match &transcript.stored {
        Some(stored) => (
            stored.genesis.clone(),
            Some(stored.last.clone()),
            stored.entries,
        ),
        None => {
            let genesis = Genesis {
                format: GENESIS_FORMAT.to_owned(),
                goal: transcript.goal.clone(),
                options: transcript.options.clone(),
            };
            let object = folder
                .put_json(&serde_json::to_value(&genesis).expect("a genesis serializes"))
                .await?;
            let link = Link {
                execution: execution.clone(),
                object,
            };
            (link, None, 0)
        }
    };
    let segment = Segment {
        format: SEGMENT_FORMAT.to_owned(),
        genesis: genesis.clone(),
        first,
        entries: transcript.entries[first..].to_vec(),
        prev,
        execution_first_turn: transcript.execution_first_turn.clone(),
        invalid_streak: transcript.invalid_streak,
    };
    let object = folder
        .put_json(&serde_json::to_value(&segment).expect("a segment serializes"))
        .await?;
    transcript.stored = Some(Stored {
        entries: transcript.entries.len(),
        last: Link {
            execution: execution.clone(),
            object: object.clone(),
        },
        genesis,
    });
    Ok(object)
}

/// Reads and verifies the object a link names, through its execution's folder.
async fn read<T: serde::de::DeserializeOwned>(store: &Store, link: &Link) -> Result<T, ChainError> {
    let value = store
        .for_execution(&link.execution)
        .get_json(&link.object)
        .await?;
    serde_json::from_value(value).map_err(|e| ChainError::Malformed {
        uri: link.object.uri.clone(),
        reason: e.to_string(),
    })
}

/// Reads the segments from `head` back to the one holding entry `from` (all of them when
/// `from` is 0), newest first, checking every link.
async fn segments_back_to(
    store: &Store,
    head: &Link,
    from: usize,
) -> Result<Vec<(Link, Segment)>, ChainError> {
    let machine = machine_of(&head.execution);
    let mut found: Vec<(Link, Segment)> = Vec::new();
    let mut next = Some(head.clone());
    while let Some(link) = next {
        let malformed = |reason: String| ChainError::Malformed {
            uri: link.object.uri.clone(),
            reason,
        };
        if machine_of(&link.execution) != machine {
            return Err(malformed(format!(
                "it links to execution `{}` of another state machine",
                link.execution.id
            )));
        }
        let segment: Segment = read(store, &link).await?;
        if segment.format != SEGMENT_FORMAT {
            return Err(malformed(format!(
                "its format is `{}`, not `{SEGMENT_FORMAT}`",
                segment.format
            )));
        }
        if let Some((_, later)) = found.last() {
            if segment.first + segment.entries.len() != later.first {
                return Err(malformed(format!(
                    "it holds entries {}..{} but the next segment starts at {}",
                    segment.first,
                    segment.first + segment.entries.len(),
                    later.first
                )));
            }
            if segment.genesis != later.genesis {
                return Err(malformed("it names another run's genesis".to_owned()));
            }
        }
        if segment.prev.is_none() && segment.first != 0 {
            return Err(malformed(format!(
                "it is the first segment but starts at entry {}",
                segment.first
            )));
        }
        next = segment.prev.clone().filter(|_| segment.first > from);
        found.push((link, segment));
    }
    Ok(found)
}

/// Reads the whole transcript whose latest segment is `head` (written by `execution`).
pub async fn load(
    store: &Store,
    execution: &ExecutionRef,
    head: &OffloadPointer,
) -> Result<Transcript, ChainError> {
    let head = Link {
        execution: execution.clone(),
        object: head.clone(),
    };
    let segments = segments_back_to(store, &head, 0).await?;
    let (_, latest) = segments.first().expect("the head was read");
    let genesis: Genesis = read(store, &latest.genesis).await?;
    if genesis.format != GENESIS_FORMAT {
        return Err(ChainError::Malformed {
            uri: latest.genesis.object.uri.clone(),
            reason: format!("the genesis format is `{}`", genesis.format),
        });
    }
    let mut transcript = Transcript::new(genesis.goal, genesis.options);
    transcript.execution_first_turn = latest.execution_first_turn.clone();
    transcript.invalid_streak = latest.invalid_streak;
    let genesis_link = latest.genesis.clone();
    for (link, segment) in segments.into_iter().rev() {
        for entry in segment.entries {
            transcript.push_owned(entry, &link.execution);
        }
    }
    transcript.stored = Some(Stored {
        entries: transcript.entries.len(),
        last: head,
        genesis: genesis_link,
    });
    Ok(transcript)
}

/// The entries `from..to` of the transcript whose latest segment is `head`, reading only
/// the segments that hold them and those after them.
pub async fn read_range(
    store: &Store,
    execution: &ExecutionRef,
    head: &OffloadPointer,
    from: usize,
    to: usize,
) -> Result<Vec<Entry>, ChainError> {
    let head = Link {
        execution: execution.clone(),
        object: head.clone(),
    };
    let segments = segments_back_to(store, &head, from).await?;
    let mut entries = Vec::new();
    for (_, segment) in segments.into_iter().rev() {
        for (i, entry) in segment.entries.into_iter().enumerate() {
            if (from..to).contains(&(segment.first + i)) {
                entries.push(entry);
            }
        }
    }
    Ok(entries)
}

impl Transcript {
    /// Where the stored part of this transcript ends, once stored.
    pub fn stored_head(&self) -> Option<&Link> {
        self.stored.as_ref().map(|s| &s.last)
    }

    /// Where the genesis (goal and options) is, once stored: a key, unique to the run, for
    /// what is derived from the options alone (a parsed plan).
    pub fn options_key(&self) -> Option<&str> {
        self.stored.as_ref().map(|s| s.genesis.object.uri.as_str())
    }
}

#[cfg(test)]
mod tests;
