//! Table tests over multistatus answers shaped like RFC 4791 / RFC 6578 examples and like
//! what Radicale, Nextcloud and iCloud send (default namespaces, odd prefixes, 404s).

use super::*;

fn etag(href: &str, etag: &str) -> RemoteResource {
    RemoteResource {
        href: href.into(),
        etag: Some(etag.into()),
    }
}

#[test]
fn principal_and_home_set() {
    let cases: &[(&str, &str, Option<&str>, Option<&str>)] = &[
        (
            "prefixed DAV",
            r#"<d:multistatus xmlns:d="DAV:"><d:response><d:href>/</d:href>
<d:propstat><d:prop><d:current-user-principal><d:href>/alice/</d:href></d:current-user-principal></d:prop>
<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>"#,
            Some("/alice/"),
            None,
        ),
        (
            "default namespace, home set in CalDAV namespace",
            r#"<?xml version="1.0"?><multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
<response><href>/alice/</href><propstat><prop><C:calendar-home-set><href>
  /calendars/alice/ </href></C:calendar-home-set></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>"#,
            None,
            Some("/calendars/alice/"),
        ),
        (
            "property not found (404 propstat) is absent",
            r#"<D:multistatus xmlns:D="DAV:"><D:response><D:href>/</D:href>
<D:propstat><D:prop><D:current-user-principal/></D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat>
</D:response></D:multistatus>"#,
            None,
            None,
        ),
    ];
    for (name, body, principal, home) in cases {
        assert_eq!(
            current_user_principal(body).expect(name).as_deref(),
            *principal,
            "{name}"
        );
        assert_eq!(
            calendar_home_set(body).expect(name).as_deref(),
            *home,
            "{name}"
        );
    }
}

#[test]
fn calendars_in_home() {
    let body = r#"<?xml version="1.0" encoding="utf-8"?>
<D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/" xmlns:ICAL="http://apple.com/ns/ical/">
 <D:response><D:href>/alice/</D:href>
  <D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>
 </D:response>
 <D:response><D:href>/alice/work/</D:href>
  <D:propstat><D:prop>
   <D:resourcetype><D:collection/><C:calendar/></D:resourcetype>
   <D:displayname>Work &amp; meetings</D:displayname>
   <ICAL:calendar-color>#ff8800ff</ICAL:calendar-color>
   <C:supported-calendar-component-set><C:comp name="VEVENT"/><C:comp name="VTODO"/></C:supported-calendar-component-set>
   <CS:getctag>"ctag-1"</CS:getctag>
   <D:sync-token>http://example.test/sync/7</D:sync-token>
  </D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>
 </D:response>
 <D:response><D:href>/alice/home/</D:href>
  <D:propstat><D:prop><D:resourcetype><D:collection/><C:calendar/></D:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>
  <D:propstat><D:prop><D:displayname/><ICAL:calendar-color/><CS:getctag/></D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat>
 </D:response>
 <D:response><D:href>/alice/contacts/</D:href>
  <D:propstat><D:prop><D:resourcetype><D:collection/><CR:addressbook xmlns:CR="urn:ietf:params:xml:ns:carddav"/></D:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>
 </D:response>
</D:multistatus>"#;
    assert_eq!(
        calendars(body).expect("parses"),
        vec![
            CalendarInfo {
                href: "/alice/work/".into(),
                display_name: Some("Work & meetings".into()),
                color: Some("#ff8800ff".into()),
                components: vec!["VEVENT".into(), "VTODO".into()],
                ctag: Some("\"ctag-1\"".into()),
                sync_token: Some("http://example.test/sync/7".into()),
            },
            CalendarInfo {
                href: "/alice/home/".into(),
                ..CalendarInfo::default()
            },
        ]
    );
}

#[test]
fn sync_collection_answers() {
    let cases: &[(&str, &str, Result<SyncChanges, &str>)] = &[
        (
            "changes, a removal, and the collection itself skipped",
            r#"<D:multistatus xmlns:D="DAV:">
 <D:response><D:href>/alice/work/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype><D:getetag/></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
 <D:response><D:href>/alice/work/a.ics</D:href><D:propstat><D:prop><D:getetag>"e1"</D:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
 <D:response><D:href>/alice/work/b%20c.ics</D:href><D:status>HTTP/1.1 404 Not Found</D:status></D:response>
 <D:sync-token>http://example.test/sync/8</D:sync-token>
</D:multistatus>"#,
            Ok(SyncChanges {
                changed: vec![etag("/alice/work/a.ics", "\"e1\"")],
                removed: vec!["/alice/work/b c.ics".into()], // escapes decoded: one form per href
                sync_token: "http://example.test/sync/8".into(),
            }),
        ),
        (
            "nothing changed",
            r#"<multistatus xmlns="DAV:"><sync-token>t9</sync-token></multistatus>"#,
            Ok(SyncChanges {
                sync_token: "t9".into(),
                ..SyncChanges::default()
            }),
        ),
        (
            "absolute hrefs for the collection are skipped too",
            r#"<multistatus xmlns="DAV:"><response><href>http://h.test/alice/work</href><propstat><prop><getetag/></prop><status>HTTP/1.1 200 OK</status></propstat></response><sync-token>t1</sync-token></multistatus>"#,
            Ok(SyncChanges {
                sync_token: "t1".into(),
                ..SyncChanges::default()
            }),
        ),
        (
            "no sync-token",
            r#"<multistatus xmlns="DAV:"></multistatus>"#,
            Err("sync-token"),
        ),
        (
            "not a multistatus",
            r#"<error xmlns="DAV:"><valid-sync-token/></error>"#,
            Err("multistatus"),
        ),
        ("not XML", "<html", Err("XML")),
    ];
    for (name, body, expected) in cases {
        match (sync_changes(body, "/alice/work/"), expected) {
            (Ok(actual), Ok(expected)) => assert_eq!(&actual, expected, "{name}"),
            (Err(e), Err(part)) => assert!(e.to_string().contains(part), "{name}: {e}"),
            (actual, expected) => panic!("{name}: got {actual:?}, expected {expected:?}"),
        }
    }
}

#[test]
fn member_etags_skip_collections_and_failures() {
    let body = r#"<D:multistatus xmlns:D="DAV:">
 <D:response><D:href>/alice/work/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
 <D:response><D:href>/alice/work/a.ics</D:href><D:propstat><D:prop><D:resourcetype/><D:getetag>"1"</D:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
 <D:response><D:href>/alice/work/sub/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
 <D:response><D:href>/alice/work/locked.ics</D:href><D:status>HTTP/1.1 403 Forbidden</D:status></D:response>
</D:multistatus>"#;
    assert_eq!(
        member_etags(body, "/alice/work").expect("parses"),
        vec![etag("/alice/work/a.ics", "\"1\"")]
    );
}

#[test]
fn multiget_data_and_missing_objects() {
    let body = "<D:multistatus xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">
 <D:response><D:href>/alice/work/a.ics</D:href><D:propstat><D:prop><D:getetag>\"1\"</D:getetag>
  <C:calendar-data>BEGIN:VCALENDAR\r\nSUMMARY:R&amp;D\r\nEND:VCALENDAR\r\n</C:calendar-data></D:prop>
  <D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
 <D:response><D:href>/alice/work/b.ics</D:href><D:propstat><D:prop><C:calendar-data><![CDATA[BEGIN:VCALENDAR
END:VCALENDAR
]]></C:calendar-data></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
 <D:response><D:href>/alice/work/gone.ics</D:href><D:status>HTTP/1.1 404 Not Found</D:status></D:response>
</D:multistatus>";
    assert_eq!(
        multiget_objects(body).expect("parses"),
        vec![
            CalendarObject {
                href: "/alice/work/a.ics".into(),
                etag: Some("\"1\"".into()),
                data: "BEGIN:VCALENDAR\nSUMMARY:R&D\nEND:VCALENDAR\n".into(),
            },
            CalendarObject {
                href: "/alice/work/b.ics".into(),
                etag: None,
                data: "BEGIN:VCALENDAR\nEND:VCALENDAR\n".into(),
            },
        ]
    );
}

#[test]
fn invalid_sync_token_precondition() {
    let cases = [
        (
            r#"<D:error xmlns:D="DAV:"><D:valid-sync-token/></D:error>"#,
            true,
        ),
        (r#"<error xmlns="DAV:"><valid-sync-token/></error>"#, true),
        (
            r#"<error xmlns="other:"><valid-sync-token/></error>"#,
            false,
        ),
        (
            r#"<D:error xmlns:D="DAV:"><D:number-of-matches-within-limits/></D:error>"#,
            false,
        ),
        ("Forbidden", false),
    ];
    for (body, expected) in cases {
        assert_eq!(is_invalid_sync_token(body), expected, "{body}");
    }
}

#[test]
fn same_path_ignores_trailing_slash_and_origin() {
    for (a, b, expected) in [
        ("/a/b/", "/a/b", true),
        ("http://h.test/a/b/", "/a/b/", true),
        ("/a/b/c.ics", "/a/b/", false),
        ("/", "http://h.test", true),
    ] {
        assert_eq!(same_path(a, b), expected, "{a} vs {b}");
    }
}
