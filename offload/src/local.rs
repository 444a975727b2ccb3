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

    /// The path of a checked location.
    pub(crate) fn path_of(&self, location: &Location, uri: &str) -> Result<PathBuf, OffloadError> {
        match location {
            Location::File { key } => {
                let path = self.root.join(key);
                if path.is_file() {
                    Ok(path)
                } else {
                    Err(OffloadError::NotFound {
                        uri: uri.to_owned(),
                    })
                }
            }
            Location::S3 { .. } => Err(OffloadError::InvalidPointer {
                reason: format!("`{uri}` is an S3 location but this store is a local folder"),
            }),
        }
    }
}
