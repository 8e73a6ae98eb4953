//! Child processes: the Python interpreter, one-shot JSON scripts, and server process groups
//! that are always killed and reaped.

use std::ffi::OsStr;
use std::io::{self, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

use crate::wait_until;

/// The Python interpreter, resolved once: `SWITCHBOARD_PYTHON`, else the real executable
/// behind `python3` (asking it directly skips wrapper scripts such as pyenv shims, which
/// cost ~30 ms per run).
pub(crate) fn python() -> io::Result<&'static Path> {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            if let Some(explicit) = std::env::var_os("SWITCHBOARD_PYTHON") {
                return Ok(PathBuf::from(explicit));
            }
            let out = Command::new("python3")
                .args(["-c", "import sys; print(sys.executable)"])
                .stdin(Stdio::null())
                .output()
                .map_err(|e| format!("cannot run python3: {e}"))?;
            let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if !out.status.success() || path.is_empty() {
                return Err(format!(
                    "python3 did not name its executable: {}",
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
            Ok(PathBuf::from(path))
        })
        .as_deref()
        .map_err(|e| io::Error::new(io::ErrorKind::NotFound, e.clone()))
}

/// Runs `script` with `input` as JSON on stdin and returns `result` from the
/// `{"ok": true, "result": ...}` it prints; `{"ok": false, "error": ...}` becomes an error.
pub(crate) fn run_json_script(script: &Path, input: &Value) -> io::Result<Value> {
    let mut child = Command::new(python()?)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut stdin = child.stdin.take().expect("stdin was piped");
    stdin.write_all(input.to_string().as_bytes())?;
    drop(stdin);
    let out = child.wait_with_output()?;
    let reply: Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        io::Error::other(format!(
            "{} printed no JSON ({e}); exit {}, stderr: {}",
            script.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
    })?;
    if reply["ok"] == Value::Bool(true) {
        Ok(reply["result"].clone())
    } else {
        Err(io::Error::other(
            reply["error"]
                .as_str()
                .unwrap_or("unknown error")
                .to_string(),
        ))
    }
}

/// A server started in its own process group, so that stopping it reaches every process it
/// forked (Dovecot's login, auth, imap and log processes), not just the parent.
pub(crate) struct ProcessGroup {
    child: Child,
}

impl ProcessGroup {
    /// Spawns `command` as the leader of a new process group.
    pub(crate) fn spawn(command: &mut Command) -> io::Result<ProcessGroup> {
        let child = command.process_group(0).spawn()?;
        Ok(ProcessGroup { child })
    }

    pub(crate) fn id(&self) -> u32 {
        self.child.id()
    }

    /// Whether the group leader has exited (it is reaped when it has).
    pub(crate) fn has_exited(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }

    pub(crate) fn stdout(&mut self) -> Option<std::process::ChildStdout> {
        self.child.stdout.take()
    }

    /// SIGTERM to the whole group, then SIGKILL if the leader is still there after 10 s;
    /// returns once the leader is reaped and no process of the group is left (bounded).
    ///
    /// Signalling the group rather than the leader matters for Dovecot: its master alone
    /// takes 1-2.5 s to shut down while it waits for its log process; the group exits in
    /// ~10 ms.
    pub(crate) fn stop(&mut self) -> io::Result<()> {
        let group = format!("-{}", self.child.id());
        if !self.has_exited() {
            signal("-TERM", &group);
            let child = &mut self.child;
            let exited = wait_until(
                "the server to exit after SIGTERM",
                Duration::from_secs(10),
                || !matches!(child.try_wait(), Ok(None)),
            );
            if exited.is_err() {
                signal("-KILL", &group);
                self.child.wait()?;
            }
        }
        // Stragglers that ignored SIGTERM, or that the leader left behind when it died.
        if group_alive(&group) {
            signal("-KILL", &group);
        }
        wait_until(
            &format!("process group {group} to be gone"),
            Duration::from_secs(10),
            || !group_alive(&group),
        )
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            eprintln!(
                "switchboard-testkit: stopping process {}: {e}",
                self.child.id()
            );
        }
    }
}

/// `kill <signal> -- <target>`; std has no way to signal a process group and this crate
/// forbids `unsafe`, so the `kill` program does it.
fn signal(signal: &str, target: &str) -> bool {
    Command::new("kill")
        .args([OsStr::new(signal), OsStr::new("--"), OsStr::new(target)])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn group_alive(group: &str) -> bool {
    signal("-0", group)
}
