//! Reading WebDAV multistatus answers (RFC 4918 §13, RFC 4791, RFC 6578): pure functions
//! from the response body to what the client needs, so every shape servers send can be
//! covered by table tests without a server.

use super::xml::{self, Element, APPLE_ICAL, CALDAV, CALSERVER, DAV};
use super::{CalDavError, CalendarInfo, CalendarObject, RemoteResource, SyncChanges};

/// One `<response>`: its href and either a response-level status (RFC 6578 removals) or
/// the properties that came back with 2xx in a `<propstat>`.
#[derive(Debug, Default)]
struct Response {
    href: String,
    status: Option<u16>,
    props: Vec<Element>,
}

impl Response {
    fn prop(&self, ns: &str, name: &str) -> Option<&Element> {
        self.props.iter().find(|p| p.is(ns, name))
    }

    /// The `<href>` text inside property `ns:name` (principal, home set).
    fn prop_href(&self, ns: &str, name: &str) -> Option<String> {
        self.prop(ns, name)?
            .child(DAV, "href")
            .map(|h| h.trimmed().to_owned())
            .filter(|h| !h.is_empty())
    }

    fn prop_text(&self, ns: &str, name: &str) -> Option<String> {
        self.prop(ns, name)
            .map(|p| p.trimmed().to_owned())
            .filter(|t| !t.is_empty())
    }

    fn is_collection(&self) -> bool {
        self.prop(DAV, "resourcetype")
            .is_some_and(|t| t.child(DAV, "collection").is_some())
    }
}

/// A parsed `<multistatus>`: its responses and the top-level `<sync-token>` if any.
struct Multistatus {
    responses: Vec<Response>,
    sync_token: Option<String>,
}

fn parse_multistatus(body: &str) -> Result<Multistatus, CalDavError> {
    let root = xml::parse(body).map_err(CalDavError::Protocol)?;
    if !root.is(DAV, "multistatus") {
        return Err(CalDavError::Protocol(format!(
            "expected a DAV:multistatus, got {}:{}",
            root.ns, root.name
        )));
    }
    let responses = root
        .children_named(DAV, "response")
        .map(|r| Response {
            href: r
                .child(DAV, "href")
                .map(|h| decode_href(h.trimmed()))
                .unwrap_or_default(),
            status: r
                .child(DAV, "status")
                .and_then(|s| status_code(s.trimmed())),
            props: r
                .children_named(DAV, "propstat")
                .filter(|ps| {
                    ps.child(DAV, "status")
                        .and_then(|s| status_code(s.trimmed()))
                        .is_some_and(|code| (200..300).contains(&code))
                })
                .filter_map(|ps| ps.child(DAV, "prop"))
                .flat_map(|prop| prop.children.iter().cloned())
                .collect(),
        })
        .filter(|r| !r.href.is_empty())
        .collect();
    let sync_token = root
        .child(DAV, "sync-token")
        .map(|t| t.trimmed().to_owned())
        .filter(|t| !t.is_empty());
    Ok(Multistatus {
        responses,
        sync_token,
    })
}

/// `HTTP/1.1 404 Not Found` -> 404.
fn status_code(line: &str) -> Option<u16> {
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The `current-user-principal` href from a PROPFIND Depth 0 answer (RFC 5397).
pub fn current_user_principal(body: &str) -> Result<Option<String>, CalDavError> {
    Ok(parse_multistatus(body)?
        .responses
        .iter()
        .find_map(|r| r.prop_href(DAV, "current-user-principal")))
}

/// The first `calendar-home-set` href from a PROPFIND Depth 0 on the principal (RFC 4791
/// §6.2.1).
pub fn calendar_home_set(body: &str) -> Result<Option<String>, CalDavError> {
    Ok(parse_multistatus(body)?
        .responses
        .iter()
        .find_map(|r| r.prop_href(CALDAV, "calendar-home-set")))
}

/// The calendars in a PROPFIND Depth 1 answer on the calendar home: every response whose
/// resourcetype has `C:calendar` (the home itself and address books are left out).
pub fn calendars(body: &str) -> Result<Vec<CalendarInfo>, CalDavError> {
    Ok(parse_multistatus(body)?
        .responses
        .into_iter()
        .filter(|r| {
            r.prop(DAV, "resourcetype")
                .is_some_and(|t| t.child(CALDAV, "calendar").is_some())
        })
        .map(|r| CalendarInfo {
            display_name: r.prop_text(DAV, "displayname"),
            color: r.prop_text(APPLE_ICAL, "calendar-color"),
            components: r
                .prop(CALDAV, "supported-calendar-component-set")
                .map(|set| {
                    set.children_named(CALDAV, "comp")
                        .filter_map(|c| c.attr("name").map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
            ctag: r.prop_text(CALSERVER, "getctag"),
            sync_token: r.prop_text(DAV, "sync-token"),
            href: r.href,
        })
        .collect())
}

/// A `sync-collection` REPORT answer (RFC 6578 §3.2): members with a 2xx getetag are
/// changed (or new), members answered with a response-level 404 are removed; the
/// collection's own href (`collection_href`) is skipped.
pub fn sync_changes(body: &str, collection_href: &str) -> Result<SyncChanges, CalDavError> {
    let multistatus = parse_multistatus(body)?;
    let mut changes = SyncChanges {
        sync_token: multistatus.sync_token.ok_or_else(|| {
            CalDavError::Protocol("sync-collection answer without a sync-token".into())
        })?,
        ..SyncChanges::default()
    };
    for response in multistatus.responses {
        if same_path(&response.href, collection_href) {
            continue;
        }
        match response.status {
            Some(404) => changes.removed.push(response.href),
            _ if response.is_collection() => {}
            _ => changes.changed.push(RemoteResource {
                etag: response.prop_text(DAV, "getetag"),
                href: response.href,
            }),
        }
    }
    Ok(changes)
}

/// Members and their ETags from a PROPFIND Depth 1 getetag on a calendar: the listing a
/// full resync compares with what it has. Sub-collections and the calendar itself are
/// skipped.
pub fn member_etags(body: &str, collection_href: &str) -> Result<Vec<RemoteResource>, CalDavError> {
    Ok(parse_multistatus(body)?
        .responses
        .into_iter()
        .filter(|r| !same_path(&r.href, collection_href) && !r.is_collection())
        .filter(|r| r.status.is_none_or(|s| (200..300).contains(&s)))
        .map(|r| RemoteResource {
            etag: r.prop_text(DAV, "getetag"),
            href: r.href,
        })
        .collect())
}

/// The objects of a `calendar-multiget` REPORT answer (RFC 4791 §7.9) that came with
/// calendar-data; hrefs the server could not return (404) are left out.
pub fn multiget_objects(body: &str) -> Result<Vec<CalendarObject>, CalDavError> {
    Ok(parse_multistatus(body)?
        .responses
        .into_iter()
        .filter_map(|r| {
            let data = r.prop(CALDAV, "calendar-data")?.text.clone();
            Some(CalendarObject {
                etag: r.prop_text(DAV, "getetag"),
                href: r.href,
                data,
            })
        })
        .collect())
}

/// Whether an error body carries the DAV `valid-sync-token` precondition (RFC 6578 §3.2).
pub fn is_invalid_sync_token(body: &str) -> bool {
    xml::parse(body).is_ok_and(|root| root.contains(DAV, "valid-sync-token"))
}

/// Hrefs of the same resource, ignoring a trailing slash and the scheme+host an absolute
/// href may carry.
pub(crate) fn same_path(a: &str, b: &str) -> bool {
    fn path(href: &str) -> &str {
        let href = match href.split_once("://") {
            Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
            None => href,
        };
        href.trim_end_matches('/')
    }
    path(a) == path(b)
}

#[cfg(test)]
mod tests;

/// An href in one canonical form, so the same object is always the same string: the path
/// only (a server may send absolute URLs) with percent-escapes decoded (servers differ in
/// which characters they escape; `/a/x%40y.ics` and `/a/x@y.ics` name one object).
pub fn decode_href(href: &str) -> String {
    let path = match href.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => href,
    };
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod href_tests {
    use super::decode_href;

    #[test]
    fn hrefs_have_one_form() {
        assert_eq!(decode_href("/u/w/a%40b.ics"), "/u/w/a@b.ics");
        assert_eq!(
            decode_href("https://dav.example:8443/u/w/a%20b.ics"),
            "/u/w/a b.ics"
        );
        assert_eq!(decode_href("/u/w/plain.ics"), "/u/w/plain.ics");
        assert_eq!(decode_href("/u/w/bad%4"), "/u/w/bad%4");
        assert_eq!(decode_href("/u/w/%E2%9C%93.ics"), "/u/w/\u{2713}.ics");
    }
}
