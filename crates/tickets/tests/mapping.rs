//! Table tests for the source mappings: FluentSupport statuses and priorities, and the
//! keyword urgency of support-mailbox mail.

#![allow(clippy::unwrap_used)] // test helpers may fail loudly

use chrono::{TimeZone, Utc};
use switchboard_tickets::{
    fluentsupport_status, fluentsupport_urgency, ticket_from_email, urgency_from_text, Status,
    Urgency,
};

#[test]
fn fluentsupport_status_mapping() {
    let cases = [
        ("new", Status::New),
        ("NEW", Status::New),
        ("active", Status::Active),
        ("open", Status::Active),
        ("in-progress", Status::Active),
        ("waiting", Status::Waiting),
        ("on-hold", Status::Waiting),
        ("on_hold", Status::Waiting),
        ("On Hold", Status::Waiting),
        ("pending", Status::Waiting),
        ("closed", Status::Closed),
        ("resolved", Status::Closed),
        ("solved", Status::Closed),
        ("some-custom-status", Status::Active),
        ("", Status::Active),
    ];
    for (input, want) in cases {
        assert_eq!(fluentsupport_status(input), want, "{input:?}");
    }
}

#[test]
fn fluentsupport_priority_mapping() {
    let cases = [
        ("low", Urgency::Low),
        ("normal", Urgency::Normal),
        ("medium", Urgency::Normal),
        ("high", Urgency::High),
        ("critical", Urgency::Critical),
        ("Critical", Urgency::Critical),
        ("urgent", Urgency::Critical),
        ("whatever", Urgency::Normal),
        ("", Urgency::Normal),
    ];
    for (input, want) in cases {
        assert_eq!(fluentsupport_urgency(input), want, "{input:?}");
    }
}

#[test]
fn keyword_urgency() {
    let cases = [
        (
            "Question about invoices",
            "Could you resend March?",
            Urgency::Normal,
        ),
        ("URGENT: invoice wrong", "", Urgency::High),
        ("Need this ASAP!!", "", Urgency::High),
        ("Export", "please fix as soon as possible", Urgency::High),
        ("Dashboard down", "", Urgency::Critical),
        (
            "Re: sync",
            "our production is down since 9am",
            Urgency::Critical,
        ),
        ("Outage in EU region", "", Urgency::Critical),
        ("urgent - site down", "", Urgency::Critical),
        (
            "Download link broken",
            "the countdown widget too",
            Urgency::Normal,
        ),
        ("Scale down plan?", "", Urgency::Normal),
        ("Not urgent: typo on pricing page", "", Urgency::Low),
        ("Small request", "no rush, whenever you can", Urgency::Low),
        ("Not urgent but", "the API is down", Urgency::Critical),
        ("Résumé löschen", "dringend? nein, normal", Urgency::Normal),
    ];
    for (subject, body, want) in cases {
        assert_eq!(
            urgency_from_text(subject, body),
            want,
            "{subject:?} / {body:?}"
        );
    }
}

#[test]
fn email_ticket_fields() {
    let date = Utc.with_ymd_and_hms(2025, 3, 1, 9, 30, 0).unwrap();
    let t = ticket_from_email(
        Some(" <abc.123@mail.northwind.example> "),
        "Dana.Whitfield@Northwind.example",
        Some("Dana Whitfield"),
        "  Dashboard down  ",
        "Hi team,\nthe dashboard is down.\n",
        date,
    );
    assert_eq!(t.external_id, "abc.123@mail.northwind.example");
    assert_eq!(
        t.message_id.as_deref(),
        Some("abc.123@mail.northwind.example")
    );
    assert_eq!(t.title, "Dashboard down");
    assert_eq!(t.status, Status::New);
    assert_eq!(t.urgency, Urgency::Critical);
    assert_eq!(
        t.customer_email.as_deref(),
        Some("dana.whitfield@northwind.example")
    );
    assert_eq!(t.customer_name.as_deref(), Some("Dana Whitfield"));
    assert_eq!(
        t.content_text.as_deref(),
        Some("Hi team,\nthe dashboard is down.")
    );
    assert_eq!((t.created_at, t.updated_at), (date, date));
}

#[test]
fn email_without_message_id_gets_a_stable_hash() {
    let date = Utc.with_ymd_and_hms(2025, 3, 1, 9, 30, 0).unwrap();
    let a = ticket_from_email(None, "x@example.com", None, "", "body", date);
    let b = ticket_from_email(Some("  "), "X@example.com", None, "", "body", date);
    let c = ticket_from_email(None, "x@example.com", None, "", "other body", date);
    assert!(a.external_id.starts_with("mail-"));
    assert_eq!(a.external_id, b.external_id);
    assert_ne!(a.external_id, c.external_id);
    assert_eq!(a.title, "(no subject)");
    assert_eq!(a.message_id, None);
}
