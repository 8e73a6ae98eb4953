//! Reading a Maildir (and Maildir++ subfolders) from disk.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaildirEntry {
    /// "INBOX" for the top level, the subfolder name (".Sent" -> "Sent") otherwise.
    pub folder: String,
    pub path: PathBuf,
    pub seen: bool,
    pub flagged: bool,
}

fn flags_of(name: &str) -> (bool, bool) {
    match name.rsplit_once(":2,") {
        Some((_, flags)) => (flags.contains('S'), flags.contains('F')),
        None => (false, false),
    }
}

fn read_leaf(dir: &Path, folder: &str, out: &mut Vec<MaildirEntry>) -> std::io::Result<()> {
    for sub in ["cur", "new"] {
        let d = dir.join(sub);
        let Ok(read) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut names: Vec<(String, PathBuf)> = Vec::new();
        for entry in read {
            let entry = entry?;
            if !entry.file_type()?.is_file() {
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            names.push((name, entry.path()));
        }
        names.sort();
        for (name, path) in names {
            let (seen, flagged) = flags_of(&name);
            out.push(MaildirEntry {
                folder: folder.to_owned(),
                path,
                seen,
                flagged,
            });
        }
    }
    Ok(())
}

/// Every message file under `root` (its cur/ and new/, and those of Maildir++ `.Name`
/// subfolders), in a stable order. Fails only if `root` is not a Maildir.
pub fn maildir_entries(root: &Path) -> std::io::Result<Vec<MaildirEntry>> {
    if !root.join("cur").is_dir() && !root.join("new").is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{} is not a Maildir (no cur/ or new/)", root.display()),
        ));
    }
    let mut out = Vec::new();
    read_leaf(root, "INBOX", &mut out)?;
    let mut subs: Vec<(String, PathBuf)> = std::fs::read_dir(root)?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let folder = name.strip_prefix('.')?.to_owned();
            (!folder.is_empty() && e.path().join("cur").is_dir()).then(|| (folder, e.path()))
        })
        .collect();
    subs.sort();
    for (folder, path) in subs {
        read_leaf(&path, &folder, &mut out)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_messages_with_flags_and_subfolders() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for d in ["cur", "new", "tmp", ".Sent/cur", ".Sent/new", ".Sent/tmp"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        std::fs::write(root.join("cur/1.host:2,SF"), b"x").unwrap();
        std::fs::write(root.join("new/2.host"), b"y").unwrap();
        std::fs::write(root.join("tmp/3.host"), b"partial").unwrap();
        std::fs::write(root.join(".Sent/cur/4.host:2,S"), b"z").unwrap();
        std::fs::write(root.join("dovecot-uidlist"), b"meta").unwrap();
        let entries = maildir_entries(root).unwrap();
        let summary: Vec<(String, bool, bool)> = entries
            .iter()
            .map(|e| (e.folder.clone(), e.seen, e.flagged))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("INBOX".into(), true, true),
                ("INBOX".into(), false, false),
                ("Sent".into(), true, false)
            ]
        );
        assert!(maildir_entries(&root.join("cur")).is_err());
    }
}
