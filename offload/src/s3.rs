//! The S3 backend (`aws-sdk-s3`). The client is built on first use, so a Lambda's init does
//! no network and loads no configuration it may not need.

use std::path::Path;
use std::sync::Arc;

use aws_sdk_s3::primitives::ByteStream;
use tokio::io::AsyncWriteExt;
use tokio::sync::OnceCell;

use crate::{Location, OffloadError};

/// An S3 bucket holding offloaded objects.
#[derive(Debug, Clone)]
pub struct S3Backend {
    bucket: String,
    force_path_style: bool,
    endpoint: Option<String>,
    client: Arc<OnceCell<aws_sdk_s3::Client>>,
}

impl S3Backend {
    pub(crate) fn new(bucket: String, force_path_style: bool) -> Self {
        Self {
            bucket,
            force_path_style,
            endpoint: None,
            client: Arc::new(OnceCell::new()),
        }
    }

    /// Uses this endpoint instead of the environment's (a local S3 server, for example).
    pub(crate) fn set_endpoint(&mut self, url: String) {
        self.endpoint = Some(url);
    }

    /// The bucket.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The client, built from the environment on first use (`AWS_ENDPOINT_URL_S3` and
    /// `AWS_ENDPOINT_URL` are honoured by the SDK's configuration loader).
    pub async fn client(&self) -> &aws_sdk_s3::Client {
        self.client
            .get_or_init(|| async {
                let shared = aws_config::defaults(aws_config::BehaviorVersion::latest())
                    .load()
                    .await;
                let mut conf = aws_sdk_s3::config::Builder::from(&shared)
                    .force_path_style(self.force_path_style);
                if let Some(url) = &self.endpoint {
                    conf = conf.endpoint_url(url);
                }
                let conf = conf.build();
                aws_sdk_s3::Client::from_conf(conf)
            })
            .await
    }

    /// Uploads a file from disk (streamed by the SDK) and returns its URI.
    pub(crate) async fn upload(
        &self,
        path: &Path,
        key: &str,
        media_type: Option<&str>,
    ) -> Result<String, OffloadError> {
        let uri = format!("s3://{}/{key}", self.bucket);
        let body = ByteStream::from_path(path)
            .await
            .map_err(|e| store_error(&uri, &e))?;
        let mut request = self
            .client()
            .await
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(body);
        if let Some(media_type) = media_type {
            request = request.content_type(media_type);
        }
        request.send().await.map_err(|e| store_error(&uri, &e))?;
        Ok(uri)
    }

    /// Streams an object into a temporary file.
    pub(crate) async fn download(
        &self,
        location: &Location,
        uri: &str,
    ) -> Result<tempfile::NamedTempFile, OffloadError> {
        let Location::S3 { key, .. } = location else {
            return Err(OffloadError::InvalidPointer {
                reason: format!("`{uri}` is a local location but this store is S3"),
            });
        };
        let output = self
            .client()
            .await
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| {
                if e.as_service_error().is_some_and(|s| s.is_no_such_key()) {
                    OffloadError::NotFound {
                        uri: uri.to_owned(),
                    }
                } else {
                    store_error(uri, &e)
                }
            })?;
        let temp = tempfile::NamedTempFile::new().map_err(|e| OffloadError::io(uri, e))?;
        let mut file =
            tokio::fs::File::from_std(temp.reopen().map_err(|e| OffloadError::io(uri, e))?);
        let mut body = output.body;
        while let Some(chunk) = body.try_next().await.map_err(|e| store_error(uri, &e))? {
            file.write_all(&chunk)
                .await
                .map_err(|e| OffloadError::io(uri, e))?;
        }
        file.flush().await.map_err(|e| OffloadError::io(uri, e))?;
        Ok(temp)
    }
}

fn store_error(uri: &str, err: &dyn std::error::Error) -> OffloadError {
    // The SDK's Display is terse; include the source chain so the cause is visible.
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    OffloadError::Store {
        uri: uri.to_owned(),
        message,
    }
}
