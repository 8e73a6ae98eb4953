//! Gmail labels as Switchboard folders (pure, table-tested).
//!
//! INBOX, SENT, DRAFT, TRASH and SPAM become the role folders; user labels become folders
//! named by their (possibly nested, `/`-separated) names; a virtual "All Mail" folder
//! (role archive) is the home of every message outside Trash and Spam. UNREAD and STARRED
//! are the read and flagged state, not folders; IMPORTANT, CHAT and the inbox categories
//! are left out.

use std::collections::HashMap;

/// The virtual All Mail folder's wire name (no Gmail label has it: label ids never start
/// with `@`).
pub const ALL_MAIL: &str = "@all";

/// A folder for a label: (display name, wire name = label id, role).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelFolder {
    pub name: String,
    pub label_id: String,
    pub role: Option<&'static str>,
}

/// The folder a label maps to, if any.
pub fn folder_for_label(id: &str, name: &str, user: bool) -> Option<LabelFolder> {
    let (name, role) = match id {
        "INBOX" => ("INBOX", Some("inbox")),
        "SENT" => ("Sent", Some("sent")),
        "DRAFT" => ("Drafts", Some("drafts")),
        "TRASH" => ("Trash", Some("trash")),
        "SPAM" => ("Spam", Some("junk")),
        _ if user => (name, None),
        _ => return None,
    };
    Some(LabelFolder {
        name: name.to_owned(),
        label_id: id.to_owned(),
        role,
    })
}

/// The All Mail folder.
pub fn all_mail_folder() -> LabelFolder {
    LabelFolder {
        name: "All Mail".into(),
        label_id: ALL_MAIL.into(),
        role: Some("archive"),
    }
}

/// Where a message with these labels lives and is listed, and its flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelState {
    pub home_folder_id: i64,
    pub label_folder_ids: Vec<i64>,
    pub seen: bool,
    pub flagged: bool,
}

/// Maps a message's label ids with `folders` (label id → folder id, including
/// [`ALL_MAIL`]). Trash and Spam are homes and hide every other label, as Gmail hides
/// trashed mail from its labels; labels without a folder are ignored.
pub fn label_state(label_ids: &[String], folders: &HashMap<String, i64>) -> Option<LabelState> {
    let has = |l: &str| label_ids.iter().any(|x| x == l);
    let home_label = if has("TRASH") {
        "TRASH"
    } else if has("SPAM") {
        "SPAM"
    } else {
        ALL_MAIL
    };
    let home = *folders.get(home_label)?;
    let mut labels: Vec<i64> = if home_label == ALL_MAIL {
        label_ids
            .iter()
            .filter_map(|l| folders.get(l.as_str()).copied())
            .filter(|f| *f != home)
            .collect()
    } else {
        Vec::new()
    };
    labels.sort_unstable();
    labels.dedup();
    Some(LabelState {
        home_folder_id: home,
        label_folder_ids: labels,
        seen: !has("UNREAD"),
        flagged: has("STARRED"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    type FolderRow = (&'static str, Option<&'static str>);
    type StateRow = (i64, &'static [i64], bool, bool);

    #[test]
    fn labels_map_to_folders() {
        let table: &[(&str, &str, bool, Option<FolderRow>)] = &[
            ("INBOX", "INBOX", false, Some(("INBOX", Some("inbox")))),
            ("SENT", "SENT", false, Some(("Sent", Some("sent")))),
            ("DRAFT", "DRAFT", false, Some(("Drafts", Some("drafts")))),
            ("TRASH", "TRASH", false, Some(("Trash", Some("trash")))),
            ("SPAM", "SPAM", false, Some(("Spam", Some("junk")))),
            ("UNREAD", "UNREAD", false, None),
            ("STARRED", "STARRED", false, None),
            ("IMPORTANT", "IMPORTANT", false, None),
            ("CATEGORY_SOCIAL", "CATEGORY_SOCIAL", false, None),
            ("CHAT", "CHAT", false, None),
            (
                "Label_7",
                "Customers/Acme",
                true,
                Some(("Customers/Acme", None)),
            ),
        ];
        for (id, name, user, want) in table {
            let got = folder_for_label(id, name, *user).map(|f| (f.name, f.role));
            let want = want.map(|(n, r)| (n.to_owned(), r));
            assert_eq!(got, want, "{id}");
        }
    }

    #[test]
    fn label_sets_give_home_labels_and_flags() {
        let folders: HashMap<String, i64> = [
            (ALL_MAIL, 1),
            ("INBOX", 2),
            ("SENT", 3),
            ("TRASH", 4),
            ("SPAM", 5),
            ("Label_7", 6),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let ids = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let table: &[(&[&str], StateRow)] = &[
            (&["INBOX", "UNREAD"], (1, &[2], false, false)),
            (&["INBOX", "STARRED", "Label_7"], (1, &[2, 6], true, true)),
            (&["SENT"], (1, &[3], true, false)),
            (&[], (1, &[], true, false)),
            (&["TRASH", "INBOX", "Label_7"], (4, &[], true, false)),
            (&["SPAM", "UNREAD"], (5, &[], false, false)),
            (
                &["CATEGORY_UPDATES", "IMPORTANT", "INBOX"],
                (1, &[2], true, false),
            ),
        ];
        for (labels, (home, listed, seen, flagged)) in table {
            let got = label_state(&ids(labels), &folders).unwrap();
            assert_eq!(
                (
                    got.home_folder_id,
                    got.label_folder_ids.as_slice(),
                    got.seen,
                    got.flagged
                ),
                (*home, *listed, *seen, *flagged),
                "{labels:?}"
            );
        }
        let without_all: HashMap<String, i64> = HashMap::new();
        assert_eq!(label_state(&ids(&["INBOX"]), &without_all), None);
    }
}
