//! Handing files and links to the desktop's default applications (`xdg-open` on Linux
//! and the BSDs, `open` on macOS, `explorer` on Windows). The target is passed as one
//! argument, never through a shell, and is either an absolute path the app wrote or a
//! checked http(s)/mailto URL, so it cannot be read as an option or a command.

use crate::{Api, ApiError, ApiResult};
use std::ffi::OsStr;
use switchboard_core::ErrorCode;

/// Longest link handed out; longer ones are not links a person clicked.
const MAX_LINK_LEN: usize = 4096;

/// Opens a file or URL with the desktop's default application and returns once it is
/// launched.
pub fn launch_default_app(target: &OsStr) -> std::io::Result<()> {
    #[cfg(target_os = "macos")]
    let mut cmd = std::process::Command::new("open");
    #[cfg(target_os = "windows")]
    let mut cmd = std::process::Command::new("explorer");
    #[cfg(not(any(target_os = "macos", target_os = "windows")))]
    let mut cmd = std::process::Command::new("xdg-open");
    let mut child = cmd
        .arg(target)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    // Reap it when it exits so no zombie is left behind.
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}

/// The link if it is one a browser or mail client should get: http, https or mailto,
/// without spaces or control characters.
pub fn checked_link(url: &str) -> ApiResult<String> {
    let u = url.trim();
    let lower = u.to_ascii_lowercase();
    let scheme_ok = ["http://", "https://", "mailto:"]
        .iter()
        .any(|s| lower.starts_with(s) && lower.len() > s.len());
    if !scheme_ok
        || u.len() > MAX_LINK_LEN
        || u.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(ApiError::invalid(format!(
            "only web and mail links can be opened (got {:?})",
            u.chars().take(80).collect::<String>()
        )));
    }
    Ok(u.to_owned())
}

impl Api {
    /// Opens a web or mail link from a message in the default browser or mail client.
    pub async fn open_link(&self, url: &str) -> ApiResult<()> {
        self.open_link_with(url, &launch_default_app).await
    }

    /// [`Api::open_link`] with the launcher passed in (tests record instead).
    pub async fn open_link_with(
        &self,
        url: &str,
        launch: &(dyn Fn(&OsStr) -> std::io::Result<()> + Sync),
    ) -> ApiResult<()> {
        let url = checked_link(url)?;
        launch(OsStr::new(&url)).map_err(|e| {
            ApiError::new(
                ErrorCode::Internal,
                format!("no application could open the link: {e}"),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_and_mail_links_pass() {
        for ok in [
            "https://example.com/a?b=c#d",
            "HTTP://EXAMPLE.COM",
            "mailto:dana@acme.test?subject=Hi",
        ] {
            assert!(checked_link(ok).is_ok(), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "--help",
            "https://",
            "https://a.example/x y",
            "https://a.example/\nx",
            "smb://server/share",
            "",
        ] {
            assert!(checked_link(bad).is_err(), "{bad:?}");
        }
    }
}
