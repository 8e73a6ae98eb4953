#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! Property: the partition of messages into threads depends only on which messages are
//! stored, never on their arrival order or how they are split into batches.
//!
//! Each case is a small forest of conversations spread over two accounts with two
//! folders each: replies carrying References (sometimes naming parents that never
//! arrive), replies and originals without any references that only their subjects tie
//! together (subjects shared between conversations, dates far enough apart to cross
//! the 90-day window), messages without a Message-ID, and copies of one message in
//! several folders. Two fresh stores take the same messages in different orders and
//! batches; their threads, compared as sets of (folder, dedupe key), must be equal.

use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use switchboard_store::{NewMessage, Store};

const DAY: i64 = 86_400_000;
const SUBJECTS: &[&str] = &["Pricing", "Renewal", "Kickoff"];

#[derive(Debug, Clone)]
struct MessageSpec {
    /// Which earlier message of the conversation this one answers.
    parent: prop::sample::Index,
    /// 0–6: References chain; 7–8: no references, "Re:" subject; 9: no references,
    /// original subject. The first message of a conversation has no parent.
    kind: u8,
    /// Not stored: a parent the mailbox never had.
    missing: bool,
    /// Only for messages without references (nothing could name them anyway).
    no_message_id: bool,
    /// Folder 0–3 and, sometimes, a second folder holding a copy.
    folders: (u8, Option<u8>),
    days_after_parent: i64,
}

#[derive(Debug, Clone)]
struct ConversationSpec {
    subject: usize,
    start_day: i64,
    messages: Vec<MessageSpec>,
}

fn message_spec() -> impl Strategy<Value = MessageSpec> {
    (
        any::<prop::sample::Index>(),
        0u8..10,
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.2),
        (0u8..4, prop::option::weighted(0.2, 0u8..4)),
        0i64..40,
    )
        .prop_map(
            |(parent, kind, missing, no_message_id, folders, days_after_parent)| MessageSpec {
                parent,
                kind,
                missing,
                no_message_id,
                folders,
                days_after_parent,
            },
        )
}

fn forest() -> impl Strategy<Value = Vec<ConversationSpec>> {
    prop::collection::vec(
        (
            0..SUBJECTS.len(),
            0i64..200,
            prop::collection::vec(message_spec(), 1..7),
        )
            .prop_map(|(subject, start_day, messages)| ConversationSpec {
                subject,
                start_day,
                messages,
            }),
        1..5,
    )
}

/// The messages a forest stores, each with its conversation number.
fn messages(forest: &[ConversationSpec], folders: &[(i64, i64)]) -> Vec<(usize, NewMessage)> {
    let mut out = Vec::new();
    for (c, conv) in forest.iter().enumerate() {
        let subject = SUBJECTS[conv.subject];
        // (Message-ID, References, date) of each message so far, stored or not.
        let mut made: Vec<(String, Vec<String>, i64)> = Vec::new();
        for (n, spec) in conv.messages.iter().enumerate() {
            let id = format!("c{c}m{n}@example");
            let parent = (n > 0).then(|| &made[spec.parent.index(n)]);
            let date = parent.map_or(conv.start_day * DAY, |p| p.2)
                + spec.days_after_parent * DAY
                + n as i64;
            let (references, reply) = match (parent, spec.kind) {
                (None, _) => (Vec::new(), false),
                (Some(p), 0..=6) => {
                    let mut refs = p.1.clone();
                    refs.push(p.0.clone());
                    (refs, true)
                }
                (Some(_), 7 | 8) => (Vec::new(), true),
                (Some(_), _) => (Vec::new(), false),
            };
            made.push((id.clone(), references.clone(), date));
            if spec.missing {
                continue;
            }
            let subject = if reply {
                format!("Re: {subject}")
            } else {
                subject.to_owned()
            };
            let without_id = spec.no_message_id && references.is_empty();
            let mut places = vec![spec.folders.0];
            places.extend(spec.folders.1.filter(|f| *f != spec.folders.0));
            for place in places {
                let (account_id, folder_id) = folders[usize::from(place)];
                out.push((
                    c,
                    NewMessage {
                        account_id,
                        folder_id,
                        dedupe_key: if without_id {
                            format!("sha256:{id}")
                        } else {
                            id.clone()
                        },
                        message_id: (!without_id).then(|| id.clone()),
                        in_reply_to: references.last().cloned(),
                        references: references.clone(),
                        subject_key: SUBJECTS[conv.subject].to_lowercase(),
                        is_reply_subject: reply,
                        subject: subject.clone(),
                        from_email: Some(format!("{c}-{n}@example")),
                        date,
                        body_text: id.clone(),
                        raw: id.clone().into_bytes(),
                        ..Default::default()
                    },
                ));
            }
        }
    }
    out
}

/// Stores `order` of `all` in batches cut after each position marked in `cuts`;
/// returns the threads as sets of (folder, dedupe key).
async fn threads_after(
    all: &[(usize, NewMessage)],
    order: &[usize],
    cuts: &[bool],
) -> BTreeSet<BTreeSet<(i64, String)>> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    setup(&store).await;
    let mut batch = Vec::new();
    for (pos, &i) in order.iter().enumerate() {
        batch.push(all[i].1.clone());
        if cuts[pos] || pos + 1 == order.len() {
            store.store_messages(&batch, None, 0).await.unwrap();
            batch.clear();
        }
    }
    let rows = sqlx::query_as::<_, (i64, i64, String)>(
        "SELECT thread_id, folder_id, dedupe_key FROM messages",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(
        store
            .list_threads(None, 0, 1000)
            .await
            .unwrap()
            .iter()
            .map(|t| t.message_count)
            .sum::<i64>(),
        rows.len() as i64,
        "thread summaries count every message once"
    );
    let mut by_thread: BTreeMap<i64, BTreeSet<(i64, String)>> = BTreeMap::new();
    for (thread, folder, key) in rows {
        by_thread.entry(thread).or_default().insert((folder, key));
    }
    store.close().await;
    by_thread.into_values().collect()
}

/// Two accounts with two folders each; returns (account, folder) pairs.
async fn setup(store: &Store) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    for account in ["A", "B"] {
        let a = store
            .ensure_account(account, "imap", None, 0)
            .await
            .unwrap();
        for (folder, role) in [("INBOX", "inbox"), ("Sent", "sent")] {
            out.push((a, store.ensure_folder(a, folder, Some(role)).await.unwrap()));
        }
    }
    out
}

/// A forest with its messages and two arrival plans (order, batch cuts).
type Case = (
    Vec<ConversationSpec>,
    Vec<usize>,
    Vec<bool>,
    Vec<usize>,
    Vec<bool>,
);

fn case() -> impl Strategy<Value = Case> {
    forest().prop_flat_map(|forest| {
        // Folder ids in a fresh store are 1..=4 in setup() order.
        let n = messages(&forest, &FOLDERS).len();
        let order = || Just((0..n).collect::<Vec<usize>>()).prop_shuffle();
        let cuts = || prop::collection::vec(prop::bool::weighted(0.3), n);
        (Just(forest), order(), cuts(), order(), cuts())
    })
}

const FOLDERS: [(i64, i64); 4] = [(1, 1), (1, 2), (2, 3), (2, 4)];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_arrival_order_and_batching_gives_the_same_threads(
        (forest, order1, cuts1, order2, cuts2) in case()
    ) {
        let all = messages(&forest, &FOLDERS);
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (first, second) = rt.block_on(async {
            (
                threads_after(&all, &order1, &cuts1).await,
                threads_after(&all, &order2, &cuts2).await,
            )
        });
        prop_assert_eq!(&first, &second);

        // And right where References decide: a conversation's first message and every
        // message whose References chain starts at it share one thread.
        let thread_of = |folder: i64, key: &str| {
            first.iter().position(|t| t.contains(&(folder, key.to_owned())))
        };
        for c in 0..forest.len() {
            let root = format!("c{c}m0@example");
            let threads: BTreeSet<Option<usize>> = all
                .iter()
                .filter(|(_, m)| m.dedupe_key == root || m.references.first() == Some(&root))
                .map(|(_, m)| thread_of(m.folder_id, &m.dedupe_key))
                .collect();
            prop_assert!(threads.len() <= 1, "conversation {} split: {:?}", c, first);
        }
    }
}

#[tokio::test]
async fn setup_makes_the_folders_the_generator_assumes() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    assert_eq!(setup(&store).await, FOLDERS.to_vec());
}
