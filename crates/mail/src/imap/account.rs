//! An IMAP + SMTP account's settings (everything but the password, which lives in the
//! keychain), provider presets, and turning a fetched message into a storable one.

use super::client::FetchedMessage;
use super::plan::Flags;
use crate::net::{Endpoint, Security};
use serde::{Deserialize, Serialize};
use switchboard_store::NewMessage;

/// Stored as the account's `settings_json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImapAccountConfig {
    pub email: String,
    pub user: String,
    pub imap: Endpoint,
    pub smtp: Endpoint,
    /// Messages newer than this many days get their full body at sync time; older ones
    /// only their header until opened. 0 means every body.
    #[serde(default = "default_body_window")]
    pub body_window_days: u32,
    /// Minutes between polls of folders other than the Inbox (1–60).
    #[serde(default = "default_poll_minutes")]
    pub poll_minutes: u32,
    /// The provider files a copy of SMTP-sent mail in Sent by itself (Gmail, Outlook).
    #[serde(default)]
    pub provider_saves_sent: bool,
}

fn default_body_window() -> u32 {
    90
}

fn default_poll_minutes() -> u32 {
    5
}

impl ImapAccountConfig {
    pub fn clamp(mut self) -> Self {
        self.poll_minutes = self.poll_minutes.clamp(1, 60);
        self
    }
}

/// How an account logs in to IMAP and SMTP. Stored in the account's `settings_json` under
/// `auth` beside the [`ImapAccountConfig`] fields (read it with
/// [`AccountAuth::from_settings_json`]); absent means a password.
///
/// ```json
/// {"email": "…", "auth": {"kind": "oauth", "provider": "google"}}
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum AccountAuth {
    /// A password (or app password) from the keychain.
    #[default]
    Password,
    /// OAuth2 bearer tokens from the provider's sign-in, sent as SASL XOAUTH2.
    Oauth { provider: OAuthProvider },
}

/// Whose sign-in issues an OAuth account's tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OAuthProvider {
    Google,
    Microsoft,
}

impl AccountAuth {
    /// The `auth` member of an account's settings JSON; a password when there is none.
    pub fn from_settings_json(settings: &str) -> Result<AccountAuth, serde_json::Error> {
        #[derive(Deserialize)]
        struct WithAuth {
            #[serde(default)]
            auth: AccountAuth,
        }
        serde_json::from_str::<WithAuth>(settings).map(|s| s.auth)
    }
}

/// What proves who we are to an IMAP or SMTP server. Borrowed from a `Secret` for the
/// length of one login; `Debug` never shows it.
#[derive(Clone, Copy)]
pub enum Credential<'a> {
    /// SASL PLAIN (or IMAP LOGIN / SMTP AUTH LOGIN when PLAIN is not offered).
    Password(&'a str),
    /// An OAuth2 access token, sent as SASL XOAUTH2.
    Bearer(&'a str),
}

impl std::fmt::Debug for Credential<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Credential::Password(_) => "Password(<redacted>)",
            Credential::Bearer(_) => "Bearer(<redacted>)",
        })
    }
}

impl Credential<'_> {
    /// Control characters cannot be carried by the SASL messages (NUL separates PLAIN's
    /// fields, ^A XOAUTH2's) nor by a command line.
    pub(crate) fn check(&self, user: &str) -> Result<(), String> {
        let bad = |s: &str| {
            s.chars()
                .any(|c| c == '\0' || c == '\x01' || c == '\r' || c == '\n')
        };
        let secret = match self {
            Credential::Password(p) => p,
            Credential::Bearer(t) => t,
        };
        if bad(user) || bad(secret) {
            Err("the user name or credential contains characters that cannot be sent".into())
        } else {
            Ok(())
        }
    }
}

/// The SASL XOAUTH2 initial response, base64-encoded: `user=<user>^Aauth=Bearer
/// <token>^A^A` (Google's and Microsoft's IMAP/SMTP OAuth2 documentation).
pub fn xoauth2_initial_response(user: &str, token: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .encode(format!("user={user}\x01auth=Bearer {token}\x01\x01"))
}

/// Server settings for a well-known provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderPreset {
    pub id: &'static str,
    pub label: &'static str,
    pub imap_host: &'static str,
    pub imap_port: u16,
    pub imap_security: Security,
    pub smtp_host: &'static str,
    pub smtp_port: u16,
    pub smtp_security: Security,
    pub provider_saves_sent: bool,
    /// Shown beside the preset (app passwords, OAuth).
    pub note: &'static str,
}

pub const PRESETS: &[ProviderPreset] = &[
    ProviderPreset {
        id: "gmail",
        label: "Gmail",
        imap_host: "imap.gmail.com",
        imap_port: 993,
        imap_security: Security::Tls,
        smtp_host: "smtp.gmail.com",
        smtp_port: 465,
        smtp_security: Security::Tls,
        provider_saves_sent: true,
        note: "Use an app password (Google account > Security), or sign in with Google.",
    },
    ProviderPreset {
        id: "outlook",
        label: "Outlook.com / Office 365",
        imap_host: "outlook.office365.com",
        imap_port: 993,
        imap_security: Security::Tls,
        smtp_host: "smtp.office365.com",
        smtp_port: 587,
        smtp_security: Security::StartTls,
        provider_saves_sent: true,
        note: "Basic authentication may be disabled by your tenant; sign in with Microsoft then.",
    },
    ProviderPreset {
        id: "fastmail",
        label: "Fastmail",
        imap_host: "imap.fastmail.com",
        imap_port: 993,
        imap_security: Security::Tls,
        smtp_host: "smtp.fastmail.com",
        smtp_port: 465,
        smtp_security: Security::Tls,
        provider_saves_sent: false,
        note: "Use an app password (Settings > Privacy & Security).",
    },
    ProviderPreset {
        id: "icloud",
        label: "iCloud Mail",
        imap_host: "imap.mail.me.com",
        imap_port: 993,
        imap_security: Security::Tls,
        smtp_host: "smtp.mail.me.com",
        smtp_port: 587,
        smtp_security: Security::StartTls,
        provider_saves_sent: false,
        note: "Use an app-specific password from appleid.apple.com.",
    },
    ProviderPreset {
        id: "yahoo",
        label: "Yahoo Mail",
        imap_host: "imap.mail.yahoo.com",
        imap_port: 993,
        imap_security: Security::Tls,
        smtp_host: "smtp.mail.yahoo.com",
        smtp_port: 465,
        smtp_security: Security::Tls,
        provider_saves_sent: true,
        note: "Use an app password (Account security > Generate app password).",
    },
];

pub fn preset(id: &str) -> Option<&'static ProviderPreset> {
    PRESETS.iter().find(|p| p.id.eq_ignore_ascii_case(id))
}

/// The preset whose domain matches an address (gmail.com -> gmail, ...).
pub fn preset_for_email(email: &str) -> Option<&'static ProviderPreset> {
    let domain = email.rsplit('@').next()?.to_ascii_lowercase();
    let id = match domain.as_str() {
        "gmail.com" | "googlemail.com" => "gmail",
        "outlook.com" | "hotmail.com" | "live.com" | "msn.com" => "outlook",
        "fastmail.com" | "fastmail.fm" => "fastmail",
        "icloud.com" | "me.com" | "mac.com" => "icloud",
        "yahoo.com" | "ymail.com" => "yahoo",
        _ => return None,
    };
    preset(id)
}

/// The per-folder key a server message is stored under: the same (UIDVALIDITY, UID)
/// is the same message, whatever its Message-ID (servers may hold duplicates).
pub fn imap_dedupe_key(uidvalidity: u32, uid: u32) -> String {
    format!("imap:{uidvalidity}:{uid}")
}

/// Parses a fetched message into a storable one. Never fails: a damaged message is
/// stored with its raw bytes and the problems found.
pub fn fetched_to_new_message(
    fetched: FetchedMessage,
    account_id: i64,
    folder_id: i64,
    uidvalidity: u32,
    now_ms: i64,
) -> NewMessage {
    let fallback = fetched
        .internal_date
        .as_deref()
        .and_then(parse_internal_date)
        .unwrap_or(now_ms);
    let flags = Flags::from_imap(&fetched.flags);
    let parsed = crate::parse_message(&fetched.raw);
    let position = format!("UID {}", fetched.uid);
    let mut m =
        parsed.into_new_message(fetched.raw, account_id, folder_id, fallback, Some(position));
    m.uid = Some(i64::from(fetched.uid));
    m.dedupe_key = imap_dedupe_key(uidvalidity, fetched.uid);
    m.seen = flags.seen;
    m.flagged = flags.flagged;
    m
}

/// INTERNALDATE ("17-Jul-1996 02:44:25 -0700") to Unix milliseconds.
pub fn parse_internal_date(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, rest) = s.split_once(' ')?;
    let (time, zone) = rest.trim().split_once(' ')?;
    let mut d = date.trim().split('-');
    let day: i64 = d.next()?.trim().parse().ok()?;
    let month = match d.next()?.to_ascii_lowercase().as_str() {
        "jan" => 1,
        "feb" => 2,
        "mar" => 3,
        "apr" => 4,
        "may" => 5,
        "jun" => 6,
        "jul" => 7,
        "aug" => 8,
        "sep" => 9,
        "oct" => 10,
        "nov" => 11,
        "dec" => 12,
        _ => return None,
    };
    let year: i64 = d.next()?.parse().ok()?;
    let mut t = time.split(':');
    let (h, mi, se): (i64, i64, i64) = (
        t.next()?.parse().ok()?,
        t.next()?.parse().ok()?,
        t.next()?.parse().ok()?,
    );
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let z: i64 = zone.trim_start_matches(['+', '-']).parse().ok()?;
    let offset = sign * ((z / 100) * 3600 + (z % 100) * 60);
    let days = days_from_civil(year, month, day);
    Some(((days * 86400 + h * 3600 + mi * 60 + se) - offset) * 1000)
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// "1-Jan-2026" for SEARCH SINCE, from Unix milliseconds (UTC date).
pub fn imap_date(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    // civil_from_days
    let z = days + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!("{d}-{}-{y}", MONTHS[(m - 1) as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_dates() {
        for (text, ms) in [
            ("17-Jul-1996 02:44:25 -0700", 837_596_665_000),
            (" 1-Jan-2026 00:00:00 +0000", 1_767_225_600_000),
            ("29-Feb-2024 23:30:00 +0530", 1_709_229_600_000),
        ] {
            assert_eq!(parse_internal_date(text), Some(ms), "{text}");
        }
        assert_eq!(parse_internal_date("yesterday"), None);
    }

    #[test]
    fn search_dates() {
        assert_eq!(imap_date(1_767_225_600_000), "1-Jan-2026");
        assert_eq!(imap_date(1_709_229_600_000), "29-Feb-2024");
    }

    #[test]
    fn auth_from_settings_defaults_to_password() {
        let rows = [
            (r#"{"email":"a@b"}"#, AccountAuth::Password),
            (r#"{"auth":{"kind":"password"}}"#, AccountAuth::Password),
            (
                r#"{"auth":{"kind":"oauth","provider":"google"}}"#,
                AccountAuth::Oauth {
                    provider: OAuthProvider::Google,
                },
            ),
            (
                r#"{"auth":{"kind":"oauth","provider":"microsoft"}}"#,
                AccountAuth::Oauth {
                    provider: OAuthProvider::Microsoft,
                },
            ),
        ];
        for (json, expected) in rows {
            assert_eq!(
                AccountAuth::from_settings_json(json).unwrap(),
                expected,
                "{json}"
            );
        }
        assert!(AccountAuth::from_settings_json(r#"{"auth":{"kind":"oauth"}}"#).is_err());
    }

    #[test]
    fn xoauth2_matches_the_documented_example() {
        // Google's XOAUTH2 documentation: user someuser@example.com, token ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg.
        let encoded = xoauth2_initial_response(
            "someuser@example.com",
            "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg",
        );
        assert_eq!(
            encoded,
            "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=="
        );
        assert_eq!(
            format!("{:?}", Credential::Bearer("ya29.secret")),
            "Bearer(<redacted>)"
        );
        assert!(Credential::Bearer("a\x01b").check("u").is_err());
        assert!(Credential::Password("pw").check("u\r\n").is_err());
        assert!(Credential::Password("pw").check("u").is_ok());
    }

    #[test]
    fn presets_by_address() {
        assert_eq!(preset_for_email("a@gmail.com").map(|p| p.id), Some("gmail"));
        assert_eq!(
            preset_for_email("a@Hotmail.com").map(|p| p.id),
            Some("outlook")
        );
        assert_eq!(preset_for_email("a@example.com"), None);
        for p in PRESETS {
            assert!(p.imap_security != Security::None && p.smtp_security != Security::None);
        }
    }
}
