//! The local store reads only files it wrote: a symbolic or hard link planted in an
//! execution's folder cannot make it read another execution's object (or any file), and a
//! mismatch never discloses the real object's size or hash.

#![cfg(unix)]

use offload::{OffloadError, Store};
use protocol::{ErrorName, ExecutionRef, OffloadPointer};

fn execution(name: &str) -> ExecutionRef {
    ExecutionRef {
        id: format!("arn:aws:states:us-east-1:222222222222:execution:Agent:{name}"),
        name: name.to_owned(),
    }
}

/// A victim's object and a pointer with the same size and hash, but in `attacker`'s folder.
async fn planted(dir: &std::path::Path) -> (std::path::PathBuf, OffloadPointer, OffloadPointer) {
    let store = Store::local(dir);
    let victim = store
        .for_execution(&execution("victim"))
        .put_bytes(b"the victim's secret", None)
        .await
        .unwrap();
    let victim_path = dir.join(victim.uri.trim_start_matches("file:"));
    let attacker_folder = store
        .for_execution(&execution("attacker"))
        .folder()
        .to_owned();
    let mut forged = victim.clone();
    forged.uri = format!("file:{attacker_folder}{}", victim.sha256);
    std::fs::create_dir_all(dir.join(&attacker_folder)).unwrap();
    (victim_path, victim, forged)
}

fn assert_refused(err: OffloadError) {
    assert!(matches!(err, OffloadError::NotPlainFile { .. }), "{err}");
    assert_eq!(err.error_name(), ErrorName::OffloadForeignPointer);
}

#[tokio::test]
async fn the_local_store_does_not_follow_a_symlink_out_of_the_execution_folder() {
    let dir = tempfile::tempdir().unwrap();
    let (victim_path, _, forged) = planted(dir.path()).await;
    let link = dir.path().join(forged.uri.trim_start_matches("file:"));
    std::os::unix::fs::symlink(&victim_path, &link).unwrap();
    let attacker = Store::local(dir.path()).for_execution(&execution("attacker"));
    assert_refused(attacker.get_bytes(&forged).await.unwrap_err());
    // A link to any file of the machine, likewise.
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", &link).unwrap();
    assert_refused(attacker.get_bytes(&forged).await.unwrap_err());
}

#[tokio::test]
async fn the_local_store_does_not_read_a_hard_link_to_another_executions_object() {
    let dir = tempfile::tempdir().unwrap();
    let (victim_path, victim, forged) = planted(dir.path()).await;
    std::fs::hard_link(
        &victim_path,
        dir.path().join(forged.uri.trim_start_matches("file:")),
    )
    .unwrap();
    let attacker = Store::local(dir.path()).for_execution(&execution("attacker"));
    assert_refused(attacker.get_bytes(&forged).await.unwrap_err());
    // The victim's own object now has two links and is refused too: a planted link is
    // never a way in, in either direction.
    let victim_store = Store::local(dir.path()).for_execution(&execution("victim"));
    assert_refused(victim_store.get_bytes(&victim).await.unwrap_err());
}

#[tokio::test]
async fn the_local_store_does_not_follow_a_symlinked_execution_folder() {
    let dir = tempfile::tempdir().unwrap();
    let (victim_path, _, forged) = planted(dir.path()).await;
    let attacker_folder = dir.path().join("agents/Agent/attacker");
    std::fs::remove_dir(&attacker_folder).unwrap();
    std::os::unix::fs::symlink(victim_path.parent().unwrap(), &attacker_folder).unwrap();
    let attacker = Store::local(dir.path()).for_execution(&execution("attacker"));
    assert_refused(attacker.get_bytes(&forged).await.unwrap_err());
}

#[tokio::test]
async fn mismatch_messages_do_not_disclose_the_real_size_or_hash() {
    let dir = tempfile::tempdir().unwrap();
    let root = Store::local(dir.path());
    let store = root.for_execution(&execution("probe"));
    let pointer = store
        .put_bytes(b"0123456789abcdefghij", None)
        .await
        .unwrap();
    assert_eq!(pointer.size, 20);
    let mut wrong_size = pointer.clone();
    wrong_size.size = 7;
    let message = store.get_bytes(&wrong_size).await.unwrap_err().to_string();
    assert!(
        !message.contains(" 20 ") && !message.contains("20 bytes"),
        "{message}"
    );
    // The object at the key is replaced (same size): the message must not give the hash
    // of what is there now.
    let replacement = b"ABCDEFGHIJ0123456789";
    let replaced_hash = root
        .for_execution(&execution("elsewhere"))
        .put_bytes(replacement, None)
        .await
        .unwrap()
        .sha256;
    std::fs::write(
        dir.path().join(pointer.uri.trim_start_matches("file:")),
        replacement,
    )
    .unwrap();
    let message = store.get_bytes(&pointer).await.unwrap_err().to_string();
    assert!(message.contains("SHA-256"), "{message}");
    assert!(!message.contains(&replaced_hash), "{message}");
}
