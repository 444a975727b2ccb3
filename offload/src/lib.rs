//! The offload store: the claim-check pattern for values too large to ride in the state.
//!
//! Step Functions allows 256 KiB per state input or output. A value whose serialized size
//! passes a threshold (32 KiB by default) is written to the store and replaced by a
//! [`protocol::OffloadPointer`] carrying its location, size and SHA-256. Two backends: a
//! local folder (the default for local runs) and S3 (`aws-sdk-s3`; the endpoint follows
//! the usual `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_S3` variables).
//!
//! Every key lives under `<prefix>/<execution segment>/` (the segment comes from
//! [`protocol::ExecutionRef::store_segment`]). An [`ExecutionStore`] is bound to one
//! execution: it refuses pointers outside that execution's folder
//! ([`OffloadError::ForeignPointer`]), and verifies size and hash on every read, so a model
//! cannot make a tool read another execution's data or any other object.
//!
//! Large objects stream: writing serializes through a hashing writer into a file (local)
//! or a temporary file that is then uploaded from disk (S3); reading downloads to a
//! temporary file while hashing, verifies, and only then parses. A 100 MB value is never
//! held twice in memory.
//!
//! ```no_run
//! # async fn demo() -> Result<(), offload::OffloadError> {
//! use offload::Store;
//! use protocol::ExecutionRef;
//! let store = Store::from_env()?;
//! let exec = ExecutionRef { id: "arn:aws:states:us-east-1:1:execution:Agent:run-1".into(), name: "run-1".into() };
//! let scoped = store.for_execution(&exec);
//! let small_or_pointer = scoped.offload_if_large(serde_json::json!({"big": "..."})).await?;
//! let back = scoped.resolve(small_or_pointer).await?;
//! # Ok(()) }
//! ```

mod error;
mod hashing;
mod local;
mod location;
mod s3;

use std::path::PathBuf;

use protocol::{ExecutionRef, OffloadPointer};
use serde_json::Value;

pub use error::OffloadError;
pub use hashing::serialized_len;
pub use location::Location;

/// Values whose serialized size passes this many bytes are offloaded by default.
pub const DEFAULT_THRESHOLD: u64 = 32 * 1024;

/// Media type of offloaded JSON values.
pub const JSON_MEDIA_TYPE: &str = "application/json";

/// Where objects are kept.
#[derive(Debug, Clone)]
pub enum Backend {
    /// A local folder; pointers are `file:<key>` relative to it.
    Local(local::LocalBackend),
    /// An S3 bucket; pointers are `s3://<bucket>/<key>`.
    S3(s3::S3Backend),
}

/// The store: a backend, a key prefix and the offload threshold.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
    prefix: String,
    threshold: u64,
}

impl Store {
    /// A store in a local folder (created on first write).
    pub fn local(root: impl Into<PathBuf>) -> Self {
        Self {
            backend: Backend::Local(local::LocalBackend::new(root.into())),
            prefix: "agents".to_owned(),
            threshold: DEFAULT_THRESHOLD,
        }
    }

    /// A store in an S3 bucket. The client is built on first use (no network at init);
    /// `force_path_style` is needed by most local S3 servers.
    pub fn s3(bucket: impl Into<String>, force_path_style: bool) -> Self {
        Self {
            backend: Backend::S3(s3::S3Backend::new(bucket.into(), force_path_style)),
            prefix: "agents".to_owned(),
            threshold: DEFAULT_THRESHOLD,
        }
    }

    /// Configuration from the environment:
    ///
    /// | variable | meaning | default |
    /// | --- | --- | --- |
    /// | `OFFLOAD_BUCKET` | use S3 with this bucket | unset: local folder |
    /// | `OFFLOAD_S3_PATH_STYLE` | `true` for path-style S3 addressing (local servers) | `false` |
    /// | `OFFLOAD_DIR` | the local folder | `$TMPDIR/sfn-agent-offload` |
    /// | `OFFLOAD_PREFIX` | key prefix | `agents` |
    /// | `OFFLOAD_THRESHOLD_BYTES` | offload values larger than this | `32768` |
    pub fn from_env() -> Result<Self, OffloadError> {
        let mut store = match std::env::var("OFFLOAD_BUCKET") {
            Ok(bucket) if !bucket.is_empty() => {
                let path_style = std::env::var("OFFLOAD_S3_PATH_STYLE")
                    .is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
                Self::s3(bucket, path_style)
            }
            _ => Self::local(
                std::env::var_os("OFFLOAD_DIR")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| std::env::temp_dir().join("sfn-agent-offload")),
            ),
        };
        if let Ok(prefix) = std::env::var("OFFLOAD_PREFIX") {
            store = store.with_prefix(prefix)?;
        }
        if let Ok(text) = std::env::var("OFFLOAD_THRESHOLD_BYTES") {
            let threshold = text.parse().map_err(|_| OffloadError::Config {
                message: format!(
                    "OFFLOAD_THRESHOLD_BYTES=`{text}` is not a number of bytes; use e.g. 32768"
                ),
            })?;
            store = store.with_threshold(threshold);
        }
        Ok(store)
    }

    /// Sets the key prefix (no leading or trailing `/`, no `..`).
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Result<Self, OffloadError> {
        let prefix = prefix.into();
        let trimmed = prefix.trim_matches('/');
        if trimmed.is_empty() || trimmed.split('/').any(|p| p.is_empty() || p == "..") {
            return Err(OffloadError::Config {
                message: format!(
                    "offload prefix `{prefix}` is not a plain key prefix; use e.g. `agents`"
                ),
            });
        }
        self.prefix = trimmed.to_owned();
        Ok(self)
    }

    /// Points an S3 store at a specific endpoint (a local S3 server); no effect on a local store.
    pub fn with_s3_endpoint(mut self, url: impl Into<String>) -> Self {
        if let Backend::S3(s3) = &mut self.backend {
            s3.set_endpoint(url.into());
        }
        self
    }

    /// Sets the offload threshold in bytes.
    pub fn with_threshold(mut self, bytes: u64) -> Self {
        self.threshold = bytes;
        self
    }

    /// The offload threshold in bytes.
    pub fn threshold(&self) -> u64 {
        self.threshold
    }

    /// The backend.
    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// A view of the store bound to one execution.
    pub fn for_execution(&self, execution: &ExecutionRef) -> ExecutionStore {
        ExecutionStore {
            store: self.clone(),
            folder: format!("{}/{}/", self.prefix, execution.store_segment()),
        }
    }
}

/// A fetched, verified object, open and rewound: the stored file itself (local) or a
/// downloaded copy (S3, deleted when dropped).
enum Fetched {
    Stored(std::fs::File),
    Temp(tempfile::NamedTempFile),
}

impl Fetched {
    fn file(&self) -> &std::fs::File {
        match self {
            Self::Stored(file) => file,
            Self::Temp(temp) => temp.as_file(),
        }
    }
}

/// The store as one execution sees it: writes go to its folder, reads outside it are refused.
#[derive(Debug, Clone)]
pub struct ExecutionStore {
    store: Store,
    folder: String,
}

impl ExecutionStore {
    /// The key prefix of this execution (`<prefix>/<segment>/`).
    pub fn folder(&self) -> &str {
        &self.folder
    }

    /// The offload threshold in bytes.
    pub fn threshold(&self) -> u64 {
        self.store.threshold
    }

    /// Writes bytes and returns their pointer.
    pub async fn put_bytes(
        &self,
        bytes: &[u8],
        media_type: Option<&str>,
    ) -> Result<OffloadPointer, OffloadError> {
        self.put_with(media_type, |w| {
            std::io::Write::write_all(w, bytes).map_err(|e| e.to_string())
        })
        .await
    }

    /// Serializes a JSON value into the store (streaming) and returns its pointer.
    pub async fn put_json(&self, value: &Value) -> Result<OffloadPointer, OffloadError> {
        self.put_with(Some(JSON_MEDIA_TYPE), |w| {
            serde_json::to_writer(w, value).map_err(|e| e.to_string())
        })
        .await
    }

    /// Writes whatever `write` produces, hashing as it goes; the key is
    /// `<folder><sha256>` plus an extension for JSON.
    async fn put_with(
        &self,
        media_type: Option<&str>,
        write: impl FnOnce(&mut dyn std::io::Write) -> Result<(), String>,
    ) -> Result<OffloadPointer, OffloadError> {
        let staged = hashing::stage(&self.staging_dir(), write)?;
        let ext = if media_type == Some(JSON_MEDIA_TYPE) {
            ".json"
        } else {
            ""
        };
        let key = format!("{}{}{}", self.folder, staged.sha256, ext);
        let uri = match &self.store.backend {
            Backend::Local(local) => local.commit(staged.file, &key)?,
            Backend::S3(s3) => s3.upload(staged.file.path(), &key, media_type).await?,
        };
        Ok(OffloadPointer {
            uri,
            size: staged.size,
            sha256: staged.sha256,
            media_type: media_type.map(str::to_owned),
        })
    }

    fn staging_dir(&self) -> PathBuf {
        match &self.store.backend {
            Backend::Local(local) => local.staging_dir(),
            Backend::S3(_) => std::env::temp_dir(),
        }
    }

    /// Checks that a pointer names an object in this execution's folder.
    pub fn check(&self, pointer: &OffloadPointer) -> Result<Location, OffloadError> {
        let location = Location::parse(&pointer.uri)?;
        let expected_bucket = match &self.store.backend {
            Backend::Local(_) => None,
            Backend::S3(s3) => Some(s3.bucket()),
        };
        location.check_inside(expected_bucket, &self.folder, &pointer.uri)?;
        Ok(location)
    }

    /// Fetches the object to a local file and verifies it against the pointer.
    async fn fetch_verified(&self, pointer: &OffloadPointer) -> Result<Fetched, OffloadError> {
        let location = self.check(pointer)?;
        let fetched = match &self.store.backend {
            Backend::Local(local) => Fetched::Stored(local.open(&location, &pointer.uri)?),
            Backend::S3(s3) => Fetched::Temp(s3.download(&location, &pointer.uri).await?),
        };
        hashing::verify(fetched.file(), pointer)?;
        Ok(fetched)
    }

    /// Reads and verifies the bytes a pointer names.
    pub async fn get_bytes(&self, pointer: &OffloadPointer) -> Result<Vec<u8>, OffloadError> {
        let fetched = self.fetch_verified(pointer).await?;
        let mut bytes = Vec::with_capacity(usize::try_from(pointer.size).unwrap_or(0));
        std::io::Read::read_to_end(&mut fetched.file(), &mut bytes)
            .map_err(|e| OffloadError::io(&pointer.uri, e))?;
        Ok(bytes)
    }

    /// Reads, verifies and parses the JSON value a pointer names.
    pub async fn get_json(&self, pointer: &OffloadPointer) -> Result<Value, OffloadError> {
        let fetched = self.fetch_verified(pointer).await?;
        let reader = std::io::BufReader::new(fetched.file());
        serde_json::from_reader(reader).map_err(|e| OffloadError::NotJson {
            uri: pointer.uri.clone(),
            reason: e.to_string(),
        })
    }

    /// Offloads `value` when its serialized size passes the threshold; otherwise returns it.
    pub async fn offload_if_large(&self, value: Value) -> Result<Value, OffloadError> {
        if hashing::serialized_len(&value) <= self.store.threshold {
            return Ok(value);
        }
        Ok(self.put_json(&value).await?.to_value())
    }

    /// Replaces a pointer by the value it names; any other value is returned as is.
    pub async fn resolve(&self, value: Value) -> Result<Value, OffloadError> {
        match OffloadPointer::from_value(&value) {
            Some(pointer) => self.get_json(&pointer).await,
            None if OffloadPointer::is_pointer(&value) => Err(OffloadError::InvalidPointer {
                reason: format!(
                    "`{value}` has the `$offload` key but is not a valid pointer (needs `$offload`, `size`, `sha256`)"
                ),
            }),
            None => Ok(value),
        }
    }
}
