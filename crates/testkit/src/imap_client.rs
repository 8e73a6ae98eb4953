//! "Another client" of a [`Dovecot`]: each call runs `py/imap_client.py` (Python `imaplib`),
//! which logs in on the plaintext port, does one thing and logs out. The client under test
//! sees these changes as a real second client's (IDLE notifications, new MODSEQs, VANISHED).

use std::fs;
use std::io;

use serde_json::{json, Value};

use crate::process::run_json_script;
use crate::{Dovecot, HOST};

/// One message as the server holds it, from `UID FETCH 1:* (UID FLAGS
/// BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])` on an EXAMINEd folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerMessage {
    /// The message's UID.
    pub uid: u32,
    /// The Message-ID header without angle brackets (`a@x` for `<a@x>`), as
    /// `switchboard-mail` stores it; `None` when the header is missing or empty.
    pub message_id: Option<String>,
    /// System flags and keywords, sorted; `\Recent` (session-specific) is left out.
    pub flags: Vec<String>,
}

/// A folder's `STATUS (MESSAGES UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FolderStatus {
    /// Number of messages.
    pub messages: u32,
    /// The UID the next message will get.
    pub uidnext: u32,
    /// The folder's UIDVALIDITY.
    pub uidvalidity: u32,
    /// Messages without `\Seen`.
    pub unseen: u32,
    /// The folder's HIGHESTMODSEQ (CONDSTORE).
    pub highestmodseq: u64,
}

/// What the server advertises, from [`Dovecot::capabilities`]. Capability names are
/// upper-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// The greeting line, e.g. `* OK [CAPABILITY IMAP4rev1 ...] Dovecot (Debian) ready.`
    pub greeting: String,
    /// Capabilities before login (from the greeting).
    pub pre_login: Vec<String>,
    /// Capabilities after login (an explicit `CAPABILITY` command).
    pub post_login: Vec<String>,
}

/// How [`Dovecot::tls_handshake`] starts TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// TLS from the first byte, on [`Dovecot::imaps_port`].
    Implicit,
    /// `STARTTLS` on [`Dovecot::imap_port`], then a login over TLS.
    StartTls,
}

impl Dovecot {
    /// Appends `raw` to `folder` with `flags` (e.g. `&["\\Seen"]`) and returns its UID
    /// (from APPENDUID). imaplib sends line ends as CRLF, as IMAP requires.
    pub fn append(&self, folder: &str, raw: &[u8], flags: &[&str]) -> io::Result<u32> {
        let path = self.scratch_file("append.eml");
        fs::write(&path, raw)?;
        let result = self.other_client(
            "append",
            json!({ "folder": folder, "path": path, "flags": flags }),
        );
        let _ = fs::remove_file(&path);
        as_u32(&result?, "APPENDUID")
    }

    /// `UID STORE <uids> <mode>.SILENT (<flags>)` in `folder`; `mode` is `"+FLAGS"`,
    /// `"-FLAGS"` or `"FLAGS"`. An empty `uids` does nothing.
    pub fn store_flags(
        &self,
        folder: &str,
        uids: &[u32],
        mode: &str,
        flags: &[&str],
    ) -> io::Result<()> {
        self.other_client(
            "store",
            json!({ "folder": folder, "uids": uids, "mode": mode, "flags": flags }),
        )
        .map(drop)
    }

    /// Marks `uids` in `folder` `\Deleted` and removes exactly them with `UID EXPUNGE`.
    pub fn expunge(&self, folder: &str, uids: &[u32]) -> io::Result<()> {
        self.other_client("expunge", json!({ "folder": folder, "uids": uids }))
            .map(drop)
    }

    /// `UID MOVE <uids> <dest>` from `folder`; returns `(old uid, uid in dest)` pairs from
    /// the server's COPYUID.
    pub fn move_messages(
        &self,
        folder: &str,
        uids: &[u32],
        dest: &str,
    ) -> io::Result<Vec<(u32, u32)>> {
        let result = self.other_client(
            "move",
            json!({ "folder": folder, "uids": uids, "dest": dest }),
        )?;
        let pairs = result.as_array().cloned().unwrap_or_default();
        pairs
            .iter()
            .map(|pair| Ok((as_u32(&pair[0], "COPYUID")?, as_u32(&pair[1], "COPYUID")?)))
            .collect()
    }

    /// Creates and subscribes folder `name` (UTF-8; `/` separates levels).
    pub fn create_folder(&self, name: &str) -> io::Result<()> {
        self.other_client("create", json!({ "name": name }))
            .map(drop)
    }

    /// Unsubscribes and deletes folder `name`.
    pub fn delete_folder(&self, name: &str) -> io::Result<()> {
        self.other_client("delete_folder", json!({ "name": name }))
            .map(drop)
    }

    /// Renames folder `from` to `to` (and moves the subscription).
    pub fn rename_folder(&self, from: &str, to: &str) -> io::Result<()> {
        self.other_client("rename_folder", json!({ "from": from, "to": to }))
            .map(drop)
    }

    /// Every message in `folder`, by ascending UID. Read-only (EXAMINE, BODY.PEEK): it
    /// changes no flag.
    pub fn server_state(&self, folder: &str) -> io::Result<Vec<ServerMessage>> {
        let result = self.other_client("state", json!({ "folder": folder }))?;
        let messages = result.as_array().cloned().unwrap_or_default();
        messages
            .iter()
            .map(|m| {
                Ok(ServerMessage {
                    uid: as_u32(&m["uid"], "UID")?,
                    message_id: m["message_id"].as_str().map(str::to_string),
                    flags: strings(&m["flags"]),
                })
            })
            .collect()
    }

    /// `LIST "" "*"`: every folder's name (UTF-8, `/`-separated) with its attributes as
    /// sent, e.g. `("Sent", ["\\HasNoChildren", "\\Sent"])`.
    pub fn folders(&self) -> io::Result<Vec<(String, Vec<String>)>> {
        let result = self.other_client("list", json!({}))?;
        let folders = result.as_array().cloned().unwrap_or_default();
        Ok(folders
            .iter()
            .map(|f| {
                let name = f["name"].as_str().unwrap_or_default().to_string();
                (name, strings(&f["attrs"]))
            })
            .collect())
    }

    /// `STATUS` of `folder`.
    pub fn status(&self, folder: &str) -> io::Result<FolderStatus> {
        let s = self.other_client("status", json!({ "folder": folder }))?;
        Ok(FolderStatus {
            messages: as_u32(&s["messages"], "MESSAGES")?,
            uidnext: as_u32(&s["uidnext"], "UIDNEXT")?,
            uidvalidity: as_u32(&s["uidvalidity"], "UIDVALIDITY")?,
            unseen: as_u32(&s["unseen"], "UNSEEN")?,
            highestmodseq: s["highestmodseq"]
                .as_u64()
                .ok_or_else(|| io::Error::other("STATUS without HIGHESTMODSEQ"))?,
        })
    }

    /// `folder`'s UIDVALIDITY.
    pub fn uidvalidity(&self, folder: &str) -> io::Result<u32> {
        Ok(self.status(folder)?.uidvalidity)
    }

    /// The greeting and the capabilities before and after login.
    pub fn capabilities(&self) -> io::Result<Capabilities> {
        let c = self.other_client("capability", json!({}))?;
        Ok(Capabilities {
            greeting: c["greeting"].as_str().unwrap_or_default().to_string(),
            pre_login: strings(&c["pre_login"]),
            post_login: strings(&c["post_login"]),
        })
    }

    /// Completes a TLS handshake (Python `ssl`, verifying the chain against
    /// [`ca_pem`](Self::ca_pem) and `server_name` against the certificate) and returns the
    /// negotiated protocol, e.g. `"TLSv1.3"`. `server_name` is `"localhost"` or
    /// `"127.0.0.1"` for a handshake that should succeed.
    pub fn tls_handshake(&self, mode: TlsMode, server_name: &str) -> io::Result<String> {
        let (mode, port) = match mode {
            TlsMode::Implicit => ("implicit", self.imaps_port()),
            TlsMode::StartTls => ("starttls", self.imap_port()),
        };
        let r = self.other_client(
            "tls_check",
            json!({ "mode": mode, "port": port, "cafile": self.ca_pem(), "server_hostname": server_name }),
        )?;
        Ok(r["version"].as_str().unwrap_or_default().to_string())
    }

    fn other_client(&self, op: &str, mut args: Value) -> io::Result<Value> {
        args["op"] = json!(op);
        args["host"] = json!(HOST);
        args["port"] = args.get("port").cloned().unwrap_or(json!(self.imap_port()));
        args["user"] = json!(self.user());
        args["password"] = json!(self.password());
        run_json_script(&self.dir().join("imap_client.py"), &args)
            .map_err(|e| io::Error::new(e.kind(), format!("other IMAP client, {op}: {e}")))
    }
}

fn as_u32(value: &Value, what: &str) -> io::Result<u32> {
    value
        .as_u64()
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| io::Error::other(format!("{what}: expected a u32, got {value}")))
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}
