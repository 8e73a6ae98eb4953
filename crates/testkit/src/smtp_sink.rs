//! An SMTP server that keeps what it receives: `py/smtp_sink.py` (aiosmtpd) in a temp dir.

use std::fs;
use std::io::{self, BufRead, BufReader};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use serde_json::Value;
use tempfile::TempDir;

use crate::dovecot::random_token;
use crate::process::{python, ProcessGroup};
use crate::{wait_until, HOST};

const USER: &str = "rep@example.test";
const SMTP_SINK_PY: &str = include_str!("../py/smtp_sink.py");
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// One message the sink accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// The MAIL FROM address (empty for the null sender `<>`).
    pub mail_from: String,
    /// Every RCPT TO address, in order.
    pub rcpt_to: Vec<String>,
    /// The user that authenticated, if the session did.
    pub auth_user: Option<String>,
    /// The message exactly as sent in DATA (dot-unstuffed, CRLF line ends as sent).
    pub data: Vec<u8>,
}

/// An `aiosmtpd` 1.4 server on a free 127.0.0.1 port that records every message it accepts.
///
/// [`start`](Self::start) requires AUTH (PLAIN or LOGIN, offered without TLS) with
/// [`user()`](Self::user) / [`password()`](Self::password) before MAIL FROM; bad
/// credentials get `535 5.7.8`. [`start_without_auth`](Self::start_without_auth) offers no
/// AUTH and takes mail from anyone. No TLS in either mode.
///
/// Dropping it stops the server and deletes everything it received.
pub struct SmtpSink {
    // Field order matters: the server must stop before its directory goes away.
    server: ProcessGroup,
    dir: TempDir,
    port: u16,
    password: String,
    requires_auth: bool,
}

impl SmtpSink {
    /// Starts a sink that requires AUTH PLAIN or LOGIN; returns once it sends its 220
    /// greeting (~0.2 s: Python and aiosmtpd start-up).
    pub fn start() -> io::Result<SmtpSink> {
        SmtpSink::launch(true, None)
    }

    /// Like [`start`](Self::start), and AUTH XOAUTH2 is offered too: it accepts
    /// [`user()`](Self::user) with the OAuth2 access token `token` (change it with
    /// [`set_bearer_token`](Self::set_bearer_token)). Any other token gets the providers'
    /// error challenge (334 + base64 JSON) and, after the client's empty answer, 535 5.7.8.
    pub fn start_with_bearer(token: &str) -> io::Result<SmtpSink> {
        SmtpSink::launch(true, Some(token))
    }

    /// The token AUTH XOAUTH2 accepts from now on (a sink from
    /// [`start_with_bearer`](Self::start_with_bearer)).
    pub fn set_bearer_token(&self, token: &str) -> io::Result<()> {
        let tmp = self.dir.path().join("bearer.set");
        fs::write(&tmp, token)?;
        fs::rename(tmp, self.dir.path().join("bearer"))
    }

    /// Starts a sink that offers no AUTH and accepts mail from anyone.
    pub fn start_without_auth() -> io::Result<SmtpSink> {
        SmtpSink::launch(false, None)
    }

    fn launch(requires_auth: bool, bearer: Option<&str>) -> io::Result<SmtpSink> {
        let dir = tempfile::Builder::new()
            .prefix("switchboard-smtp-")
            .tempdir()?;
        let script = dir.path().join("smtp_sink.py");
        fs::write(&script, SMTP_SINK_PY)?;
        fs::create_dir(dir.path().join("mail"))?;
        let password = random_token();
        let mut command = Command::new(python()?);
        command
            .arg(&script)
            .arg("--dir")
            .arg(dir.path().join("mail"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(fs::File::create(dir.path().join("smtp_sink.log"))?);
        if requires_auth {
            command.args(["--user", USER, "--password", &password]);
        }
        if let Some(token) = bearer {
            let file = dir.path().join("bearer");
            fs::write(&file, token)?;
            command.arg("--bearer-file").arg(file);
        }
        let mut server = ProcessGroup::spawn(&mut command)?;

        // The script prints "PORT <n>" once it listens; read it on a thread to bound the wait.
        let stdout = server.stdout().expect("stdout was piped");
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(START_TIMEOUT).unwrap_or_default();
        let log = || fs::read_to_string(dir.path().join("smtp_sink.log")).unwrap_or_default();
        let Some(port) = line
            .strip_prefix("PORT ")
            .and_then(|p| p.trim().parse::<u16>().ok())
        else {
            return Err(io::Error::other(format!(
                "smtp_sink.py did not report its port (got {line:?}); log:\n{}",
                log()
            )));
        };
        wait_until(
            &format!("the SMTP 220 greeting on port {port}"),
            START_TIMEOUT,
            || greets(port),
        )
        .map_err(|e| io::Error::new(e.kind(), format!("{e}; log:\n{}", log())))?;
        Ok(SmtpSink {
            server,
            dir,
            port,
            password,
            requires_auth,
        })
    }

    /// "127.0.0.1".
    pub fn host(&self) -> &str {
        HOST
    }

    /// The SMTP port (plain SMTP, no TLS).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The AUTH user, `rep@example.test`. Without auth it is not checked: AUTH is not even
    /// offered.
    pub fn user(&self) -> &str {
        USER
    }

    /// The AUTH password (random hex, different for every sink).
    pub fn password(&self) -> &str {
        &self.password
    }

    /// Whether this sink requires AUTH ([`start`](Self::start)) or not
    /// ([`start_without_auth`](Self::start_without_auth)).
    pub fn requires_auth(&self) -> bool {
        self.requires_auth
    }

    /// Answers the next `n` messages (at DATA's end) with `451 4.3.0`, a temporary failure
    /// a client should retry; later messages are accepted again. Replaces any count still
    /// pending.
    pub fn reject_next(&self, n: usize) -> io::Result<()> {
        let mail = self.dir.path().join("mail");
        let tmp = mail.join("reject_next.set");
        fs::write(&tmp, n.to_string())?;
        fs::rename(tmp, mail.join("reject_next"))
    }

    /// Every message accepted so far, in arrival order.
    pub fn received(&self) -> io::Result<Vec<ReceivedMail>> {
        let mail = self.dir.path().join("mail");
        let mut records: Vec<_> = fs::read_dir(&mail)?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .collect();
        records.sort();
        records
            .iter()
            .map(|path| read_record(&mail, path))
            .collect()
    }

    /// Waits until at least `count` messages have been accepted (failing after `timeout`)
    /// and returns all of them.
    pub fn wait_for(&self, count: usize, timeout: Duration) -> io::Result<Vec<ReceivedMail>> {
        wait_until(
            &format!("{count} message(s) at the SMTP sink"),
            timeout,
            || self.received().map(|m| m.len() >= count).unwrap_or(false),
        )?;
        self.received()
    }

    /// The server's stderr (aiosmtpd logs errors there), for failure messages.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("smtp_sink.log")).unwrap_or_default()
    }

    /// The process id of the Python server, e.g. to check that it is gone after drop.
    pub fn pid(&self) -> u32 {
        self.server.id()
    }
}

impl std::fmt::Debug for SmtpSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSink")
            .field("port", &self.port)
            .field("requires_auth", &self.requires_auth)
            .finish_non_exhaustive()
    }
}

fn read_record(mail: &Path, path: &Path) -> io::Result<ReceivedMail> {
    let record: Value = serde_json::from_slice(&fs::read(path)?)
        .map_err(|e| io::Error::other(format!("{}: {e}", path.display())))?;
    let eml = record["eml"]
        .as_str()
        .ok_or_else(|| io::Error::other(format!("{}: no eml", path.display())))?;
    Ok(ReceivedMail {
        mail_from: record["mail_from"].as_str().unwrap_or_default().to_string(),
        rcpt_to: record["rcpt_tos"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        auth_user: record["auth_user"].as_str().map(str::to_string),
        data: fs::read(mail.join(eml))?,
    })
}

fn greets(port: u16) -> bool {
    let Ok(stream) = TcpStream::connect((HOST, port)) else {
        return false;
    };
    if stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .is_err()
    {
        return false;
    }
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line).is_ok() && line.starts_with("220")
}
