//! Real servers for tests: Dovecot (IMAP), an SMTP sink, a connection-dropping proxy and
//! small helpers, each started on a free 127.0.0.1 port inside its own temp dir and stopped
//! (killed and reaped) when dropped.
//!
//! This crate is a dev-dependency only. It must never be linked into the app or the CLI, and
//! it never sleeps for a fixed time: everything waits by polling a condition with a generous
//! upper bound ([`wait_until`]) and fails with a message that says what it waited for.
//!
//! The API is synchronous (`std::process`, `std::net`, threads), so plain `#[test]` and
//! `#[tokio::test]` can both use it (from async code, prefer `spawn_blocking` for the
//! slower calls). A server start takes ~0.05-0.2 s; each "other client" operation runs a
//! short Python process (~50-100 ms).
//!
//! Entry points:
//! - [`Dovecot`]: a private Dovecot 2.3 with STARTTLS and implicit-TLS listeners, a throw-away
//!   CA, one user, special-use folders, plus "another client" (Python `imaplib`) that appends,
//!   flags, expunges and moves behind the back of the client under test;
//! - [`SmtpSink`]: an `aiosmtpd` server that records every message it accepts;
//! - [`Radicale`]: a private Radicale 3.x CalDAV server with one user, plus "another client"
//!   (plain HTTP) that creates calendars and puts and deletes events;
//! - [`DropProxy`]: a TCP proxy that can cut its connections on demand;
//! - [`GmailFake`]: the Gmail API contract fake (Node.js, `tests/fakes/gmail/`);
//! - [`GraphFake`]: the Microsoft Graph mail contract fake (Node.js, `tests/fakes/graph/`);
//! - [`free_port`] and [`wait_until`].
//!
//! Needs on the machine (see `scripts/install-deps.sh test`): `dovecot` (dovecot-core +
//! dovecot-imapd), `openssl`, `kill` and `python3` with `aiosmtpd` and `radicale`. `SWITCHBOARD_PYTHON`
//! overrides the Python interpreter.

mod dovecot;
mod dovecot_config;
mod drop_proxy;
mod gcal_fake;
mod gmail_fake;
mod graph_fake;
mod imap_client;
mod node;
mod oidc;
mod process;
mod radicale;
mod smtp_sink;

use std::io;
use std::net::TcpListener;
use std::thread;
use std::time::{Duration, Instant};

pub use dovecot::{Dovecot, DovecotOAuth2, DovecotOptions};
pub use drop_proxy::DropProxy;
pub use gcal_fake::{GcalFake, GcalFakeConfig, GcalFakeOptions, GcalGrant, GcalNotification};
pub use gmail_fake::{
    gmail_raw, GmailFake, GmailFakeConfig, GmailFakeOptions, GmailGrant, GmailInserted, GmailSend,
};
pub use graph_fake::{
    GraphFailure, GraphFake, GraphFakeConfig, GraphFakeOptions, GraphGrant, GraphInserted,
    GraphRequest, GraphSend,
};
pub use imap_client::{Capabilities, FolderStatus, ServerMessage, TlsMode};
pub use node::{http_request, tests_dir, NodeServer};
pub use oidc::{OidcOptions, OidcProvider};
pub use radicale::Radicale;
pub use smtp_sink::{ReceivedMail, SmtpSink};

/// The address every server of this crate listens on.
pub const HOST: &str = "127.0.0.1";

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
///
/// Another process may take it before you bind it; servers here that must be told a port
/// up front (Dovecot) retry with a new one when the bind fails.
///
/// # Panics
/// When the loopback interface refuses to bind at all, which no test can survive anyway.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind((HOST, 0)).expect("bind 127.0.0.1:0 for a free port");
    listener
        .local_addr()
        .expect("local address of a bound listener")
        .port()
}

/// Polls `condition` until it returns true or `timeout` has passed.
///
/// Polls quickly at first (1 ms) and backs off to every 50 ms. On timeout the error
/// (kind [`io::ErrorKind::TimedOut`]) reads `timed out after 5s waiting for <what>`, so
/// name `what` after the condition, e.g. `"the IMAP greeting on port 1143"`.
pub fn wait_until(
    what: &str,
    timeout: Duration,
    mut condition: impl FnMut() -> bool,
) -> io::Result<()> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        if condition() {
            return Ok(());
        }
        if started.elapsed() >= timeout {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("timed out after {timeout:?} waiting for {what}"),
            ));
        }
        thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}
