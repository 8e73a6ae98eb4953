//! Dovecot starts with the promised configuration, and the "other client" operations,
//! UIDVALIDITY reset and bulk fill do what they say.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use switchboard_testkit::{Dovecot, DovecotOptions, ServerMessage, TlsMode};

fn message(id: &str, subject: &str) -> Vec<u8> {
    format!(
        "From: a@example.test\r\nTo: rep@example.test\r\nSubject: {subject}\r\n\
         Message-ID: <{id}>\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\n\r\nbody of {subject}\r\n"
    )
    .into_bytes()
}

fn ids(state: &[ServerMessage]) -> Vec<String> {
    state
        .iter()
        .map(|m| m.message_id.clone().unwrap_or_default())
        .collect()
}

fn start() -> Dovecot {
    let started = Instant::now();
    let dovecot = Dovecot::start().expect("start dovecot");
    eprintln!("dovecot started in {:?}", started.elapsed());
    dovecot
}

#[test]
fn advertises_the_capabilities_sync_relies_on() {
    let dovecot = start();
    let caps = dovecot.capabilities().expect("capabilities");
    for cap in [
        "IDLE",
        "CONDSTORE",
        "QRESYNC",
        "MOVE",
        "UIDPLUS",
        "SPECIAL-USE",
        "LITERAL+",
    ] {
        assert!(
            caps.post_login.iter().any(|c| c == cap),
            "{cap} missing after login: {:?}",
            caps.post_login
        );
    }
    for cap in ["STARTTLS", "AUTH=PLAIN", "AUTH=LOGIN"] {
        assert!(
            caps.pre_login.iter().any(|c| c == cap),
            "{cap} missing before login: {:?}",
            caps.pre_login
        );
    }
}

#[test]
fn qresync_off_hides_condstore_and_qresync() {
    let dovecot = Dovecot::start_with(DovecotOptions { qresync: false }).expect("start");
    let caps = dovecot.capabilities().expect("capabilities");
    assert!(!caps
        .post_login
        .iter()
        .any(|c| c == "CONDSTORE" || c == "QRESYNC"));
    for cap in ["IDLE", "MOVE", "UIDPLUS", "SPECIAL-USE", "LITERAL+"] {
        assert!(caps.post_login.iter().any(|c| c == cap), "{cap} missing");
    }
}

#[test]
fn both_tls_modes_verify_against_the_test_ca() {
    let dovecot = start();
    for name in ["localhost", "127.0.0.1"] {
        let implicit = dovecot.tls_handshake(TlsMode::Implicit, name);
        assert!(
            implicit.as_deref().is_ok_and(|v| v.starts_with("TLSv1.")),
            "{implicit:?}"
        );
        let starttls = dovecot.tls_handshake(TlsMode::StartTls, name);
        assert!(
            starttls.as_deref().is_ok_and(|v| v.starts_with("TLSv1.")),
            "{starttls:?}"
        );
    }
    let wrong_name = dovecot.tls_handshake(TlsMode::Implicit, "mail.example.test");
    assert!(
        wrong_name.is_err(),
        "a name outside the certificate must fail"
    );

    // openssl's own strict verification, as a second opinion on the chain.
    let out = std::process::Command::new("openssl")
        .args(["verify", "-x509_strict", "-CAfile"])
        .arg(dovecot.ca_pem())
        .arg(dovecot.dir().join("tls/server.pem"))
        .output()
        .expect("run openssl verify");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn lists_special_use_folders_with_slash_delimiter() {
    let dovecot = start();
    dovecot
        .create_folder("Projects/2024")
        .expect("create nested");
    dovecot
        .create_folder("Entwürfe & Notizen")
        .expect("create non-ASCII");
    let folders = dovecot.folders().expect("list");
    let attrs_of = |name: &str| {
        folders
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, a)| a.clone())
            .unwrap_or_else(|| panic!("{name} not listed: {folders:?}"))
    };
    for (name, special) in [
        ("Sent", "\\Sent"),
        ("Drafts", "\\Drafts"),
        ("Archive", "\\Archive"),
        ("Trash", "\\Trash"),
        ("Junk", "\\Junk"),
    ] {
        assert!(
            attrs_of(name).iter().any(|a| a == special),
            "{name}: {folders:?}"
        );
    }
    attrs_of("INBOX");
    attrs_of("Projects/2024");
    attrs_of("Entwürfe & Notizen");
    assert!(dovecot.maildir().join("Projects/2024/cur").is_dir());
    // Special-use folders get their directories when first opened.
    assert_eq!(
        dovecot.folder_path("Sent").expect("path"),
        dovecot.maildir().join("Sent")
    );
    assert_eq!(
        dovecot.folder_path("inbox").expect("path"),
        dovecot.maildir()
    );
}

#[test]
fn append_store_expunge_and_move_as_another_client() {
    let dovecot = start();
    let a = dovecot
        .append("INBOX", &message("a@x", "A"), &[])
        .expect("append a");
    let b = dovecot
        .append("INBOX", &message("b@x", "B"), &["\\Seen"])
        .expect("append b");
    let c = dovecot
        .append("INBOX", &message("c@x", "C"), &["\\Flagged", "$Work"])
        .expect("c");
    assert!(a < b && b < c, "APPENDUIDs ascend: {a} {b} {c}");

    let state = dovecot.server_state("INBOX").expect("state");
    assert_eq!(ids(&state), ["a@x", "b@x", "c@x"]);
    assert_eq!(state[1].flags, ["\\Seen"]);
    assert_eq!(state[2].flags, ["$Work", "\\Flagged"]);

    dovecot
        .store_flags("INBOX", &[a, c], "+FLAGS", &["\\Seen"])
        .expect("+FLAGS");
    dovecot
        .store_flags("INBOX", &[c], "-FLAGS", &["\\Flagged"])
        .expect("-FLAGS");
    let state = dovecot.server_state("INBOX").expect("state");
    assert_eq!(state[0].flags, ["\\Seen"]);
    assert_eq!(state[2].flags, ["$Work", "\\Seen"]);

    dovecot.expunge("INBOX", &[b]).expect("expunge");
    assert_eq!(
        ids(&dovecot.server_state("INBOX").expect("state")),
        ["a@x", "c@x"]
    );

    let moved = dovecot
        .move_messages("INBOX", &[c], "Archive")
        .expect("move");
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0].0, c);
    let archive = dovecot.server_state("Archive").expect("archive");
    assert_eq!(archive.len(), 1);
    assert_eq!(archive[0].uid, moved[0].1);
    assert_eq!(archive[0].message_id.as_deref(), Some("c@x"));
    assert_eq!(ids(&dovecot.server_state("INBOX").expect("state")), ["a@x"]);

    let status = dovecot.status("INBOX").expect("status");
    assert_eq!(status.messages, 1);
    assert_eq!(status.uidnext, c + 1);
    assert!(status.highestmodseq > 1);
    assert_eq!(
        status.uidvalidity,
        dovecot.uidvalidity("INBOX").expect("uidvalidity")
    );

    dovecot.rename_folder("Archive", "Old").expect("rename");
    dovecot.delete_folder("Old").expect("delete");
    assert!(!dovecot
        .folders()
        .expect("list")
        .iter()
        .any(|(n, _)| n == "Old"));

    let missing = dovecot.server_state("No such folder");
    assert!(missing.is_err(), "{missing:?}");
}

#[test]
fn reset_uidvalidity_renumbers_and_keeps_messages_and_flags() {
    let dovecot = start();
    let port = dovecot.imap_port();
    let first = dovecot
        .append("Archive", &message("1@x", "one"), &[])
        .expect("append");
    dovecot
        .append("Archive", &message("2@x", "two"), &["\\Seen"])
        .expect("append");
    dovecot
        .append("Archive", &message("3@x", "three"), &["\\Answered"])
        .expect("append");
    dovecot.expunge("Archive", &[first]).expect("expunge");
    let before = dovecot.server_state("Archive").expect("state");
    let old_validity = dovecot.uidvalidity("Archive").expect("uidvalidity");
    let inbox_validity = dovecot.uidvalidity("INBOX").expect("uidvalidity");
    assert_eq!(before.iter().map(|m| m.uid).collect::<Vec<_>>(), [2, 3]);

    let new_validity = dovecot.reset_uidvalidity("Archive").expect("reset");

    assert_ne!(new_validity, old_validity);
    assert_eq!(dovecot.imap_port(), port);
    let after = dovecot.server_state("Archive").expect("state");
    assert_eq!(after.iter().map(|m| m.uid).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(ids(&after), ids(&before));
    assert_eq!(
        after.iter().map(|m| m.flags.clone()).collect::<Vec<_>>(),
        before.iter().map(|m| m.flags.clone()).collect::<Vec<_>>()
    );
    assert_eq!(
        dovecot.uidvalidity("INBOX").expect("uidvalidity"),
        inbox_validity
    );
}

#[test]
fn bulk_fill_of_1000_messages_is_visible_in_order() {
    let dovecot = start();
    let written = dovecot
        .bulk_fill(
            "INBOX",
            (0..1000).map(|i| message(&format!("{i}@bulk"), "bulk")),
        )
        .expect("bulk fill");
    assert_eq!(written, 1000);
    let state = dovecot.server_state("INBOX").expect("state");
    assert_eq!(state.len(), 1000);
    let expected: Vec<String> = (0..1000).map(|i| format!("{i}@bulk")).collect();
    assert_eq!(ids(&state), expected);
    assert!(state.iter().all(|m| m.flags.is_empty()));

    // A special folder, and a folder nobody created yet.
    dovecot
        .bulk_fill("Sent", [message("s@bulk", "sent")])
        .expect("fill Sent");
    dovecot
        .bulk_fill("Lists/rust", [message("r@bulk", "rust")])
        .expect("fill new folder");
    assert_eq!(
        ids(&dovecot.server_state("Sent").expect("state")),
        ["s@bulk"]
    );
    assert_eq!(
        ids(&dovecot.server_state("Lists/rust").expect("state")),
        ["r@bulk"]
    );
    // The next fill continues the order.
    dovecot
        .bulk_fill("INBOX", [message("1000@bulk", "bulk")])
        .expect("fill again");
    let state = dovecot.server_state("INBOX").expect("state");
    assert_eq!(
        state.last().and_then(|m| m.message_id.as_deref()),
        Some("1000@bulk")
    );
}

/// A raw IMAP session, to hold a connection (an imap process) open across a stop.
fn login_raw(dovecot: &Dovecot) -> BufReader<TcpStream> {
    let stream = TcpStream::connect((dovecot.host(), dovecot.imap_port())).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).expect("greeting");
    write!(
        reader.get_mut(),
        "a LOGIN \"{}\" \"{}\"\r\nb SELECT INBOX\r\n",
        dovecot.user(),
        dovecot.password()
    )
    .expect("send");
    loop {
        line.clear();
        reader.read_line(&mut line).expect("read");
        assert!(!line.is_empty(), "connection closed during login");
        if line.starts_with("b ") {
            assert!(line.starts_with("b OK"), "{line}");
            return reader;
        }
    }
}

fn processes_mentioning(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("read /proc").flatten() {
        if !entry
            .file_name()
            .to_string_lossy()
            .chars()
            .all(|c| c.is_ascii_digit())
        {
            continue;
        }
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if cmdline.contains(needle) {
                found.push(format!(
                    "{}: {cmdline}",
                    entry.file_name().to_string_lossy()
                ));
            }
        }
    }
    found
}

#[test]
fn restart_keeps_ports_and_drop_leaves_no_process() {
    let dovecot = start();
    let instance = dovecot
        .dir()
        .file_name()
        .expect("temp dir name")
        .to_string_lossy()
        .into_owned();
    let session = login_raw(&dovecot);
    let running = processes_mentioning(&instance);
    assert!(
        running.iter().any(|p| p.contains("/imap")),
        "an imap process for the open session: {running:?}"
    );

    let ports = (dovecot.imap_port(), dovecot.imaps_port());
    dovecot.restart().expect("restart");
    assert_eq!((dovecot.imap_port(), dovecot.imaps_port()), ports);
    let mut old = session;
    let mut line = String::new();
    let n = old.read_line(&mut line).unwrap_or(0);
    assert!(
        n == 0 || line.starts_with("* BYE"),
        "old session ended: {line:?}"
    );
    let _session = login_raw(&dovecot);

    drop(dovecot);
    let left = processes_mentioning(&instance);
    assert!(left.is_empty(), "processes left after drop: {left:?}");
}

#[test]
fn bad_password_is_refused() {
    let dovecot = start();
    let stream = TcpStream::connect((dovecot.host(), dovecot.imap_port())).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).expect("greeting");
    write!(
        reader.get_mut(),
        "a LOGIN \"{}\" \"wrong\"\r\n",
        dovecot.user()
    )
    .expect("send");
    line.clear();
    reader.read_line(&mut line).expect("answer");
    assert!(line.starts_with("a NO"), "{line}");
    // The right password still works right after (no lock-out).
    let _ok = login_raw(&dovecot);
}
