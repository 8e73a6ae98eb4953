#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! Tracking pixels, one row per case as senders really write them: the image is
//! removed and counted whether or not the sender's remote content is allowed, while
//! real images stay (allowed) or are blocked and counted separately (not allowed).

use switchboard_mail::{sanitize_html, sanitize_html_with, SanitizeOptions};

/// (what, snippet, is a tracker)
const CASES: &[(&str, &str, bool)] = &[
    // By size.
    (
        "1x1 attributes",
        r#"<img src="https://img.example/a.gif" width="1" height="1">"#,
        true,
    ),
    (
        "0x0 attributes",
        r#"<img src="https://img.example/a.gif" width="0" height="0">"#,
        true,
    ),
    (
        "1px wide only",
        r#"<img src="https://img.example/a.gif" width="1px">"#,
        true,
    ),
    (
        "zero height",
        r#"<img src="https://img.example/a.gif" width="600" height="0">"#,
        true,
    ),
    (
        "1x1 in style",
        r#"<img src="https://img.example/a.gif" style="width:1px;height:1px">"#,
        true,
    ),
    (
        "style beats attributes",
        r#"<img src="https://img.example/a.gif" width="300" height="200" style="width: 1px !important; height: 1px !important">"#,
        true,
    ),
    // By visibility.
    (
        "display none",
        r#"<img src="https://img.example/a.gif" style="display:none">"#,
        true,
    ),
    (
        "visibility hidden",
        r#"<img src="https://img.example/a.gif" style="visibility: hidden">"#,
        true,
    ),
    (
        "max-height 0",
        r#"<img src="https://img.example/a.gif" style="max-height:0;overflow:hidden">"#,
        true,
    ),
    // By URL.
    (
        "Mailchimp open",
        r#"<img src="https://acme.us5.list-manage.com/track/open.php?u=1&amp;id=2&amp;e=3">"#,
        true,
    ),
    (
        "Mandrill open",
        r#"<img src="https://mandrillapp.com/track/open.php?u=30504981&amp;id=6c1b">"#,
        true,
    ),
    (
        "SendGrid open",
        r#"<img src="https://u123.ct.sendgrid.net/wf/open?upn=abc">"#,
        true,
    ),
    (
        "SendGrid branded open",
        r#"<img src="http://url9.mail.shop.example/wf/open?upn=abc">"#,
        true,
    ),
    (
        "HubSpot Sidekick",
        r#"<img src="https://t.sidekickopen06.com/e1t/o/5/f18dQhb0S7">"#,
        true,
    ),
    (
        "HubSpot signaux",
        r#"<img src="https://t.signauxdeux.com/e1t/o/5/f18dQhb0">"#,
        true,
    ),
    (
        "HubSpot track",
        r#"<img src="https://track.hubspot.com/__ptq.gif?a=1&amp;k=14">"#,
        true,
    ),
    (
        "Amazon SES",
        r#"<img src="https://x.r.eu-west-1.awstrack.me/I0/0102018e/abc=">"#,
        true,
    ),
    (
        "Mailtrack",
        r#"<img src="https://mailtrack.io/trace/mail/3b5c9e1f.png?u=1">"#,
        true,
    ),
    (
        "Constant Contact",
        r#"<img src="https://r20.rs6.net/on.jsp?a=1&amp;r=3&amp;c=2">"#,
        true,
    ),
    (
        "GA collect",
        r#"<img src="https://www.google-analytics.com/collect?v=1&amp;t=event">"#,
        true,
    ),
    (
        "Meta pixel",
        r#"<img src="https://www.facebook.com/tr?id=1&amp;ev=PageView">"#,
        true,
    ),
    (
        "LinkedIn impression",
        r#"<img src="https://www.linkedin.com/emimp/ip_abc.gif">"#,
        true,
    ),
    (
        "generic /open",
        r#"<img src="https://news.example/e/open/ab12cd">"#,
        true,
    ),
    (
        "generic o.gif",
        r#"<img src="https://news.example/o.gif?r=7">"#,
        true,
    ),
    (
        "generic pixel.gif",
        r#"<img src="https://news.example/img/pixel.gif">"#,
        true,
    ),
    (
        "generic beacon",
        r#"<img src="https://news.example/beacon?id=42">"#,
        true,
    ),
    (
        "protocol-relative pixel",
        r#"<img src="//news.example/pixel.png" width="1" height="1">"#,
        true,
    ),
    (
        "Mailgun /o/",
        r#"<img src="https://email.mg.shop.example/o/eJwNzEEOgjAQQNGzcAFTK8sJ">"#,
        true,
    ),
    // Real images that must survive.
    (
        "hero image",
        r#"<img src="https://cdn.shop.example/hero.jpg" width="600" height="300">"#,
        false,
    ),
    (
        "divider line",
        r#"<img src="https://cdn.shop.example/line.png" width="560" height="1">"#,
        false,
    ),
    (
        "full width",
        r#"<img src="https://cdn.shop.example/banner.png" width="100%">"#,
        false,
    ),
    (
        "no size",
        r#"<img src="https://cdn.shop.example/logo.png">"#,
        false,
    ),
    (
        "open in a file name",
        r#"<img src="https://cdn.realty.example/open-house.jpg">"#,
        false,
    ),
    (
        "Mailchimp content",
        r#"<img src="https://mcusercontent.com/abc/images/logo.png">"#,
        false,
    ),
    (
        "list-manage non-track",
        r#"<img src="https://gallery.mailchimp.com/abc/images/x.png">"#,
        false,
    ),
    (
        "inline style visible",
        r#"<img src="https://cdn.shop.example/a.png" style="display:block;width:120px">"#,
        false,
    ),
];

#[test]
fn trackers_are_removed_in_both_modes_and_counted_apart() {
    let mut wrong = Vec::new();
    for (what, snippet, tracker) in CASES {
        let blocked = sanitize_html(snippet);
        let allowed = sanitize_html_with(
            snippet,
            &SanitizeOptions {
                allow_remote: true,
                inline_images: None,
            },
        );
        let got = (
            blocked.trackers_removed,
            blocked.blocked_remote,
            allowed.trackers_removed,
            allowed.blocked_remote,
            allowed.html.contains("<img"),
        );
        let want = if *tracker {
            (1, 0, 1, 0, false)
        } else {
            (0, 1, 0, 0, true)
        };
        if got != want {
            wrong.push(format!(
                "{what}: got {got:?}, want {want:?}\n  {snippet}\n  allowed: {}",
                allowed.html
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn trackers_next_to_content_leave_the_content() {
    let html = r#"<p>Your order shipped.</p><img src="https://cdn.shop.example/box.png" width="200" height="120" alt="Box"><img src="https://u1.ct.sendgrid.net/wf/open?upn=x" width="1" height="1">"#;
    let out = sanitize_html_with(
        html,
        &SanitizeOptions {
            allow_remote: true,
            inline_images: None,
        },
    );
    assert_eq!(out.trackers_removed, 1);
    assert_eq!(
        out.html,
        r#"<p>Your order shipped.</p><img src="https://cdn.shop.example/box.png" width="200" height="120" alt="Box">"#
    );
}

#[test]
fn hidden_inline_images_are_not_trackers() {
    // Nothing leaves the machine for a data: or cid: image, hidden or not.
    let out = sanitize_html(
        r#"<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="1" height="1"><img src="cid:spacer@x" style="display:none">"#,
    );
    assert_eq!(out.trackers_removed, 0);
    assert_eq!(out.html.matches("<img").count(), 2);
}

#[test]
fn allowed_remote_images_are_https_only() {
    let out = sanitize_html_with(
        r#"<img src="http://cdn.shop.example/a.png" alt="a"><img src="//cdn.shop.example/b.png" alt="b"><img src="ftp://files.example/c.png" alt="c"><table background="http://cdn.shop.example/bg.png"><tr><td>x</td></tr></table>"#,
        &SanitizeOptions {
            allow_remote: true,
            inline_images: None,
        },
    );
    assert_eq!(
        out.html,
        r#"<img src="https://cdn.shop.example/a.png" alt="a"><img src="https://cdn.shop.example/b.png" alt="b"><img alt="c"><table background="https://cdn.shop.example/bg.png"><tbody><tr><td>x</td></tr></tbody></table>"#
    );
    assert_eq!(out.blocked_remote, 0);
}
