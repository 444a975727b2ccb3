//! Task ids: an agent run's execution ARN sealed with an HMAC-SHA256 key and bound to the
//! caller who started it, so the gateway keeps no table of tasks (Step Functions is the
//! task store) and a task id can be neither guessed, forged for another execution, nor
//! used by another caller.
//!
//! `taskId = base64url(arn) "." base64url(HMAC(key, "mcp-gateway/task/v1" 0 caller 0 arn))`.
//! The ARN itself is not secret (it names an execution the caller started, whose name is
//! a random UUID); the MAC is what makes the id unforgeable. The same key on every gateway
//! instance (the Lambda's configuration) makes any instance able to answer any task.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit, Mac};

type HmacSha256 = hmac::Hmac<sha2_hmac::Sha256>;

/// Shortest key accepted, in bytes (the SHA-256 block size would be 64; 32 is NIST's floor
/// for a 256-bit MAC).
pub const MIN_KEY_BYTES: usize = 32;

const DOMAIN: &[u8] = b"mcp-gateway/task/v1";

/// Why a task id was refused. One message for every case, so a caller learns nothing about
/// which part was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown task id; use a taskId this gateway returned to you")]
pub struct UnknownTask;

/// The key that seals task ids.
#[derive(Clone)]
pub struct TaskKey(Vec<u8>);

impl std::fmt::Debug for TaskKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TaskKey(..)")
    }
}

impl TaskKey {
    /// A key from bytes; refuses one shorter than [`MIN_KEY_BYTES`].
    pub fn new(bytes: Vec<u8>) -> Result<Self, String> {
        if bytes.len() < MIN_KEY_BYTES {
            return Err(format!(
                "the task key has {} bytes; it needs at least {MIN_KEY_BYTES} (e.g. `openssl rand -base64 32`)",
                bytes.len()
            ));
        }
        Ok(Self(bytes))
    }

    /// A key from standard base64 text (the form the Lambda's configuration holds).
    pub fn from_base64(text: &str) -> Result<Self, String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| format!("the task key is not base64: {e}"))?;
        Self::new(bytes)
    }

    /// A fresh random key (task ids then last as long as the process).
    pub fn random() -> Self {
        Self((0..MIN_KEY_BYTES).map(|_| rand::random::<u8>()).collect())
    }

    fn mac(&self, caller: &str, arn: &str) -> HmacSha256 {
        let mut mac =
            <HmacSha256 as KeyInit>::new_from_slice(&self.0).expect("HMAC takes any key length");
        for part in [DOMAIN, b"\0", caller.as_bytes(), b"\0", arn.as_bytes()] {
            mac.update(part);
        }
        mac
    }

    /// The task id of `arn` for `caller`.
    pub fn seal(&self, caller: &str, arn: &str) -> String {
        let tag = self.mac(caller, arn).finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(arn),
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    /// The execution ARN of a task id `caller` was given.
    pub fn open(&self, caller: &str, task_id: &str) -> Result<String, UnknownTask> {
        let (arn, tag) = task_id.split_once('.').ok_or(UnknownTask)?;
        let arn = URL_SAFE_NO_PAD.decode(arn).map_err(|_| UnknownTask)?;
        let arn = String::from_utf8(arn).map_err(|_| UnknownTask)?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| UnknownTask)?;
        self.mac(caller, &arn)
            .verify_slice(&tag)
            .map_err(|_| UnknownTask)?;
        Ok(arn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:states:us-east-1:123456789012:execution:agent:6f1c";

    #[test]
    fn a_sealed_id_opens_for_its_caller_only() {
        let key = TaskKey::random();
        let id = key.seal("alice", ARN);
        assert_eq!(key.open("alice", &id).unwrap(), ARN);
        assert_eq!(key.open("bob", &id), Err(UnknownTask));
        assert_eq!(TaskKey::random().open("alice", &id), Err(UnknownTask));
    }

    #[test]
    fn an_id_for_another_execution_cannot_be_made_from_one_you_have() {
        let key = TaskKey::random();
        let id = key.seal("alice", ARN);
        let (_, tag) = id.split_once('.').unwrap();
        let other = format!("{}.{tag}", URL_SAFE_NO_PAD.encode(format!("{ARN}x")));
        assert_eq!(key.open("alice", &other), Err(UnknownTask));
        for junk in ["", ".", "abc", "a.b.c", &id[..id.len() - 1]] {
            assert_eq!(key.open("alice", junk), Err(UnknownTask), "{junk}");
        }
    }

    #[test]
    fn a_short_key_is_refused_with_how_to_make_one() {
        let err = TaskKey::new(vec![0; 16]).unwrap_err();
        assert!(err.contains("at least 32"), "{err}");
        assert!(TaskKey::from_base64("not base64!").is_err());
    }
}
