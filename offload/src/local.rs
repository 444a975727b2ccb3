//! The local-folder backend: keys are paths under a root folder.

use std::path::{Path, PathBuf};

use crate::{Location, OffloadError};

/// A local folder holding offloaded objects.
#[derive(Debug, Clone)]
pub struct LocalBackend {
    root: PathBuf,
}

impl LocalBackend {
    pub(crate) fn new(root: PathBuf) -> Self {
        Self { root }
    }

    /// The root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    pub(crate) fn staging_dir(&self) -> PathBuf {
        self.root.join(".staging")
    }

    /// Moves a staged file to its key (atomic rename within the root) and returns its URI.
    pub(crate) fn commit(
        &self,
        staged: tempfile::NamedTempFile,
        key: &str,
    ) -> Result<String, OffloadError> {
        let uri = format!("file:{key}");
        let path = self.root.join(key);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| OffloadError::io(&uri, e))?;
        }
        staged
            .persist(&path)
            .map_err(|e| OffloadError::io(&uri, e.error))?;
        Ok(uri)
    }

    /// Opens the file of a checked location, refusing anything the store did not write
    /// itself: a symbolic link (at the file or any folder above it, up to the root), a
    /// file with other hard links (which could be another execution's object or any file
    /// of the machine), or anything that is not a regular file.
    pub(crate) fn open(
        &self,
        location: &Location,
        uri: &str,
    ) -> Result<std::fs::File, OffloadError> {
        match location {
            Location::File { key } => {
                let path = self.root.join(key);
                let not_plain = |reason| OffloadError::NotPlainFile {
                    uri: uri.to_owned(),
                    reason,
                };
                let link =
                    std::fs::symlink_metadata(&path).map_err(|e| OffloadError::io(uri, e))?;
                if link.file_type().is_symlink() {
                    return Err(not_plain("a symbolic link"));
                }
                if !link.is_file() {
                    return Err(not_plain("not a regular file"));
                }
                // No folder between the root and the file may be a link either.
                let root =
                    std::fs::canonicalize(&self.root).map_err(|e| OffloadError::io(uri, e))?;
                let real = std::fs::canonicalize(&path).map_err(|e| OffloadError::io(uri, e))?;
                if real != root.join(key) {
                    return Err(not_plain("reached through a symbolic link"));
                }
                let file = std::fs::File::open(&path).map_err(|e| OffloadError::io(uri, e))?;
                let opened = file.metadata().map_err(|e| OffloadError::io(uri, e))?;
                #[cfg(unix)]
                {
                    use std::os::unix::fs::MetadataExt;
                    // The file opened is the one inspected (not swapped for a link since).
                    if (opened.dev(), opened.ino()) != (link.dev(), link.ino()) {
                        return Err(not_plain("replaced while being opened"));
                    }
                    if opened.nlink() != 1 {
                        return Err(not_plain("a file with other hard links"));
                    }
                }
                if !opened.is_file() {
                    return Err(not_plain("not a regular file"));
                }
                Ok(file)
            }
            Location::S3 { .. } => Err(OffloadError::InvalidPointer {
                reason: format!("`{uri}` is an S3 location but this store is a local folder"),
            }),
        }
    }
}
