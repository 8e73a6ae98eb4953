//! A private Dovecot: start/stop/restart, accessors and direct Maildir access. Its config
//! file and TLS material are in `dovecot_config.rs`, the "other client" in `imap_client.rs`.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Write};
use std::net::TcpStream;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tempfile::TempDir;

use crate::dovecot_config::{config, make_tls, oauth2_config, Identity};
use crate::process::ProcessGroup;
use crate::{free_port, wait_until, HOST};

const USER: &str = "rep@example.test";
const IMAP_CLIENT_PY: &str = include_str!("../py/imap_client.py");
const START_TIMEOUT: Duration = Duration::from_secs(20);
const BIND_ATTEMPTS: usize = 5;
/// uid/gid of `nobody`/`nogroup`: who owns the mail when we run as root.
const NOBODY: (u32, u32) = (65534, 65534);

/// Knobs for [`Dovecot::start_with`]. `DovecotOptions::default()` is what
/// [`Dovecot::start`] uses.
#[derive(Debug, Clone)]
pub struct DovecotOptions {
    /// Advertise CONDSTORE and QRESYNC (default true). With false, `imap_capability` is set
    /// to Dovecot's list without them, to drive a client's "no CONDSTORE" path. Dovecot still
    /// accepts `ENABLE QRESYNC` from a client that sends it anyway; only the advertisement
    /// changes. Side effect of setting `imap_capability`: the greeting's pre-login
    /// CAPABILITY then shows the whole post-login list too (plus STARTTLS and AUTH=).
    pub qresync: bool,
}

/// Bearer-token logins for [`Dovecot::start_with_oauth2`]: SASL XOAUTH2 and OAUTHBEARER,
/// each token checked by Dovecot's `oauth2` passdb at an OAuth 2.0 introspection endpoint
/// (RFC 7662, `introspection_mode = post`, HTTP Basic client authentication). The token's
/// `sub` must be the login name ([`Dovecot::USER`]) and `active` must be true.
#[derive(Debug, Clone)]
pub struct DovecotOAuth2 {
    /// E.g. [`crate::OidcProvider::introspection_url`].
    pub introspection_url: String,
    /// The client Dovecot authenticates as at the introspection endpoint.
    pub client_id: String,
    pub client_secret: String,
}

impl Default for DovecotOptions {
    fn default() -> Self {
        DovecotOptions { qresync: true }
    }
}

/// A Dovecot 2.3 IMAP server of its own, in a temp dir, on two free 127.0.0.1 ports.
///
/// - One user, [`user()`](Self::user) = `rep@example.test`, with a random
///   [`password()`](Self::password); `AUTH=PLAIN`, `AUTH=LOGIN` and `LOGIN` are allowed
///   without TLS. A failed login is answered at once and does not slow down the next one
///   (Dovecot's failure delay and per-IP auth penalty are sidestepped).
/// - [`imap_port()`](Self::imap_port) is plaintext with STARTTLS;
///   [`imaps_port()`](Self::imaps_port) is implicit TLS. The certificate is for `localhost`
///   and IP `127.0.0.1`, signed by a throw-away CA: trust [`ca_pem()`](Self::ca_pem).
/// - Folders: `INBOX`, and the special-use `Sent` (\Sent), `Drafts` (\Drafts), `Archive`
///   (\Archive), `Trash` (\Trash), `Junk` (\Junk), all created and subscribed on first
///   login. The hierarchy delimiter is `/` (`Projects/2024`).
/// - Mail is `maildir:<maildir()>:LAYOUT=fs`: INBOX is the Maildir root itself
///   (`<maildir>/cur`, `new`, `tmp`), every other folder a directory of the same name under
///   it (`<maildir>/Sent/cur`, `<maildir>/Projects/2024/cur`); see
///   [`folder_path`](Self::folder_path).
/// - Advertises IDLE, CONDSTORE, QRESYNC, MOVE, UIDPLUS, SPECIAL-USE and LITERAL+ (CONDSTORE
///   and QRESYNC can be hidden with [`DovecotOptions::qresync`]); up to 1000 connections per
///   user and IP; `mail_fsync = never`.
///
/// Run as root, Dovecot refuses to access mail as uid 0, so mail belongs to uid/gid 65534
/// (`nobody`/`nogroup`) and [`bulk_fill`](Self::bulk_fill) hands its files over to them;
/// run as a normal user, everything runs as that user. Anything you write into the Maildir
/// yourself must be readable and writable by that owner.
///
/// Dropping it stops every Dovecot process (SIGTERM to its process group, SIGKILL after
/// 10 s) and deletes the temp dir.
pub struct Dovecot {
    // Field order matters: the server must stop before its directory goes away.
    server: Mutex<Option<ProcessGroup>>,
    dir: TempDir,
    imap_port: u16,
    imaps_port: u16,
    password: String,
    ca_pem: PathBuf,
    maildir: PathBuf,
    /// uid/gid that Dovecot accesses mail as, when that is not us (we run as root).
    mail_owner: Option<(u32, u32)>,
    file_seq: AtomicU64,
    fill_base_secs: u64,
}

impl Dovecot {
    /// Starts Dovecot with [`DovecotOptions::default()`] and returns once it greets on both
    /// ports (~0.1-0.2 s on a quiet machine).
    pub fn start() -> io::Result<Dovecot> {
        Dovecot::start_with(DovecotOptions::default())
    }

    /// Starts Dovecot with the given options; see [`DovecotOptions`].
    pub fn start_with(options: DovecotOptions) -> io::Result<Dovecot> {
        Dovecot::launch_with(options, None)
    }

    /// Starts Dovecot with `options` that also accepts OAuth2 bearer tokens (SASL XOAUTH2
    /// and OAUTHBEARER) for [`USER`](Self::USER), checked at an introspection endpoint;
    /// passwords keep working.
    pub fn start_with_oauth2(
        options: DovecotOptions,
        oauth2: DovecotOAuth2,
    ) -> io::Result<Dovecot> {
        Dovecot::launch_with(options, Some(oauth2))
    }

    /// The one user's login name.
    pub const USER: &'static str = USER;

    fn launch_with(options: DovecotOptions, oauth2: Option<DovecotOAuth2>) -> io::Result<Dovecot> {
        let mut dir = tempfile::Builder::new()
            .prefix("switchboard-dovecot-")
            .tempdir()?;
        let me = fs::metadata(dir.path())?;
        let running_as_root = me.uid() == 0;
        let mail_owner = running_as_root.then_some(NOBODY);
        // The mail and auth processes must reach the files below.
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755))?;
        for sub in ["run", "state", "home", "Maildir", "tls"] {
            fs::create_dir(dir.path().join(sub))?;
        }
        if let Some((uid, gid)) = mail_owner {
            std::os::unix::fs::chown(dir.path().join("home"), Some(uid), Some(gid))?;
            std::os::unix::fs::chown(dir.path().join("Maildir"), Some(uid), Some(gid))?;
        }
        make_tls(&dir.path().join("tls"))?;
        let password = random_token();
        fs::write(
            dir.path().join("passwd"),
            format!("{USER}:{{PLAIN}}{password}::::::\n"),
        )?;
        fs::write(dir.path().join("imap_client.py"), IMAP_CLIENT_PY)?;
        if let Some(oauth2) = &oauth2 {
            fs::write(
                dir.path().join("dovecot-oauth2.conf.ext"),
                oauth2_config(oauth2)?,
            )?;
        }
        let identity = if running_as_root {
            Identity::root(NOBODY)
        } else {
            Identity::current(me.uid(), me.gid())?
        };

        let fill_base_secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut last_error = None;
        for _ in 0..BIND_ATTEMPTS {
            let (imap_port, imaps_port) = (free_port(), free_port());
            if imap_port == imaps_port {
                continue;
            }
            let config = config(
                dir.path(),
                imap_port,
                imaps_port,
                &identity,
                &options,
                oauth2.is_some(),
            );
            fs::write(dir.path().join("dovecot.conf"), config)?;
            let (ca_pem, maildir) = (dir.path().join("tls/ca.pem"), dir.path().join("Maildir"));
            let dovecot = Dovecot {
                server: Mutex::new(None),
                dir,
                imap_port,
                imaps_port,
                password: password.clone(),
                ca_pem,
                maildir,
                mail_owner,
                file_seq: AtomicU64::new(0),
                fill_base_secs,
            };
            match dovecot.launch() {
                Ok(()) => return Ok(dovecot),
                Err(e) if dovecot.log().contains("Address already in use") => {
                    last_error = Some(e);
                    dir = dovecot.dir;
                    for log in ["dovecot.log", "dovecot.stderr"] {
                        let _ = fs::remove_file(dir.path().join(log));
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("no free port pair")))
    }

    /// "127.0.0.1".
    pub fn host(&self) -> &str {
        HOST
    }

    /// The plaintext IMAP port (STARTTLS offered, plaintext login allowed too).
    pub fn imap_port(&self) -> u16 {
        self.imap_port
    }

    /// The implicit-TLS IMAP port.
    pub fn imaps_port(&self) -> u16 {
        self.imaps_port
    }

    /// The throw-away CA certificate (PEM) that signed the server certificate, which is
    /// valid for `localhost` and `127.0.0.1`.
    pub fn ca_pem(&self) -> &Path {
        &self.ca_pem
    }

    /// The login name, `rep@example.test`.
    pub fn user(&self) -> &str {
        USER
    }

    /// The user's password (random hex, different for every server).
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The Maildir root, which is also INBOX; other folders are directories under it.
    pub fn maildir(&self) -> &Path {
        &self.maildir
    }

    /// The temp dir holding everything of this server (config, TLS, logs, Maildir). Its
    /// name is also Dovecot's `instance_name`, so its processes show up as
    /// `dovecot-<name>/imap` in `ps` and `pgrep -f <name>` finds them all.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The Maildir directory of `folder` ("INBOX" in any case = the root, "Sent" =
    /// `<maildir>/Sent`, "Projects/2024" = `<maildir>/Projects/2024`).
    ///
    /// Non-ASCII names are stored in modified UTF-7 on disk and are refused here
    /// (`InvalidInput`); create and fill such folders through IMAP instead.
    pub fn folder_path(&self, folder: &str) -> io::Result<PathBuf> {
        if folder.eq_ignore_ascii_case("INBOX") {
            return Ok(self.maildir.clone());
        }
        let valid = !folder.is_empty()
            && folder.is_ascii()
            && folder
                .split('/')
                .all(|part| !part.is_empty() && part != "." && part != "..");
        if !valid {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("folder_path supports non-empty ASCII names only, not {folder:?}"),
            ));
        }
        Ok(self.maildir.join(folder.replace('&', "&-")))
    }

    /// Dovecot's log so far (and anything it printed on stderr), for failure messages.
    pub fn log(&self) -> String {
        let mut out = String::new();
        for name in ["dovecot.stderr", "dovecot.log"] {
            if let Ok(bytes) = fs::read(self.dir.path().join(name)) {
                out.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
        out
    }

    /// Stops Dovecot and starts it again on the same ports, with the same mail. Every open
    /// connection is dropped, as when a real server restarts.
    pub fn restart(&self) -> io::Result<()> {
        self.stop()?;
        self.launch()
    }

    /// Makes `folder`'s UIDVALIDITY change and its UIDs be assigned afresh (1, 2, ... in
    /// delivery order) while its messages and their flags stay, as after a server-side
    /// rebuild. Returns the new UIDVALIDITY.
    ///
    /// Dovecot is stopped, the folder's `dovecot-uidlist` and `dovecot.index*` files and
    /// the mailbox-list index are deleted, and Dovecot starts again on the same ports, so
    /// every open connection is dropped (~0.1-0.2 s).
    pub fn reset_uidvalidity(&self, folder: &str) -> io::Result<u32> {
        let path = self.folder_path(folder)?;
        let before = self.uidvalidity(folder)?;
        self.stop()?;
        remove_index_files(&path, |name| {
            name == "dovecot-uidlist" || name.starts_with("dovecot.index")
        })?;
        remove_index_files(&self.maildir, |name| name.starts_with("dovecot.list.index"))?;
        self.launch()?;
        let after = self.uidvalidity(folder)?;
        if after == before {
            return Err(io::Error::other(format!(
                "UIDVALIDITY of {folder} stayed {before} after deleting its index"
            )));
        }
        Ok(after)
    }

    /// Writes `messages` straight into `folder`'s Maildir (`<folder_path>/cur`, unflagged,
    /// through `tmp/` as Maildir requires) and returns how many were written. The fast path
    /// for big tests and benchmarks: Dovecot assigns UIDs, in the order given, the next
    /// time anyone opens the folder. Creates the folder's directories when missing (create
    /// it with [`create_folder`](Self::create_folder) first if it must be subscribed).
    pub fn bulk_fill(
        &self,
        folder: &str,
        messages: impl IntoIterator<Item = Vec<u8>>,
    ) -> io::Result<usize> {
        let path = self.folder_path(folder)?;
        self.make_maildir_folder(&path)?;
        let pid = std::process::id();
        let mut written = 0;
        for raw in messages {
            let seq = self.file_seq.fetch_add(1, Ordering::Relaxed);
            // Dovecot orders new files by the time in their name, then by name: keep both
            // increasing so UIDs follow the order of `messages`.
            let secs = self.fill_base_secs + seq / 1_000_000;
            let usecs = seq % 1_000_000;
            let base = format!("{secs}.M{usecs:06}P{pid}Q{seq}.switchboard-testkit");
            let tmp = path.join("tmp").join(&base);
            let mut file = File::create(&tmp)?;
            file.write_all(&raw)?;
            drop(file);
            if let Some((uid, gid)) = self.mail_owner {
                std::os::unix::fs::chown(&tmp, Some(uid), Some(gid))?;
            }
            fs::rename(&tmp, path.join("cur").join(format!("{base}:2,")))?;
            written += 1;
        }
        Ok(written)
    }

    /// Path for a scratch file in the temp dir, unique within this server.
    pub(crate) fn scratch_file(&self, what: &str) -> PathBuf {
        let seq = self.file_seq.fetch_add(1, Ordering::Relaxed);
        self.dir.path().join(format!("{what}-{seq}"))
    }

    fn make_maildir_folder(&self, path: &Path) -> io::Result<()> {
        let maildir = &self.maildir;
        let mut to_create = vec![path.join("cur"), path.join("new"), path.join("tmp")];
        let mut parent = path.to_path_buf();
        while parent != *maildir && parent.starts_with(maildir) {
            to_create.push(parent.clone());
            parent.pop();
        }
        // Parents first, so each directory is created (and handed over) by us.
        to_create.sort_by_key(|p| p.components().count());
        for dir in to_create {
            if dir.is_dir() {
                continue;
            }
            fs::create_dir(&dir)?;
            if let Some((uid, gid)) = self.mail_owner {
                std::os::unix::fs::chown(&dir, Some(uid), Some(gid))?;
            }
        }
        Ok(())
    }

    /// Starts the master (in its own process group) and waits for the greeting.
    fn launch(&self) -> io::Result<()> {
        let mut slot = self.server.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_some() {
            return Ok(());
        }
        let stderr = File::options()
            .create(true)
            .append(true)
            .open(self.dir.path().join("dovecot.stderr"))?;
        let mut group = ProcessGroup::spawn(
            Command::new(dovecot_binary())
                .arg("-F")
                .arg("-c")
                .arg(self.dir.path().join("dovecot.conf"))
                .stdin(Stdio::null())
                .stdout(stderr.try_clone()?)
                .stderr(stderr),
        )
        .map_err(|e| io::Error::new(e.kind(), format!("cannot run dovecot: {e}")))?;
        let mut exited = false;
        let ready = wait_until(
            &format!(
                "the Dovecot IMAP greeting on ports {} and {}",
                self.imap_port, self.imaps_port
            ),
            START_TIMEOUT,
            || {
                exited = group.has_exited();
                exited || (greets(self.imap_port) && accepts(self.imaps_port))
            },
        );
        match (ready, exited) {
            (Ok(()), false) => {
                *slot = Some(group);
                Ok(())
            }
            (result, _) => {
                let why = match result {
                    Err(e) => e.to_string(),
                    Ok(()) => "dovecot exited during start-up".to_string(),
                };
                drop(group);
                Err(io::Error::other(format!(
                    "{why}; dovecot log:\n{}",
                    self.log()
                )))
            }
        }
    }

    fn stop(&self) -> io::Result<()> {
        let mut slot = self.server.lock().unwrap_or_else(|e| e.into_inner());
        match slot.take() {
            Some(mut group) => group.stop(),
            None => Ok(()),
        }
    }
}

impl std::fmt::Debug for Dovecot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dovecot")
            .field("dir", &self.dir.path())
            .field("imap_port", &self.imap_port)
            .field("imaps_port", &self.imaps_port)
            .finish_non_exhaustive()
    }
}

/// `/usr/sbin` is not on every user's PATH.
fn dovecot_binary() -> PathBuf {
    let sbin = PathBuf::from("/usr/sbin/dovecot");
    if sbin.exists() {
        sbin
    } else {
        PathBuf::from("dovecot")
    }
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
    BufReader::new(stream).read_line(&mut line).is_ok() && line.starts_with("* OK")
}

/// The implicit-TLS listener belongs to the same imap-login service as the plaintext one,
/// and the master binds both before it forks anything; so once the plaintext port greets,
/// a connection to this one is accepted and served too. Reading its greeting would take a
/// TLS handshake (see the crate's TLS test, which does one).
fn accepts(port: u16) -> bool {
    TcpStream::connect((HOST, port)).is_ok()
}

fn remove_index_files(dir: &Path, matches: impl Fn(&str) -> bool) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file() && matches(&entry.file_name().to_string_lossy()) {
            fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

pub(crate) fn random_token() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    (0..2)
        .map(|i| {
            let mut h = RandomState::new().build_hasher();
            h.write_u64(i);
            h.write_u128(
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or(0),
            );
            format!("{:016x}", h.finish())
        })
        .collect()
}
