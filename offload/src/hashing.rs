//! Streaming SHA-256: stage a write into a temporary file while hashing it, and verify a
//! fetched object against its pointer without loading it whole.

use std::io::{BufWriter, Read, Write};
use std::path::Path;

use protocol::OffloadPointer;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::OffloadError;

/// A written, hashed temporary file.
pub(crate) struct Staged {
    pub(crate) file: tempfile::NamedTempFile,
    pub(crate) size: u64,
    pub(crate) sha256: String,
}

/// Counts and hashes everything written through it.
struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    size: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Runs `write` into a new temporary file in `dir`, hashing as it goes.
pub(crate) fn stage(
    dir: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<(), String>,
) -> Result<Staged, OffloadError> {
    let uri = dir.display().to_string();
    std::fs::create_dir_all(dir).map_err(|e| OffloadError::io(&uri, e))?;
    let file = tempfile::NamedTempFile::new_in(dir).map_err(|e| OffloadError::io(&uri, e))?;
    let (size, hasher) = {
        let mut writer = HashingWriter {
            inner: BufWriter::with_capacity(1 << 16, file.as_file()),
            hasher: Sha256::new(),
            size: 0,
        };
        write(&mut writer).map_err(|message| OffloadError::Store {
            uri: uri.clone(),
            message,
        })?;
        writer.flush().map_err(|e| OffloadError::io(&uri, e))?;
        (writer.size, writer.hasher)
    };
    Ok(Staged {
        file,
        size,
        sha256: hex::encode(hasher.finalize()),
    })
}

/// Hashes an open file in chunks, from its start.
pub(crate) fn hash_file(mut file: &std::fs::File) -> std::io::Result<(u64, String)> {
    std::io::Seek::rewind(&mut file)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((size, hex::encode(hasher.finalize())))
}

/// Checks an open file against its pointer (size first, then SHA-256) and rewinds it, so
/// the bytes read next are the bytes verified.
pub(crate) fn verify(file: &std::fs::File, pointer: &OffloadPointer) -> Result<(), OffloadError> {
    let io = |e| OffloadError::io(&pointer.uri, e);
    let (size, sha256) = hash_file(file).map_err(io)?;
    if size != pointer.size {
        return Err(OffloadError::SizeMismatch {
            uri: pointer.uri.clone(),
            expected: pointer.size,
        });
    }
    if !sha256.eq_ignore_ascii_case(&pointer.sha256) {
        return Err(OffloadError::HashMismatch {
            uri: pointer.uri.clone(),
        });
    }
    let mut file = file;
    std::io::Seek::rewind(&mut file).map_err(io)?;
    Ok(())
}

/// The length of a value's compact JSON serialization, without building the string.
pub fn serialized_len(value: &Value) -> u64 {
    struct Counter(u64);
    impl Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len() as u64;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    serde_json::to_writer(&mut counter, value).expect("a JSON value serializes");
    counter.0
}
