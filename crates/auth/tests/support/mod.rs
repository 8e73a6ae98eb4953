//! An in-test OAuth2 token endpoint on 127.0.0.1:0 that enforces what RFC 6749/7636
//! require of it (PKCE S256, redirect_uri, single-use codes, rotating refresh tokens) and
//! counts the requests it answers. Shared by the integration tests of this crate.
#![allow(dead_code)] // each test binary uses part of it
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use switchboard_auth::{s256_challenge, ProviderConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const CLIENT_ID: &str = "test-client.apps.example";

pub struct Grant {
    challenge: String,
    redirect_uri: String,
}

#[derive(Default)]
pub struct ServerState {
    pub codes: HashMap<String, Grant>,
    pub live_refresh_tokens: HashSet<String>,
    pub issued: u32,
    pub unavailable: bool,
    /// When set, requests must carry this `client_secret` (a Google "desktop" client).
    pub client_secret: Option<String>,
    /// Token requests answered (any grant, any outcome).
    pub token_requests: u32,
    /// `expires_in` of issued access tokens; 3600 when unset.
    pub expires_in: Option<i64>,
}

/// The authorization server's side. `authorize` stands in for the consent screen: it
/// records the challenge and redirect URI the authorization URL carried and issues a code.
#[derive(Clone)]
pub struct FakeServer {
    pub addr: SocketAddr,
    pub state: Arc<Mutex<ServerState>>,
}

impl FakeServer {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(ServerState::default()));
        let shared = state.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let shared = shared.clone();
                tokio::spawn(async move { serve(stream, shared).await });
            }
        });
        Self { addr, state }
    }

    pub fn token_requests(&self) -> u32 {
        self.state.lock().unwrap().token_requests
    }

    /// A refresh token the server will accept once, as if from an earlier sign-in.
    pub fn live_refresh_token(&self, token: &str) {
        self.state
            .lock()
            .unwrap()
            .live_refresh_tokens
            .insert(token.to_owned());
    }

    pub fn provider(&self) -> ProviderConfig {
        ProviderConfig {
            authorize_url: format!("http://{}/authorize", self.addr),
            token_url: format!("http://{}/token", self.addr),
            client_id: CLIENT_ID.to_owned(),
            client_secret: None,
            scopes: vec!["offline_access".to_owned(), "mail".to_owned()],
            extra_auth_params: Vec::new(),
        }
    }

    /// Reads the authorization URL like the provider would and returns the code it would
    /// put in the redirect.
    pub fn authorize(&self, url: &url::Url) -> String {
        let query: HashMap<String, String> = url.query_pairs().into_owned().collect();
        assert_eq!(query["client_id"], CLIENT_ID);
        assert_eq!(query["response_type"], "code");
        assert_eq!(query["code_challenge_method"], "S256");
        let mut state = self.state.lock().unwrap();
        state.issued += 1;
        let code = format!("code-{}", state.issued);
        state.codes.insert(
            code.clone(),
            Grant {
                challenge: query["code_challenge"].clone(),
                redirect_uri: query["redirect_uri"].clone(),
            },
        );
        code
    }
}

async fn serve(mut stream: TcpStream, shared: Arc<Mutex<ServerState>>) {
    let Some((target, body)) = read_request(&mut stream).await else {
        return;
    };
    let form: HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let (status, json) = if target != "/token" {
        (404, r#"{"error":"not_found"}"#.to_owned())
    } else {
        token_endpoint(&form, &mut shared.lock().unwrap())
    };
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        503 => "Service Unavailable",
        _ => "Not Found",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{json}",
        json.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn oauth_error(code: &str, description: &str) -> (u16, String) {
    let status = if code == "invalid_client" { 401 } else { 400 };
    (
        status,
        serde_json::json!({"error": code, "error_description": description}).to_string(),
    )
}

fn token_endpoint(form: &HashMap<String, String>, state: &mut ServerState) -> (u16, String) {
    state.token_requests += 1;
    if state.unavailable {
        return (503, "upstream down".to_owned());
    }
    if form.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
        return oauth_error("invalid_client", "unknown client");
    }
    if state.client_secret.is_some() && form.get("client_secret") != state.client_secret.as_ref() {
        return oauth_error("invalid_client", "client_secret missing or wrong");
    }
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let code = form.get("code").cloned().unwrap_or_default();
            // Codes are single use: removed whether or not the rest checks out.
            let Some(grant) = state.codes.remove(&code) else {
                return oauth_error("invalid_grant", "unknown or used code");
            };
            if form.get("redirect_uri") != Some(&grant.redirect_uri) {
                return oauth_error("invalid_grant", "redirect_uri mismatch");
            }
            let verifier = form.get("code_verifier").cloned().unwrap_or_default();
            if s256_challenge(&verifier) != grant.challenge {
                return oauth_error("invalid_grant", "code_verifier does not match");
            }
        }
        Some("refresh_token") => {
            let token = form.get("refresh_token").cloned().unwrap_or_default();
            if !state.live_refresh_tokens.remove(&token) {
                return oauth_error("invalid_grant", "refresh token revoked or reused");
            }
        }
        _ => return oauth_error("unsupported_grant_type", "no such grant"),
    }
    state.issued += 1;
    let refresh = format!("refresh-{}", state.issued);
    state.live_refresh_tokens.insert(refresh.clone());
    (
        200,
        serde_json::json!({
            "access_token": format!("access-{}", state.issued),
            "token_type": "Bearer",
            "expires_in": state.expires_in.unwrap_or(3600),
            "refresh_token": refresh,
            "scope": "offline_access mail",
        })
        .to_string(),
    )
}

/// A minimal HTTP/1.1 request reader: head, then `Content-Length` bytes of body.
async fn read_request(stream: &mut TcpStream) -> Option<(String, String)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while data.len() < head_end + length {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    }
    let target = head.split(' ').nth(1)?.to_owned();
    let body = String::from_utf8_lossy(&data[head_end..head_end + length]).into_owned();
    Some((target, body))
}
