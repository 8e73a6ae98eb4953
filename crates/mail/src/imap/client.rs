//! An IMAP4rev1 client session over [`crate::net`]: tagged commands, literal-aware
//! response framing (parsing by `imap-proto`), and the commands sync needs — including
//! the CONDSTORE/QRESYNC forms (`CHANGEDSINCE`, `VANISHED`) that general clients lack.
//!
//! Every unsolicited response that arrives while a command runs (EXISTS, EXPUNGE,
//! VANISHED, FETCH of flags) is kept in [`ImapSession::take_unsolicited`] instead of being
//! dropped, so a change the server reports in passing is never lost.

use super::account::{xoauth2_initial_response, Credential};
use super::framing::ResponseBuffer;
use super::uidset::{
    decode_mailbox_name, encode_mailbox_name, encode_uid_set, expand_ranges, quote,
};
use crate::net::{self, Endpoint, MailStream, NetError, NetResult, Security};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use imap_proto::{
    AttributeValue, Capability, MailboxDatum, NameAttribute, Response, ResponseCode, Status,
};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How long one read may take before the connection is considered dead.
const READ_TIMEOUT: Duration = Duration::from_secs(120);
const READ_CHUNK: usize = 256 * 1024;

/// A folder as LIST reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedFolder {
    /// Decoded (UTF-8) name, hierarchy included.
    pub name: String,
    /// The name as the server spells it (modified UTF-7), for commands.
    pub wire_name: String,
    pub delimiter: Option<String>,
    /// Special-use role from the server's attributes, if any.
    pub special_use: Option<&'static str>,
    pub selectable: bool,
}

/// What SELECT told us.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selected {
    pub exists: u32,
    pub uidvalidity: u32,
    pub uidnext: u32,
    /// None when the server has no CONDSTORE for this mailbox (NOMODSEQ).
    pub highestmodseq: Option<u64>,
    /// QRESYNC: UIDs expunged since the given modseq.
    pub vanished: Vec<u32>,
    /// QRESYNC: messages whose flags changed (or that are new) since the given modseq.
    pub changed: Vec<FetchedFlags>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedFlags {
    pub uid: u32,
    pub flags: Vec<String>,
    pub modseq: Option<u64>,
}

/// One message from a FETCH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedMessage {
    pub uid: u32,
    pub flags: Vec<String>,
    pub modseq: Option<u64>,
    pub internal_date: Option<String>,
    pub size: Option<u32>,
    /// Whole message, or only its header when `header_only` was asked for.
    pub raw: Vec<u8>,
    pub header_only: bool,
}

/// Unsolicited news the server sent while we were doing something else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsolicited {
    Exists(u32),
    Expunge(u32),
    Vanished(Vec<u32>),
    Flags(FetchedFlags),
}

pub struct ImapSession {
    stream: MailStream,
    frames: ResponseBuffer,
    tag: u32,
    capabilities: Vec<String>,
    unsolicited: Vec<Unsolicited>,
    host: String,
}

fn caps_from(list: &[Capability<'_>]) -> Vec<String> {
    list.iter()
        .map(|c| match c {
            Capability::Imap4rev1 => "IMAP4REV1".to_owned(),
            Capability::Auth(a) => format!("AUTH={}", a.to_ascii_uppercase()),
            Capability::Atom(a) => a.to_ascii_uppercase(),
        })
        .collect()
}

fn flags_of(list: &[std::borrow::Cow<'_, str>]) -> Vec<String> {
    list.iter().map(|f| f.to_string()).collect()
}

fn special_use(attrs: &[NameAttribute<'_>], name: &str) -> Option<&'static str> {
    for a in attrs {
        let role = match a {
            NameAttribute::Sent => "sent",
            NameAttribute::Drafts => "drafts",
            NameAttribute::Archive => "archive",
            NameAttribute::Trash => "trash",
            NameAttribute::Junk => "junk",
            NameAttribute::All => "all",
            NameAttribute::Flagged => "flagged",
            _ => continue,
        };
        return Some(role);
    }
    name.eq_ignore_ascii_case("INBOX").then_some("inbox")
}

impl ImapSession {
    /// Connects, reads the greeting, upgrades with STARTTLS when asked, and logs in with a
    /// password.
    pub async fn connect(
        endpoint: &Endpoint,
        user: &str,
        password: &str,
        timeout: Duration,
    ) -> NetResult<ImapSession> {
        Self::connect_with(endpoint, user, Credential::Password(password), timeout).await
    }

    /// [`connect`](Self::connect) with a password or an OAuth2 bearer token (SASL XOAUTH2).
    /// A refused login, either way, is [`NetError::AuthFailed`].
    pub async fn connect_with(
        endpoint: &Endpoint,
        user: &str,
        credential: Credential<'_>,
        timeout: Duration,
    ) -> NetResult<ImapSession> {
        let stream = net::connect(endpoint, timeout).await?;
        let mut session = ImapSession {
            stream,
            frames: ResponseBuffer::new(),
            tag: 0,
            capabilities: Vec::new(),
            unsolicited: Vec::new(),
            host: endpoint.host.clone(),
        };
        let greeting = net::within(
            timeout,
            "waiting for the IMAP greeting",
            session.read_response(),
        )
        .await?;
        let preauth = match greeting {
            Response::Data {
                status: Status::Ok, ..
            } => false,
            Response::Data {
                status: Status::PreAuth,
                ..
            } => true,
            Response::Data {
                status: Status::Bye,
                outcome,
            } => {
                return Err(NetError::Rejected(
                    outcome
                        .information
                        .map(|s| s.to_string())
                        .unwrap_or_default(),
                ))
            }
            other => {
                return Err(NetError::Protocol(format!(
                    "not an IMAP greeting: {other:?}"
                )))
            }
        };
        if endpoint.security == Security::StartTls {
            session.refresh_capabilities().await?;
            if !session.has("STARTTLS") {
                return Err(NetError::Unsupported("STARTTLS".into()));
            }
            session.run("STARTTLS").await?;
            // Anything buffered before the handshake would be an injection; drop it.
            let ImapSession {
                stream,
                tag,
                unsolicited,
                host,
                ..
            } = session;
            let stream =
                net::within(timeout, "negotiating TLS", net::start_tls(stream, endpoint)).await?;
            session = ImapSession {
                stream,
                frames: ResponseBuffer::new(),
                tag,
                capabilities: Vec::new(),
                unsolicited,
                host,
            };
        }
        session.refresh_capabilities().await?;
        if !preauth {
            net::within(timeout, "logging in", session.login(user, credential)).await?;
            session.refresh_capabilities().await?;
        }
        Ok(session)
    }

    pub fn capabilities(&self) -> &[String] {
        &self.capabilities
    }

    pub fn has(&self, cap: &str) -> bool {
        self.capabilities
            .iter()
            .any(|c| c.eq_ignore_ascii_case(cap))
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    /// Unsolicited responses collected so far (and forgets them).
    pub fn take_unsolicited(&mut self) -> Vec<Unsolicited> {
        std::mem::take(&mut self.unsolicited)
    }

    async fn refresh_capabilities(&mut self) -> NetResult<()> {
        let mut caps = Vec::new();
        self.run_each("CAPABILITY", |r| {
            if let Response::Capabilities(list) = r {
                caps = caps_from(list);
            }
            Ok(())
        })
        .await?;
        self.capabilities = caps;
        Ok(())
    }

    async fn login(&mut self, user: &str, credential: Credential<'_>) -> NetResult<()> {
        credential.check(user).map_err(NetError::AuthFailed)?;
        let result = match credential {
            Credential::Bearer(token) => {
                if !self.has("AUTH=XOAUTH2") {
                    return Err(NetError::Unsupported("OAuth2 login (AUTH=XOAUTH2)".into()));
                }
                self.authenticate("XOAUTH2", &xoauth2_initial_response(user, token))
                    .await
            }
            Credential::Password(password) if self.has("AUTH=PLAIN") => {
                let token = B64.encode(format!("\0{user}\0{password}"));
                self.authenticate("PLAIN", &token).await
            }
            Credential::Password(_) if self.has("LOGINDISABLED") => {
                return Err(NetError::Unsupported(
                    "a login method usable on this connection (LOGINDISABLED: use TLS)".into(),
                ));
            }
            Credential::Password(password) => {
                self.run_secret(&format!("LOGIN {} {}", quote(user), quote(password)))
                    .await
            }
        };
        match result {
            Ok(()) => Ok(()),
            Err(NetError::Rejected(text)) => Err(NetError::AuthFailed(text)),
            Err(e) => Err(e),
        }
    }

    /// AUTHENTICATE (RFC 3501 §6.2.2) with the initial response inline when the server
    /// has SASL-IR (RFC 4959), else after the first continuation. Any further challenge
    /// gets an empty answer: that is how a client acknowledges XOAUTH2's error challenge
    /// (a base64 JSON status), after which the server sends the tagged NO.
    async fn authenticate(&mut self, mechanism: &str, initial: &str) -> NetResult<()> {
        let tag = self.next_tag();
        tracing::trace!(%tag, mechanism, "imap authenticate");
        let mut pending = if self.has("SASL-IR") {
            self.write(format!("{tag} AUTHENTICATE {mechanism} {initial}\r\n").as_bytes())
                .await?;
            None
        } else {
            self.write(format!("{tag} AUTHENTICATE {mechanism}\r\n").as_bytes())
                .await?;
            Some(initial)
        };
        let mut challenge = None;
        loop {
            match self.read_response().await? {
                Response::Continue(outcome) => {
                    if pending.is_none() {
                        challenge = outcome.information.map(|i| i.to_string());
                    }
                    let answer = pending.take().unwrap_or("");
                    self.write(format!("{answer}\r\n").as_bytes()).await?;
                }
                Response::Done {
                    tag: t,
                    status,
                    outcome,
                } if t.0 == tag => {
                    return match done_result(status, outcome) {
                        Err(NetError::Rejected(text)) => Err(NetError::Rejected(with_sasl_status(
                            text,
                            challenge.as_deref(),
                        ))),
                        other => other.map(|_| ()),
                    };
                }
                other => self.note_unsolicited(&other),
            }
        }
    }

    /// LIST "" "*", with special-use attributes (and Inbox by name).
    pub async fn list(&mut self) -> NetResult<Vec<ListedFolder>> {
        let cmd = if self.has("SPECIAL-USE") {
            r#"LIST "" "*" RETURN (SPECIAL-USE)"#
        } else {
            r#"LIST "" "*""#
        };
        let mut out = Vec::new();
        self.run_each(cmd, |r| {
            if let Response::MailboxData(MailboxDatum::List(l)) = r {
                let selectable = !l.name_attributes.iter().any(|a| match a {
                    NameAttribute::NoSelect => true,
                    NameAttribute::Extension(x) => x.eq_ignore_ascii_case("\\NonExistent"),
                    _ => false,
                });
                out.push(ListedFolder {
                    name: decode_mailbox_name(&l.name),
                    wire_name: l.name.to_string(),
                    delimiter: l.delimiter.as_ref().map(|d| d.to_string()),
                    special_use: special_use(&l.name_attributes, &l.name),
                    selectable,
                });
            }
            Ok(())
        })
        .await?;
        Ok(out)
    }

    /// Turns on QRESYNC (and with it CONDSTORE) for this session, if offered.
    pub async fn enable_qresync(&mut self) -> NetResult<bool> {
        if !self.has("QRESYNC") || !self.has("ENABLE") {
            return Ok(false);
        }
        self.run("ENABLE QRESYNC").await?;
        Ok(true)
    }

    /// SELECT (or EXAMINE when `read_only`), with QRESYNC parameters when known.
    pub async fn select(
        &mut self,
        wire_name: &str,
        qresync: Option<(u32, u64)>,
        read_only: bool,
    ) -> NetResult<Selected> {
        let verb = if read_only { "EXAMINE" } else { "SELECT" };
        let mut cmd = format!("{verb} {}", quote(wire_name));
        match qresync {
            Some((validity, modseq)) if modseq > 0 => {
                cmd.push_str(&format!(" (QRESYNC ({validity} {modseq}))"))
            }
            _ if self.has("CONDSTORE") => cmd.push_str(" (CONDSTORE)"),
            _ => {}
        }
        let mut sel = Selected::default();
        let mut nomodseq = false;
        let done = self
            .run_each(&cmd, |r| {
                match r {
                    Response::MailboxData(MailboxDatum::Exists(n)) => sel.exists = *n,
                    Response::Data { outcome, .. } => match &outcome.code {
                        Some(ResponseCode::UidValidity(v)) => sel.uidvalidity = *v,
                        Some(ResponseCode::UidNext(n)) => sel.uidnext = *n,
                        Some(ResponseCode::HighestModSeq(m)) => sel.highestmodseq = Some(*m),
                        _ => {
                            if outcome
                                .information
                                .as_deref()
                                .is_some_and(|i| i.contains("NOMODSEQ"))
                            {
                                nomodseq = true;
                            }
                        }
                    },
                    Response::Vanished { uids, .. } => sel.vanished.extend(expand_ranges(uids)),
                    Response::Fetch(_, attrs) => {
                        if let Some(f) = flags_from_attrs(attrs) {
                            sel.changed.push(f);
                        }
                    }
                    _ => {}
                }
                Ok(())
            })
            .await?;
        let _ = done;
        if nomodseq {
            sel.highestmodseq = None;
        }
        // These belong to this SELECT, not to anyone waiting for news.
        self.unsolicited
            .retain(|u| !matches!(u, Unsolicited::Exists(_)));
        Ok(sel)
    }

    /// UID SEARCH with raw criteria ("ALL", "SINCE 1-Jan-2026", "HEADER Message-ID <x>").
    pub async fn uid_search(&mut self, criteria: &str) -> NetResult<Vec<u32>> {
        let mut uids = Vec::new();
        self.run_each(&format!("UID SEARCH {criteria}"), |r| {
            if let Response::MailboxData(MailboxDatum::Search(list)) = r {
                uids.extend_from_slice(list);
            }
            Ok(())
        })
        .await?;
        uids.sort_unstable();
        Ok(uids)
    }

    /// Flags of the given UIDs (or all with `None`), optionally only those changed since a
    /// modseq (CONDSTORE).
    pub async fn uid_fetch_flags(
        &mut self,
        uids: Option<&[u32]>,
        changed_since: Option<u64>,
    ) -> NetResult<Vec<FetchedFlags>> {
        let set = match uids {
            Some([]) => return Ok(Vec::new()),
            Some(list) => encode_uid_set(list),
            None => "1:*".to_owned(),
        };
        let mut cmd = format!("UID FETCH {set} (UID FLAGS");
        if changed_since.is_some() || self.has("CONDSTORE") {
            cmd.push_str(" MODSEQ");
        }
        cmd.push(')');
        if let Some(m) = changed_since {
            cmd.push_str(&format!(" (CHANGEDSINCE {m})"));
        }
        let mut out = Vec::new();
        self.run_each(&cmd, |r| {
            if let Response::Fetch(_, attrs) = r {
                if let Some(f) = flags_from_attrs(attrs) {
                    out.push(f);
                }
            }
            Ok(())
        })
        .await?;
        // A FETCH for a UID we asked about is an answer, not news.
        self.unsolicited
            .retain(|u| !matches!(u, Unsolicited::Flags(_)));
        Ok(out)
    }

    /// Fetches messages, calling `each` as each one arrives (bodies are not buffered for
    /// the whole set). `header_only` fetches just the header section.
    pub async fn uid_fetch_messages(
        &mut self,
        uids: &[u32],
        header_only: bool,
        mut each: impl FnMut(FetchedMessage),
    ) -> NetResult<()> {
        if uids.is_empty() {
            return Ok(());
        }
        let section = if header_only {
            "BODY.PEEK[HEADER]"
        } else {
            "BODY.PEEK[]"
        };
        let modseq = if self.has("CONDSTORE") { " MODSEQ" } else { "" };
        let cmd = format!(
            "UID FETCH {} (UID FLAGS INTERNALDATE RFC822.SIZE{modseq} {section})",
            encode_uid_set(uids)
        );
        self.run_each(&cmd, |r| {
            if let Response::Fetch(_, attrs) = r {
                if let Some(m) = message_from_attrs(attrs, header_only) {
                    each(m);
                }
            }
            Ok(())
        })
        .await?;
        self.unsolicited
            .retain(|u| !matches!(u, Unsolicited::Flags(_)));
        Ok(())
    }

    /// `UID STORE uids +FLAGS.SILENT (flags)` (or `-FLAGS.SILENT`).
    pub async fn uid_store(&mut self, uids: &[u32], add: bool, flags: &[&str]) -> NetResult<()> {
        if uids.is_empty() {
            return Ok(());
        }
        let sign = if add { '+' } else { '-' };
        self.run(&format!(
            "UID STORE {} {sign}FLAGS.SILENT ({})",
            encode_uid_set(uids),
            flags.join(" ")
        ))
        .await
    }

    /// Moves messages to another folder: MOVE when offered, else COPY + \Deleted +
    /// UID EXPUNGE (UIDPLUS) so only these messages are expunged.
    pub async fn uid_move(&mut self, uids: &[u32], dest_wire: &str) -> NetResult<()> {
        self.uid_move_mapped(uids, dest_wire).await.map(|_| ())
    }

    /// [`uid_move`](Self::uid_move), returning where the server put the messages when it
    /// says so (UIDPLUS COPYUID): the destination's UIDVALIDITY and (source UID,
    /// destination UID) pairs. UIDs the server no longer had are simply absent; `None`
    /// when the server reported nothing (no UIDPLUS, or none of the UIDs existed).
    pub async fn uid_move_mapped(
        &mut self,
        uids: &[u32],
        dest_wire: &str,
    ) -> NetResult<Option<(u32, Vec<(u32, u32)>)>> {
        if uids.is_empty() {
            return Ok(None);
        }
        let set = encode_uid_set(uids);
        let mut copied: Option<(u32, Vec<(u32, u32)>)> = None;
        let mut note = |code: &Option<ResponseCode<'_>>| {
            if let Some(ResponseCode::CopyUid(validity, from, to)) = code {
                let pairs = expand_uid_set(from).into_iter().zip(expand_uid_set(to));
                let entry = copied.get_or_insert_with(|| (*validity, Vec::new()));
                entry.0 = *validity;
                entry.1.extend(pairs);
            }
        };
        if self.has("MOVE") {
            // COPYUID comes in an untagged OK before the expunges (RFC 6851).
            let tagged = self
                .run_each(&format!("UID MOVE {set} {}", quote(dest_wire)), |r| {
                    if let Response::Data { outcome, .. } = r {
                        note(&outcome.code);
                    }
                    Ok(())
                })
                .await?;
            note(&tagged);
            return Ok(copied);
        }
        let tagged = self
            .run_each(&format!("UID COPY {set} {}", quote(dest_wire)), |_| Ok(()))
            .await?;
        note(&tagged);
        self.uid_expunge(uids).await?;
        Ok(copied)
    }

    /// Expunges exactly these messages (they get \Deleted first).
    pub async fn uid_expunge(&mut self, uids: &[u32]) -> NetResult<()> {
        if uids.is_empty() {
            return Ok(());
        }
        self.uid_store(uids, true, &["\\Deleted"]).await?;
        if self.has("UIDPLUS") {
            self.run(&format!("UID EXPUNGE {}", encode_uid_set(uids)))
                .await
        } else {
            self.run("EXPUNGE").await
        }
    }

    /// APPENDs a message; returns its UID when the server reports APPENDUID.
    pub async fn append(
        &mut self,
        wire_name: &str,
        flags: &[&str],
        raw: &[u8],
    ) -> NetResult<Option<u32>> {
        let plus = if self.has("LITERAL+") { "+" } else { "" };
        let head = format!(
            "APPEND {} ({}) {{{}{plus}}}",
            quote(wire_name),
            flags.join(" "),
            raw.len()
        );
        let tag = self.next_tag();
        self.write(format!("{tag} {head}\r\n").as_bytes()).await?;
        if plus.is_empty() {
            self.wait_continuation(&tag).await?;
        }
        self.write(raw).await?;
        self.write(b"\r\n").await?;
        let mut uid = None;
        let code = self.finish(&tag, |_| Ok(())).await?;
        if let Some(ResponseCode::AppendUid(_, set)) = code {
            if let Some(imap_proto::rfc4315::UidSetMember::Uid(u)) = set.first() {
                uid = Some(*u);
            }
        }
        Ok(uid)
    }

    pub async fn create_folder(&mut self, wire_name: &str) -> NetResult<()> {
        self.run(&format!("CREATE {}", quote(wire_name))).await
    }

    /// Encodes a UTF-8 folder name for commands.
    pub fn wire_name(name: &str) -> String {
        encode_mailbox_name(name)
    }

    pub async fn noop(&mut self) -> NetResult<()> {
        self.run("NOOP").await
    }

    /// IDLE until the server reports a change or `limit` passes; returns whether it did.
    /// The news itself is in [`take_unsolicited`](Self::take_unsolicited).
    pub async fn idle(&mut self, limit: Duration) -> NetResult<bool> {
        if !self.has("IDLE") {
            return Err(NetError::Unsupported("IDLE".into()));
        }
        let tag = self.next_tag();
        self.write(format!("{tag} IDLE\r\n").as_bytes()).await?;
        self.wait_continuation(&tag).await?;
        let before = self.unsolicited.len();
        let deadline = tokio::time::Instant::now() + limit;
        let mut changed = false;
        while !changed {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                break;
            }
            match tokio::time::timeout(left, self.read_response()).await {
                Err(_) => break,
                Ok(r) => {
                    let r = r?;
                    self.note_unsolicited(&r);
                    changed = self.unsolicited.len() > before;
                }
            }
        }
        self.write(b"DONE\r\n").await?;
        self.finish(&tag, |_| Ok(())).await?;
        Ok(changed || self.unsolicited.len() > before)
    }

    pub async fn logout(mut self) -> NetResult<()> {
        let _ = self.run("LOGOUT").await;
        let _ = self.stream.shutdown().await;
        Ok(())
    }

    // ---- plumbing -------------------------------------------------------------------

    fn next_tag(&mut self) -> String {
        self.tag += 1;
        format!("A{:04}", self.tag)
    }

    async fn write(&mut self, bytes: &[u8]) -> NetResult<()> {
        net::within(READ_TIMEOUT, "sending to the server", async {
            self.stream.write_all(bytes).await?;
            self.stream.flush().await?;
            Ok(())
        })
        .await
    }

    /// Runs a command, ignoring its untagged data.
    pub async fn run(&mut self, cmd: &str) -> NetResult<()> {
        self.run_each(cmd, |_| Ok(())).await.map(|_| ())
    }

    /// Like [`run`](Self::run) for commands that carry a secret: never logged.
    async fn run_secret(&mut self, cmd: &str) -> NetResult<()> {
        let tag = self.next_tag();
        self.write(format!("{tag} {cmd}\r\n").as_bytes()).await?;
        self.finish(&tag, |_| Ok(())).await.map(|_| ())
    }

    /// Runs a command and hands every untagged response to `f`; returns the tagged OK's
    /// response code.
    async fn run_each(
        &mut self,
        cmd: &str,
        f: impl FnMut(&Response<'static>) -> NetResult<()>,
    ) -> NetResult<Option<ResponseCode<'static>>> {
        let tag = self.next_tag();
        tracing::trace!(%tag, cmd = cmd.split_whitespace().next().unwrap_or(""), "imap command");
        self.write(format!("{tag} {cmd}\r\n").as_bytes()).await?;
        self.finish(&tag, f).await
    }

    async fn wait_continuation(&mut self, tag: &str) -> NetResult<()> {
        loop {
            let r = self.read_response().await?;
            match r {
                Response::Continue(_) => return Ok(()),
                Response::Done {
                    tag: t, outcome, ..
                } if t.0 == tag => {
                    return Err(NetError::Rejected(
                        outcome
                            .information
                            .map(|s| s.to_string())
                            .unwrap_or_default(),
                    ))
                }
                other => self.note_unsolicited(&other),
            }
        }
    }

    async fn finish(
        &mut self,
        tag: &str,
        mut f: impl FnMut(&Response<'static>) -> NetResult<()>,
    ) -> NetResult<Option<ResponseCode<'static>>> {
        loop {
            let r = self.read_response().await?;
            match r {
                Response::Done {
                    tag: t,
                    status,
                    outcome,
                } if t.0 == tag => {
                    return done_result(status, outcome);
                }
                Response::Data {
                    status: Status::Bye,
                    outcome,
                } => {
                    tracing::info!(info = ?outcome.information, "server said BYE");
                    // The connection is going away; the next read reports Closed.
                }
                other => {
                    f(&other)?;
                    self.note_unsolicited(&other);
                }
            }
        }
    }

    fn note_unsolicited(&mut self, r: &Response<'static>) {
        match r {
            Response::MailboxData(MailboxDatum::Exists(n)) => {
                self.unsolicited.push(Unsolicited::Exists(*n))
            }
            Response::Expunge(n) => self.unsolicited.push(Unsolicited::Expunge(*n)),
            Response::Vanished {
                earlier: false,
                uids,
            } => self
                .unsolicited
                .push(Unsolicited::Vanished(expand_ranges(uids))),
            Response::Fetch(_, attrs) => {
                if let Some(f) = flags_from_attrs(attrs) {
                    self.unsolicited.push(Unsolicited::Flags(f));
                }
            }
            _ => {}
        }
    }

    /// Reads one complete response (with any literals), owned.
    async fn read_response(&mut self) -> NetResult<Response<'static>> {
        loop {
            if let Some(r) = self.frames.next_response() {
                return Ok(r);
            }
            let room = self.frames.spare(READ_CHUNK);
            let read = tokio::time::timeout(READ_TIMEOUT, self.stream.read(room)).await;
            let n = match read {
                Ok(Ok(n)) => n,
                Ok(Err(e)) => {
                    self.frames.filled(READ_CHUNK, 0);
                    return Err(NetError::Io(e));
                }
                Err(_) => {
                    self.frames.filled(READ_CHUNK, 0);
                    return Err(NetError::Timeout {
                        during: "waiting for the IMAP server".into(),
                        seconds: READ_TIMEOUT.as_secs(),
                    });
                }
            };
            self.frames.filled(READ_CHUNK, n);
            if n == 0 {
                return Err(NetError::Closed);
            }
        }
    }
}

/// The UIDs of a COPYUID set, in the order given (source and destination sets pair up
/// in that order, RFC 4315).
/// A command's tagged completion: OK with its response code, NO as `Rejected`, anything
/// else (BAD) as a protocol error.
fn done_result(
    status: Status,
    outcome: imap_proto::Outcome<'static>,
) -> NetResult<Option<ResponseCode<'static>>> {
    let text = || {
        let mut s = String::new();
        if let Some(code) = &outcome.code {
            s.push_str(&format!("[{code:?}] "));
        }
        s.push_str(outcome.information.as_deref().unwrap_or(""));
        s
    };
    match status {
        Status::Ok => Ok(outcome.code),
        Status::No => Err(NetError::Rejected(text())),
        _ => Err(NetError::Protocol(text())),
    }
}

/// Adds the `status` of an XOAUTH2 error challenge (base64 JSON such as
/// `{"status":"invalid_token","schemes":"Bearer","scope":"…"}`) to the server's NO text.
fn with_sasl_status(text: String, challenge: Option<&str>) -> String {
    use base64::Engine as _;
    let status = challenge
        .and_then(|c| {
            base64::engine::general_purpose::STANDARD
                .decode(c.trim())
                .ok()
        })
        .and_then(|json| serde_json::from_slice::<serde_json::Value>(&json).ok())
        .and_then(|v| v.get("status").and_then(|s| s.as_str()).map(str::to_owned));
    match status {
        Some(status) => format!("{text} (token status: {status})"),
        None => text,
    }
}

fn expand_uid_set(set: &[imap_proto::rfc4315::UidSetMember]) -> Vec<u32> {
    let mut out = Vec::new();
    for member in set {
        match member {
            imap_proto::rfc4315::UidSetMember::Uid(u) => out.push(*u),
            imap_proto::rfc4315::UidSetMember::UidRange(r) => out.extend(r.clone()),
        }
    }
    out
}

fn flags_from_attrs(attrs: &[AttributeValue<'_>]) -> Option<FetchedFlags> {
    let mut uid = None;
    let mut flags = None;
    let mut modseq = None;
    for a in attrs {
        match a {
            AttributeValue::Uid(u) => uid = Some(*u),
            AttributeValue::Flags(f) => flags = Some(flags_of(f)),
            AttributeValue::ModSeq(m) => modseq = Some(*m),
            _ => {}
        }
    }
    Some(FetchedFlags {
        uid: uid?,
        flags: flags?,
        modseq,
    })
}

fn message_from_attrs(attrs: &[AttributeValue<'_>], header_only: bool) -> Option<FetchedMessage> {
    let mut m = FetchedMessage {
        uid: 0,
        flags: Vec::new(),
        modseq: None,
        internal_date: None,
        size: None,
        raw: Vec::new(),
        header_only,
    };
    let mut have_body = false;
    for a in attrs {
        match a {
            AttributeValue::Uid(u) => m.uid = *u,
            AttributeValue::Flags(f) => m.flags = flags_of(f),
            AttributeValue::ModSeq(v) => m.modseq = Some(*v),
            AttributeValue::InternalDate(d) => m.internal_date = Some(d.to_string()),
            AttributeValue::Rfc822Size(s) => m.size = Some(*s),
            AttributeValue::BodySection { data, .. } => {
                have_body = true;
                m.raw = data.as_ref().map(|d| d.to_vec()).unwrap_or_default();
            }
            AttributeValue::Rfc822(data) | AttributeValue::Rfc822Header(data) => {
                have_body = true;
                m.raw = data.as_ref().map(|d| d.to_vec()).unwrap_or_default();
            }
            _ => {}
        }
    }
    (m.uid != 0 && have_body).then_some(m)
}
