#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
//! A notification reaches the desktop's notification server as a real `Notify` call on
//! the session bus. Runs inside `scripts/test-session.sh` (private bus + dunst); the
//! bus traffic is read with `dbus-monitor`; the click is dunst's own `dunstctl action`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Guards against a hang if the call never arrives; not a timing assertion.
const HANG_GUARD: Duration = Duration::from_secs(60);

#[test]
fn notify_call_reaches_the_session_bus() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "no session bus: run the tests through scripts/test-session.sh"
    );
    let mut monitor = Command::new("dbus-monitor")
        .args([
            "--session",
            "type='method_call',interface='org.freedesktop.Notifications',member='Notify'",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-monitor runs");
    let stdout = monitor.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        // dbus-monitor prints raw bytes of binary arguments: read lines lossily.
        let mut reader = BufReader::new(stdout);
        let mut buf = Vec::new();
        while reader.read_until(b'\n', &mut buf).unwrap_or(0) > 0 {
            if tx.send(String::from_utf8_lossy(&buf).into_owned()).is_err() {
                break;
            }
            buf.clear();
        }
    });
    // Once dbus-monitor has become a monitor, the bus takes its name away: NameLost.
    loop {
        let line = rx
            .recv_timeout(HANG_GUARD)
            .expect("dbus-monitor started listening");
        if line.contains("member=NameLost") {
            break;
        }
    }

    let summary = "3 new messages";
    let body = "Dana Whitfield: Re: Renewal terms for Northwind";
    switchboard_app::notify::show(summary, body, || {})
        .expect("the notification server accepts it");

    let mut seen = Vec::new();
    let found = loop {
        let Ok(line) = rx.recv_timeout(HANG_GUARD) else {
            break false;
        };
        seen.push(line);
        let text = seen.join("\n");
        let wanted = [
            "member=Notify",
            summary,
            body,
            switchboard_app::notify::APP_NAME,
            "\"default\"",
        ];
        if wanted.iter().all(|w| text.contains(w)) {
            break true;
        }
    };
    let _ = monitor.kill();
    let status = monitor.wait();
    seen.push(format!("(dbus-monitor: {status:?})"));
    assert!(
        found,
        "no Notify call with our summary, body, app name and open action:\n{}",
        seen.join("\n")
    );
}
