//! A delta page against what we hold → what to do: the pure half of a Graph folder sync.

use std::collections::{HashMap, HashSet};

use switchboard_store::RemoteState;

use super::client::GraphMessage;

/// What the planner needs to know about the local side.
#[derive(Debug, Clone, Copy)]
pub struct PageContext<'a> {
    /// The local folder the delta round is for.
    pub folder_id: i64,
    /// Graph folder id → local folder id.
    pub folder_by_wire: &'a HashMap<String, i64>,
    /// Provider ids stored for the account.
    pub held: &'a HashSet<String>,
    /// Provider ids with local changes not yet replayed: their state stays ours.
    pub pending: &'a HashSet<String>,
    /// Messages received before this (ms since the epoch) are stored header-only; `None`
    /// fetches every body.
    pub body_since_ms: Option<i64>,
}

/// What one delta page asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PagePlan {
    /// Held messages reported removed from this folder: deleted, or moved elsewhere (the
    /// caller asks the server which before deleting the row).
    pub removed: Vec<String>,
    /// New state of held messages.
    pub update: Vec<RemoteState>,
    /// New messages whose MIME to fetch.
    pub fetch: Vec<(GraphMessage, RemoteState)>,
    /// New messages outside the body window, stored from the page alone.
    pub header_only: Vec<(GraphMessage, RemoteState)>,
}

/// The state Graph reports for a message; its folder is `parentFolderId` when we know
/// that folder, else `fallback_folder`.
pub fn remote_state(
    message: &GraphMessage,
    folder_by_wire: &HashMap<String, i64>,
    fallback_folder: i64,
) -> RemoteState {
    RemoteState {
        remote_id: message.id.clone(),
        home_folder_id: message
            .parent_folder_id
            .as_ref()
            .and_then(|p| folder_by_wire.get(p))
            .copied()
            .unwrap_or(fallback_folder),
        label_folder_ids: Vec::new(),
        seen: message.is_read.unwrap_or(false),
        flagged: message.is_flagged(),
    }
}

/// Plans one page. An id listed twice counts as its last entry (Graph may repeat an
/// item within a round).
pub fn plan_delta_page(items: &[GraphMessage], ctx: &PageContext<'_>) -> PagePlan {
    let mut last: HashMap<&str, usize> = HashMap::new();
    for (i, m) in items.iter().enumerate() {
        last.insert(m.id.as_str(), i);
    }
    let mut plan = PagePlan::default();
    for (i, m) in items.iter().enumerate() {
        if last.get(m.id.as_str()) != Some(&i) || m.id.is_empty() {
            continue;
        }
        let held = ctx.held.contains(&m.id);
        if m.is_removed() {
            if held {
                plan.removed.push(m.id.clone());
            }
            continue;
        }
        if ctx.pending.contains(&m.id) {
            continue;
        }
        let state = remote_state(m, ctx.folder_by_wire, ctx.folder_id);
        if held {
            plan.update.push(state);
        } else {
            let old = match (ctx.body_since_ms, m.received_ms()) {
                (Some(since), Some(received)) => received < since,
                _ => false,
            };
            if old {
                plan.header_only.push((m.clone(), state));
            } else {
                plan.fetch.push((m.clone(), state));
            }
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::client::FollowupFlag;

    const INBOX: i64 = 1;
    const OTHER: i64 = 2;
    const DAY_MS: i64 = 86_400_000;
    /// 2024-01-01T00:00:00Z
    const JAN_1: i64 = 1_704_067_200_000;

    fn msg(id: &str, read: bool, flagged: bool, received: &str) -> GraphMessage {
        GraphMessage {
            id: id.into(),
            parent_folder_id: Some("W-INBOX".into()),
            is_read: Some(read),
            flag: Some(FollowupFlag {
                flag_status: Some(if flagged { "flagged" } else { "notFlagged" }.into()),
            }),
            received_date_time: Some(received.into()),
            ..GraphMessage::default()
        }
    }

    fn removed(id: &str) -> GraphMessage {
        GraphMessage {
            id: id.into(),
            removed: Some(serde_json::json!({"reason": "deleted"})),
            ..GraphMessage::default()
        }
    }

    fn in_folder(mut m: GraphMessage, wire: &str) -> GraphMessage {
        m.parent_folder_id = Some(wire.into());
        m
    }

    /// (remote id, folder, seen, flagged) for compact rows.
    fn states(list: &[RemoteState]) -> Vec<(String, i64, bool, bool)> {
        list.iter()
            .map(|s| (s.remote_id.clone(), s.home_folder_id, s.seen, s.flagged))
            .collect()
    }

    fn ids(list: &[(GraphMessage, RemoteState)]) -> Vec<String> {
        list.iter().map(|(m, _)| m.id.clone()).collect()
    }

    struct Row {
        name: &'static str,
        items: Vec<GraphMessage>,
        held: &'static [&'static str],
        pending: &'static [&'static str],
        removed: &'static [&'static str],
        update: Vec<(&'static str, i64, bool, bool)>,
        fetch: &'static [&'static str],
        header_only: &'static [&'static str],
    }

    #[test]
    fn pages_become_plans() {
        let new = "2024-01-01T00:00:00Z";
        let old = "2023-06-01T00:00:00Z";
        let rows = vec![
            Row {
                name: "new messages are fetched, old ones header-only",
                items: vec![msg("a", false, false, new), msg("b", true, true, old)],
                held: &[],
                pending: &[],
                removed: &[],
                update: vec![],
                fetch: &["a"],
                header_only: &["b"],
            },
            Row {
                name: "held messages get their state",
                items: vec![msg("a", true, true, new)],
                held: &["a"],
                pending: &[],
                removed: &[],
                update: vec![("a", INBOX, true, true)],
                fetch: &[],
                header_only: &[],
            },
            Row {
                name: "removals of held ids only",
                items: vec![removed("a"), removed("zz")],
                held: &["a"],
                pending: &[],
                removed: &["a"],
                update: vec![],
                fetch: &[],
                header_only: &[],
            },
            Row {
                name: "pending local changes keep their state",
                items: vec![msg("a", false, false, new), msg("b", true, false, new)],
                held: &["a", "b"],
                pending: &["a"],
                removed: &[],
                update: vec![("b", INBOX, true, false)],
                fetch: &[],
                header_only: &[],
            },
            Row {
                name: "the last entry of a repeated id wins",
                items: vec![
                    msg("a", false, false, new),
                    removed("b"),
                    msg("a", true, false, new),
                    msg("b", false, true, new),
                ],
                held: &["a", "b"],
                pending: &[],
                removed: &[],
                update: vec![("a", INBOX, true, false), ("b", INBOX, false, true)],
                fetch: &[],
                header_only: &[],
            },
            Row {
                name: "the parent folder decides the home folder",
                items: vec![
                    in_folder(msg("a", false, false, new), "W-OTHER"),
                    in_folder(msg("b", false, false, new), "W-UNKNOWN"),
                ],
                held: &["a", "b"],
                pending: &[],
                removed: &[],
                update: vec![("a", OTHER, false, false), ("b", INBOX, false, false)],
                fetch: &[],
                header_only: &[],
            },
        ];
        let folders: HashMap<String, i64> =
            [("W-INBOX".to_owned(), INBOX), ("W-OTHER".to_owned(), OTHER)].into();
        for row in rows {
            let held: HashSet<String> = row.held.iter().map(|s| s.to_string()).collect();
            let pending: HashSet<String> = row.pending.iter().map(|s| s.to_string()).collect();
            let ctx = PageContext {
                folder_id: INBOX,
                folder_by_wire: &folders,
                held: &held,
                pending: &pending,
                body_since_ms: Some(JAN_1 - 90 * DAY_MS),
            };
            let plan = plan_delta_page(&row.items, &ctx);
            assert_eq!(plan.removed, row.removed, "{}: removed", row.name);
            let want: Vec<(String, i64, bool, bool)> = row
                .update
                .iter()
                .map(|(id, f, s, fl)| (id.to_string(), *f, *s, *fl))
                .collect();
            assert_eq!(states(&plan.update), want, "{}: update", row.name);
            assert_eq!(ids(&plan.fetch), row.fetch, "{}: fetch", row.name);
            assert_eq!(
                ids(&plan.header_only),
                row.header_only,
                "{}: header-only",
                row.name
            );
        }
    }

    #[test]
    fn without_a_body_window_everything_is_fetched() {
        let folders = HashMap::new();
        let none = HashSet::new();
        let ctx = PageContext {
            folder_id: INBOX,
            folder_by_wire: &folders,
            held: &none,
            pending: &none,
            body_since_ms: None,
        };
        let plan = plan_delta_page(&[msg("a", false, false, "2001-01-01T00:00:00Z")], &ctx);
        assert_eq!(ids(&plan.fetch), ["a"]);
        assert_eq!(plan.fetch[0].1.home_folder_id, INBOX);
    }
}
