//! Tracking pixels: remote images whose only job is to tell the sender the mail was
//! opened. They are removed whether or not the user allowed the sender's remote content.
//!
//! An image is a tracker when its size says it cannot be seen (1×1, 0×N), its style
//! hides it, or its URL matches a well-known open-tracking endpoint. Only remote images
//! are judged: a hidden `data:` or `cid:` image reaches no server.

/// The facts about one `<img>` the rules look at.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ImageFacts<'a> {
    /// The remote URL as written (http:, https: or `//`).
    pub src: &'a str,
    pub width: Option<&'a str>,
    pub height: Option<&'a str>,
    pub style: Option<&'a str>,
}

pub(crate) fn is_tracker(img: &ImageFacts<'_>) -> bool {
    is_invisible(img) || is_tracker_url(img.src)
}

/// A CSS or attribute length in pixels; None for anything relative ("100%", "auto").
fn pixels(value: &str) -> Option<f64> {
    let v = value.trim().trim_end_matches("!important").trim();
    let v = v.strip_suffix("px").unwrap_or(v).trim();
    let n: f64 = v.parse().ok()?;
    (n.is_finite() && n >= 0.0).then_some(n)
}

/// `style="a: b; c: d"` as lower-cased (property, value) pairs.
fn declarations(style: &str) -> impl Iterator<Item = (String, String)> + '_ {
    style.split(';').filter_map(|decl| {
        let (k, v) = decl.split_once(':')?;
        Some((
            k.trim().to_ascii_lowercase(),
            v.trim()
                .trim_end_matches("!important")
                .trim()
                .to_ascii_lowercase(),
        ))
    })
}

fn is_invisible(img: &ImageFacts<'_>) -> bool {
    let mut width = img.width.and_then(pixels);
    let mut height = img.height.and_then(pixels);
    for (prop, value) in img.style.map(declarations).into_iter().flatten() {
        match prop.as_str() {
            "display" if value == "none" => return true,
            "visibility" if value == "hidden" || value == "collapse" => return true,
            "opacity" if value.parse::<f64>().is_ok_and(|o| o <= 0.01) => return true,
            "max-width" | "max-height" if pixels(&value) == Some(0.0) => return true,
            // The style wins over the attributes, as it does in the browser.
            "width" => width = pixels(&value).or(width),
            "height" => height = pixels(&value).or(height),
            _ => {}
        }
    }
    let tiny = |d: f64| d <= 1.0;
    match (width, height) {
        (Some(w), Some(h)) => w == 0.0 || h == 0.0 || (tiny(w) && tiny(h)),
        // A 1-pixel image keeps its aspect ratio: 1 wide means 1 high.
        (Some(d), None) | (None, Some(d)) => tiny(d),
        (None, None) => false,
    }
}

/// Host (lower-case, without port or user) and path (lower-case, without query) of a
/// remote URL.
fn host_and_path(url: &str) -> Option<(String, String)> {
    let u = url.trim();
    let rest = match u.find("//") {
        Some(i) if u[..i].chars().all(|c| c.is_ascii_alphabetic() || c == ':') => &u[i + 2..],
        _ => return None,
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
    let tail = &rest[end..];
    let path_end = tail.find(['?', '#']).unwrap_or(tail.len());
    Some((host, tail[..path_end].to_ascii_lowercase()))
}

fn host_is(host: &str, domain: &str) -> bool {
    host == domain
        || host
            .strip_suffix(domain)
            .is_some_and(|prefix| prefix.ends_with('.'))
}

/// Known open-tracking endpoints: (domain, path prefix that makes it a tracker; "" for
/// any image from that domain).
const TRACKER_HOSTS: &[(&str, &str)] = &[
    ("list-manage.com", "/track/"),       // Mailchimp
    ("mandrillapp.com", "/track/"),       // Mandrill (Mailchimp transactional)
    ("sendgrid.net", "/wf/open"),         // SendGrid
    ("track.hubspot.com", ""),            // HubSpot
    ("awstrack.me", ""),                  // Amazon SES open and click tracking
    ("mailtrack.io", "/trace/"),          // Mailtrack
    ("mailfoogae.appspot.com", ""),       // Streak
    ("t.yesware.com", ""),                // Yesware
    ("rs6.net", "/on.jsp"),               // Constant Contact
    ("google-analytics.com", "/collect"), // GA measurement pixels in newsletters
    ("facebook.com", "/tr"),              // Meta pixel
    ("linkedin.com", "/emimp/"),          // LinkedIn email impressions
];

/// Host prefixes of HubSpot Sales (Sidekick) open tracking, which rotates numbered
/// domains (t.sidekickopen70.com, t.signauxdeux.com, t.senaluno.com, ...).
const TRACKER_HOST_PREFIXES: &[&str] = &["t.sidekickopen", "t.signaux", "t.senal", "t.sigopn"];

/// File names that mean "count an open" whatever the host.
const TRACKER_FILES: &[&str] = &[
    "open",
    "open.gif",
    "open.png",
    "open.php",
    "open.aspx",
    "open.jsp",
    "o.gif",
    "o.png",
    "pixel",
    "pixel.gif",
    "pixel.png",
    "beacon",
    "beacon.gif",
    "beacon.png",
    "track.gif",
    "tracking.gif",
    "trk.gif",
    "__ptq.gif",
];

/// Path pieces that mean the same.
const TRACKER_PATHS: &[&str] = &[
    "/open/",
    "/track/open",
    "/tracking/open",
    "/wf/open",
    "/email/open",
    "/mail/open",
    "/e1t/o/",
    "/e2t/o/",
    "/beacon/",
    "/openmail",
];

pub(crate) fn is_tracker_url(url: &str) -> bool {
    let Some((host, path)) = host_and_path(url) else {
        return false;
    };
    if TRACKER_HOSTS
        .iter()
        .any(|(domain, prefix)| host_is(&host, domain) && path.starts_with(prefix))
    {
        return true;
    }
    if TRACKER_HOST_PREFIXES.iter().any(|p| host.starts_with(p)) {
        return true;
    }
    let file = path.rsplit('/').next().unwrap_or("");
    if TRACKER_FILES.contains(&file) {
        return true;
    }
    if TRACKER_PATHS.iter().any(|p| path.contains(p)) {
        return true;
    }
    // Mailgun-style opens: /o/<long opaque token>.
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    matches!((segments.next(), segments.next()), (Some("o"), Some(token)) if token.len() >= 20)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_path_ignore_user_port_query_and_case() {
        assert_eq!(
            host_and_path("https://u:p@X.List-Manage.com:443/Track/Open.php?u=1#f"),
            Some(("x.list-manage.com".into(), "/track/open.php".into()))
        );
        assert_eq!(
            host_and_path("//cdn.example/a.png"),
            Some(("cdn.example".into(), "/a.png".into()))
        );
        assert_eq!(host_and_path("cid:x"), None);
    }

    #[test]
    fn domains_match_on_label_boundaries() {
        assert!(host_is("us1.list-manage.com", "list-manage.com"));
        assert!(host_is("list-manage.com", "list-manage.com"));
        assert!(!host_is("notlist-manage.com", "list-manage.com"));
    }

    #[test]
    fn pixel_sizes() {
        let img =
            |w: Option<&'static str>, h: Option<&'static str>, style: Option<&'static str>| {
                is_invisible(&ImageFacts {
                    src: "https://x.example/a.png",
                    width: w,
                    height: h,
                    style,
                })
            };
        assert!(img(Some("1"), Some("1"), None));
        assert!(img(Some("0"), Some("0"), None));
        assert!(img(Some("1px"), None, None));
        assert!(img(Some("600"), Some("0"), None));
        assert!(
            !img(Some("600"), Some("1"), None),
            "a divider line is content"
        );
        assert!(!img(Some("100%"), None, None));
        assert!(!img(None, None, None));
        assert!(img(None, None, Some("width:1px;height:1px")));
        assert!(img(None, None, Some("DISPLAY: none !important")));
        assert!(img(None, None, Some("visibility:hidden")));
        assert!(img(None, None, Some("opacity:0")));
        assert!(img(None, None, Some("max-height:0px")));
        assert!(!img(Some("1"), Some("1"), Some("width:300px;height:200px")));
    }
}
