use crate::dto::ApiError;
use switchboard_core::ErrorCode;

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

impl From<switchboard_store::StoreError> for ApiError {
    fn from(e: switchboard_store::StoreError) -> Self {
        let code = e.code();
        if code == ErrorCode::Internal {
            tracing::error!(error = %e, "store error");
        }
        Self::new(code, e.to_string())
    }
}

impl From<switchboard_mail::ImportError> for ApiError {
    fn from(e: switchboard_mail::ImportError) -> Self {
        match e {
            switchboard_mail::ImportError::Store(s) => s.into(),
            io @ switchboard_mail::ImportError::Io { .. } => {
                Self::new(ErrorCode::InvalidInput, io.to_string())
            }
        }
    }
}

impl From<switchboard_secrets::SecretError> for ApiError {
    fn from(e: switchboard_secrets::SecretError) -> Self {
        let code = if e.is_retryable() {
            ErrorCode::Offline
        } else {
            ErrorCode::Internal
        };
        Self::new(code, e.to_string())
    }
}
