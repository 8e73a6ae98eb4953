//! Node.js servers from the repository's `tests/` workspace (contract fakes, the OAuth2
//! authorization server), started on a free port and stopped when dropped, plus a small
//! blocking HTTP/1.1 client for their control endpoints.
//!
//! A script is started as `node <script> --port 0 <args…>`; it must print `PORT <n>` on
//! its first stdout line once it listens on 127.0.0.1.

use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use serde_json::Value;
use tempfile::TempDir;

use crate::process::ProcessGroup;
use crate::HOST;

const START_TIMEOUT: Duration = Duration::from_secs(30);
const HTTP_TIMEOUT: Duration = Duration::from_secs(60);

/// The repository's `tests/` directory (the npm workspace holding the fakes and their
/// `node_modules`).
pub fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests")
}

/// The Node.js binary: `SWITCHBOARD_NODE`, else `node` on the `PATH`.
fn node() -> String {
    std::env::var("SWITCHBOARD_NODE").unwrap_or_else(|_| "node".to_owned())
}

/// A running Node.js server. Dropping it stops the process group and removes its temp dir
/// (which holds its log).
pub struct NodeServer {
    // Field order matters: the server must stop before its directory goes away.
    server: ProcessGroup,
    dir: TempDir,
    port: u16,
    name: String,
}

impl NodeServer {
    /// Starts `script` (a path under [`tests_dir`], e.g. `fakes/gmail/server.mjs`) with
    /// `--port 0` and `args`, and waits for its `PORT <n>` line.
    pub fn start(script: &str, args: &[&str]) -> io::Result<NodeServer> {
        let path = tests_dir().join(script);
        if !path.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{} does not exist", path.display()),
            ));
        }
        let dir = tempfile::Builder::new()
            .prefix("switchboard-node-")
            .tempdir()?;
        let log_path = dir.path().join("server.log");
        let mut command = Command::new(node());
        command
            .arg(&path)
            .args(["--port", "0"])
            .args(args)
            .current_dir(tests_dir())
            .env("SWITCHBOARD_FAKE_DIR", dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(fs::File::create(&log_path)?);
        let mut server = ProcessGroup::spawn(&mut command)
            .map_err(|e| io::Error::new(e.kind(), format!("starting {} with node: {e}", node())))?;
        let stdout = server.stdout().expect("stdout was piped");
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
            // Keep draining so a chatty server never blocks on a full pipe.
            let _ = io::copy(&mut reader, &mut io::sink());
        });
        let line = rx.recv_timeout(START_TIMEOUT).unwrap_or_default();
        let Some(port) = line
            .strip_prefix("PORT ")
            .and_then(|p| p.trim().parse::<u16>().ok())
        else {
            return Err(io::Error::other(format!(
                "{script} did not report its port (got {line:?}); log:\n{}",
                fs::read_to_string(&log_path).unwrap_or_default()
            )));
        };
        Ok(NodeServer {
            server,
            dir,
            port,
            name: script.to_owned(),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{HOST}:{}", self.port)
    }

    /// The server's stderr so far (for failure messages).
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// The server's temp dir.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        !self.server.has_exited()
    }

    /// A JSON request to the server (typically a control endpoint); returns the status and
    /// the parsed body (`Value::Null` for an empty or non-JSON body).
    pub fn json(&self, method: &str, path: &str, body: Option<&Value>) -> io::Result<(u16, Value)> {
        let (status, bytes) = http_request(
            self.port,
            method,
            path,
            &[],
            body.map(|b| {
                (
                    "application/json",
                    serde_json::to_vec(b).expect("a JSON value serialises"),
                )
            }),
        )?;
        Ok((
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        ))
    }

    /// [`json`](Self::json) that fails unless the status is 2xx.
    pub fn control(&self, method: &str, path: &str, body: Option<&Value>) -> io::Result<Value> {
        let (status, value) = self.json(method, path, body)?;
        if (200..300).contains(&status) {
            Ok(value)
        } else {
            Err(io::Error::other(format!(
                "{} {method} {path}: HTTP {status}: {value}",
                self.name
            )))
        }
    }
}

/// A blocking HTTP/1.1 request to 127.0.0.1:`port` (`Connection: close`). Returns the
/// status code and the body (chunked bodies are decoded).
pub fn http_request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<(&str, Vec<u8>)>,
) -> io::Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect((HOST, port))?;
    stream.set_read_timeout(Some(HTTP_TIMEOUT))?;
    stream.set_write_timeout(Some(HTTP_TIMEOUT))?;
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    let payload = match body {
        Some((content_type, bytes)) => {
            request.push_str(&format!(
                "Content-Type: {content_type}\r\nContent-Length: {}\r\n",
                bytes.len()
            ));
            bytes
        }
        None => {
            request.push_str("Content-Length: 0\r\n");
            Vec::new()
        }
    };
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    stream.write_all(&payload)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    parse_response(&response)
}

fn parse_response(response: &[u8]) -> io::Result<(u16, Vec<u8>)> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("HTTP response without a header end"))?;
    let head = String::from_utf8_lossy(&response[..end]);
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| bad("HTTP response without a status code"))?;
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    let raw = &response[end + 4..];
    if !chunked {
        return Ok((status, raw.to_vec()));
    }
    let mut body = Vec::new();
    let mut rest = raw;
    loop {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| bad("truncated chunk size"))?;
        let size_text = String::from_utf8_lossy(&rest[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| bad("bad chunk size"))?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok((status, body));
        }
        if rest.len() < size + 2 {
            return Err(bad("truncated chunk"));
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::parse_response;

    #[test]
    fn chunked_and_plain_bodies_are_read() {
        let plain = b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok";
        assert_eq!(parse_response(plain).unwrap(), (201, b"ok".to_vec()));
        let chunked =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        assert_eq!(parse_response(chunked).unwrap(), (200, b"abcde".to_vec()));
        assert!(parse_response(b"HTTP/1.1 200 OK\r\n").is_err());
    }
}
