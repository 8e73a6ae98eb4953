//! A private Dovecot for shell scripts (bench/mail-sync): starts [`Dovecot`], fills INBOX
//! from a Maildir's files, warms the server's index, prints one JSON line with everything a
//! client needs to connect, then serves until its stdin closes, and stops.
//!
//! ```text
//! dovecot_server [--fill-from MAILDIR]
//! {"host":"127.0.0.1","imap_port":..,"imaps_port":..,"user":..,"password":..,"ca":..,
//!  "maildir":..,"dir":..,"filled":N,"fill_seconds":..,"warm_seconds":..,"folders":[..]}
//! ```
//!
//! `--fill-from` copies the files of `MAILDIR/cur` and `MAILDIR/new` into INBOX's `cur/`, in
//! date order: the order of the Unix time at the start of their names and then of the
//! delivery number `Q<n>` (as `switchboard-cli demo maildir` writes them), so UIDs follow
//! arrival order as on a real server. Flags stay (`:2,S` and so on; mail from `new/` lands
//! unseen). The files are named the way Dovecot names mail it delivers itself,
//! `<time>.M<usecs>P<pid>Q<n>.switchboard-bench,S=<size>,W=<size with CRLF>:2,<flags>`,
//! with the message's own date as `<time>`.
//!
//! Why not `Dovecot::bulk_fill`: its names (one shared time, then only digits before a long
//! fixed suffix) all fall into ~10,000 values of the hash Dovecot 2.3 keys its
//! `dovecot-uidlist` table by (`maildir_filename_base_hash`, a PJW hash), so its Maildir
//! scans go quadratic: at 100,000 messages a STATUS spent 50 s and the next SELECT 145 s
//! scanning `cur/`, at 50,000 the warm-up below took 21 s against 1.7 s with these names,
//! which spread over as many hash values as there are messages.
//!
//! Warming: a `LIST` (which creates the special-use folders), one session that `SELECT`s
//! every folder, and a `STATUS` of every folder (for the counts printed). The first `SELECT`
//! after the fill is when Dovecot scans the Maildir, assigns UIDs and writes its index:
//! the server's own cost, paid here so that no client measured afterwards pays it. Nothing
//! is FETCHed, so Dovecot's cache file holds no fields that favour one client.
//!
//! Progress and timings go to stderr; stdout has only the JSON line.

use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;
use switchboard_testkit::Dovecot;

fn main() {
    if let Err(e) = run() {
        eprintln!("dovecot_server: {e}");
        std::process::exit(1);
    }
}

fn run() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut fill_from: Option<PathBuf> = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--fill-from" => {
                let dir = args
                    .next()
                    .ok_or_else(|| usage("--fill-from needs a directory"))?;
                fill_from = Some(PathBuf::from(dir));
            }
            other => return Err(usage(&format!("unknown argument {other:?}"))),
        }
    }

    let dovecot = Dovecot::start()?;
    eprintln!(
        "dovecot_server: Dovecot up on 127.0.0.1:{} (imaps {}) in {}",
        dovecot.imap_port(),
        dovecot.imaps_port(),
        dovecot.dir().display()
    );

    let started = Instant::now();
    let filled = match &fill_from {
        Some(dir) => fill_inbox(&dovecot, &maildir_files_in_date_order(dir)?)?,
        None => 0,
    };
    let fill_seconds = started.elapsed().as_secs_f64();
    eprintln!("dovecot_server: filled INBOX with {filled} messages in {fill_seconds:.1} s");

    let started = Instant::now();
    let folders: Vec<String> = dovecot
        .folders()?
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    select_each(&dovecot, &folders)?;
    let mut statuses = Vec::new();
    for folder in &folders {
        let s = dovecot.status(folder)?;
        statuses.push(json!({ "folder": folder, "messages": s.messages, "uidnext": s.uidnext }));
    }
    let warm_seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "dovecot_server: warmed the index (LIST, SELECT and STATUS of {} folders) in {warm_seconds:.1} s",
        folders.len()
    );

    let line = json!({
        "host": dovecot.host(),
        "imap_port": dovecot.imap_port(),
        "imaps_port": dovecot.imaps_port(),
        "user": dovecot.user(),
        "password": dovecot.password(),
        "ca": dovecot.ca_pem(),
        "maildir": dovecot.maildir(),
        "dir": dovecot.dir(),
        "filled": filled,
        "fill_seconds": fill_seconds,
        "warm_seconds": warm_seconds,
        "folders": statuses,
    });
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{line}")?;
    stdout.flush()?;
    drop(stdout);

    // Serve until whoever started us closes our stdin (or exits).
    let mut sink = [0u8; 4096];
    let mut stdin = io::stdin().lock();
    while stdin.read(&mut sink)? > 0 {}
    eprintln!("dovecot_server: stdin closed, stopping Dovecot");
    drop(dovecot);
    Ok(())
}

/// One session that SELECTs every folder in turn: the first SELECT after the bulk fill is
/// when Dovecot scans the Maildir, assigns UIDs and writes `dovecot.index` (a `STATUS` alone
/// updates `dovecot-uidlist` but leaves the index to the next SELECT, so the first measured
/// client would pay for it). Plain IMAP over `std::net`; no command here returns literals.
fn select_each(dovecot: &Dovecot, folders: &[String]) -> io::Result<()> {
    let stream = TcpStream::connect((dovecot.host(), dovecot.imap_port()))?;
    // Building the index of a big folder takes minutes on a busy machine.
    stream.set_read_timeout(Some(Duration::from_secs(3600)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    let mut line = String::new();
    reader.read_line(&mut line)?;
    if !line.starts_with("* OK") {
        return Err(io::Error::other(format!("unexpected greeting {line:?}")));
    }
    let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let mut commands = vec![format!(
        "LOGIN {} {}",
        quote(dovecot.user()),
        quote(dovecot.password())
    )];
    commands.extend(folders.iter().map(|f| format!("SELECT {}", quote(f))));
    commands.push("LOGOUT".to_string());
    for (n, command) in commands.iter().enumerate() {
        let tag = format!("w{n}");
        write!(writer, "{tag} {command}\r\n")?;
        writer.flush()?;
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Err(io::Error::other(format!("connection closed during {tag}")));
            }
            if let Some(status) = line.strip_prefix(&format!("{tag} ")) {
                if !status.starts_with("OK") {
                    let shown = if n == 0 { "LOGIN" } else { command.as_str() };
                    return Err(io::Error::other(format!("{shown}: {}", status.trim_end())));
                }
                break;
            }
        }
    }
    Ok(())
}

fn usage(why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{why}\nusage: dovecot_server [--fill-from MAILDIR]"),
    )
}

/// One message to copy: its sort key (time, delivery number, name), path and flags.
struct SourceFile {
    key: (u64, u64, String),
    path: PathBuf,
    /// The Maildir flag letters after `:2,` (empty for mail in `new/`).
    flags: String,
}

/// Writes `files` into INBOX's `cur/` (through `tmp/`, as Maildir requires) under
/// Dovecot-style names, owned by whoever owns the Maildir (Dovecot's mail user).
fn fill_inbox(dovecot: &Dovecot, files: &[SourceFile]) -> io::Result<usize> {
    let maildir = dovecot.maildir();
    let owner = fs::metadata(maildir)?;
    let give_away = |path: &Path| -> io::Result<()> {
        if fs::metadata(path)?.uid() != owner.uid() {
            std::os::unix::fs::chown(path, Some(owner.uid()), Some(owner.gid()))?;
        }
        Ok(())
    };
    for sub in ["cur", "new", "tmp"] {
        let path = maildir.join(sub);
        if !path.is_dir() {
            fs::create_dir(&path)?;
            give_away(&path)?;
        }
    }
    let pid = std::process::id();
    for (seq, file) in files.iter().enumerate() {
        let raw = fs::read(&file.path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", file.path.display())))?;
        // Dovecot's W= is the size with every bare LF counted as CRLF, as IMAP sends it.
        let bare_lf = raw
            .iter()
            .enumerate()
            .filter(|&(i, &b)| b == b'\n' && (i == 0 || raw[i - 1] != b'\r'))
            .count();
        let base = format!(
            "{}.M{:06}P{pid}Q{seq}.switchboard-bench,S={},W={}",
            file.key.0,
            seq % 1_000_000,
            raw.len(),
            raw.len() + bare_lf
        );
        let tmp = maildir.join("tmp").join(&base);
        fs::write(&tmp, &raw)?;
        give_away(&tmp)?;
        fs::rename(
            &tmp,
            maildir.join("cur").join(format!("{base}:2,{}", file.flags)),
        )?;
    }
    Ok(files.len())
}

/// The files of `dir/cur` and `dir/new`, sorted by (Unix time at the start of the name,
/// delivery number `Q<n>`, name).
fn maildir_files_in_date_order(dir: &Path) -> io::Result<Vec<SourceFile>> {
    let mut files = Vec::new();
    for sub in ["cur", "new"] {
        let sub_dir = dir.join(sub);
        if !sub_dir.is_dir() {
            continue;
        }
        for entry in fs::read_dir(&sub_dir)? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let flags = match (sub, name.split_once(":2,")) {
                    ("cur", Some((_, flags))) => flags.to_string(),
                    _ => String::new(),
                };
                files.push(SourceFile {
                    key: sort_key(&name),
                    path: entry.path(),
                    flags,
                });
            }
        }
    }
    if files.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "no messages in {}/cur or {}/new",
                dir.display(),
                dir.display()
            ),
        ));
    }
    files.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(files)
}

fn sort_key(name: &str) -> (u64, u64, String) {
    let number_after = |s: &str| -> u64 {
        s.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap_or(u64::MAX)
    };
    let time = number_after(name);
    let delivery = name
        .split('.')
        .nth(1)
        .and_then(|unique| unique.find('Q').map(|i| number_after(&unique[i + 1..])))
        .unwrap_or(u64::MAX);
    (time, delivery, name.to_string())
}
