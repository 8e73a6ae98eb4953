//! The pure half of IMAP folder sync: given what we hold locally and what the server
//! said, decide what to delete, which flags to change and which messages to fetch.
//! No I/O here, so every rule has a table test.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// Stored per folder after each batch (JSON in `sync_cursors`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderCursor {
    pub uidvalidity: u32,
    /// HIGHESTMODSEQ the local copy is known to be current with; only meaningful when
    /// `complete`.
    pub highestmodseq: Option<u64>,
    /// False while a pass is still fetching: the next pass compares UID lists instead of
    /// trusting the modseq.
    pub complete: bool,
}

impl FolderCursor {
    pub fn parse(s: &str) -> Option<FolderCursor> {
        serde_json::from_str(s).ok()
    }

    pub fn to_json(self) -> String {
        serde_json::to_string(&self).unwrap_or_default()
    }
}

/// Flags we mirror locally.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flags {
    pub seen: bool,
    pub flagged: bool,
}

impl Flags {
    pub fn from_imap(flags: &[String]) -> Flags {
        let has = |f: &str| flags.iter().any(|x| x.eq_ignore_ascii_case(f));
        Flags {
            seen: has("\\Seen"),
            flagged: has("\\Flagged"),
        }
    }
}

/// What the server told us about the folder in this pass.
#[derive(Debug, Clone, Default)]
pub struct RemoteFolderState {
    pub uidvalidity: u32,
    pub exists: u32,
    pub highestmodseq: Option<u64>,
    /// Every UID in the folder, when we asked (UID SEARCH ALL).
    pub all_uids: Option<Vec<u32>>,
    /// UIDs the server says are gone (QRESYNC VANISHED).
    pub vanished: Vec<u32>,
    /// Current flags of messages (all, or those changed since our modseq).
    pub flags: Vec<(u32, Flags)>,
}

/// What to do to make the local folder equal the server's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FolderPlan {
    /// UIDVALIDITY changed: drop every local message of the folder first.
    pub reset: bool,
    pub delete: Vec<u32>,
    pub flags: Vec<(u32, Flags)>,
    /// Newest (highest UID) first.
    pub fetch: Vec<u32>,
    /// The incremental answer did not add up (counts differ): compare full UID lists.
    pub needs_full_compare: bool,
}

/// Plans one folder. `local` maps UID -> flags we hold; `pending` are UIDs with local
/// changes not yet replayed to the server (their flags are ours until replayed, and a
/// message being moved away must not be fetched back).
pub fn plan_folder(
    cursor: Option<FolderCursor>,
    local: &BTreeMap<u32, Flags>,
    pending: &HashSet<u32>,
    remote: &RemoteFolderState,
) -> FolderPlan {
    let mut plan = FolderPlan::default();
    let reset = cursor.is_some_and(|c| c.uidvalidity != remote.uidvalidity);
    let empty = BTreeMap::new();
    let local = if reset {
        plan.reset = true;
        &empty
    } else {
        local
    };

    match &remote.all_uids {
        Some(all) => {
            let server: HashSet<u32> = all.iter().copied().collect();
            plan.delete = local
                .keys()
                .filter(|u| !server.contains(u) && !pending.contains(u))
                .copied()
                .collect();
            plan.fetch = all
                .iter()
                .filter(|u| !local.contains_key(u) && !pending.contains(u))
                .copied()
                .collect();
        }
        None => {
            // Incremental: VANISHED + changed flags; new messages are changed ones we lack.
            let vanished: HashSet<u32> = remote.vanished.iter().copied().collect();
            plan.delete = local
                .keys()
                .filter(|u| vanished.contains(u))
                .copied()
                .collect();
            plan.fetch = remote
                .flags
                .iter()
                .map(|(u, _)| *u)
                .filter(|u| !local.contains_key(u) && !vanished.contains(u) && !pending.contains(u))
                .collect();
            plan.fetch.sort_unstable();
            plan.fetch.dedup();
            let expected = local.len() - plan.delete.len() + plan.fetch.len();
            // Pending moves/deletes are already gone locally but still on the server.
            let in_flight = pending.iter().filter(|u| !local.contains_key(u)).count();
            if expected + in_flight != remote.exists as usize {
                plan.needs_full_compare = true;
            }
        }
    }

    let deleted: HashSet<u32> = plan.delete.iter().copied().collect();
    for (uid, flags) in &remote.flags {
        if pending.contains(uid) || deleted.contains(uid) {
            continue;
        }
        if let Some(have) = local.get(uid) {
            if have != flags {
                plan.flags.push((*uid, *flags));
            }
        }
    }
    plan.flags.sort_unstable_by_key(|(u, _)| *u);
    plan.flags.dedup_by_key(|(u, _)| *u);
    plan.fetch.sort_unstable_by(|a, b| b.cmp(a));
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: Flags = Flags {
        seen: true,
        flagged: false,
    };
    const U: Flags = Flags {
        seen: false,
        flagged: false,
    };
    const F: Flags = Flags {
        seen: true,
        flagged: true,
    };

    fn local(items: &[(u32, Flags)]) -> BTreeMap<u32, Flags> {
        items.iter().copied().collect()
    }

    fn cursor(v: u32) -> Option<FolderCursor> {
        Some(FolderCursor {
            uidvalidity: v,
            highestmodseq: Some(10),
            complete: true,
        })
    }

    #[test]
    fn first_sync_fetches_everything_newest_first() {
        let remote = RemoteFolderState {
            uidvalidity: 7,
            exists: 3,
            all_uids: Some(vec![1, 2, 5]),
            ..Default::default()
        };
        let plan = plan_folder(None, &local(&[]), &HashSet::new(), &remote);
        assert_eq!(plan.fetch, vec![5, 2, 1]);
        assert!(!plan.reset && plan.delete.is_empty());
    }

    #[test]
    fn full_compare_deletes_fetches_and_updates_flags() {
        let remote = RemoteFolderState {
            uidvalidity: 7,
            exists: 3,
            all_uids: Some(vec![1, 3, 4]),
            flags: vec![(1, F), (3, U), (4, U)],
            ..Default::default()
        };
        let plan = plan_folder(
            cursor(7),
            &local(&[(1, R), (2, R), (3, U)]),
            &HashSet::new(),
            &remote,
        );
        assert_eq!(plan.delete, vec![2]);
        assert_eq!(plan.fetch, vec![4]);
        assert_eq!(plan.flags, vec![(1, F)]);
    }

    #[test]
    fn uidvalidity_change_resets_and_refetches_all() {
        let remote = RemoteFolderState {
            uidvalidity: 8,
            exists: 2,
            all_uids: Some(vec![1, 2]),
            ..Default::default()
        };
        let plan = plan_folder(
            cursor(7),
            &local(&[(1, R), (2, R)]),
            &HashSet::new(),
            &remote,
        );
        assert!(plan.reset);
        assert_eq!(plan.fetch, vec![2, 1]);
        assert!(plan.delete.is_empty());
    }

    #[test]
    fn qresync_answer_applies_vanished_and_new() {
        let remote = RemoteFolderState {
            uidvalidity: 7,
            exists: 4,
            all_uids: None,
            vanished: vec![2, 99],
            flags: vec![(1, F), (4, U), (5, R)],
            ..Default::default()
        };
        let plan = plan_folder(
            cursor(7),
            &local(&[(1, R), (2, R), (3, U)]),
            &HashSet::new(),
            &remote,
        );
        assert_eq!(plan.delete, vec![2]);
        assert_eq!(plan.fetch, vec![5, 4]);
        assert_eq!(plan.flags, vec![(1, F)]);
        assert!(!plan.needs_full_compare);
    }

    #[test]
    fn a_count_that_does_not_add_up_asks_for_a_full_compare() {
        let remote = RemoteFolderState {
            uidvalidity: 7,
            exists: 5,
            all_uids: None,
            ..Default::default()
        };
        let plan = plan_folder(
            cursor(7),
            &local(&[(1, R), (2, R)]),
            &HashSet::new(),
            &remote,
        );
        assert!(plan.needs_full_compare);
    }

    #[test]
    fn pending_local_changes_win_until_replayed() {
        // uid 1: we marked it unread locally; the server still says read. uid 9: we moved
        // it away locally, the server still has it here.
        let remote = RemoteFolderState {
            uidvalidity: 7,
            exists: 2,
            all_uids: Some(vec![1, 9]),
            flags: vec![(1, R), (9, R)],
            ..Default::default()
        };
        let pending: HashSet<u32> = [1, 9].into_iter().collect();
        let plan = plan_folder(cursor(7), &local(&[(1, U)]), &pending, &remote);
        assert!(plan.flags.is_empty());
        assert!(plan.fetch.is_empty());
        assert!(plan.delete.is_empty());
    }

    #[test]
    fn cursor_round_trips_as_json() {
        let c = FolderCursor {
            uidvalidity: 3,
            highestmodseq: Some(42),
            complete: false,
        };
        assert_eq!(FolderCursor::parse(&c.to_json()), Some(c));
        assert_eq!(FolderCursor::parse("garbage"), None);
    }
}
