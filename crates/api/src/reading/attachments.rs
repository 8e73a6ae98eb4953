//! Saving and opening attachments.
//!
//! Saving writes the decoded bytes into a folder the user chose (the Downloads folder by
//! default: the app has no native save dialog, so the UI passes a folder and a name) and
//! never replaces a file unless asked. Opening writes a private copy under the data
//! directory (`open-attachments/`, owner-only, copies read-only, swept after a day) and
//! hands it to the desktop's default application (`xdg-open`, `open`, `explorer`) as a
//! plain argument, never through a shell and never executing it. Anything that could run
//! as a program when opened (scripts, installers, `.desktop` launchers, binaries) is
//! refused: it can still be saved and inspected.

use super::desktop::launch_default_app;
use super::internal;
use crate::dto::{AttachmentRef, SaveAttachmentArgs, SavedAttachment};
use crate::{Api, ApiError, ApiResult};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use switchboard_core::ErrorCode;
use switchboard_mail::{attachment_content, AttachmentContent};

/// Folder under the data directory for copies handed to other applications.
pub(crate) const OPEN_DIR: &str = "open-attachments";
/// Copies older than this are removed the next time something is opened.
const OPEN_COPY_MAX_AGE: Duration = Duration::from_secs(24 * 3600);
/// Longest file name written, in bytes (file systems allow 255).
const MAX_NAME_BYTES: usize = 200;

/// File extensions that run code when "opened" on some desktop.
const EXECUTABLE_EXTENSIONS: &[&str] = &[
    // Linux and Unix
    "desktop",
    "sh",
    "bash",
    "zsh",
    "csh",
    "ksh",
    "fish",
    "run",
    "bin",
    "appimage",
    "elf",
    "so",
    "deb",
    "rpm",
    "snap",
    "flatpakref",
    "py",
    "pyw",
    "pl",
    "rb",
    "php",
    "jar",
    // macOS
    "app",
    "command",
    "tool",
    "workflow",
    "action",
    "terminal",
    "pkg",
    "mpkg",
    "dmg",
    "dylib",
    "scpt",
    "applescript",
    // Windows
    "exe",
    "com",
    "bat",
    "cmd",
    "msi",
    "msp",
    "mst",
    "scr",
    "pif",
    "cpl",
    "hta",
    "js",
    "jse",
    "vbs",
    "vbe",
    "wsf",
    "wsh",
    "ws",
    "ps1",
    "psm1",
    "psd1",
    "lnk",
    "reg",
    "inf",
    "dll",
    "sys",
    "gadget",
    "msc",
    "scf",
    "url",
    "appref-ms",
    "application",
    "xbap",
];

/// MIME types that mean the same.
const EXECUTABLE_TYPES: &[&str] = &[
    "application/x-executable",
    "application/x-sharedlib",
    "application/x-pie-executable",
    "application/x-mach-binary",
    "application/x-msdownload",
    "application/x-msdos-program",
    "application/x-ms-installer",
    "application/x-msi",
    "application/vnd.microsoft.portable-executable",
    "application/x-sh",
    "application/x-shellscript",
    "application/x-csh",
    "application/x-desktop",
    "application/x-perl",
    "application/x-python",
    "application/x-python-code",
    "application/java-archive",
    "application/x-java-archive",
    "application/javascript",
    "application/x-javascript",
    "text/x-shellscript",
    "text/x-sh",
    "text/x-python",
];

/// Bidirectional formatting characters: "invoice\u{202E}fdp.exe" shows as
/// "invoiceexe.pdf".
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn is_reserved_on_windows(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or("").to_ascii_uppercase();
    matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (stem.len() == 4
            && (stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.as_bytes()[3].is_ascii_digit())
}

/// Cuts a name to [`MAX_NAME_BYTES`], keeping a short extension.
fn clip_name(name: &str) -> String {
    if name.len() <= MAX_NAME_BYTES {
        return name.to_owned();
    }
    let ext = name
        .rfind('.')
        .map(|i| &name[i..])
        .filter(|e| e.len() <= 16)
        .unwrap_or("");
    let mut end = MAX_NAME_BYTES - ext.len();
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{ext}", name[..end].trim_end())
}

/// A file name that is safe to create: the last path component only (no `..`, no
/// folders), no control or bidi characters, none of the characters Windows forbids, no
/// leading dot (hidden) or trailing dot/space, not a reserved device name, at most 200
/// bytes. Empty becomes "attachment".
pub fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .map(|c| match c {
            '<' | '>' | ':' | '"' | '|' | '?' | '*' => '_',
            c => c,
        })
        .collect();
    let mut name = cleaned
        .trim_matches(|c: char| c.is_whitespace() || c == '.')
        .to_owned();
    if is_reserved_on_windows(&name) {
        name.insert(0, '_');
    }
    let name = clip_name(&name);
    if name.is_empty() {
        "attachment".into()
    } else {
        name
    }
}

/// Why opening this attachment could run a program, if it could.
pub fn executable_reason(name: &str, mime_type: &str, bytes: &[u8]) -> Option<String> {
    if let Some((_, ext)) = name.rsplit_once('.') {
        let ext = ext.to_ascii_lowercase();
        if EXECUTABLE_EXTENSIONS.contains(&ext.as_str()) {
            return Some(format!("a .{ext} file can run as a program"));
        }
    }
    let mime = mime_type.trim().to_ascii_lowercase();
    if EXECUTABLE_TYPES.contains(&mime.as_str()) {
        return Some(format!("its type ({mime}) is a program or script"));
    }
    let head: Vec<u8> = bytes
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(16)
        .copied()
        .collect();
    let magic: &[(&[u8], &str)] = &[
        (b"\x7fELF", "a Linux program"),
        (b"MZ", "a Windows program"),
        (b"#!", "a script"),
        (b"\xfe\xed\xfa\xce", "a macOS program"),
        (b"\xfe\xed\xfa\xcf", "a macOS program"),
        (b"\xce\xfa\xed\xfe", "a macOS program"),
        (b"\xcf\xfa\xed\xfe", "a macOS program"),
        (b"\xca\xfe\xba\xbe", "a macOS program or Java class"),
        (b"[Desktop Entry]", "a desktop launcher"),
    ];
    magic
        .iter()
        .find(|(m, _)| head.starts_with(m))
        .map(|(_, what)| format!("its content is {what}"))
}

/// The user's Downloads folder (XDG `DOWNLOAD` dir on Linux), or `~/Downloads`.
fn downloads_dir() -> Option<PathBuf> {
    let dirs = directories::UserDirs::new()?;
    Some(
        dirs.download_dir()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| dirs.home_dir().join("Downloads")),
    )
}

fn write_new(path: &Path, bytes: &[u8], overwrite: bool) -> std::io::Result<()> {
    if overwrite {
        // Write beside, then rename over: a failed write never leaves half a file.
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let part = path.with_file_name(format!(".{name}.{}.part", std::process::id()));
        let written = std::fs::File::create(&part).and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        });
        let renamed = written.and_then(|()| std::fs::rename(&part, path));
        if renamed.is_err() {
            let _ = std::fs::remove_file(&part);
        }
        return renamed;
    }
    // create_new: an existing file (or one created meanwhile) is an error, never replaced.
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

/// Removes copies handed out more than a day ago; best effort.
fn sweep_old_copies(root: &Path, now: SystemTime) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age > OPEN_COPY_MAX_AGE);
        if old {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Writes the private copy to open: `<root>/<message>-<index>/<name>`, read-only.
fn write_private_copy(
    root: &Path,
    r: AttachmentRef,
    name: &str,
    bytes: &[u8],
) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(root)?;
    restrict(root, 0o700)?;
    sweep_old_copies(root, SystemTime::now());
    let dir = root.join(format!("{}-{}", r.message_id, r.index));
    std::fs::create_dir_all(&dir)?;
    restrict(&dir, 0o700)?;
    let path = dir.join(name);
    if path.exists() {
        // The earlier copy is read-only; the fresh one replaces it.
        restrict(&path, 0o600)?;
        std::fs::remove_file(&path)?;
    }
    write_new(&path, bytes, false)?;
    restrict(&path, 0o400)?;
    Ok(path)
}

fn io_error(what: &str, path: &Path, e: &std::io::Error) -> ApiError {
    let code = match e.kind() {
        std::io::ErrorKind::AlreadyExists => ErrorCode::Conflict,
        std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => {
            ErrorCode::InvalidInput
        }
        _ => ErrorCode::Internal,
    };
    ApiError::new(code, format!("could not {what} {}: {e}", path.display()))
}

impl Api {
    /// Attachment `index` of a message, decoded.
    async fn attachment(&self, message_id: i64, index: i64) -> ApiResult<AttachmentContent> {
        let missing = || {
            ApiError::not_found(format!(
                "message {message_id} has no attachment number {index}"
            ))
        };
        let index = usize::try_from(index).map_err(|_| missing())?;
        if self.store.body_complete(message_id).await? == Some(false) {
            return Err(ApiError::not_found(
                "this message's body has not been downloaded yet",
            ));
        }
        let raw =
            self.store.message_raw(message_id).await?.ok_or_else(|| {
                ApiError::not_found(format!("message {message_id} does not exist"))
            })?;
        tokio::task::spawn_blocking(move || attachment_content(&raw, index))
            .await
            .map_err(internal)?
            .ok_or_else(missing)
    }

    /// Saves an attachment's decoded bytes as `directory/file_name` (defaults: the
    /// Downloads folder, the attachment's own name, made safe). An existing file is
    /// replaced only with `overwrite`; otherwise the answer is `conflict`.
    pub async fn save_attachment(&self, args: SaveAttachmentArgs) -> ApiResult<SavedAttachment> {
        let content = self.attachment(args.message_id, args.index).await?;
        let dir = match args.directory.as_deref().map(str::trim) {
            Some(d) if !d.is_empty() => PathBuf::from(d),
            _ => downloads_dir().ok_or_else(|| {
                ApiError::invalid("there is no Downloads folder; choose a folder to save into")
            })?,
        };
        if !dir.is_absolute() {
            return Err(ApiError::invalid(format!(
                "{} is not a full folder path",
                dir.display()
            )));
        }
        if !dir.is_dir() {
            return Err(ApiError::invalid(format!(
                "the folder {} does not exist",
                dir.display()
            )));
        }
        let wanted = args
            .file_name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(&content.name);
        let path = dir.join(safe_file_name(wanted));
        let (target, overwrite) = (path.clone(), args.overwrite);
        tokio::task::spawn_blocking(move || write_new(&target, &content.bytes, overwrite))
            .await
            .map_err(internal)?
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => ApiError::new(
                    ErrorCode::Conflict,
                    format!(
                        "{} already exists in {}",
                        path.file_name().unwrap_or_default().to_string_lossy(),
                        dir.display()
                    ),
                ),
                _ => io_error("save", &path, &e),
            })?;
        tracing::info!(message = args.message_id, index = args.index, path = %path.display(), "attachment saved");
        Ok(SavedAttachment {
            path: path.display().to_string(),
        })
    }

    /// Opens an attachment with the desktop's default application for its type.
    pub async fn open_attachment(&self, attachment: AttachmentRef) -> ApiResult<SavedAttachment> {
        self.open_attachment_with(attachment, &|p: &Path| launch_default_app(p.as_os_str()))
            .await
    }

    /// [`Api::open_attachment`] with the launcher passed in (tests record instead).
    pub async fn open_attachment_with(
        &self,
        attachment: AttachmentRef,
        launch: &(dyn Fn(&Path) -> std::io::Result<()> + Sync),
    ) -> ApiResult<SavedAttachment> {
        let content = self
            .attachment(attachment.message_id, attachment.index)
            .await?;
        let name = safe_file_name(&content.name);
        if let Some(why) = executable_reason(&name, &content.mime_type, &content.bytes) {
            return Err(ApiError::invalid(format!(
                "{name} was not opened: {why}. Save it instead if you trust the sender."
            )));
        }
        let root = self.data_dir.join(OPEN_DIR);
        let file_name = name.clone();
        let path = tokio::task::spawn_blocking(move || {
            write_private_copy(&root, attachment, &file_name, &content.bytes)
        })
        .await
        .map_err(internal)?
        .map_err(|e| io_error("write", &self.data_dir.join(OPEN_DIR), &e))?;
        launch(&path).map_err(|e| {
            ApiError::new(
                ErrorCode::Internal,
                format!("no application could open {name}: {e}"),
            )
        })?;
        Ok(SavedAttachment {
            path: path.display().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_made_safe() {
        let cases: &[(&str, &str)] = &[
            ("quote.pdf", "quote.pdf"),
            ("../../etc/passwd", "passwd"),
            ("reports/2026/q3.xlsx", "q3.xlsx"),
            ("C:\\Users\\x\\evil.doc", "evil.doc"),
            ("line\nbreak\t.txt", "linebreak.txt"),
            ("nul\0byte.txt", "nulbyte.txt"),
            ("invoice\u{202E}fdp.exe", "invoicefdp.exe"),
            ("what?<>:|*\".txt", "what_______.txt"),
            (".bashrc", "bashrc"),
            ("trailing. . ", "trailing"),
            ("CON.txt", "_CON.txt"),
            ("com1", "_com1"),
            ("", "attachment"),
            ("..", "attachment"),
            ("dir/", "attachment"),
            ("\u{7}\u{1b}", "attachment"),
            ("Grüße an Müller.pdf", "Grüße an Müller.pdf"),
        ];
        for (input, want) in cases {
            assert_eq!(safe_file_name(input), *want, "{input:?}");
        }
        let long = format!("{}.pdf", "ä".repeat(300));
        let safe = safe_file_name(&long);
        assert!(safe.len() <= MAX_NAME_BYTES, "{}", safe.len());
        assert!(safe.ends_with("ä.pdf"));
    }

    #[test]
    fn programs_and_scripts_are_recognised() {
        let refused: &[(&str, &str, &[u8])] = &[
            ("run.desktop", "application/octet-stream", b"x"),
            ("install.sh", "text/plain", b"echo hi"),
            ("setup.EXE", "application/octet-stream", b"x"),
            ("invoice.pdf.exe", "application/pdf", b"%PDF"),
            ("report.js", "text/plain", b"x"),
            ("notes", "application/x-shellscript", b"x"),
            ("a.bin.txt", "text/plain", b"#!/bin/sh\nrm -rf ~"),
            ("tool", "application/octet-stream", b"\x7fELF\x02\x01"),
            ("prog.dat", "application/octet-stream", b"MZ\x90\x00"),
            ("launcher.txt", "text/plain", b"\n[Desktop Entry]\nExec=x"),
        ];
        for (name, mime, bytes) in refused {
            assert!(executable_reason(name, mime, bytes).is_some(), "{name}");
        }
        let fine: &[(&str, &str, &[u8])] = &[
            ("quote.pdf", "application/pdf", b"%PDF-1.7"),
            ("photo.jpg", "image/jpeg", b"\xff\xd8\xff"),
            ("data.csv", "text/csv", b"a,b\n1,2"),
            ("archive.zip", "application/zip", b"PK\x03\x04"),
        ];
        for (name, mime, bytes) in fine {
            assert_eq!(executable_reason(name, mime, bytes), None, "{name}");
        }
    }
}
