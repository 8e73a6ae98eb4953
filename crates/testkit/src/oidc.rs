//! A real OAuth 2.0 / OpenID Connect authorization server (`oidc-provider` from npm, see
//! `tests/oidc/server.mjs`) on 127.0.0.1, and a headless "browser" that walks its
//! authorization flow to the app's loopback redirect.
//!
//! The server has one native public client ([`OidcProvider::client_id`]): no secret, PKCE
//! S256 required, any `http://127.0.0.1:<port>/` redirect (RFC 8252 §7.3). Sign-in and
//! consent happen by themselves for one fixed account. Refresh tokens rotate on every use;
//! presenting a rotated-out one is `invalid_grant` and revokes the whole grant.
//! `offline_access` (a refresh token) is granted only with `prompt=consent`, per OpenID
//! Connect Core §11.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{json, Value};

use crate::{NodeServer, HOST};

const SCRIPT: &str = "oidc/server.mjs";
const CLIENT_ID: &str = "switchboard-desktop";
const INTROSPECTION_CLIENT_ID: &str = "mail-server";
const MAX_REDIRECTS: usize = 20;
const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// How to start an [`OidcProvider`].
#[derive(Debug, Clone)]
pub struct OidcOptions {
    /// The account that signs in (the `sub` of its tokens).
    pub account: String,
    /// Lifetime of issued access tokens.
    pub access_token_ttl: Duration,
    /// Register a confidential client that may call the introspection endpoint (RFC 7662),
    /// as a mail server validating bearer tokens does.
    pub introspection_client: bool,
}

impl Default for OidcOptions {
    fn default() -> Self {
        Self {
            account: "test-user".to_owned(),
            access_token_ttl: Duration::from_secs(3600),
            introspection_client: false,
        }
    }
}

/// A running `oidc-provider`; stopped when dropped.
pub struct OidcProvider {
    server: NodeServer,
    discovery: Value,
    account: String,
    introspection_secret: Option<String>,
}

impl OidcProvider {
    pub fn start(options: &OidcOptions) -> io::Result<OidcProvider> {
        let ttl = options.access_token_ttl.as_secs().max(1).to_string();
        let secret = options
            .introspection_client
            .then(random_secret)
            .transpose()?;
        let mut args = vec!["--account", &options.account, "--access-ttl", &ttl];
        if let Some(secret) = &secret {
            args.extend(["--introspection-secret", secret.as_str()]);
        }
        let server = NodeServer::start(SCRIPT, &args)?;
        let discovery = server.control("GET", "/.well-known/openid-configuration", None)?;
        Ok(OidcProvider {
            server,
            discovery,
            account: options.account.clone(),
            introspection_secret: secret,
        })
    }

    fn endpoint(&self, name: &str) -> String {
        self.discovery[name]
            .as_str()
            .unwrap_or_else(|| panic!("discovery document without {name}"))
            .to_owned()
    }

    /// `http://127.0.0.1:<port>`.
    pub fn issuer(&self) -> String {
        self.endpoint("issuer")
    }

    pub fn authorize_url(&self) -> String {
        self.endpoint("authorization_endpoint")
    }

    pub fn token_url(&self) -> String {
        self.endpoint("token_endpoint")
    }

    pub fn introspection_url(&self) -> String {
        self.endpoint("introspection_endpoint")
    }

    /// The native public client's id.
    pub fn client_id(&self) -> &'static str {
        CLIENT_ID
    }

    /// The scopes the client may ask for.
    pub fn scopes(&self) -> Vec<String> {
        ["openid", "email", "offline_access"]
            .map(str::to_owned)
            .to_vec()
    }

    /// The account that signs in.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// Client id and secret for the introspection endpoint, when started with
    /// [`OidcOptions::introspection_client`]. The secret is random per start.
    pub fn introspection_client(&self) -> Option<(&'static str, &str)> {
        self.introspection_secret
            .as_deref()
            .map(|secret| (INTROSPECTION_CLIENT_ID, secret))
    }

    /// An access token for the account, straight from the server's token store (no
    /// browser): for tests of what accepts bearer tokens (IMAP, SMTP).
    pub fn mint_access_token(&self, ttl: Duration) -> io::Result<String> {
        let secs = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX).max(1);
        self.mint(secs)
    }

    /// Like [`mint_access_token`](Self::mint_access_token), but it expired a minute ago:
    /// introspection reports it inactive.
    pub fn mint_expired_access_token(&self) -> io::Result<String> {
        self.mint(-60)
    }

    fn mint(&self, ttl_secs: i64) -> io::Result<String> {
        let answer = self.server.control(
            "POST",
            "/test/access-token",
            Some(&json!({ "ttl": ttl_secs })),
        )?;
        answer["access_token"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| io::Error::other(format!("no access_token in {answer}")))
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        self.server.log()
    }

    /// What a browser does with the authorization URL: GETs it and follows redirects,
    /// keeping cookies, through the automatic sign-in and consent, until the provider
    /// redirects to a 127.0.0.1 address that is not its own; that request (the loopback
    /// redirect with `code` or `error`) is sent too. Fails when the provider answers with
    /// anything but a redirect (its error page is in the message) or the loopback
    /// listener answers other than 200.
    pub fn follow_authorization(&self, url: &str) -> io::Result<()> {
        let mut jar = BTreeMap::new();
        let mut target = Target::parse(url)?;
        for _ in 0..MAX_REDIRECTS {
            let at_provider = target.port == self.server.port();
            let response = get(&target, at_provider.then_some(&jar))?;
            if !at_provider {
                return if response.status == 200 {
                    Ok(())
                } else {
                    Err(io::Error::other(format!(
                        "the loopback redirect answered HTTP {}: {}",
                        response.status, response.body
                    )))
                };
            }
            for cookie in response.headers("set-cookie") {
                store_cookie(&mut jar, cookie);
            }
            let location = match (response.status, response.headers("location").next()) {
                (300..=399, Some(location)) => location.to_owned(),
                (status, _) => {
                    return Err(io::Error::other(format!(
                        "the authorization server answered HTTP {status} instead of a redirect: {}",
                        response.body
                    )))
                }
            };
            target = target.join(&location)?;
        }
        Err(io::Error::other(format!(
            "more than {MAX_REDIRECTS} redirects"
        )))
    }
}

fn random_secret() -> io::Result<String> {
    let mut bytes = [0u8; 24];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// An `http://127.0.0.1:<port><path>` URL; the only kind this browser visits.
#[derive(Debug)]
struct Target {
    port: u16,
    path: String,
}

impl Target {
    fn parse(url: &str) -> io::Result<Target> {
        let rest = url
            .strip_prefix(&format!("http://{HOST}:"))
            .ok_or_else(|| io::Error::other(format!("not an http://{HOST}:<port> URL: {url}")))?;
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let port = rest[..split]
            .parse()
            .map_err(|_| io::Error::other(format!("bad port in {url}")))?;
        let path = match &rest[split..] {
            "" => "/".to_owned(),
            p if p.starts_with('?') => format!("/{p}"),
            p => p.to_owned(),
        };
        Ok(Target { port, path })
    }

    /// Resolves a `Location` header: absolute, or absolute-path on the same server.
    fn join(&self, location: &str) -> io::Result<Target> {
        if location.starts_with('/') {
            Ok(Target {
                port: self.port,
                path: location.to_owned(),
            })
        } else {
            Target::parse(location)
        }
    }
}

/// Keeps `name=value` from a `Set-Cookie` line; an expired one deletes the cookie. Paths
/// are ignored: every cookie of the provider goes back to it (names do not collide).
fn store_cookie(jar: &mut BTreeMap<String, String>, line: &str) {
    let mut parts = line.split(';');
    let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
        return;
    };
    let expired = parts.any(|attr| {
        let attr = attr.trim().to_ascii_lowercase();
        attr == "max-age=0" || attr.starts_with("expires=thu, 01 jan 1970")
    });
    if expired || value.is_empty() {
        jar.remove(name.trim());
    } else {
        jar.insert(name.trim().to_owned(), value.trim().to_owned());
    }
}

struct Response {
    status: u16,
    head: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn headers<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.head
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn get(target: &Target, cookies: Option<&BTreeMap<String, String>>) -> io::Result<Response> {
    let mut stream = TcpStream::connect((HOST, target.port))?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut request = format!(
        "GET {} HTTP/1.1\r\nHost: {HOST}:{}\r\nAccept: text/html\r\nUser-Agent: switchboard-testkit\r\nConnection: close\r\n",
        target.path, target.port
    );
    if let Some(jar) = cookies.filter(|jar| !jar.is_empty()) {
        let cookie: Vec<String> = jar.iter().map(|(n, v)| format!("{n}={v}")).collect();
        request.push_str(&format!("Cookie: {}\r\n", cookie.join("; ")));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| io::Error::other("HTTP response without a header end"))?;
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::other("HTTP response without a status"))?;
    let head = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Ok(Response {
        status,
        head,
        body: body.chars().take(2000).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_locations() {
        let t = Target::parse("http://127.0.0.1:4000/auth?x=1").unwrap();
        assert_eq!((t.port, t.path.as_str()), (4000, "/auth?x=1"));
        let t = Target::parse("http://127.0.0.1:5/?code=a").unwrap();
        assert_eq!((t.port, t.path.as_str()), (5, "/?code=a"));
        assert_eq!(Target::parse("http://127.0.0.1:7").unwrap().path, "/");
        let relative = t.join("/interaction/abc").unwrap();
        assert_eq!(
            (relative.port, relative.path.as_str()),
            (5, "/interaction/abc")
        );
        assert!(Target::parse("https://example.com/").is_err());
    }

    #[test]
    fn cookies_are_set_and_expired() {
        let mut jar = BTreeMap::new();
        store_cookie(&mut jar, "_session=abc; path=/; httponly");
        store_cookie(&mut jar, "_interaction=x; path=/interaction/1");
        assert_eq!(jar.len(), 2);
        store_cookie(
            &mut jar,
            "_interaction=; path=/interaction/1; expires=Thu, 01 Jan 1970 00:00:00 GMT",
        );
        assert_eq!(jar.keys().collect::<Vec<_>>(), ["_session"]);
    }
}
