use crate::{Secret, SecretError, SecretStore};

/// The service name Switchboard's entries are filed under in the OS keychain.
pub const DEFAULT_SERVICE: &str = "switchboard";

/// The OS keychain: the Secret Service (GNOME Keyring, KWallet) over D-Bus on Linux,
/// Keychain Services on macOS, Credential Manager on Windows, through the `keyring` crate.
///
/// Each key becomes one entry whose service is this store's service name and whose user
/// name is the key; on Linux they are the `service` and `username` attributes of an item in
/// the default collection, so `secret-tool lookup service switchboard username KEY` finds it.
///
/// The `keyring` crate connects to the platform store once per process, on first use. If
/// that fails (no session bus, no Secret Service) every operation returns
/// [`SecretError::NoBackend`] until the process restarts; a keyring that is merely locked
/// gives the same error, but only until the user unlocks it.
#[derive(Debug, Clone)]
pub struct KeychainStore {
    service: String,
}

impl KeychainStore {
    /// A store whose entries are filed under `service`. Production uses
    /// [`DEFAULT_SERVICE`] (see [`KeychainStore::default`]); tests use a name of their own
    /// so they never touch a user's entries.
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(&self, key: &str) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(&self.service, key).map_err(classify)
    }
}

impl Default for KeychainStore {
    fn default() -> Self {
        Self::new(DEFAULT_SERVICE)
    }
}

impl SecretStore for KeychainStore {
    fn set(&self, key: &str, value: &Secret<String>) -> Result<(), SecretError> {
        self.entry(key)?
            .set_password(value.expose())
            .map_err(classify)
    }

    fn get(&self, key: &str) -> Result<Option<Secret<String>>, SecretError> {
        match self.entry(key)?.get_password() {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(err) => Err(classify(err)),
        }
    }

    fn delete(&self, key: &str) -> Result<(), SecretError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            // Another program filed a second item with the same attributes; deleting the
            // key means none of them may be found afterwards.
            Err(keyring::Error::Ambiguous(duplicates)) => {
                for duplicate in duplicates {
                    match duplicate.delete_credential() {
                        Ok(()) | Err(keyring::Error::NoEntry) => {}
                        Err(err) => return Err(classify(err)),
                    }
                }
                Ok(())
            }
            Err(err) => Err(classify(err)),
        }
    }
}

/// Sorts a `keyring` error into "the user has to start or unlock a keyring" and everything
/// else. The texts used never contain the secret: `keyring` reports bad data by its shape.
fn classify(err: keyring::Error) -> SecretError {
    match err {
        keyring::Error::NoDefaultStore => {
            let reason = match keyring::Entry::store_status() {
                Err(init) => init.to_string(),
                Ok(()) => "no keychain is configured".to_owned(),
            };
            SecretError::NoBackend(reason)
        }
        keyring::Error::NoStorageAccess(reason) => SecretError::NoBackend(reason.to_string()),
        other => SecretError::Backend(other.to_string()),
    }
}
