#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! Search execution over a small fixture mailbox: each condition alone, combined,
//! negated, FTS-special characters in text, newest-first order, paging, and the path
//! that never touches FTS.

use switchboard_store::{
    Condition, NewAttachment, NewMessage, SearchFilters, SearchQuery, SearchTerm, Store, TextField,
};

const DAY: i64 = 86_400_000;
/// 2026-03-01 12:00 UTC.
const MARCH_1: i64 = 1_772_366_400_000;

fn at(day_of_march: i64) -> i64 {
    MARCH_1 + (day_of_march - 1) * DAY
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
}

#[derive(Default)]
struct Mail {
    key: &'static str,
    folder: i64,
    subject: &'static str,
    from: (Option<&'static str>, &'static str),
    to: Vec<(Option<&'static str>, &'static str)>,
    cc: Vec<(Option<&'static str>, &'static str)>,
    body: &'static str,
    date: i64,
    seen: bool,
    flagged: bool,
    attachments: Vec<&'static str>,
}

fn new_message(account: i64, m: Mail) -> NewMessage {
    let list = |l: &[(Option<&str>, &str)]| {
        l.iter()
            .map(|(n, e)| (n.map(str::to_owned), e.to_string()))
            .collect::<Vec<_>>()
    };
    NewMessage {
        account_id: account,
        folder_id: m.folder,
        dedupe_key: m.key.into(),
        message_id: Some(format!("{}@fixture", m.key)),
        subject: m.subject.into(),
        subject_key: format!("{} {}", m.subject.to_lowercase(), m.key),
        from_name: m.from.0.map(str::to_owned),
        from_email: Some(m.from.1.into()),
        to: list(&m.to),
        cc: list(&m.cc),
        date: m.date,
        snippet: format!("preview of {}", m.key),
        body_text: m.body.into(),
        seen: m.seen,
        flagged: m.flagged,
        attachments: m
            .attachments
            .iter()
            .map(|n| NewAttachment {
                name: n.to_string(),
                mime_type: "application/octet-stream".into(),
                size: 10,
                content_id: None,
            })
            .collect(),
        raw: format!("Message-ID: <{}@fixture>\r\n\r\n{}", m.key, m.body).into_bytes(),
        ..Default::default()
    }
}

const DANA: (Option<&str>, &str) = (Some("Dana Whitfield"), "dana.whitfield@acme.example");
const ME: (Option<&str>, &str) = (Some("Sam Rep"), "sam@work.example");
const BO: (Option<&str>, &str) = (Some("Bo Lindqvist"), "bo@northwind.example");
const OPS: (Option<&str>, &str) = (None, "ops@work.example");

/// Keys of the fixture messages, newest first:
/// special (8th), noreply (7th), report (6th), lunch (5th), renewal (4th),
/// quote (3rd), old (1st).
async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let account = store
        .ensure_account("Work", "local", None, 0)
        .await
        .unwrap();
    let inbox = store
        .ensure_folder(account, "INBOX", Some("inbox"))
        .await
        .unwrap();
    let sent = store
        .ensure_folder(account, "Sent Items", Some("sent"))
        .await
        .unwrap();
    let clients = store.ensure_folder(account, "Clients", None).await.unwrap();
    let trash = store
        .ensure_folder(account, "Deleted", Some("trash"))
        .await
        .unwrap();
    let mails = vec![
        Mail {
            key: "renewal",
            folder: inbox,
            subject: "Renewal terms for Acme",
            from: DANA,
            to: vec![ME],
            body: "Please review the renewal quote before Friday.",
            date: at(4),
            flagged: true,
            attachments: vec!["quote-2026.pdf"],
            ..Default::default()
        },
        Mail {
            key: "lunch",
            folder: sent,
            subject: "Lunch on Thursday",
            from: ME,
            to: vec![BO],
            cc: vec![(Some("Dana W."), "dw@acme.example")],
            body: "Sandwiches near the office?",
            date: at(5),
            seen: true,
            ..Default::default()
        },
        Mail {
            key: "report",
            folder: clients,
            subject: "Weekly status report",
            from: ME,
            to: vec![(Some("Carla Ortiz"), "carla@litware.example")],
            cc: vec![OPS],
            body: "Pipeline is healthy; the Acme renewal is on track.",
            date: at(6),
            seen: true,
            ..Default::default()
        },
        Mail {
            key: "quote",
            folder: inbox,
            subject: "Re: Renewal terms for Acme",
            from: BO,
            to: vec![DANA, ME],
            body: "Attached the signed quote.",
            date: at(3),
            attachments: vec!["signed.pdf"],
            ..Default::default()
        },
        Mail {
            key: "old",
            folder: trash,
            subject: "Old renewal draft",
            from: (None, "danaher@old.example"),
            body: "renewal draft from last year",
            date: at(1),
            seen: true,
            ..Default::default()
        },
        Mail {
            key: "special",
            folder: inbox,
            subject: "Price \"special\" (NEAR) *deal* - a:b",
            from: (Some("Ünal Öztürk"), "unal@example.com"),
            to: vec![ME],
            body: "C++ and foo-bar OR baz; 100% off_now",
            date: at(8),
            ..Default::default()
        },
        Mail {
            key: "noreply",
            folder: inbox,
            subject: "Your invoice",
            from: (Some("Billing"), "noreply@billing.example"),
            to: vec![ME],
            body: "Invoice attached",
            date: at(7),
            seen: true,
            ..Default::default()
        },
    ];
    let batch: Vec<NewMessage> = mails.into_iter().map(|m| new_message(account, m)).collect();
    store.store_messages(&batch, None, 0).await.unwrap();
    Fixture { _dir: dir, store }
}

fn text(t: &str) -> Condition {
    Condition::Text {
        text: t.into(),
        field: TextField::Any,
        prefix: false,
    }
}

fn subject(t: &str) -> Condition {
    Condition::Text {
        text: t.into(),
        field: TextField::Subject,
        prefix: false,
    }
}

fn folder(name: &str, role: Option<&str>) -> Condition {
    Condition::Folder {
        name: name.into(),
        role: role.map(str::to_owned),
    }
}

impl Fixture {
    /// Keys of the hits, in result order.
    async fn keys(&self, terms: Vec<SearchTerm>) -> Vec<String> {
        let rows = self
            .store
            .search(&SearchQuery { terms }, &SearchFilters::default(), 50, 0)
            .await
            .unwrap();
        let mut keys = Vec::new();
        for r in rows {
            let m = self.store.message(r.id).await.unwrap().unwrap();
            keys.push(
                m.message_id
                    .unwrap()
                    .trim_end_matches("@fixture")
                    .to_owned(),
            );
        }
        keys
    }
}

#[tokio::test]
async fn each_condition_alone() {
    let f = fixture().await;
    let is = SearchTerm::is;
    let cases: Vec<(&str, Condition, Vec<&str>)> = vec![
        ("a body word", text("sandwiches"), vec!["lunch"]),
        (
            "a word anywhere",
            text("renewal"),
            vec!["report", "renewal", "quote", "old"],
        ),
        ("a phrase", text("signed quote"), vec!["quote"]),
        ("a participant name", text("Carla"), vec!["report"]),
        (
            "a participant address",
            text("carla@litware.example"),
            vec!["report"],
        ),
        ("an attachment name", text("signed.pdf"), vec!["quote"]),
        ("diacritics fold", text("unal ozturk"), vec!["special"]),
        (
            "prefix",
            Condition::Text {
                text: "sandwich".into(),
                field: TextField::Any,
                prefix: true,
            },
            vec!["lunch"],
        ),
        (
            "subject only",
            subject("renewal"),
            vec!["renewal", "quote", "old"],
        ),
        ("subject phrase", subject("status report"), vec!["report"]),
        (
            "from: display name",
            Condition::From("dana".into()),
            vec!["renewal", "old"],
        ),
        (
            "from: full name",
            Condition::From("Dana Whitfield".into()),
            vec!["renewal"],
        ),
        (
            "from: any case",
            Condition::From("WHITFIELD".into()),
            vec!["renewal"],
        ),
        (
            "from: address part",
            Condition::From("billing.example".into()),
            vec!["noreply"],
        ),
        (
            "to: matches To and Cc",
            Condition::To("dana".into()),
            vec!["lunch", "quote"],
        ),
        (
            "to: a Cc address",
            Condition::To("ops@".into()),
            vec!["report"],
        ),
        ("cc: only Cc", Condition::Cc("dana".into()), vec!["lunch"]),
        ("cc: not To", Condition::Cc("carla".into()), vec![]),
        (
            "LIKE wildcards are literal",
            Condition::From("%".into()),
            vec![],
        ),
        (
            "has:attachment",
            Condition::HasAttachment,
            vec!["renewal", "quote"],
        ),
        (
            "is:unread",
            Condition::Unread,
            vec!["special", "renewal", "quote"],
        ),
        ("is:flagged", Condition::Flagged, vec!["renewal"]),
        (
            "in: by role",
            folder("inbox", Some("inbox")),
            vec!["special", "noreply", "renewal", "quote"],
        ),
        (
            "in: sent by role",
            folder("sent", Some("sent")),
            vec!["lunch"],
        ),
        ("in: by name", folder("sent items", None), vec!["lunch"]),
        ("in: name any case", folder("CLIENTS", None), vec!["report"]),
        (
            "in: trash by role",
            folder("trash", Some("trash")),
            vec!["old"],
        ),
        ("in: unknown folder", folder("Nowhere", None), vec![]),
        (
            "before (exclusive)",
            Condition::DateBefore(at(4)),
            vec!["quote", "old"],
        ),
        (
            "from an instant (inclusive)",
            Condition::DateFrom(at(7)),
            vec!["special", "noreply"],
        ),
    ];
    for (what, condition, want) in cases {
        assert_eq!(f.keys(vec![is(condition)]).await, want, "{what}");
    }
}

#[tokio::test]
async fn conditions_combine_with_and() {
    let f = fixture().await;
    let is = SearchTerm::is;
    assert_eq!(
        f.keys(vec![
            is(text("renewal")),
            is(folder("inbox", Some("inbox"))),
            is(Condition::HasAttachment),
        ])
        .await,
        vec!["renewal", "quote"]
    );
    assert_eq!(
        f.keys(vec![
            is(Condition::Unread),
            is(folder("inbox", Some("inbox")))
        ])
        .await,
        vec!["special", "renewal", "quote"]
    );
    assert_eq!(
        f.keys(vec![
            is(text("acme")),
            is(Condition::From("sam".into())),
            is(Condition::DateFrom(at(6))),
            is(Condition::DateBefore(at(7))),
        ])
        .await,
        vec!["report"]
    );
    assert_eq!(
        f.keys(vec![is(text("renewal")), is(text("sandwiches"))])
            .await,
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn negation_of_text_and_operators() {
    let f = fixture().await;
    let (is, not) = (SearchTerm::is, SearchTerm::not);
    // Text minus text: FTS5's own NOT.
    assert_eq!(
        f.keys(vec![is(text("renewal")), not(text("quote"))]).await,
        vec!["report", "old"]
    );
    assert_eq!(
        f.keys(vec![is(text("renewal")), not(subject("renewal"))])
            .await,
        vec!["report"]
    );
    // Only negated text: no MATCH to hang a NOT on, so it is a NOT IN.
    assert_eq!(
        f.keys(vec![not(text("renewal")), not(text("invoice"))])
            .await,
        vec!["special", "lunch"]
    );
    assert_eq!(
        f.keys(vec![is(Condition::Unread), not(text("renewal"))])
            .await,
        vec!["special"]
    );
    // Negated operators, including on rows where the column is NULL.
    assert_eq!(
        f.keys(vec![
            is(text("renewal")),
            not(Condition::From("dana".into()))
        ])
        .await,
        vec!["report", "quote"]
    );
    assert_eq!(
        f.keys(vec![
            not(Condition::Unread),
            not(folder("trash", Some("trash")))
        ])
        .await,
        vec!["noreply", "report", "lunch"]
    );
    assert_eq!(
        f.keys(vec![is(text("acme")), not(Condition::To("dana".into()))])
            .await,
        vec!["report", "renewal"]
    );
}

#[tokio::test]
async fn fts_syntax_in_text_is_inert() {
    let f = fixture().await;
    // Text without letters or digits is no condition at all.
    let all = "special noreply report lunch renewal quote old";
    // (typed text, hits searching everywhere, hits searching the subject)
    let cases = [
        ("\"special\"", "special", "special"),
        ("\"", all, all),
        ("*deal*", "special", "special"),
        ("*", all, all),
        ("(NEAR)", "special lunch", "special"),
        ("NEAR(price deal)", "", ""),
        ("NEAR", "special lunch", "special"),
        ("foo-bar", "special", ""),
        ("-", all, all),
        ("a:b", "special", "special"),
        ("subject:price", "", ""),
        ("{subject}: price", "", ""),
        ("()", all, all),
        (":", all, all),
        ("OR", "special", ""),
        ("AND NOT", "", ""),
        ("C++", "special", ""),
        ("100%", "special", ""),
        ("off_now", "special", ""),
        ("^price", "special", "special"),
    ];
    for (input, anywhere, in_subject) in cases {
        for (field, want) in [(TextField::Any, anywhere), (TextField::Subject, in_subject)] {
            let cond = |prefix| Condition::Text {
                text: input.into(),
                field,
                prefix,
            };
            let want: Vec<&str> = want.split_whitespace().collect();
            assert_eq!(
                f.keys(vec![SearchTerm::is(cond(false))]).await,
                want,
                "{input:?} in {field:?}"
            );
            // As a prefix, negated, and next to other text, it still parses.
            f.keys(vec![SearchTerm::is(cond(true))]).await;
            f.keys(vec![SearchTerm::not(cond(true))]).await;
            f.keys(vec![
                SearchTerm::is(text("price")),
                SearchTerm::not(cond(false)),
            ])
            .await;
        }
    }
}

#[tokio::test]
async fn newest_first_paged_and_highlighted() {
    let f = fixture().await;
    let all = f.keys(vec![]).await;
    assert_eq!(
        all,
        vec!["special", "noreply", "report", "lunch", "renewal", "quote", "old"]
    );
    let q = SearchQuery {
        terms: vec![SearchTerm::is(text("renewal"))],
    };
    let page = |offset| {
        let store = f.store.clone();
        let q = q.clone();
        async move {
            store
                .search(&q, &SearchFilters::default(), 2, offset)
                .await
                .unwrap()
        }
    };
    let first = page(0).await;
    let second = page(2).await;
    assert_eq!(first.len(), 2);
    assert_eq!(second.len(), 2);
    assert!(first[0].date > first[1].date && first[1].date > second[0].date);
    assert!(page(4).await.is_empty());
    assert_eq!(first[0].folder, "Clients");
    assert_eq!(first[0].folder_role, None);
    assert_eq!(first[1].folder, "INBOX");
    assert_eq!(first[1].folder_role.as_deref(), Some("inbox"));
    for row in first.iter().chain(&second) {
        assert!(
            row.snippet.to_lowercase().contains("\u{2}renewal\u{3}"),
            "{:?}",
            row.snippet
        );
    }
    // Same date: the higher id first.
    let store = &f.store;
    let account = store.account_id("Work").await.unwrap().unwrap();
    let inbox = store.ensure_folder(account, "INBOX", None).await.unwrap();
    let twins: Vec<NewMessage> = ["twin-a", "twin-b"]
        .into_iter()
        .map(|key| {
            new_message(
                account,
                Mail {
                    key,
                    folder: inbox,
                    subject: "twins",
                    from: BO,
                    body: "identical twins",
                    date: at(9),
                    ..Default::default()
                },
            )
        })
        .collect();
    store.store_messages(&twins, None, 0).await.unwrap();
    assert_eq!(
        f.keys(vec![SearchTerm::is(text("twins"))]).await,
        vec!["twin-b", "twin-a"]
    );
}

#[tokio::test]
async fn operators_alone_never_touch_fts_and_show_the_preview() {
    let f = fixture().await;
    let q = SearchQuery {
        terms: vec![
            SearchTerm::is(Condition::Unread),
            SearchTerm::is(folder("inbox", Some("inbox"))),
        ],
    };
    assert!(!q.uses_fts());
    let plan = f
        .store
        .explain_search(&q, &SearchFilters::default())
        .await
        .unwrap()
        .join("\n");
    assert!(!plan.contains("messages_fts"), "{plan}");
    let rows = f
        .store
        .search(&q, &SearchFilters::default(), 10, 0)
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].snippet, "preview of special");
    assert_eq!(rows[0].folder, "INBOX");

    // Each operator alone walks an index in date order: no full scan, no full sort.
    let operator_only = [
        Condition::Unread,
        Condition::Flagged,
        Condition::HasAttachment,
        folder("inbox", Some("inbox")),
        Condition::DateBefore(at(4)),
        Condition::DateFrom(at(4)),
        Condition::From("dana".into()),
        Condition::To("dana".into()),
    ];
    for condition in operator_only {
        let q = SearchQuery {
            terms: vec![SearchTerm::is(condition.clone())],
        };
        let plan = f
            .store
            .explain_search(&q, &SearchFilters::default())
            .await
            .unwrap()
            .join("\n");
        assert!(plan.contains("USING"), "{condition:?}: {plan}");
        assert!(
            !plan.contains("TEMP B-TREE FOR ORDER BY"),
            "{condition:?}: {plan}"
        );
    }

    let text_q = SearchQuery {
        terms: vec![SearchTerm::is(text("renewal"))],
    };
    assert!(text_q.uses_fts());
    assert_eq!(text_q.fts_expression().as_deref(), Some("\"renewal\""));
}

#[tokio::test]
async fn the_account_filter_scopes_results() {
    let f = fixture().await;
    let other = f
        .store
        .ensure_account("Home", "local", None, 0)
        .await
        .unwrap();
    let inbox = f
        .store
        .ensure_folder(other, "INBOX", Some("inbox"))
        .await
        .unwrap();
    let mail = new_message(
        other,
        Mail {
            key: "home",
            folder: inbox,
            subject: "Renewal of the car insurance",
            from: BO,
            body: "renewal",
            date: at(2),
            ..Default::default()
        },
    );
    f.store.store_messages(&[mail], None, 0).await.unwrap();
    let q = SearchQuery {
        terms: vec![SearchTerm::is(text("renewal"))],
    };
    let count = |account_id| {
        let store = f.store.clone();
        let q = q.clone();
        async move {
            store
                .search(&q, &SearchFilters { account_id }, 50, 0)
                .await
                .unwrap()
                .len()
        }
    };
    assert_eq!(count(None).await, 5);
    assert_eq!(count(Some(other)).await, 1);
}
