#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! Compose: golden files for the builders and the MIME they produce, plus the rules a
//! reply, a reply-all and a forward must keep.
//!
//! `tests/compose/*.eml` are originals; beside each, `*.reply.json`, `*.reply-all.json`
//! and `*.forward.json` hold the expected drafts. `tests/compose/*.draft.json` are drafts;
//! beside each, `*.mime.json` holds how the built message reads back (MIME tree and the
//! parser's reading; boundaries are random, so the bytes themselves are not compared).
//! On a mismatch the actual output lands in `*.actual.json`; `UPDATE_GOLDEN=1` rewrites
//! the expected files.

use mail_parser::{MessageParser, MimeHeaders, PartType};
use std::path::{Path, PathBuf};
use switchboard_mail::compose::{
    forward, new_message_id, reply, to_mime, ComposeError, Draft, Identity, Mailbox,
};
use switchboard_mail::parse_message;
use switchboard_mail::smtp::prepare_data;

const MESSAGE_ID: &str = "golden.1@acme-analytics.example";
const DATE_MS: i64 = 1_794_920_400_000;

fn me() -> Identity {
    Identity {
        mailbox: Mailbox::named("Priya Raman", "priya@acme-analytics.example"),
        aliases: vec!["sales@acme-analytics.example".into()],
    }
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compose")
}

fn original(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap()
}

/// The MIME tree, one line per part, indented by depth.
fn structure(raw: &[u8]) -> Vec<String> {
    let msg = MessageParser::default().parse(raw).unwrap();
    let mut out = Vec::new();
    fn walk(msg: &mail_parser::Message<'_>, id: u32, depth: usize, out: &mut Vec<String>) {
        let part = &msg.parts[id as usize];
        let ct = part
            .content_type()
            .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")))
            .unwrap_or_else(|| "text/plain".into());
        let mut line = format!("{}{ct}", "  ".repeat(depth));
        if let Some(d) = part.content_disposition() {
            line.push_str(&format!(" [{}]", d.ctype()));
        }
        if let Some(name) = part.attachment_name() {
            line.push_str(&format!(" name={name:?}"));
        }
        if let Some(cid) = part.content_id() {
            line.push_str(&format!(" cid={cid}"));
        }
        out.push(line);
        if let PartType::Multipart(children) = &part.body {
            for child in children {
                walk(msg, *child, depth + 1, out);
            }
        }
    }
    walk(&msg, 0, 0, &mut out);
    out
}

fn mime_reading(raw: &[u8]) -> serde_json::Value {
    let p = parse_message(raw);
    let msg = MessageParser::default().parse(raw).unwrap();
    let bcc: Vec<String> = msg
        .bcc()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.address().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    serde_json::json!({
        "structure": structure(raw),
        "message_id": p.message_id,
        "in_reply_to": p.in_reply_to,
        "references": p.references,
        "subject": p.subject,
        "from": p.from.as_ref().map(|f| serde_json::json!({"name": f.name, "email": f.email})),
        "to": p.to.iter().map(|f| serde_json::json!({"name": f.name, "email": f.email})).collect::<Vec<_>>(),
        "cc": p.cc.iter().map(|f| f.email.clone()).collect::<Vec<_>>(),
        "bcc": bcc,
        "date": p.date,
        "text": p.text,
        "html": p.html,
        "attachments": p.attachments.iter().map(|a| serde_json::json!({
            "name": a.name, "mime_type": a.mime_type, "size": a.size,
            "content_id": a.content_id, "inline": a.inline
        })).collect::<Vec<_>>(),
        "problems": p.problems,
    })
}

fn check_golden(expected_path: &Path, actual: &str, failures: &mut Vec<String>) {
    let actual_path = expected_path.with_extension("actual.json");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(expected_path, actual).unwrap();
        return;
    }
    match std::fs::read_to_string(expected_path) {
        Ok(expected) if expected == actual => {
            let _ = std::fs::remove_file(&actual_path);
        }
        _ => {
            std::fs::write(&actual_path, actual).unwrap();
            failures.push(format!(
                "diff {} {}",
                expected_path.display(),
                actual_path.display()
            ));
        }
    }
}

fn files_ending(suffix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(suffix))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn golden_replies_and_forwards() {
    let mut failures = Vec::new();
    let originals = files_ending(".eml");
    assert!(originals.len() >= 3, "the compose corpus is missing");
    for eml in originals {
        let raw = std::fs::read(&eml).unwrap();
        let stem = eml.with_extension("");
        let drafts = [
            ("reply", reply(&raw, &me(), false).unwrap()),
            ("reply-all", reply(&raw, &me(), true).unwrap()),
            ("forward", forward(&raw, &me()).unwrap()),
        ];
        for (what, draft) in drafts {
            let actual = serde_json::to_string_pretty(&draft).unwrap() + "\n";
            let expected = PathBuf::from(format!("{}.{what}.json", stem.display()));
            check_golden(&expected, &actual, &mut failures);
        }
    }
    assert!(
        failures.is_empty(),
        "drafts changed:\n{}",
        failures.join("\n")
    );
}

#[test]
fn golden_mime_builds() {
    let mut failures = Vec::new();
    let drafts = files_ending(".draft.json");
    assert!(drafts.len() >= 4, "the compose corpus is missing");
    for path in drafts {
        let draft: Draft = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let raw = to_mime(&draft, MESSAGE_ID, DATE_MS).unwrap();
        let actual = serde_json::to_string_pretty(&mime_reading(&raw)).unwrap() + "\n";
        let name = path.to_str().unwrap().replace(".draft.json", ".mime.json");
        check_golden(Path::new(&name), &actual, &mut failures);
    }
    assert!(
        failures.is_empty(),
        "built messages changed:\n{}",
        failures.join("\n")
    );
}

fn emails(list: &[Mailbox]) -> Vec<&str> {
    list.iter().map(|m| m.email.as_str()).collect()
}

#[test]
fn reply_goes_to_the_sender_and_threads_under_the_original() {
    let raw = original("html-quote.eml");
    let d = reply(&raw, &me(), false).unwrap();
    assert_eq!(emails(&d.to), ["lena@northwind.example"]);
    assert!(d.cc.is_empty() && d.bcc.is_empty());
    assert_eq!(d.from.email, "priya@acme-analytics.example");
    assert_eq!(d.subject, "Re: Quote for 40 seats", "Re: is not doubled");
    assert_eq!(d.in_reply_to.as_deref(), Some("quote-7@northwind.example"));
    assert_eq!(
        d.references,
        [
            "root-1@acme-analytics.example",
            "quote-6@northwind.example",
            "quote-7@northwind.example"
        ]
    );
    assert!(d
        .text
        .contains("Lena Fischer <lena@northwind.example> wrote:"));
    assert!(d.text.contains("\n> Hi Priya,\n>\n"), "{}", d.text);
    assert!(d.text.contains("\n>> earlier quote line\n"), "{}", d.text);
    assert!(
        d.attachments.is_empty(),
        "a reply does not carry attachments"
    );
    let html = d.html.as_deref().unwrap();
    assert!(html.contains("<blockquote type=\"cite\">"));
    assert!(html.contains("cid:logo@northwind.example"));
    assert!(
        !html.contains("track.northwind"),
        "remote loads are not quoted"
    );
    assert_eq!(d.inline_images.len(), 1, "the quoted logo stays visible");
    assert_eq!(d.inline_images[0].content_id, "logo@northwind.example");

    // Built and read back, the threading headers survive.
    let built = to_mime(&d, "r1@acme-analytics.example", DATE_MS).unwrap();
    let p = parse_message(&built);
    assert_eq!(p.in_reply_to.as_deref(), Some("quote-7@northwind.example"));
    assert_eq!(p.references, d.references);
    assert!(p.problems.is_empty(), "{:?}", p.problems);
}

#[test]
fn reply_all_drops_me_my_aliases_and_duplicates() {
    let raw = original("html-quote.eml");
    let d = reply(&raw, &me(), true).unwrap();
    assert_eq!(emails(&d.to), ["lena@northwind.example"]);
    // To had priya (me) and tom; Cc had sales@ (my alias), PRIYA@ (me again) and lena
    // (already in To).
    assert_eq!(emails(&d.cc), ["tom@northwind.example"]);
}

#[test]
fn reply_to_is_honoured_and_reply_all_adds_the_author() {
    let raw = original("list-reply-to.eml");
    let d = reply(&raw, &me(), false).unwrap();
    assert_eq!(emails(&d.to), ["support-list@lists.example"]);
    assert_eq!(d.subject, "Re: [support] Export fails");
    assert_eq!(d.references, ["list-42@lists.example"]);
    assert!(d.html.is_none(), "a plain original gets a plain reply");
    let all = reply(&raw, &me(), true).unwrap();
    assert_eq!(emails(&all.to), ["support-list@lists.example"]);
    assert_eq!(emails(&all.cc), ["omar@customer.example"]);
}

#[test]
fn replying_to_my_own_message_goes_to_its_recipients() {
    let raw = original("sent-by-me.eml");
    let d = reply(&raw, &me(), false).unwrap();
    assert_eq!(emails(&d.to), ["juergen@schaefer.example"]);
    assert_eq!(d.subject, "Re: Fwd: Preisliste");
    let all = reply(&raw, &me(), true).unwrap();
    assert_eq!(emails(&all.cc), ["tom@northwind.example"]);
}

#[test]
fn forward_carries_attachments_and_the_header_block() {
    let raw = original("html-quote.eml");
    let d = forward(&raw, &me()).unwrap();
    assert_eq!(d.subject, "Fwd: Re: Quote for 40 seats");
    assert!(d.to.is_empty() && d.in_reply_to.is_none() && d.references.is_empty());
    assert!(d.text.contains(
        "---------- Forwarded message ---------\nFrom: Lena Fischer <lena@northwind.example>\n"
    ));
    assert!(d.text.contains("Subject: Re: Quote for 40 seats\n"));
    assert!(d.text.contains("the signed quote is attached."));
    assert_eq!(
        d.attachments.len(),
        1,
        "{:?}",
        d.attachments.iter().map(|a| &a.name).collect::<Vec<_>>()
    );
    assert_eq!(d.attachments[0].name, "Quote 40 seats.pdf");
    assert_eq!(d.attachments[0].mime_type, "application/pdf");
    assert_eq!(d.attachments[0].data, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
    assert_eq!(d.inline_images.len(), 1);

    // Forwarding again keeps one "Fwd:".
    let mut again = d.clone();
    again.to = vec![Mailbox::new("tom@northwind.example")];
    let built = to_mime(&again, "f1@acme-analytics.example", DATE_MS).unwrap();
    let second = forward(&built, &me()).unwrap();
    assert_eq!(second.subject, "Fwd: Re: Quote for 40 seats");
    assert_eq!(second.attachments.len(), 1);
    assert_eq!(second.attachments[0].data, d.attachments[0].data);
}

#[test]
fn inline_images_are_related_to_the_html_that_shows_them() {
    let mut d = Draft::new(Mailbox::new("priya@acme-analytics.example"));
    d.to.push(Mailbox::new("lena@northwind.example"));
    d.subject = "Chart".into();
    d.text = "See the chart.".into();
    d.html = Some("<p><img src=\"cid:chart.9@acme-analytics.example\"></p>".into());
    d.inline_images
        .push(switchboard_mail::compose::InlineImage {
            content_id: "chart.9@acme-analytics.example".into(),
            mime_type: "image/png".into(),
            data: vec![0x89, b'P', b'N', b'G', 0, 1, 2, 255],
        });
    let raw = to_mime(&d, "c1@acme-analytics.example", DATE_MS).unwrap();
    assert_eq!(
        structure(&raw),
        [
            "multipart/alternative",
            "  text/plain",
            "  multipart/related",
            "    text/html",
            "    image/png [inline] cid=chart.9@acme-analytics.example",
        ]
    );
    let msg = MessageParser::default().parse(&raw).unwrap();
    let image = msg
        .parts
        .iter()
        .find(|p| p.content_id() == Some("chart.9@acme-analytics.example"))
        .unwrap();
    assert_eq!(image.contents(), d.inline_images[0].data.as_slice());
}

#[test]
fn bcc_is_kept_in_the_copy_and_removed_from_what_is_transmitted() {
    let mut d = Draft::new(Mailbox::new("priya@acme-analytics.example"));
    d.to.push(Mailbox::new("lena@northwind.example"));
    d.cc.push(Mailbox::new("LENA@northwind.example"));
    d.bcc.push(Mailbox::new("archive@crm.example"));
    d.subject = "Hi".into();
    d.text = "Hello".into();
    let envelope = d.envelope().unwrap();
    assert_eq!(envelope.from, "priya@acme-analytics.example");
    assert_eq!(
        envelope.recipients,
        ["lena@northwind.example", "archive@crm.example"],
        "Bcc is in the envelope, duplicates are not"
    );
    let raw = to_mime(&d, "b1@acme-analytics.example", DATE_MS).unwrap();
    let text = String::from_utf8_lossy(&raw);
    assert!(text.contains("Bcc: <archive@crm.example>"), "{text}");
    let sent = String::from_utf8(prepare_data(&raw)).unwrap();
    assert!(
        !sent.to_ascii_lowercase().contains("archive@crm.example"),
        "{sent}"
    );
    assert!(sent.contains("Message-ID: <b1@acme-analytics.example>"));
}

#[test]
fn bad_input_is_refused_with_a_reason() {
    let mut d = Draft::new(Mailbox::new("priya@acme-analytics.example"));
    assert!(matches!(d.envelope(), Err(ComposeError::NoRecipients)));
    d.to.push(Mailbox::new("lena at northwind"));
    assert!(
        matches!(d.envelope(), Err(ComposeError::InvalidAddress(a)) if a == "lena at northwind")
    );
    assert!(to_mime(&d, "x1@acme-analytics.example", DATE_MS).is_err());
    d.to = vec![Mailbox::new("lena@northwind.example")];
    assert!(to_mime(&d, "no brackets <allowed>", DATE_MS).is_err());

    // A subject cannot smuggle in a header.
    d.subject = "Hi\r\nBcc: spy@evil.example".into();
    let raw = to_mime(&d, "x2@acme-analytics.example", DATE_MS).unwrap();
    let msg = MessageParser::default().parse(&raw).unwrap();
    assert!(msg.bcc().is_none());
    assert!(parse_message(&raw).subject.starts_with("Hi"));

    for garbage in [&b""[..], b"\x00\x01\x02"] {
        assert!(matches!(
            reply(garbage, &me(), false),
            Err(ComposeError::UnreadableOriginal)
        ));
    }
}

#[test]
fn drafts_survive_json_with_their_bytes() {
    let raw = original("html-quote.eml");
    let d = forward(&raw, &me()).unwrap();
    let json = serde_json::to_string(&d).unwrap();
    assert!(
        json.contains("\"data\":\"JVBERi0xLjQKJeLjz9MK\""),
        "bytes travel as base64"
    );
    let back: Draft = serde_json::from_str(&json).unwrap();
    assert_eq!(back, d);
}

#[test]
fn message_ids_come_from_the_token_given() {
    let id = new_message_id("7f3a9c", "priya@acme-analytics.example");
    assert_eq!(id, "7f3a9c@acme-analytics.example");
    let mut d = Draft::new(Mailbox::new("priya@acme-analytics.example"));
    d.to.push(Mailbox::new("lena@northwind.example"));
    let raw = to_mime(&d, &id, DATE_MS).unwrap();
    let p = parse_message(&raw);
    assert_eq!(
        p.message_id.as_deref(),
        Some("7f3a9c@acme-analytics.example")
    );
    assert_eq!(p.date, Some(DATE_MS));
}

#[test]
fn an_invitation_carries_its_method_and_a_bad_method_is_refused() {
    let path = dir().join("build-invitation.draft.json");
    let mut draft: Draft = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let raw = String::from_utf8(to_mime(&draft, MESSAGE_ID, DATE_MS).unwrap()).unwrap();
    assert!(
        raw.contains("text/calendar; method=REQUEST; charset=utf-8")
            || raw.contains("text/calendar; method=\"REQUEST\"; charset=\"utf-8\""),
        "{raw}"
    );
    draft.calendar.as_mut().unwrap().method = "REQUEST\r\nBcc: x@evil.example".into();
    assert!(to_mime(&draft, MESSAGE_ID, DATE_MS).is_err());
}
