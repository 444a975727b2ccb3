//! The offload store through both backends: large values round-trip byte-identically, and
//! tampered objects, forged and foreign pointers are refused with their named errors.
//!
//! The S3 half runs against the real S3-protocol server that `scripts/test.sh` starts on
//! loopback (`TEST_S3_ENDPOINT`); without it, those tests say so and return.

use offload::{ExecutionStore, OffloadError, Store};
use protocol::{ErrorName, ExecutionRef, OffloadPointer};
use serde_json::{Value, json};

fn execution(name: &str) -> ExecutionRef {
    ExecutionRef {
        id: format!("arn:aws:states:us-east-1:111111111111:execution:Agent:{name}"),
        name: name.to_owned(),
    }
}

/// About 20 MB of JSON: 200,000 records of ~100 bytes.
fn twenty_megabytes() -> Value {
    let rows: Vec<Value> = (0..200_000)
        .map(|i| json!({"id": i, "name": format!("row-{i:08}"), "pad": "x".repeat(60)}))
        .collect();
    json!({"rows": rows})
}

async fn round_trip_and_refusals(store: &Store, tamper: impl AsyncFn(&OffloadPointer, Vec<u8>)) {
    let run = execution(&format!("run-{}", uuid::Uuid::new_v4()));
    let scoped = store.for_execution(&run);
    let value = twenty_megabytes();
    let expected_bytes = serde_json::to_vec(&value).unwrap();
    assert!(
        expected_bytes.len() > 20_000_000,
        "{}",
        expected_bytes.len()
    );

    // Large: comes back as a pointer that resolves to byte-identical data.
    let stored = scoped.offload_if_large(value.clone()).await.unwrap();
    let pointer = OffloadPointer::from_value(&stored).expect("a pointer");
    assert_eq!(pointer.size, expected_bytes.len() as u64);
    assert!(pointer.uri.contains(scoped.folder()), "{}", pointer.uri);
    assert_eq!(scoped.get_bytes(&pointer).await.unwrap(), expected_bytes);
    assert_eq!(scoped.resolve(stored).await.unwrap(), value);

    // Small: stays inline.
    let small = json!({"ok": true});
    assert_eq!(scoped.offload_if_large(small.clone()).await.unwrap(), small);

    // A pointer whose size was edited.
    let mut wrong_size = pointer.clone();
    wrong_size.size -= 1;
    let err = scoped.get_json(&wrong_size).await.unwrap_err();
    assert!(matches!(err, OffloadError::SizeMismatch { .. }), "{err}");
    assert_eq!(err.error_name(), ErrorName::OffloadSizeMismatch);

    // A pointer whose hash was edited.
    let mut wrong_hash = pointer.clone();
    wrong_hash.sha256 = "0".repeat(64);
    let err = scoped.get_json(&wrong_hash).await.unwrap_err();
    assert_eq!(err.error_name(), ErrorName::OffloadHashMismatch, "{err}");

    // Another execution may not read it.
    let other = store.for_execution(&execution("someone-else"));
    let err = other.get_json(&pointer).await.unwrap_err();
    assert_eq!(err.error_name(), ErrorName::OffloadForeignPointer, "{err}");
    assert!(err.to_string().contains("someone-else"), "{err}");

    // The object itself changed after it was written: same size, one byte different.
    let small_ptr = scoped.put_bytes(b"hello world", None).await.unwrap();
    tamper(&small_ptr, b"hello_world".to_vec()).await;
    let err = scoped.get_bytes(&small_ptr).await.unwrap_err();
    assert_eq!(err.error_name(), ErrorName::OffloadHashMismatch, "{err}");
    // ... and truncated.
    tamper(&small_ptr, b"hello".to_vec()).await;
    let err = scoped.get_bytes(&small_ptr).await.unwrap_err();
    assert_eq!(err.error_name(), ErrorName::OffloadSizeMismatch, "{err}");

    // Missing object inside the folder.
    let mut missing = small_ptr.clone();
    missing.uri = missing.uri.replace(&small_ptr.sha256, &"f".repeat(64));
    let err = scoped.get_bytes(&missing).await.unwrap_err();
    assert_eq!(err.error_name(), ErrorName::OffloadNotFound, "{err}");
}

fn forged_pointers_are_refused(scoped: &ExecutionStore, uri_of: impl Fn(&str) -> String) {
    for key in [
        "agents/Agent/other/x.json".to_owned(),
        format!("{}../other/x.json", scoped.folder()),
        "/etc/passwd".to_owned(),
    ] {
        let forged = OffloadPointer {
            uri: uri_of(&key),
            size: 1,
            sha256: "00".into(),
            media_type: None,
        };
        let err = scoped.check(&forged).unwrap_err();
        assert_eq!(
            err.error_name(),
            ErrorName::OffloadForeignPointer,
            "{key}: {err}"
        );
    }
}

#[tokio::test]
async fn local_folder_backend() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::local(dir.path());
    let root = dir.path().to_owned();
    round_trip_and_refusals(&store, async |pointer: &OffloadPointer, bytes: Vec<u8>| {
        let key = pointer.uri.strip_prefix("file:").unwrap();
        std::fs::write(root.join(key), bytes).unwrap();
    })
    .await;
    let scoped = store.for_execution(&execution("run-1"));
    forged_pointers_are_refused(&scoped, |key| format!("file:{key}"));
    // An S3 pointer means nothing to a local store.
    let s3 = OffloadPointer {
        uri: format!("s3://bucket/{}x", scoped.folder()),
        size: 1,
        sha256: "00".into(),
        media_type: None,
    };
    assert_eq!(
        scoped.check(&s3).unwrap_err().error_name(),
        ErrorName::OffloadForeignPointer
    );
}

#[tokio::test]
async fn s3_backend_on_a_local_s3_server() {
    let Ok(endpoint) = std::env::var("TEST_S3_ENDPOINT") else {
        eprintln!(
            "TEST_S3_ENDPOINT is not set: S3 tests skipped (scripts/test.sh starts a local S3 server and sets it)"
        );
        return;
    };
    let bucket = format!("offload-test-{}", uuid::Uuid::new_v4().simple());
    let store = Store::s3(&bucket, true).with_s3_endpoint(&endpoint);
    let offload::Backend::S3(backend) = store.backend() else {
        unreachable!()
    };
    let client = backend.client().await.clone();
    client.create_bucket().bucket(&bucket).send().await.unwrap();

    let tamper_client = client.clone();
    let tamper_bucket = bucket.clone();
    round_trip_and_refusals(
        &store,
        async move |pointer: &OffloadPointer, bytes: Vec<u8>| {
            let key = pointer
                .uri
                .strip_prefix(&format!("s3://{tamper_bucket}/"))
                .unwrap();
            tamper_client
                .put_object()
                .bucket(&tamper_bucket)
                .key(key)
                .body(bytes.into())
                .send()
                .await
                .unwrap();
        },
    )
    .await;
    let scoped = store.for_execution(&execution("run-1"));
    forged_pointers_are_refused(&scoped, |key| format!("s3://{bucket}/{key}"));
    // The right folder in another bucket is still foreign.
    let other_bucket = OffloadPointer {
        uri: format!("s3://other-bucket/{}x.json", scoped.folder()),
        size: 1,
        sha256: "00".into(),
        media_type: None,
    };
    assert_eq!(
        scoped.check(&other_bucket).unwrap_err().error_name(),
        ErrorName::OffloadForeignPointer
    );
}
