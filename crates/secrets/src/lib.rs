//! Where Switchboard keeps passwords, tokens and API keys: the OS keychain, behind the
//! [`SecretStore`] trait, and the [`Secret`] type that carries such values through the
//! program without ever printing or serialising them.
//!
//! The database stores only key *names* such as `account/3/imap-password`; the values live
//! in the store. This crate must never log, print or serialise a value, and never fall back
//! silently to a store that is not the keychain: without a usable keychain the operations
//! fail with [`SecretError::NoBackend`], whose message tells the user what to do.
//!
//! Entry points: [`KeychainStore`] in production (the Secret Service on Linux, Keychain on
//! macOS, Credential Manager on Windows), [`MemoryStore`] in other crates' unit tests.
//! The trait is synchronous because the keychain APIs are; async code calls it from
//! `tokio::task::spawn_blocking`.
//!
//! ```
//! use switchboard_secrets::{MemoryStore, Secret, SecretStore};
//!
//! let store = MemoryStore::new();
//! store.set("account/3/imap-password", &Secret::from("hunter2"))?;
//! let password = store.get("account/3/imap-password")?.expect("just stored");
//! assert_eq!(format!("{password} {password:?}"), "<redacted> <redacted>");
//! assert_eq!(password.expose(), "hunter2");
//! # Ok::<(), switchboard_secrets::SecretError>(())
//! ```

mod error;
mod keychain;
mod memory;
mod secret;

pub use error::SecretError;
pub use keychain::{KeychainStore, DEFAULT_SERVICE};
pub use memory::MemoryStore;
pub use secret::Secret;

/// A place that keeps secret strings under names.
///
/// Keys are short paths such as `account/3/imap-password`; the same key under the same
/// store always names the same entry. Implementations are shared between threads.
pub trait SecretStore: Send + Sync {
    /// Stores `value` under `key`, replacing any value already there.
    fn set(&self, key: &str, value: &Secret<String>) -> Result<(), SecretError>;

    /// The value stored under `key`, or `None` when there is none.
    fn get(&self, key: &str) -> Result<Option<Secret<String>>, SecretError>;

    /// Removes the value stored under `key`. Removing a key that holds nothing succeeds,
    /// so a retried delete is harmless.
    fn delete(&self, key: &str) -> Result<(), SecretError>;
}
