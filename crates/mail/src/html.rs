//! HTML mail made safe to show: no scripts, no handlers, no tracking pixels, and no
//! remote loads unless the user allowed them for the sender.
//!
//! Two passes. ammonia parses and cleans (tags, attributes, URL schemes), and the
//! attribute filter handles what one attribute can decide alone: remote URLs in `style`
//! and `background`. Then every `<img>` of ammonia's output is judged whole, because a
//! tracking pixel is recognised by its size, visibility and URL together
//! ([`trackers`]): it is removed, kept, blocked, or its `cid:` source is replaced by the
//! inline part's bytes. ammonia's output is html5ever's canonical serialisation
//! (lower-case names, every value double-quoted, `&"<>` escaped), so that second pass
//! reads it with a small exact scanner instead of a second HTML parser.
//!
//! Remote means http:, https:, ftp: or protocol-relative `//`. When the user allowed the
//! sender, https stays and http and `//` are upgraded to https: the reading frame's CSP
//! allows only `https:` images, and a clear-text request would leak what was read to
//! anyone on the network. Other schemes are dropped.

mod trackers;

use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SanitizedHtml {
    pub html: String,
    /// Remote images and backgrounds removed because the sender is not allowed (shown
    /// to the user as "N remote images blocked"). Trackers are not counted here.
    pub blocked_remote: usize,
    /// Tracking pixels removed; they are removed even when remote content is allowed.
    pub trackers_removed: usize,
    /// Content-IDs whose `cid:` images were replaced by their part's bytes, so the
    /// caller can leave those parts out of the attachment list.
    pub inlined_cids: Vec<String>,
}

/// What a `cid:` reference resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InlineImage {
    /// A `data:image/...;base64,...` URI to show in place.
    Data(String),
    /// Shown as a bracketed note instead of the image (too large, not an image, no part
    /// with that Content-ID).
    Unavailable(String),
}

/// How [`sanitize_html_with`] treats remote content and `cid:` images.
#[derive(Clone, Copy, Default)]
pub struct SanitizeOptions<'a> {
    /// Keep remote images and backgrounds (https only; see the module notes).
    pub allow_remote: bool,
    /// Resolves a Content-ID (without `cid:` and angle brackets). Without a resolver
    /// `cid:` sources are left as they are (a reply keeps them for its own parts).
    pub inline_images: Option<&'a dyn Fn(&str) -> InlineImage>,
}

impl std::fmt::Debug for SanitizeOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SanitizeOptions")
            .field("allow_remote", &self.allow_remote)
            .field("inline_images", &self.inline_images.is_some())
            .finish()
    }
}

fn lower_trimmed(url: &str) -> String {
    url.trim().to_ascii_lowercase()
}

fn is_remote(url: &str) -> bool {
    let u = lower_trimmed(url);
    u.starts_with("http:")
        || u.starts_with("https:")
        || u.starts_with("//")
        || u.starts_with("ftp:")
}

fn is_data_image(url: &str) -> bool {
    lower_trimmed(url).starts_with("data:image/")
}

/// The https form of a remote URL, or None when it has none (ftp:).
fn https_form(url: &str) -> Option<String> {
    let u = url.trim();
    let lower = u.to_ascii_lowercase();
    if lower.starts_with("https://") {
        Some(u.to_owned())
    } else if lower.starts_with("http://") {
        Some(format!("https://{}", &u["http://".len()..]))
    } else if u.starts_with("//") {
        Some(format!("https:{u}"))
    } else {
        None
    }
}

/// A remote URL kept (as https) or dropped, counting what the user could unblock.
fn remote_or_blocked(url: &str, allow_remote: bool, blocked: &AtomicUsize) -> Option<String> {
    if allow_remote {
        https_form(url)
    } else {
        blocked.fetch_add(1, Ordering::Relaxed);
        None
    }
}

/// Rewrites each `url(...)` of an inline style: `data:image` stays, a remote URL stays
/// (as https) when allowed, anything else becomes `none`. None means the style cannot
/// be judged safely (CSS escapes could spell `url(`, `image-set()` loads bare strings)
/// and the caller drops it whole.
fn rewrite_style(style: &str, allow_remote: bool, blocked: &AtomicUsize) -> Option<String> {
    let lower = style.to_ascii_lowercase();
    if style.contains('\\') || lower.contains("image-set(") {
        if lower.contains("url(") || lower.contains("image-set(") {
            blocked.fetch_add(1, Ordering::Relaxed);
        }
        return None;
    }
    let mut out = String::with_capacity(style.len());
    let mut pos = 0;
    while let Some(found) = lower[pos..].find("url(") {
        let start = pos + found;
        out.push_str(&style[pos..start]);
        let arg_start = start + "url(".len();
        let rest = &style[arg_start..];
        let trimmed = rest.trim_start();
        let lead = rest.len() - trimmed.len();
        let (url, used) = match trimmed.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let close = trimmed[1..].find(q)? + 1;
                let after = &trimmed[close + 1..];
                let paren = after.find(')')?;
                if !after[..paren].trim().is_empty() {
                    return None;
                }
                (&trimmed[1..close], lead + close + 1 + paren + 1)
            }
            _ => {
                let paren = trimmed.find(')')?;
                (trimmed[..paren].trim(), lead + paren + 1)
            }
        };
        let kept = if is_data_image(url) {
            Some(url.to_owned())
        } else if is_remote(url) {
            remote_or_blocked(url, allow_remote, blocked)
        } else {
            None
        };
        match kept {
            Some(u) if !u.contains(['"', ')', '(']) => {
                out.push_str("url(\"");
                out.push_str(&u);
                out.push_str("\")");
            }
            _ => out.push_str("none"),
        }
        pos = arg_start + used;
    }
    out.push_str(&style[pos..]);
    Some(out)
}

/// Sanitises for display with the strict defaults: every remote resource blocked,
/// trackers removed, `cid:` and `data:` images kept as they are.
pub fn sanitize_html(input: &str) -> SanitizedHtml {
    sanitize_html_with(input, &SanitizeOptions::default())
}

/// Sanitises HTML with ammonia, removes tracking pixels, and blocks or keeps remote
/// resources as `options` say. Links stay (they open only on click, outside the
/// sandboxed frame).
pub fn sanitize_html_with(input: &str, options: &SanitizeOptions<'_>) -> SanitizedHtml {
    let blocked = Arc::new(AtomicUsize::new(0));
    let counter = blocked.clone();
    let allow_remote = options.allow_remote;
    let mut builder = ammonia::Builder::default();
    builder
        .add_generic_attributes([
            "style", "align", "valign", "width", "height", "bgcolor", "color",
        ])
        .add_generic_attributes(["background"])
        .add_tags(["font", "center"])
        // A <title> is the document's, not the message text's.
        .add_clean_content_tags(["title"])
        .add_tag_attributes("font", ["face", "size"])
        .add_tag_attributes("td", ["colspan", "rowspan"])
        .add_tag_attributes("th", ["colspan", "rowspan"])
        .url_schemes(
            ["http", "https", "mailto", "cid", "data", "tel"]
                .into_iter()
                .collect(),
        )
        .link_rel(Some("noopener noreferrer"))
        .attribute_filter(
            move |element, attribute, value| match (element, attribute) {
                // Judged whole in the second pass; only what an image can show gets there.
                ("img", "src") => {
                    let lower = lower_trimmed(value);
                    (is_remote(value) || lower.starts_with("cid:") || is_data_image(value))
                        .then_some(Cow::Borrowed(value))
                }
                (_, "background") => {
                    if is_data_image(value) {
                        Some(Cow::Borrowed(value))
                    } else if is_remote(value) {
                        remote_or_blocked(value, allow_remote, &counter).map(Cow::Owned)
                    } else {
                        None
                    }
                }
                (_, "style") => rewrite_style(value, allow_remote, &counter).map(Cow::Owned),
                // A data: or cid: link would open a document made by the sender.
                (_, "href") => {
                    let lower = lower_trimmed(value);
                    (!lower.starts_with("data:") && !lower.starts_with("cid:"))
                        .then_some(Cow::Borrowed(value))
                }
                _ => Some(Cow::Borrowed(value)),
            },
        );
    let cleaned = builder.clean(input).to_string();
    let mut out = SanitizedHtml::default();
    out.html = rewrite_images(&cleaned, options, &mut out);
    out.blocked_remote += blocked.load(Ordering::Relaxed);
    out
}

/// Undoes html5ever's attribute escaping (the only entities it writes).
fn unescape_attr(v: &str) -> String {
    if !v.contains('&') {
        return v.to_owned();
    }
    v.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

fn escape_attr(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            c => out.push(c),
        }
    }
    out
}

fn escape_text(v: &str) -> String {
    escape_attr(v).replace("&quot;", "\"")
}

/// Reads the attributes of a serialised start tag from just after its name; returns
/// them and the tag's length from `s`'s start, or None if it is not canonical.
fn read_attributes(s: &str) -> Option<(Vec<(String, String)>, usize)> {
    let mut attrs = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    loop {
        while bytes.get(i) == Some(&b' ') {
            i += 1;
        }
        match bytes.get(i)? {
            b'>' => return Some((attrs, i + 1)),
            b'/' if bytes.get(i + 1) == Some(&b'>') => return Some((attrs, i + 2)),
            _ => {}
        }
        let name_len = s[i..].find(['=', ' ', '>'])?;
        let name = &s[i..i + name_len];
        i += name_len;
        if bytes.get(i) == Some(&b'=') && bytes.get(i + 1) == Some(&b'"') {
            let close = s[i + 2..].find('"')?;
            attrs.push((name.to_owned(), unescape_attr(&s[i + 2..i + 2 + close])));
            i += 2 + close + 1;
        } else {
            attrs.push((name.to_owned(), String::new()));
        }
    }
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn write_img(out: &mut String, attrs: &[(String, String)]) {
    out.push_str("<img");
    for (name, value) in attrs {
        out.push(' ');
        out.push_str(name);
        out.push_str("=\"");
        out.push_str(&escape_attr(value));
        out.push('"');
    }
    out.push('>');
}

/// A Content-ID from a `cid:` URL: percent-decoded, without angle brackets.
fn content_id_of(url: &str) -> String {
    let id = url.trim()[4..].trim();
    let bytes = id.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if let Some(b) = id
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out)
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned()
}

/// What happens to one image.
enum ImageFate {
    Keep(Vec<(String, String)>),
    Remove,
    Placeholder(String),
}

fn judge_image(
    mut attrs: Vec<(String, String)>,
    options: &SanitizeOptions<'_>,
    out: &mut SanitizedHtml,
) -> ImageFate {
    let Some(src) = attr(&attrs, "src").map(str::to_owned) else {
        return ImageFate::Keep(attrs);
    };
    let set_src = |attrs: &mut Vec<(String, String)>, value: Option<String>| {
        attrs.retain(|(n, _)| n != "src");
        if let Some(v) = value {
            attrs.insert(0, ("src".into(), v));
        }
    };
    if is_remote(&src) {
        let facts = trackers::ImageFacts {
            src: &src,
            width: attr(&attrs, "width"),
            height: attr(&attrs, "height"),
            style: attr(&attrs, "style"),
        };
        if trackers::is_tracker(&facts) {
            out.trackers_removed += 1;
            return ImageFate::Remove;
        }
        if options.allow_remote {
            set_src(&mut attrs, https_form(&src));
        } else {
            // The element stays without a source, so its alt text and box keep the layout.
            out.blocked_remote += 1;
            set_src(&mut attrs, None);
        }
        return ImageFate::Keep(attrs);
    }
    if lower_trimmed(&src).starts_with("cid:") {
        if let Some(resolve) = options.inline_images {
            let cid = content_id_of(&src);
            match resolve(&cid) {
                InlineImage::Data(uri) => {
                    set_src(&mut attrs, Some(uri));
                    if !out.inlined_cids.contains(&cid) {
                        out.inlined_cids.push(cid);
                    }
                }
                InlineImage::Unavailable(why) => return ImageFate::Placeholder(why),
            }
        }
    }
    ImageFate::Keep(attrs)
}

/// The second pass: every `<img>` of ammonia's output, judged whole.
fn rewrite_images(html: &str, options: &SanitizeOptions<'_>, out: &mut SanitizedHtml) -> String {
    let mut result = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(pos) = rest.find("<img") {
        let after = &rest[pos + "<img".len()..];
        if !after.starts_with([' ', '>', '/']) {
            result.push_str(&rest[..pos + "<img".len()]);
            rest = after;
            continue;
        }
        result.push_str(&rest[..pos]);
        let Some((attrs, len)) = read_attributes(after) else {
            // Not canonical (cannot happen with html5ever): drop the tag, never pass
            // through something unread.
            rest = after.find('>').map_or("", |end| &after[end + 1..]);
            continue;
        };
        match judge_image(attrs, options, out) {
            ImageFate::Keep(attrs) => write_img(&mut result, &attrs),
            ImageFate::Remove => {}
            ImageFate::Placeholder(why) => {
                result.push_str(
                    "<span style=\"display:inline-block;padding:2px 6px;border:1px dashed #afb8c1;\
                     border-radius:4px;color:#57606a;font-size:12px\">[",
                );
                result.push_str(&escape_text(&why));
                result.push_str("]</span>");
            }
        }
        rest = &after[len..];
    }
    result.push_str(rest);
    result
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
            <img src="https://cdn.example/logo.png" width="120" height="40">
            <img src="cid:logo@x"><img src="data:image/png;base64,AAAA">
            <div style="background:url(https://x/y.png)">z</div>
            <a href="https://example.com">link</a><iframe src="https://evil"></iframe></p>"#;
        let out = sanitize_html(input);
        assert!(!out.html.contains("script"));
        assert!(!out.html.contains("onclick"));
        assert!(!out.html.contains("cdn.example"));
        assert!(!out.html.contains("iframe"));
        assert!(!out.html.contains("https://x/y.png"));
        assert!(out.html.contains("cid:logo@x"));
        assert!(out.html.contains("data:image/png"));
        assert!(out.html.contains("https://example.com"));
        assert_eq!(out.blocked_remote, 2);
        assert_eq!(out.trackers_removed, 0);
    }

    #[test]
    fn style_urls_are_rewritten_not_dropped() {
        let blocked = AtomicUsize::new(0);
        let cases: &[(&str, bool, Option<&str>)] = &[
            (
                "color:red;background:url(https://x/a.png) no-repeat",
                false,
                Some("color:red;background:none no-repeat"),
            ),
            (
                "background-image: url('http://x/a.png')",
                true,
                Some("background-image: url(\"https://x/a.png\")"),
            ),
            (
                "background:url( \"data:image/png;base64,AA==\" )",
                false,
                Some("background:url(\"data:image/png;base64,AA==\")"),
            ),
            (
                "background:URL(javascript:x)",
                true,
                Some("background:none"),
            ),
            ("background:u\\72l(https://x/a.png)", true, None),
            ("background:image-set(\"https://x/a.png\" 1x)", true, None),
            ("background:url(https://x/a.png", true, None),
        ];
        for (style, allow, want) in cases {
            assert_eq!(
                rewrite_style(style, *allow, &blocked).as_deref(),
                *want,
                "{style}"
            );
        }
    }

    #[test]
    fn attributes_round_trip_through_the_scanner() {
        let (attrs, len) =
            read_attributes(r#" src="a&amp;b&quot;c" alt="x &lt;y&gt;" width="1">rest"#).unwrap();
        assert_eq!(attrs[0], ("src".into(), "a&b\"c".into()));
        assert_eq!(attrs[1], ("alt".into(), "x <y>".into()));
        assert_eq!(
            len,
            r#" src="a&amp;b&quot;c" alt="x &lt;y&gt;" width="1">"#.len()
        );
        let mut s = String::new();
        write_img(&mut s, &attrs);
        assert_eq!(
            s,
            r#"<img src="a&amp;b&quot;c" alt="x &lt;y&gt;" width="1">"#
        );
    }

    #[test]
    fn content_ids_are_decoded() {
        assert_eq!(content_id_of("cid:logo%40acme.test"), "logo@acme.test");
        assert_eq!(content_id_of("CID:<a@b>"), "a@b");
        assert_eq!(content_id_of("cid:bad%zz"), "bad%zz");
    }

    #[test]
    fn text_rendering_drops_markup_and_scripts() {
        let t = html_to_text(
            "<html><style>p{}</style><p>Hello&nbsp;<b>wörld</b></p><script>x</script>bye</html>",
        );
        assert_eq!(t, "Hello wörld bye");
    }
}
