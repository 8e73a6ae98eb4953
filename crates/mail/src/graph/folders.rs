//! Graph mail folders as Switchboard folders: the display path as the name
//! ("Projects/Acme"), the folder id as the wire name, and the role from the well-known
//! folder it is.

use std::collections::HashMap;

use switchboard_store::RemoteFolder;

use super::client::MailFolder;

/// Graph's well-known folder names and the roles they map to.
pub const WELL_KNOWN_ROLES: [(&str, &str); 6] = [
    ("inbox", "inbox"),
    ("sentitems", "sent"),
    ("drafts", "drafts"),
    ("deleteditems", "trash"),
    ("junkemail", "junk"),
    ("archive", "archive"),
];

/// The role of a well-known folder name (case-insensitive, as Graph compares them).
pub fn role_for_well_known(name: &str) -> Option<&'static str> {
    WELL_KNOWN_ROLES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, role)| *role)
}

/// The folder list to store. `well_known` pairs a well-known name with the id Graph
/// resolved it to. A folder whose parent is not listed (the hidden root) is top level.
pub fn remote_folders(
    folders: &[MailFolder],
    well_known: &[(String, String)],
) -> Vec<RemoteFolder> {
    let by_id: HashMap<&str, &MailFolder> = folders.iter().map(|f| (f.id.as_str(), f)).collect();
    let role_of: HashMap<&str, &'static str> = well_known
        .iter()
        .filter_map(|(name, id)| role_for_well_known(name).map(|r| (id.as_str(), r)))
        .collect();
    folders
        .iter()
        .map(|f| {
            let mut parts = vec![f.display_name.as_str()];
            let mut parent = f.parent_folder_id.as_deref();
            // A cycle in the server's answer must not hang us.
            while let Some(p) = parent.and_then(|id| by_id.get(id)) {
                if parts.len() > folders.len() {
                    break;
                }
                parts.push(p.display_name.as_str());
                parent = p.parent_folder_id.as_deref();
            }
            parts.reverse();
            RemoteFolder {
                name: parts.join("/"),
                wire_name: f.id.clone(),
                delimiter: Some("/".into()),
                role: role_of.get(f.id.as_str()).map(|r| (*r).to_owned()),
                selectable: true,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(id: &str, name: &str, parent: &str) -> MailFolder {
        MailFolder {
            id: id.into(),
            display_name: name.into(),
            parent_folder_id: Some(parent.into()),
            child_folder_count: None,
        }
    }

    #[test]
    fn well_known_names_map_to_roles() {
        let rows = [
            ("inbox", Some("inbox")),
            ("SentItems", Some("sent")),
            ("drafts", Some("drafts")),
            ("deleteditems", Some("trash")),
            ("junkemail", Some("junk")),
            ("archive", Some("archive")),
            ("outbox", None),
            ("msgfolderroot", None),
        ];
        for (name, role) in rows {
            assert_eq!(role_for_well_known(name), role, "{name}");
        }
    }

    #[test]
    fn folders_get_paths_and_roles() {
        let folders = [
            folder("I", "Inbox", "ROOT"),
            folder("S", "Sent Items", "ROOT"),
            folder("P", "Projects", "ROOT"),
            folder("A", "Acme", "P"),
            folder("X", "2024", "A"),
        ];
        let well_known = [
            ("inbox".to_owned(), "I".to_owned()),
            ("sentitems".to_owned(), "S".to_owned()),
            ("archive".to_owned(), "missing".to_owned()),
        ];
        let got: Vec<(String, String, Option<String>)> = remote_folders(&folders, &well_known)
            .into_iter()
            .map(|f| (f.name, f.wire_name, f.role))
            .collect();
        let want = [
            ("Inbox", "I", Some("inbox")),
            ("Sent Items", "S", Some("sent")),
            ("Projects", "P", None),
            ("Projects/Acme", "A", None),
            ("Projects/Acme/2024", "X", None),
        ];
        let want: Vec<(String, String, Option<String>)> = want
            .iter()
            .map(|(n, w, r)| (n.to_string(), w.to_string(), r.map(str::to_owned)))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_parent_cycle_ends() {
        let folders = [folder("A", "a", "B"), folder("B", "b", "A")];
        let names: Vec<String> = remote_folders(&folders, &[])
            .into_iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(names.len(), 2);
    }
}
