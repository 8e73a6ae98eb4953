use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use switchboard_secrets::Secret;

use crate::AuthError;

/// A PKCE pair (RFC 7636, method S256): the verifier stays in this process until the code
/// exchange; only the challenge goes into the authorization URL.
#[derive(Debug, Clone)]
pub struct Pkce {
    pub verifier: Secret<String>,
    pub challenge: String,
}

impl Pkce {
    /// From 32 random bytes: a 43-character base64url verifier (RFC 7636 §4.1).
    pub fn from_random(bytes: [u8; 32]) -> Self {
        let verifier = URL_SAFE_NO_PAD.encode(bytes);
        let challenge = s256_challenge(&verifier);
        Self {
            verifier: Secret::new(verifier),
            challenge,
        }
    }

    /// From the operating system's CSPRNG.
    pub fn generate() -> Result<Self, AuthError> {
        Ok(Self::from_random(random_bytes()?))
    }
}

/// `BASE64URL(SHA256(verifier))`, unpadded (RFC 7636 §4.2).
pub fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The `state` parameter that binds a redirect to the sign-in attempt that started it.
#[derive(Debug, Clone)]
pub struct State(String);

impl State {
    pub fn from_random(bytes: [u8; 32]) -> Self {
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    pub fn generate() -> Result<Self, AuthError> {
        Ok(Self::from_random(random_bytes()?))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Constant-time comparison, so a local attacker probing the listener learns nothing
    /// from response timing.
    pub fn matches(&self, received: &str) -> bool {
        self.0.as_bytes().ct_eq(received.as_bytes()).into()
    }
}

fn random_bytes() -> Result<[u8; 32], AuthError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| AuthError::Config(format!("no secure random source: {e}")))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_example() {
        assert_eq!(
            s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let octets = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212,
            37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        let pkce = Pkce::from_random(octets);
        assert_eq!(
            pkce.verifier.expose(),
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
        assert_eq!(
            pkce.challenge,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifier_is_43_unreserved_chars_and_generated_pairs_differ() {
        let a = Pkce::generate().unwrap();
        let b = Pkce::generate().unwrap();
        assert_eq!(a.verifier.expose().len(), 43);
        assert!(a
            .verifier
            .expose()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_ne!(a.verifier.expose(), b.verifier.expose());
        assert_eq!(a.challenge, s256_challenge(a.verifier.expose()));
        assert!(!format!("{a:?}").contains(a.verifier.expose().as_str()));
    }

    #[test]
    fn state_matches_only_itself() {
        let state = State::from_random([7; 32]);
        assert!(state.matches(state.as_str()));
        assert!(!state.matches(""));
        assert!(!state.matches(&state.as_str()[1..]));
        assert!(!state.matches(State::from_random([8; 32]).as_str()));
    }
}
