use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use switchboard_secrets::Secret;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::{AuthError, State};

/// A request head larger than this is not a browser redirect.
const MAX_REQUEST_HEAD: usize = 16 * 1024;

/// The RFC 8252 §7.3 loopback redirect: a listener on 127.0.0.1 with a port the OS picks,
/// alive for one sign-in attempt.
pub struct LoopbackListener {
    listener: TcpListener,
    addr: SocketAddr,
}

impl LoopbackListener {
    /// Binds 127.0.0.1 on a random free port (the IP literal, not `localhost`, so the
    /// redirect cannot be served by an IPv6 or hosts-file surprise: RFC 8252 §8.3).
    pub async fn bind() -> Result<Self, AuthError> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        Ok(Self { listener, addr })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The `redirect_uri` to send with the authorization request and the code exchange.
    ///
    /// Registration: a Google "Desktop app" client accepts any loopback port without
    /// listing it. A Microsoft app registration needs a "Mobile and desktop applications"
    /// platform with redirect URI `http://127.0.0.1` (or `http://localhost`, which this
    /// listener does not use); Microsoft ignores the port for loopback URIs.
    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}/", self.addr.port())
    }

    /// Waits for the browser's redirect and returns the authorization code once its `state`
    /// matches. Other paths (e.g. `/favicon.ico`) get a 404 and the wait goes on; a
    /// wrong state, `error=access_denied` or any other `error` ends it with an error page
    /// in the browser and the matching [`AuthError`]; `timeout` bounds the whole wait.
    pub async fn wait_for_code(
        self,
        expected_state: &State,
        timeout: Duration,
    ) -> Result<Secret<String>, AuthError> {
        let deadline = Instant::now() + timeout;
        let (tx, mut rx) = mpsc::channel::<(TcpStream, Option<String>)>(8);
        let outcome = tokio::time::timeout_at(deadline, async {
            loop {
                tokio::select! {
                    accepted = self.listener.accept() => {
                        let (stream, _) = accepted?;
                        let tx = tx.clone();
                        // Each connection is read on its own task: a browser's idle
                        // preconnect must not block the one that carries the redirect.
                        tokio::spawn(async move {
                            let mut stream = stream;
                            let target = tokio::time::timeout_at(deadline, read_request_target(&mut stream))
                                .await
                                .ok()
                                .flatten();
                            let _ = tx.send((stream, target)).await;
                        });
                    }
                    Some((mut stream, target)) = rx.recv() => {
                        match classify(target.as_deref(), expected_state) {
                            Redirect::Ignore => {
                                respond(&mut stream, "404 Not Found", "Not found", "Nothing here.").await;
                            }
                            Redirect::Code(code) => {
                                respond(&mut stream, "200 OK", "Signed in",
                                    "Switchboard is signed in. You can close this window.").await;
                                return Ok(code);
                            }
                            Redirect::Failed(err) => {
                                let message = format!("{err}. You can close this window and try again from Switchboard.");
                                respond(&mut stream, "400 Bad Request", "Sign-in failed", &message).await;
                                return Err(err);
                            }
                        }
                    }
                }
            }
        })
        .await;
        outcome.unwrap_or(Err(AuthError::TimedOut))
    }
}

enum Redirect {
    Ignore,
    Code(Secret<String>),
    Failed(AuthError),
}

/// What a redirect's request target (`/?code=..&state=..`) means for the sign-in attempt
/// that sent `expected_state`: `None` when it is not the redirect (another path, no `code`
/// or `error`) and the wait should go on; otherwise the code or why there is none.
/// Pure, so other redirect carriers (a custom URI scheme, a webview) can reuse it.
pub fn redirect_result(
    target: &str,
    expected_state: &State,
) -> Option<Result<Secret<String>, AuthError>> {
    match classify(Some(target), expected_state) {
        Redirect::Ignore => None,
        Redirect::Code(code) => Some(Ok(code)),
        Redirect::Failed(err) => Some(Err(err)),
    }
}

fn classify(target: Option<&str>, expected_state: &State) -> Redirect {
    let Some(target) = target else {
        return Redirect::Ignore;
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != "/" {
        return Redirect::Ignore;
    }
    let mut code = None;
    let mut state = None;
    let mut error = None;
    let mut description = None;
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "code" => code = Some(Secret::new(value.into_owned())),
            "state" => state = Some(value.into_owned()),
            "error" => error = Some(value.into_owned()),
            "error_description" => description = Some(value.into_owned()),
            _ => {}
        }
    }
    if code.is_none() && error.is_none() {
        return Redirect::Ignore;
    }
    // Even an error redirect must belong to this attempt before it may cancel it.
    if !state.as_deref().is_some_and(|s| expected_state.matches(s)) {
        return Redirect::Failed(AuthError::StateMismatch);
    }
    match (error, code) {
        (Some(error), _) if error == "access_denied" => Redirect::Failed(AuthError::Cancelled),
        (Some(code), _) => Redirect::Failed(AuthError::Provider { code, description }),
        (None, Some(code)) => Redirect::Code(code),
        (None, None) => Redirect::Ignore,
    }
}

/// Reads an HTTP/1.1 request head and returns the target of a `GET`, or `None` for
/// anything else (other methods, garbage, a head that never ends).
async fn read_request_target(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 || head.len() + n > MAX_REQUEST_HEAD {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let head = std::str::from_utf8(&head).ok()?;
    let request_line = head.lines().next()?;
    let mut parts = request_line.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    (method == "GET" && version.starts_with("HTTP/1.") && parts.next().is_none())
        .then(|| target.to_owned())
}

async fn respond(stream: &mut TcpStream, status: &str, title: &str, message: &str) {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>{title}</h1><p>{}</p></body></html>",
        escape_html(message)
    );
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    // The browser may already be gone; the sign-in result does not depend on this page.
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    enum Outcome {
        Ignore,
        Code(&'static str),
        StateMismatch,
        Cancelled,
        Provider(&'static str),
    }

    #[test]
    fn redirect_targets_classify() {
        let state = State::from_random([3; 32]);
        let good = state.as_str();
        let rows: Vec<(String, Outcome)> = vec![
            (format!("/?code=abc&state={good}"), Outcome::Code("abc")),
            (
                format!("/?state={good}&code=a%2Fb&scope=x"),
                Outcome::Code("a/b"),
            ),
            ("/?code=abc&state=nope".to_owned(), Outcome::StateMismatch),
            ("/?code=abc".to_owned(), Outcome::StateMismatch),
            (
                format!("/?error=access_denied&state={good}"),
                Outcome::Cancelled,
            ),
            (
                "/?error=access_denied&state=nope".to_owned(),
                Outcome::StateMismatch,
            ),
            (
                format!("/?error=server_error&state={good}"),
                Outcome::Provider("server_error"),
            ),
            (
                format!("/favicon.ico?code=abc&state={good}"),
                Outcome::Ignore,
            ),
            ("/".to_owned(), Outcome::Ignore),
            (format!("/?state={good}"), Outcome::Ignore),
        ];
        for (target, expected) in rows {
            let outcome = match classify(Some(&target), &state) {
                Redirect::Ignore => Outcome::Ignore,
                Redirect::Code(code) => {
                    Outcome::Code(if code.expose() == "abc" { "abc" } else { "a/b" })
                }
                Redirect::Failed(AuthError::StateMismatch) => Outcome::StateMismatch,
                Redirect::Failed(AuthError::Cancelled) => Outcome::Cancelled,
                Redirect::Failed(AuthError::Provider { .. }) => Outcome::Provider("server_error"),
                Redirect::Failed(other) => panic!("{target}: {other:?}"),
            };
            assert_eq!(outcome, expected, "{target}");
        }
        assert!(matches!(classify(None, &state), Redirect::Ignore));
    }
}
