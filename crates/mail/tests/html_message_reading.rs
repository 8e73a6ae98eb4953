#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! A whole message read for display: `cid:` images inlined from their MIME parts (and
//! then not listed again as attachments), the size cap, and attachments decoded back to
//! exactly the bytes that were sent, whatever their transfer encoding.

use base64::Engine;
use switchboard_mail::{attachment_content, message_for_reading, MAX_INLINE_IMAGE_BYTES};

fn b64_lines(bytes: &[u8]) -> String {
    let s = base64::engine::general_purpose::STANDARD.encode(bytes);
    s.as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("\r\n")
}

fn png_bytes(len: usize) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    v.extend((0..len).map(|i| (i * 31 % 251) as u8));
    v
}

fn related_message(logo: &[u8], pdf: &[u8]) -> Vec<u8> {
    format!(
        "From: Dana <dana@acme.test>\r\nTo: rep@example.test\r\nSubject: Floor plan\r\n\
         Date: Tue, 03 Nov 2026 10:00:00 +0000\r\nMessage-ID: <plan@acme.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n\
         --outer\r\nContent-Type: multipart/related; boundary=\"rel\"\r\n\r\n\
         --rel\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <p>Plan:</p><img src=\"cid:logo@acme.test\" alt=\"Logo\"><img src=\"https://t.sidekickopen70.com/e1t/o/5/x\">\r\n\
         --rel\r\nContent-Type: image/png; name=\"logo.png\"\r\nContent-Transfer-Encoding: base64\r\n\
         Content-ID: <logo@acme.test>\r\nContent-Disposition: inline; filename=\"logo.png\"\r\n\r\n{}\r\n\
         --rel--\r\n\
         --outer\r\nContent-Type: application/pdf; name=\"quote.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\
         Content-Disposition: attachment; filename=\"quote.pdf\"\r\n\r\n{}\r\n\
         --outer--\r\n",
        b64_lines(logo),
        b64_lines(pdf)
    )
    .into_bytes()
}

#[test]
fn cid_images_are_inlined_and_not_listed_again() {
    let logo = png_bytes(300);
    let pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\nbinary \x00\x01\x02 stuff".to_vec();
    let raw = related_message(&logo, &pdf);
    let m = message_for_reading(&raw, false);
    let html = m.html.unwrap();
    let data_uri = format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&logo)
    );
    assert!(html.html.contains(&data_uri), "{}", html.html);
    assert!(!html.html.contains("cid:"));
    assert_eq!(html.inlined_cids, vec!["logo@acme.test".to_owned()]);
    assert_eq!(html.trackers_removed, 1);
    assert_eq!(html.blocked_remote, 0);
    assert_eq!(m.attachments.len(), 1, "{:?}", m.attachments);
    let a = &m.attachments[0];
    assert_eq!((a.index, a.name.as_str()), (1, "quote.pdf"));
    assert_eq!(a.mime_type, "application/pdf");
    assert!(!a.inline);
    assert_eq!(a.size, pdf.len());

    // Index 0 (the inlined logo) can still be saved.
    assert_eq!(attachment_content(&raw, 0).unwrap().bytes, logo);
    let got = attachment_content(&raw, 1).unwrap();
    assert_eq!(got.bytes, pdf);
    assert_eq!(got.name, "quote.pdf");
    assert!(attachment_content(&raw, 2).is_none());
}

#[test]
fn inline_images_over_the_cap_become_a_note_and_stay_listed() {
    let logo = png_bytes(MAX_INLINE_IMAGE_BYTES + 10);
    let raw = related_message(&logo, b"%PDF-1.7");
    let m = message_for_reading(&raw, false);
    let html = m.html.unwrap();
    assert!(!html.html.contains("data:image/png"));
    assert!(
        html.html
            .contains("logo.png (5.0 MB) is too large to show here"),
        "{}",
        html.html
    );
    assert!(html.inlined_cids.is_empty());
    let names: Vec<&str> = m.attachments.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["logo.png", "quote.pdf"]);
    assert!(m.attachments[0].inline);
}

#[test]
fn quoted_printable_and_base64_parts_decode_to_the_original_bytes() {
    let csv = "name;amount\r\nMüller;1.000,00 €\r\nO'Brien;=42\r\n";
    let qp = "name;amount\r\nM=C3=BCller;1.000,00 =E2=82=AC\r\nO'Brien;=3D42\r\n";
    let binary: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
    let raw = format!(
        "From: a@x.test\r\nSubject: files\r\nMessage-ID: <f@x.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee attached.\r\n\
         --b\r\nContent-Type: application/octet-stream; name=\"figures.csv\"\r\n\
         Content-Transfer-Encoding: quoted-printable\r\nContent-Disposition: attachment; filename=\"figures.csv\"\r\n\r\n{qp}\r\n\
         --b\r\nContent-Type: application/octet-stream; name=\"blob.bin\"\r\n\
         Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"blob.bin\"\r\n\r\n{}\r\n\
         --b--\r\n",
        b64_lines(&binary)
    )
    .into_bytes();
    let m = message_for_reading(&raw, false);
    assert!(m.html.is_none());
    assert_eq!(m.text.as_deref().map(str::trim), Some("See attached."));
    assert_eq!(m.attachments.len(), 2);
    let csv_part = attachment_content(&raw, 0).unwrap();
    assert_eq!(csv_part.name, "figures.csv");
    assert_eq!(
        csv_part.bytes,
        csv.as_bytes(),
        "{:?}",
        String::from_utf8_lossy(&csv_part.bytes)
    );
    assert_eq!(attachment_content(&raw, 1).unwrap().bytes, binary);
}

#[test]
fn header_only_messages_read_as_empty_not_broken() {
    let raw = b"From: a@x.test\r\nSubject: old\r\nMessage-ID: <old@x.test>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n";
    let m = message_for_reading(raw, true);
    assert!(m.html.is_none());
    assert!(m.attachments.is_empty(), "{:?}", m.attachments);
    assert!(attachment_content(raw, 0).is_none());
}
