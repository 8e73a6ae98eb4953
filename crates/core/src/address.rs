//! Email address normalisation shared by mail, contacts, tickets and bounces.

/// Lower-cases and trims an address so the same mailbox always compares equal.
/// The local part is case-sensitive in theory (RFC 5321 §2.4) but no provider treats
/// it so, and contacts must match across sources.
pub fn normalize_email(addr: &str) -> String {
    addr.trim()
        .trim_matches(|c| c == '<' || c == '>')
        .trim()
        .to_lowercase()
}

/// The domain of an address, if it has one.
pub fn email_domain(addr: &str) -> Option<&str> {
    addr.rsplit_once('@')
        .map(|(_, d)| d)
        .filter(|d| !d.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_case_and_brackets() {
        let cases = [
            ("Alice@Example.COM", "alice@example.com"),
            (" <bob@x.org> ", "bob@x.org"),
            ("carol@y.de", "carol@y.de"),
        ];
        for (input, want) in cases {
            assert_eq!(normalize_email(input), want, "{input}");
        }
    }

    #[test]
    fn finds_domain() {
        assert_eq!(email_domain("a@b.com"), Some("b.com"));
        assert_eq!(email_domain("nobody"), None);
        assert_eq!(email_domain("x@"), None);
    }
}
