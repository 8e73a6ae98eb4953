//! HTML mail made safe to show: no scripts, no handlers, no remote loads.

use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SanitizedHtml {
    pub html: String,
    /// Remote images and other remote resources removed (shown to the user as blocked).
    pub blocked_remote: usize,
}

fn is_remote(url: &str) -> bool {
    let u = url.trim_start().to_ascii_lowercase();
    u.starts_with("http:")
        || u.starts_with("https:")
        || u.starts_with("//")
        || u.starts_with("ftp:")
}

/// Sanitises HTML with ammonia and removes every remote resource reference. Links stay
/// (they open only on click, outside the sandboxed frame); `cid:` and `data:` images stay.
pub fn sanitize_html(input: &str) -> SanitizedHtml {
    let blocked = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = blocked.clone();
    let mut builder = ammonia::Builder::default();
    builder
        .add_generic_attributes([
            "style", "align", "valign", "width", "height", "bgcolor", "color",
        ])
        .add_tags(["font", "center"])
        .add_tag_attributes("font", ["face", "size"])
        .add_tag_attributes("td", ["colspan", "rowspan"])
        .add_tag_attributes("th", ["colspan", "rowspan"])
        .url_schemes(
            ["http", "https", "mailto", "cid", "data", "tel"]
                .into_iter()
                .collect(),
        )
        .link_rel(Some("noopener noreferrer"))
        .attribute_filter(move |element, attribute, value| {
            match (element, attribute) {
                ("img", "src") | (_, "background") | ("img", "srcset") => {
                    if is_remote(value) {
                        counter.fetch_add(1, Ordering::Relaxed);
                        return None;
                    }
                    let lower = value.trim_start().to_ascii_lowercase();
                    if lower.starts_with("data:image/") || lower.starts_with("cid:") {
                        Some(Cow::Borrowed(value))
                    } else {
                        None
                    }
                }
                (_, "style") => {
                    // url(...) in inline styles is a remote load too.
                    if value.to_ascii_lowercase().contains("url(") {
                        counter.fetch_add(1, Ordering::Relaxed);
                        None
                    } else {
                        Some(Cow::Borrowed(value))
                    }
                }
                _ => Some(Cow::Borrowed(value)),
            }
        });
    let html = builder.clean(input).to_string();
    SanitizedHtml {
        html,
        blocked_remote: blocked.load(Ordering::Relaxed),
    }
}

/// A rough plain-text rendering of HTML for the search index and snippets.
pub fn html_to_text(input: &str) -> String {
    let mut out = String::with_capacity(input.len() / 2);
    let mut in_tag = false;
    let mut skip_depth: Option<&str> = None;
    let lower = input.to_ascii_lowercase();
    let mut i = 0;
    let bytes = input.as_bytes();
    while i < bytes.len() {
        if let Some(end_tag) = skip_depth {
            if let Some(pos) = lower[i..].find(end_tag) {
                i += pos + end_tag.len();
                skip_depth = None;
                continue;
            }
            break;
        }
        let c = bytes[i];
        if c == b'<' {
            if lower[i..].starts_with("<script") {
                skip_depth = Some("</script>");
            } else if lower[i..].starts_with("<style") {
                skip_depth = Some("</style>");
            } else {
                in_tag = true;
                out.push(' ');
            }
            i += 1;
            continue;
        }
        if in_tag {
            if c == b'>' {
                in_tag = false;
            }
            i += 1;
            continue;
        }
        let ch_len = utf8_len(c);
        out.push_str(&input[i..(i + ch_len).min(input.len())]);
        i += ch_len;
    }
    decode_entities(&out)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

fn decode_entities(s: &str) -> String {
    s.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_scripts_handlers_and_remote_images() {
        let input = r#"<p onclick="x()">Hi<script>alert(1)</script>
            <img src="https://track.example/p.gif" width="1" height="1">
            <img src="cid:logo@x"><img src="data:image/png;base64,AAAA">
            <div style="background:url(https://x/y.png)">z</div>
            <a href="https://example.com">link</a><iframe src="https://evil"></iframe></p>"#;
        let out = sanitize_html(input);
        assert!(!out.html.contains("script"));
        assert!(!out.html.contains("onclick"));
        assert!(!out.html.contains("track.example"));
        assert!(!out.html.contains("iframe"));
        assert!(!out.html.contains("url("));
        assert!(out.html.contains("cid:logo@x"));
        assert!(out.html.contains("data:image/png"));
        assert!(out.html.contains("https://example.com"));
        assert_eq!(out.blocked_remote, 2);
    }

    #[test]
    fn text_rendering_drops_markup_and_scripts() {
        let t = html_to_text(
            "<html><style>p{}</style><p>Hello&nbsp;<b>wörld</b></p><script>x</script>bye</html>",
        );
        assert_eq!(t, "Hello wörld bye");
    }
}
