//! The reply tree of one thread (JWZ), one row per case.
//!
//! A case lists messages as (id, references, date) — message `n` has Message-ID `<n>`,
//! and a reference `x` names a message we never received — and the expected tree as
//! ids in display order, each prefixed by one dot per level of depth.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use proptest::prelude::*;
use switchboard_mail::thread_tree::{arrange, TreeInput, TreeNode};

type Message = (i64, &'static [&'static str], i64);

fn input(messages: &[Message]) -> Vec<TreeInput> {
    messages
        .iter()
        .map(|&(id, refs, date)| TreeInput {
            id,
            message_id: Some(format!("<{id}>")),
            references: refs.iter().map(|r| format!("<{r}>")).collect(),
            date,
        })
        .collect()
}

/// "1 .2 ..3": ids in order, dots for depth. Also checks that every parent is the
/// nearest shallower node above, so the depth notation is all a case needs to state.
fn render(nodes: &[TreeNode]) -> String {
    let mut path: Vec<i64> = Vec::new();
    let mut out = Vec::new();
    for n in nodes {
        path.truncate(n.depth as usize);
        assert_eq!(path.len(), n.depth as usize, "depth jumps at {n:?}");
        assert_eq!(n.parent, path.last().copied(), "parent of {n:?}");
        path.push(n.id);
        out.push(format!("{}{}", ".".repeat(n.depth as usize), n.id));
    }
    out.join(" ")
}

#[rustfmt::skip]
const CASES: &[(&str, &[Message], &str)] = &[
    ("single message",
        &[(1, &[], 10)],
        "1"),
    ("linear chain",
        &[(1, &[], 10), (2, &["1"], 20), (3, &["1", "2"], 30)],
        "1 .2 ..3"),
    ("chain told only by In-Reply-To",
        &[(3, &["2"], 30), (1, &[], 10), (2, &["1"], 20)],
        "1 .2 ..3"),
    ("branch, siblings by date",
        &[(1, &[], 10), (3, &["1"], 30), (2, &["1"], 20), (4, &["1", "2"], 40)],
        "1 .2 ..4 .3"),
    ("siblings on the same date by id",
        &[(1, &[], 10), (5, &["1"], 20), (4, &["1"], 20)],
        "1 .4 .5"),
    ("missing middle message: its child hangs from the grandparent",
        &[(1, &[], 10), (3, &["1", "x"], 30), (4, &["1", "x", "3"], 40)],
        "1 .3 ..4"),
    ("missing root with one reply: the reply is the root",
        &[(2, &["x"], 20), (3, &["x", "2"], 30)],
        "2 .3"),
    ("missing root with two replies: siblings kept together at the first one's date",
        &[(0, &[], 25), (2, &["x"], 20), (3, &["x"], 30), (4, &["x", "3"], 40)],
        "2 3 .4 0"),
    ("two missing levels collapse",
        &[(1, &[], 10), (4, &["1", "x", "y"], 40)],
        "1 .4"),
    ("reference loop: each names the other",
        &[(1, &["2"], 10), (2, &["1"], 20)],
        "2 .1"),
    ("reference to itself is ignored",
        &[(1, &["1"], 10), (2, &["1"], 20)],
        "1 .2"),
    ("loop inside a References chain",
        &[(1, &[], 10), (2, &["1", "x", "1"], 20)],
        "1 .2"),
    ("own references beat a parent guessed from another chain",
        &[(4, &["1", "3"], 5), (1, &[], 10), (2, &[], 20), (3, &["2"], 30)],
        "1 2 .3 ..4"),
    ("no references at all: roots by date",
        &[(3, &[], 30), (1, &[], 10), (2, &[], 20)],
        "1 2 3"),
];

#[test]
fn trees() {
    let mut failures = Vec::new();
    for &(name, messages, want) in CASES {
        let got = render(&arrange(&input(messages)));
        if got != want {
            failures.push(format!("{name}: got {got:?}, want {want:?}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn duplicate_message_id_keeps_both_and_children_follow_the_first() {
    let mut messages = input(&[(1, &[], 10), (2, &["1"], 20), (3, &["1"], 30)]);
    // Message 4 claims message 1's id (a copy re-sent, or a broken client).
    messages.push(TreeInput {
        id: 4,
        message_id: Some("<1>".into()),
        references: vec![],
        date: 15,
    });
    messages.push(TreeInput {
        id: 5,
        message_id: Some("<1>".into()),
        references: vec!["<2>".into()],
        date: 25,
    });
    assert_eq!(render(&arrange(&messages)), "1 .2 ..5 .3 4");
}

#[test]
fn messages_without_message_id_are_kept() {
    let mut messages = input(&[(1, &[], 10)]);
    for (id, refs, date) in [(2, vec!["<1>".to_owned()], 20), (3, vec![], 5)] {
        messages.push(TreeInput {
            id,
            message_id: None,
            references: refs,
            date,
        });
    }
    assert_eq!(render(&arrange(&messages)), "3 1 .2");
}

#[test]
fn empty_thread() {
    assert!(arrange(&[]).is_empty());
}

#[test]
fn a_long_chain_does_not_recurse() {
    let messages: Vec<TreeInput> = (0..20_000)
        .map(|i| TreeInput {
            id: i,
            message_id: Some(format!("<{i}>")),
            references: if i == 0 {
                vec![]
            } else {
                vec![format!("<{}>", i - 1)]
            },
            date: i,
        })
        .collect();
    let out = arrange(&messages);
    assert_eq!(out.len(), 20_000);
    assert_eq!(out[19_999].depth, 19_999);
}

/// Small random threads: ids 0..n, references drawn from 0..n+3 (so some are missing,
/// some loop, some repeat), some duplicate Message-IDs.
fn thread() -> impl Strategy<Value = Vec<TreeInput>> {
    prop::collection::vec(
        (
            prop::option::weighted(0.9, 0u8..12),
            prop::collection::vec(0u8..15, 0..4),
            0i64..5,
        ),
        0..12,
    )
    .prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(|(i, (mid, refs, date))| TreeInput {
                id: i as i64,
                message_id: mid.map(|m| format!("<{m}>")),
                references: refs.iter().map(|r| format!("<{r}>")).collect(),
                date,
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_input_order_gives_the_same_tree(
        messages in thread(),
        order in any::<prop::sample::Index>(),
    ) {
        let want = arrange(&messages);
        let mut shuffled = messages.clone();
        // A rotation and a reversal: cheap, and they move every message.
        let n = shuffled.len().max(1);
        shuffled.rotate_left(order.index(n));
        let reversed: Vec<TreeInput> = shuffled.iter().rev().cloned().collect();
        prop_assert_eq!(&arrange(&shuffled), &want);
        prop_assert_eq!(&arrange(&reversed), &want);
    }

    #[test]
    fn every_message_once_under_a_real_parent(messages in thread()) {
        let out = arrange(&messages);
        render(&out);
        let mut ids: Vec<i64> = out.iter().map(|n| n.id).collect();
        ids.sort_unstable();
        let want: Vec<i64> = (0..messages.len() as i64).collect();
        prop_assert_eq!(ids, want);
    }
}
