//! Pointer locations (`s3://bucket/key`, `file:key`) and the execution-folder check.

use crate::OffloadError;

/// A parsed pointer location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// `file:<key>`, relative to the local store's root.
    File {
        /// The key.
        key: String,
    },
    /// `s3://<bucket>/<key>`.
    S3 {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
    },
}

impl Location {
    /// Parses a pointer's `$offload` value.
    pub fn parse(uri: &str) -> Result<Self, OffloadError> {
        if let Some(key) = uri.strip_prefix("file:") {
            return Ok(Self::File {
                key: key.to_owned(),
            });
        }
        if let Some(rest) = uri.strip_prefix("s3://")
            && let Some((bucket, key)) = rest.split_once('/')
            && !bucket.is_empty()
        {
            return Ok(Self::S3 {
                bucket: bucket.to_owned(),
                key: key.to_owned(),
            });
        }
        Err(OffloadError::InvalidPointer {
            reason: format!("`{uri}` is neither `s3://<bucket>/<key>` nor `file:<key>`"),
        })
    }

    /// The key.
    pub fn key(&self) -> &str {
        match self {
            Self::File { key } | Self::S3 { key, .. } => key,
        }
    }

    /// Refuses a location outside `folder` (and, for S3, outside `bucket`). Keys with empty,
    /// `.` or `..` segments are refused too, so no path trick leaves the folder.
    pub(crate) fn check_inside(
        &self,
        bucket: Option<&str>,
        folder: &str,
        uri: &str,
    ) -> Result<(), OffloadError> {
        let expected = match bucket {
            Some(b) => format!("s3://{b}/{folder}"),
            None => format!("file:{folder}"),
        };
        let foreign = || OffloadError::ForeignPointer {
            uri: uri.to_owned(),
            expected: expected.clone(),
        };
        let same_backend = match (self, bucket) {
            (Self::File { .. }, None) => true,
            (Self::S3 { bucket: b, .. }, Some(expected)) => b == expected,
            _ => false,
        };
        let key = self.key();
        let clean = !key
            .split('/')
            .any(|seg| seg.is_empty() || seg == "." || seg == "..")
            && !key.contains('\\');
        if same_backend && clean && key.starts_with(folder) && key.len() > folder.len() {
            Ok(())
        } else {
            Err(foreign())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse_and_must_stay_inside_the_folder() {
        let loc = Location::parse("s3://b/agents/SM/run-1/abc.json").unwrap();
        assert!(loc.check_inside(Some("b"), "agents/SM/run-1/", "u").is_ok());
        assert!(
            loc.check_inside(Some("other"), "agents/SM/run-1/", "u")
                .is_err()
        );
        assert!(
            loc.check_inside(Some("b"), "agents/SM/run-2/", "u")
                .is_err()
        );
        assert!(loc.check_inside(None, "agents/SM/run-1/", "u").is_err());
        let sneaky = Location::parse("file:agents/SM/run-1/../run-2/x.json").unwrap();
        assert!(sneaky.check_inside(None, "agents/SM/run-1/", "u").is_err());
        let prefix_only = Location::parse("file:agents/SM/run-1/").unwrap();
        assert!(
            prefix_only
                .check_inside(None, "agents/SM/run-1/", "u")
                .is_err()
        );
        assert!(Location::parse("http://x/y").is_err());
        assert!(Location::parse("s3:///key").is_err());
    }
}
