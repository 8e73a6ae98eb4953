/// Why a secret could not be read, written or removed.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// There is no usable keychain: no Secret Service on the session bus, no session bus at
    /// all, or a keyring that is locked and could not be unlocked. The user can fix this;
    /// the text says how.
    #[error(
        "Switchboard could not use the system keyring, where it keeps passwords and tokens \
         ({0}). On Linux this is the Secret Service, provided by GNOME Keyring or KWallet: \
         make sure one of them is installed and running, and unlock it (for example in \
         Passwords and Keys). If it was not running when Switchboard started, restart \
         Switchboard afterwards."
    )]
    NoBackend(String),

    /// The keychain answered but the operation failed.
    #[error("the system keyring failed: {0}")]
    Backend(String),
}

impl SecretError {
    /// Whether the same operation can succeed later without a code change. A missing or
    /// locked keyring can be started or unlocked by the user, so work that needs it should
    /// wait and retry rather than fail for good; any other keyring failure is reported.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::NoBackend(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_missing_keyring_is_retryable() {
        assert!(SecretError::NoBackend("locked".into()).is_retryable());
        assert!(!SecretError::Backend("bad data".into()).is_retryable());
    }

    #[test]
    fn no_backend_tells_the_user_what_to_do() {
        let message = SecretError::NoBackend("no session bus".into()).to_string();
        assert!(message.contains("no session bus"), "{message}");
        assert!(message.contains("unlock it"), "{message}");
        assert!(message.contains("GNOME Keyring"), "{message}");
    }
}
