use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::{Secret, SecretError, SecretStore};

/// A [`SecretStore`] that lives in process memory, for unit tests of code that reads and
/// writes secrets. Values are wiped when overwritten, deleted or dropped.
#[derive(Debug, Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<String, Secret<String>>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// The keys currently stored, sorted; handy for asserting what code under test wrote.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.entries().keys().cloned().collect();
        keys.sort();
        keys
    }

    fn entries(&self) -> MutexGuard<'_, HashMap<String, Secret<String>>> {
        // A panic elsewhere while holding the lock leaves the map itself consistent.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl SecretStore for MemoryStore {
    fn set(&self, key: &str, value: &Secret<String>) -> Result<(), SecretError> {
        self.entries().insert(key.to_owned(), value.clone());
        Ok(())
    }

    fn get(&self, key: &str) -> Result<Option<Secret<String>>, SecretError> {
        Ok(self.entries().get(key).cloned())
    }

    fn delete(&self, key: &str) -> Result<(), SecretError> {
        self.entries().remove(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(store: &dyn SecretStore, key: &str) -> Option<String> {
        store.get(key).unwrap().map(|s| s.expose().clone())
    }

    #[test]
    fn round_trip_overwrite_and_delete() {
        let store = MemoryStore::new();
        let key = "account/3/imap-password";

        assert_eq!(value(&store, key), None);
        store.set(key, &Secret::from("first")).unwrap();
        assert_eq!(value(&store, key).as_deref(), Some("first"));
        store.set(key, &Secret::from("second")).unwrap();
        assert_eq!(value(&store, key).as_deref(), Some("second"));
        assert_eq!(store.keys(), [key]);

        store.delete(key).unwrap();
        assert_eq!(value(&store, key), None);
        store.delete(key).unwrap();
        assert!(store.keys().is_empty());
    }

    #[test]
    fn keys_are_independent() {
        let store = MemoryStore::new();
        store.set("account/1/token", &Secret::from("one")).unwrap();
        store.set("account/2/token", &Secret::from("two")).unwrap();
        store.delete("account/1/token").unwrap();
        assert_eq!(value(&store, "account/2/token").as_deref(), Some("two"));
    }

    #[test]
    fn usable_as_a_shared_trait_object() {
        let store: std::sync::Arc<dyn SecretStore> = std::sync::Arc::new(MemoryStore::new());
        let writer = std::sync::Arc::clone(&store);
        std::thread::spawn(move || writer.set("crm/hubspot/api-key", &Secret::from("k")))
            .join()
            .unwrap()
            .unwrap();
        assert_eq!(
            value(store.as_ref(), "crm/hubspot/api-key").as_deref(),
            Some("k")
        );
    }
}
