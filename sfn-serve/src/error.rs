//! The errors the API answers with, in AWS's JSON shape (`__type` and `message`).
//!
//! Every name a client can catch is a variant of [`ErrorKind`] and spelled once, in
//! [`ErrorKind::as_str`]; the SDKs map these names to their typed errors
//! (`StateMachineDoesNotExist` becomes `StateMachineDoesNotExist` in `aws-sdk-sfn`, ...).

use serde_json::{Value, json};

/// The error names of the Step Functions and Lambda APIs this server answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// No state machine has that ARN.
    StateMachineDoesNotExist,
    /// A different state machine of that name exists.
    StateMachineAlreadyExists,
    /// The machine's type does not allow the operation (StartSyncExecution on Standard).
    StateMachineTypeNotSupported,
    /// No execution has that ARN.
    ExecutionDoesNotExist,
    /// An execution of that name exists with other input, or has ended.
    ExecutionAlreadyExists,
    /// The input is not JSON.
    InvalidExecutionInput,
    /// The definition does not validate.
    InvalidDefinition,
    /// The ARN is malformed or of the wrong resource type.
    InvalidArn,
    /// The name breaks Step Functions' naming rules.
    InvalidName,
    /// The task output is not JSON.
    InvalidOutput,
    /// The task token is malformed.
    InvalidToken,
    /// No task waits for that token (it finished, timed out or never existed).
    TaskDoesNotExist,
    /// The task token's task has timed out.
    TaskTimedOut,
    /// A field is missing, has the wrong type, or is out of bounds.
    ValidationException,
    /// The `X-Amz-Target` names no operation this server has.
    UnknownOperationException,
    /// The request body is not JSON.
    SerializationException,
    /// The request body is larger than any operation accepts.
    RequestEntityTooLarge,
    /// Lambda: no function of that name.
    ResourceNotFoundException,
    /// Lambda: the payload is not JSON.
    InvalidRequestContentException,
    /// Something failed inside the server (the database, a thread).
    InternalFailure,
}

impl ErrorKind {
    /// The name clients see in `__type`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::StateMachineDoesNotExist => "StateMachineDoesNotExist",
            Self::StateMachineAlreadyExists => "StateMachineAlreadyExists",
            Self::StateMachineTypeNotSupported => "StateMachineTypeNotSupported",
            Self::ExecutionDoesNotExist => "ExecutionDoesNotExist",
            Self::ExecutionAlreadyExists => "ExecutionAlreadyExists",
            Self::InvalidExecutionInput => "InvalidExecutionInput",
            Self::InvalidDefinition => "InvalidDefinition",
            Self::InvalidArn => "InvalidArn",
            Self::InvalidName => "InvalidName",
            Self::InvalidOutput => "InvalidOutput",
            Self::InvalidToken => "InvalidToken",
            Self::TaskDoesNotExist => "TaskDoesNotExist",
            Self::TaskTimedOut => "TaskTimedOut",
            Self::ValidationException => "ValidationException",
            Self::UnknownOperationException => "UnknownOperationException",
            Self::SerializationException => "SerializationException",
            Self::RequestEntityTooLarge => "RequestEntityTooLargeException",
            Self::ResourceNotFoundException => "ResourceNotFoundException",
            Self::InvalidRequestContentException => "InvalidRequestContentException",
            Self::InternalFailure => "InternalFailure",
        }
    }

    /// The HTTP status AWS answers this error with.
    pub const fn status(self) -> u16 {
        match self {
            Self::InternalFailure => 500,
            Self::ResourceNotFoundException => 404,
            Self::RequestEntityTooLarge => 413,
            _ => 400,
        }
    }
}

/// An error answer: a name and a message that says what was wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", kind.as_str())]
pub struct ApiError {
    /// The error name.
    pub kind: ErrorKind,
    /// The message.
    pub message: String,
}

impl ApiError {
    /// An error of `kind`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// A `ValidationException`.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::ValidationException, message)
    }

    /// The body AWS's JSON protocols send (`{"__type": ..., "message": ...}`).
    pub fn body(&self) -> Value {
        json!({"__type": self.kind.as_str(), "message": self.message})
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(err: crate::store::StoreError) -> Self {
        let mut message = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(s) = source {
            message.push_str(&format!(": {s}"));
            source = s.source();
        }
        Self::new(ErrorKind::InternalFailure, message)
    }
}
