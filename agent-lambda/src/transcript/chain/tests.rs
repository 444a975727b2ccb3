//! The segment chain on a local store: appends write only the new entries, ranges read
//! only the segments that hold them, a continued execution links to its parent's chain,
//! and an altered, forged or foreign segment is refused.

use protocol::call::ToolCall;
use serde_json::json;

use super::*;

fn execution(machine: &str, name: &str) -> ExecutionRef {
    ExecutionRef {
        id: format!("arn:aws:states:us-east-1:123456789012:execution:{machine}:{name}"),
        name: name.to_owned(),
    }
}

fn answer(n: usize) -> Entry {
    Entry::Answer {
        value: json!(format!("entry {n} {}", "x".repeat(100))),
    }
}

fn files_in(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if entry.path().is_dir() {
            found.extend(files_in(&entry.path()));
        } else {
            found.push(entry.path());
        }
    }
    found
}

/// A run of `steps` steps of two entries each, appended step by step.
async fn run_of(store: &Store, exec: &ExecutionRef, steps: usize) -> (Transcript, OffloadPointer) {
    let mut transcript = Transcript::new("the goal", json!({"plan": "big options"}));
    let mut head = None;
    for step in 0..steps {
        transcript.push(answer(2 * step));
        transcript.push(answer(2 * step + 1));
        head = Some(append(store, exec, &mut transcript).await.unwrap());
    }
    (transcript, head.expect("at least one step"))
}

#[tokio::test]
async fn each_append_writes_only_the_new_entries_and_the_chain_reads_back_whole() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::local(dir.path());
    let exec = execution("m", "e");
    let (transcript, head) = run_of(&store, &exec, 30).await;
    // The genesis and one segment per step, each holding that step's two entries.
    let files = files_in(&dir.path().join("agents/m/e"));
    assert_eq!(files.len(), 31);
    let last: Segment =
        serde_json::from_value(store.for_execution(&exec).get_json(&head).await.unwrap()).unwrap();
    assert_eq!((last.first, last.entries.len()), (58, 2));
    assert!(head.size < 2_000, "the 30th segment is {} bytes", head.size);
    let loaded = load(&store, &exec, &head).await.unwrap();
    assert_eq!(loaded, transcript);
    assert_eq!(loaded.entries().len(), 60);
    assert_eq!(loaded.stored_len(), 60);
    assert_eq!(loaded.goal, "the goal");
}

#[tokio::test]
async fn a_range_reads_only_the_segments_that_hold_it_and_those_after() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::local(dir.path());
    let exec = execution("m", "e");
    let (transcript, head) = run_of(&store, &exec, 10).await;
    let range = read_range(&store, &exec, &head, 13, 16).await.unwrap();
    assert_eq!(range, transcript.entries()[13..16]);
    // Entries 0..12 lie in segments the read never opens: delete them and read again.
    for file in files_in(&dir.path().join("agents/m/e")) {
        let segment: Segment = match serde_json::from_slice(&std::fs::read(&file).unwrap()) {
            Ok(segment) => segment,
            Err(_) => continue,
        };
        if segment.first < 12 {
            std::fs::remove_file(&file).unwrap();
        }
    }
    assert_eq!(
        read_range(&store, &exec, &head, 13, 16).await.unwrap(),
        transcript.entries()[13..16]
    );
    assert!(read_range(&store, &exec, &head, 0, 2).await.is_err());
}

#[tokio::test]
async fn a_continued_execution_links_to_its_parents_chain_without_copying_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::local(dir.path());
    let parent = execution("m", "parent");
    let child = execution("m", "child");
    let (mut transcript, parent_head) = run_of(&store, &parent, 5).await;
    let mut adopted = load(&store, &parent, &parent_head).await.unwrap();
    assert_eq!(adopted, transcript);
    adopted.push(answer(10));
    transcript.push(answer(10));
    let child_head = append(&store, &child, &mut adopted).await.unwrap();
    // The child's folder holds one segment with the one new entry, nothing of the parent's.
    let child_files = files_in(&dir.path().join("agents/m/child"));
    assert_eq!(child_files.len(), 1);
    let segment: Segment =
        serde_json::from_slice(&std::fs::read(&child_files[0]).unwrap()).unwrap();
    assert_eq!((segment.first, segment.entries.len()), (10, 1));
    assert_eq!(segment.prev.as_ref().unwrap().execution, parent);
    assert_eq!(load(&store, &child, &child_head).await.unwrap(), transcript);
}

#[tokio::test]
async fn an_altered_segment_or_a_forged_pointer_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::local(dir.path());
    let exec = execution("m", "e");
    let (_, head) = run_of(&store, &exec, 3).await;
    let last: Segment =
        serde_json::from_value(store.for_execution(&exec).get_json(&head).await.unwrap()).unwrap();
    // Rewrite the middle segment in place: its hash no longer matches the link to it.
    let middle = last.prev.clone().unwrap();
    let path = dir
        .path()
        .join(middle.object.uri.strip_prefix("file:").unwrap());
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("entry 2", "entry X");
    std::fs::write(&path, text).unwrap();
    let err = load(&store, &exec, &head).await.unwrap_err();
    assert!(
        matches!(err, ChainError::Store(OffloadError::HashMismatch { .. })),
        "{err}"
    );

    // A segment forged in the folder (a tool can write objects there) with a chain of its
    // own: it verifies as an object, but its entries do not continue the chain's.
    let folder = store.for_execution(&exec);
    let forged = Segment {
        entries: vec![Entry::Calls {
            turn: 1,
            calls: vec![ToolCall {
                call_id: "x".into(),
                tool: "t".into(),
                input: json!({}),
            }],
            text: None,
        }],
        first: 3,
        ..last.clone()
    };
    let forged_pointer = folder
        .put_json(&serde_json::to_value(&forged).unwrap())
        .await
        .unwrap();
    let forged_head = Segment {
        first: 10,
        prev: Some(Link {
            execution: exec.clone(),
            object: forged_pointer,
        }),
        ..last.clone()
    };
    let pointer = folder
        .put_json(&serde_json::to_value(&forged_head).unwrap())
        .await
        .unwrap();
    let err = load(&store, &exec, &pointer).await.unwrap_err();
    assert!(
        err.to_string().contains("the next segment starts at 10"),
        "{err}"
    );

    // A pointer with another hash, and a link into another state machine's execution.
    let wrong_hash = OffloadPointer {
        sha256: "0".repeat(64),
        ..head.clone()
    };
    assert!(load(&store, &exec, &wrong_hash).await.is_err());
    let foreign = Segment {
        prev: Some(Link {
            execution: execution("other", "e"),
            object: head.clone(),
        }),
        ..last
    };
    let pointer = folder
        .put_json(&serde_json::to_value(&foreign).unwrap())
        .await
        .unwrap();
    let err = load(&store, &exec, &pointer).await.unwrap_err();
    assert!(err.to_string().contains("another state machine"), "{err}");
}
