use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroize;

const REDACTED: &str = "<redacted>";

/// A value that must not leak: it formats as `<redacted>` with `{}` and `{:?}`, refuses to
/// serialise, and is wiped from memory when dropped. [`Secret::expose`] is the only way to
/// read it, so every place that does is easy to find.
///
/// It can be deserialised, so a request from the UI that carries a new password can hold
/// it as a `Secret<String>` from the moment it arrives.
pub struct Secret<T: Zeroize>(T);

impl<T: Zeroize> Secret<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The wrapped value. Keep what you do with it short: pass it to the one call that
    /// needs it, never to a log or a `format!`.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T: Zeroize> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret<String> {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl<T: Zeroize + Clone> Clone for Secret<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T: Zeroize> Drop for Secret<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<T: Zeroize> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<T: Zeroize> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Serialising a secret is always a mistake (a DTO sent to the UI, a log line in JSON, a
/// row written to the database), so it fails loudly instead of writing the value or a
/// placeholder that would hide the bug.
impl<T: Zeroize> Serialize for Secret<T> {
    fn serialize<S: Serializer>(&self, _serializer: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom(
            "refusing to serialise a Secret: store it with a SecretStore and keep only its key",
        ))
    }
}

impl<'de, T: Zeroize + Deserialize<'de>> Deserialize<'de> for Secret<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALUE: &str = "hunter2-imap-password";

    #[derive(Debug, Serialize, Deserialize)]
    struct Account {
        user: String,
        password: Secret<String>,
    }

    fn account() -> Account {
        Account {
            user: "rep@example.com".to_owned(),
            password: Secret::from(VALUE),
        }
    }

    #[test]
    fn formatting_never_shows_the_value() {
        let secret = Secret::from(VALUE);
        let renderings = [
            format!("{secret}"),
            format!("{secret:?}"),
            format!("{secret:#?}"),
            format!("{secret:>40}"),
            secret.to_string(),
        ];
        for rendered in renderings {
            assert!(!rendered.contains(VALUE), "{rendered}");
            assert!(rendered.contains("<redacted>"), "{rendered}");
        }
    }

    #[test]
    fn debug_of_a_struct_holding_a_secret_is_redacted() {
        let rendered = format!("{:?} {:#?}", account(), account());
        assert!(!rendered.contains(VALUE), "{rendered}");
        assert!(rendered.contains("rep@example.com"));
    }

    #[test]
    fn serialising_fails_and_names_the_reason() {
        let err = serde_json::to_string(&Secret::from(VALUE)).expect_err("must not serialise");
        assert!(
            err.to_string().contains("refusing to serialise a Secret"),
            "{err}"
        );
        assert!(!err.to_string().contains(VALUE));

        let err = serde_json::to_string(&account()).expect_err("a struct holding one neither");
        assert!(!err.to_string().contains(VALUE));
        assert!(serde_json::to_value(account()).is_err());
    }

    #[test]
    fn deserialising_wraps_the_value() {
        let parsed: Account =
            serde_json::from_str(r#"{"user":"rep@example.com","password":"s3cret"}"#).unwrap();
        assert_eq!(parsed.password.expose(), "s3cret");
    }

    #[test]
    fn expose_and_clone_give_the_value() {
        let secret = Secret::new(vec![1u8, 2, 3]);
        let copy = secret.clone();
        drop(secret);
        assert_eq!(copy.expose(), &[1, 2, 3]);
    }
}
