//! A Radicale 3.x CalDAV/CardDAV server (`python3 -m radicale`) in a temp dir, plus "another
//! client" that changes calendars behind the back of the client under test over plain HTTP.

use std::fs;
use std::io;
use std::process::{Command, Stdio};
use std::time::Duration;

use tempfile::TempDir;

use crate::dovecot::random_token;
use crate::node::http_request;
use crate::process::{python, ProcessGroup};
use crate::{free_port, wait_until, HOST};

const USER: &str = "rep";
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// A port taken between [`free_port`] and Radicale's bind makes it exit; try a new one.
const START_ATTEMPTS: usize = 3;

/// A private Radicale on a free 127.0.0.1 port: plain HTTP, `htpasswd` auth (plain text)
/// with one user ([`user()`](Self::user) / [`password()`](Self::password)), `owner_only`
/// rights (the user owns `/<user>/` and nothing else), storage in the temp dir.
///
/// The user's principal collection `/<user>/` exists once the harness has made its first
/// request; it holds no calendars until [`create_calendar`](Self::create_calendar).
///
/// Dropping it stops the server and deletes its storage.
pub struct Radicale {
    // Field order matters: the server must stop before its directory goes away.
    server: ProcessGroup,
    dir: TempDir,
    port: u16,
    password: String,
}

impl Radicale {
    /// Starts the server and returns once it answers HTTP (~0.3 s: Python start-up).
    pub fn start() -> io::Result<Radicale> {
        let dir = tempfile::Builder::new()
            .prefix("switchboard-radicale-")
            .tempdir()?;
        let password = random_token();
        fs::write(dir.path().join("users"), format!("{USER}:{password}\n"))?;
        fs::create_dir(dir.path().join("collections"))?;
        let mut last_error = None;
        for _ in 0..START_ATTEMPTS {
            let port = free_port();
            let config = dir.path().join("config");
            fs::write(&config, config_text(&dir, port))?;
            let mut command = Command::new(python()?);
            command
                .args(["-m", "radicale", "--config"])
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(fs::File::create(dir.path().join("radicale.log"))?);
            let mut server = ProcessGroup::spawn(&mut command)?;
            let ready = wait_until(
                &format!("Radicale to answer HTTP on port {port}"),
                START_TIMEOUT,
                || server.has_exited() || http_request(port, "OPTIONS", "/", &[], None).is_ok(),
            );
            let log = fs::read_to_string(dir.path().join("radicale.log")).unwrap_or_default();
            match ready {
                Ok(()) if !server.has_exited() => {
                    let radicale = Radicale {
                        server,
                        dir,
                        port,
                        password,
                    };
                    // Logging in creates the principal collection `/<user>/`.
                    radicale.request("PROPFIND", &format!("/{USER}/"), &[("Depth", "0")], None)?;
                    return Ok(radicale);
                }
                Ok(()) => {
                    last_error = Some(io::Error::other(format!(
                        "Radicale exited on start (port {port}); log:\n{log}"
                    )))
                }
                Err(e) => {
                    return Err(io::Error::new(e.kind(), format!("{e}; log:\n{log}")));
                }
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("Radicale did not start")))
    }

    /// `http://127.0.0.1:<port>/`, the server root (where `/.well-known/caldav` points to).
    pub fn base_url(&self) -> String {
        format!("http://{HOST}:{}/", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The one user, `rep`.
    pub fn user(&self) -> &str {
        USER
    }

    /// The user's password (random hex, different for every server).
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The path of calendar `name` of the user: `/<user>/<name>/`.
    pub fn calendar_path(&self, name: &str) -> String {
        format!("/{USER}/{name}/")
    }

    /// The path of event `uid` in calendar `name`: `/<user>/<name>/<uid>.ics`.
    pub fn event_path(&self, calendar: &str, uid: &str) -> String {
        format!("/{USER}/{calendar}/{uid}.ics")
    }

    /// Another client creates calendar `name` (MKCALENDAR) with display name `name`,
    /// holding VEVENTs.
    pub fn create_calendar(&self, name: &str) -> io::Result<()> {
        let body = format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:set><D:prop>
    <D:displayname>{name}</D:displayname>
    <C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>
  </D:prop></D:set>
</C:mkcalendar>"#
        );
        let path = self.calendar_path(name);
        let (status, reply) = self.request(
            "MKCALENDAR",
            &path,
            &[],
            Some(("application/xml; charset=utf-8", body.into_bytes())),
        )?;
        expect_success("MKCALENDAR", &path, status, &reply)
    }

    /// Another client creates or replaces event `uid` in `calendar` with `ics` (a whole
    /// VCALENDAR) and returns the new ETag as the server sends it (with its quotes).
    pub fn put_event(&self, calendar: &str, uid: &str, ics: &str) -> io::Result<String> {
        let path = self.event_path(calendar, uid);
        let (status, reply) = self.request(
            "PUT",
            &path,
            &[],
            Some(("text/calendar; charset=utf-8", ics.as_bytes().to_vec())),
        )?;
        expect_success("PUT", &path, status, &reply)?;
        self.etag(&path)
    }

    /// Another client replaces the whole of calendar `name` with the VEVENTs of `ics` (one
    /// VCALENDAR; Radicale stores one object per UID, at `<uid>.ics`-like names of its
    /// own). Fast for filling a calendar with thousands of events.
    pub fn put_calendar(&self, name: &str, ics: &str) -> io::Result<()> {
        let path = self.calendar_path(name);
        let (status, reply) = self.request(
            "PUT",
            &path,
            &[],
            Some(("text/calendar; charset=utf-8", ics.as_bytes().to_vec())),
        )?;
        expect_success("PUT", &path, status, &reply)
    }

    /// Another client deletes event `uid` from `calendar`.
    pub fn delete_event(&self, calendar: &str, uid: &str) -> io::Result<()> {
        let path = self.event_path(calendar, uid);
        let (status, reply) = self.request("DELETE", &path, &[], None)?;
        expect_success("DELETE", &path, status, &reply)
    }

    /// Another client reads event `uid` of `calendar`: its iCalendar text, or `None` when
    /// there is no such object.
    pub fn get_event(&self, calendar: &str, uid: &str) -> io::Result<Option<String>> {
        let path = self.event_path(calendar, uid);
        let (status, reply) = self.request("GET", &path, &[], None)?;
        match status {
            200 => Ok(Some(String::from_utf8_lossy(&reply).into_owned())),
            404 => Ok(None),
            _ => Err(io::Error::other(format!(
                "GET {path}: HTTP {status}: {}",
                String::from_utf8_lossy(&reply)
            ))),
        }
    }

    /// The server's log (warnings and errors), for failure messages.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("radicale.log")).unwrap_or_default()
    }

    /// The process id of the server, e.g. to check that it is gone after drop.
    pub fn pid(&self) -> u32 {
        self.server.id()
    }

    /// The current ETag of the resource at `path` (PROPFIND getetag; the testkit HTTP
    /// client does not return response headers).
    fn etag(&self, path: &str) -> io::Result<String> {
        let body = r#"<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>"#;
        let (status, reply) = self.request(
            "PROPFIND",
            path,
            &[("Depth", "0")],
            Some(("application/xml; charset=utf-8", body.as_bytes().to_vec())),
        )?;
        expect_success("PROPFIND", path, status, &reply)?;
        let text = String::from_utf8_lossy(&reply);
        // The element may carry any namespace prefix: find "getetag>" and read its text.
        text.split_once("getetag>")
            .and_then(|(_, rest)| rest.split_once('<'))
            .map(|(etag, _)| etag.trim().replace("&quot;", "\""))
            .filter(|etag| !etag.is_empty())
            .ok_or_else(|| io::Error::other(format!("no getetag for {path} in {text}")))
    }

    fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<(&str, Vec<u8>)>,
    ) -> io::Result<(u16, Vec<u8>)> {
        let authorization = format!(
            "Basic {}",
            base64(format!("{USER}:{}", self.password).as_bytes())
        );
        let mut all = vec![("Authorization", authorization.as_str())];
        all.extend_from_slice(headers);
        http_request(self.port, method, path, &all, body)
    }
}

impl std::fmt::Debug for Radicale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Radicale")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

fn config_text(dir: &TempDir, port: u16) -> String {
    let root = dir.path().display();
    format!(
        "[server]\nhosts = {HOST}:{port}\n\n\
         [auth]\ntype = htpasswd\nhtpasswd_filename = {root}/users\n\
         htpasswd_encryption = plain\ndelay = 0\n\n\
         [rights]\ntype = owner_only\n\n\
         [storage]\nfilesystem_folder = {root}/collections\n\n\
         [web]\ntype = none\n\n\
         [logging]\nlevel = warning\n"
    )
}

fn expect_success(method: &str, path: &str, status: u16, reply: &[u8]) -> io::Result<()> {
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "{method} {path}: HTTP {status}: {}",
            String::from_utf8_lossy(reply)
        )))
    }
}

/// Standard base64 with padding, for a Basic `Authorization` header (this crate keeps its
/// dependencies to what the servers need).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected, "{input:?}");
        }
    }
}
