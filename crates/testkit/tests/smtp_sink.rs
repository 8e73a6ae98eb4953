//! The SMTP sink takes mail from a real client (Python smtplib) with AUTH PLAIN and LOGIN,
//! refuses bad credentials, can run without auth, and can fail messages on purpose.

use std::process::Command;
use std::time::Duration;

use switchboard_testkit::SmtpSink;

/// Sends one message with smtplib; prints "sent" or "error <code> <message>".
const SEND: &str = r#"
import smtplib, sys
port, mech, user, password, body = sys.argv[1:6]
try:
    s = smtplib.SMTP("127.0.0.1", int(port), timeout=30)
    s.ehlo("client.test")
    if mech != "none":
        s.user, s.password = user, password
        auth = {"PLAIN": s.auth_plain, "LOGIN": s.auth_login}[mech]
        s.auth(mech, auth)
    s.sendmail("sender@example.test", ["one@example.test", "two@example.test"], body.encode())
    s.quit()
    print("sent")
except smtplib.SMTPResponseException as e:
    print("error", e.smtp_code, e.smtp_error.decode(errors="replace"))
except smtplib.SMTPRecipientsRefused as e:
    code, msg = list(e.recipients.values())[0]
    print("error", code, msg.decode(errors="replace"))
"#;

fn send(sink: &SmtpSink, mech: &str, password: &str, body: &str) -> String {
    let out = Command::new("python3")
        .args([
            "-c",
            SEND,
            &sink.port().to_string(),
            mech,
            sink.user(),
            password,
            body,
        ])
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "smtplib crashed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn body(subject: &str) -> String {
    format!("From: sender@example.test\r\nSubject: {subject}\r\n\r\nHello.\r\n.leading dot\r\n")
}

#[test]
fn receives_mail_after_auth_plain_and_auth_login() {
    let sink = SmtpSink::start().expect("start sink");
    assert!(sink.requires_auth());
    assert_eq!(
        send(&sink, "PLAIN", sink.password(), &body("plain")),
        "sent"
    );
    assert_eq!(
        send(&sink, "LOGIN", sink.password(), &body("login")),
        "sent"
    );

    let mail = sink
        .wait_for(2, Duration::from_secs(10))
        .expect("two messages");
    assert_eq!(mail.len(), 2);
    for (m, subject) in mail.iter().zip(["plain", "login"]) {
        assert_eq!(m.mail_from, "sender@example.test");
        assert_eq!(m.rcpt_to, ["one@example.test", "two@example.test"]);
        assert_eq!(m.auth_user.as_deref(), Some(sink.user()));
        assert_eq!(String::from_utf8_lossy(&m.data), body(subject));
    }
}

#[test]
fn refuses_bad_credentials_and_unauthenticated_mail() {
    let sink = SmtpSink::start().expect("start sink");
    let plain = send(&sink, "PLAIN", "wrong", &body("x"));
    assert!(plain.starts_with("error 535"), "{plain}");
    let login = send(&sink, "LOGIN", "wrong", &body("x"));
    assert!(login.starts_with("error 535"), "{login}");
    let none = send(&sink, "none", "", &body("x"));
    assert!(none.starts_with("error 530"), "{none}");
    assert!(sink.received().expect("received").is_empty());
}

#[test]
fn without_auth_takes_mail_from_anyone() {
    let sink = SmtpSink::start_without_auth().expect("start sink");
    assert!(!sink.requires_auth());
    assert_eq!(send(&sink, "none", "", &body("anon")), "sent");
    let mail = sink
        .wait_for(1, Duration::from_secs(10))
        .expect("one message");
    assert_eq!(mail[0].auth_user, None);
    assert_eq!(String::from_utf8_lossy(&mail[0].data), body("anon"));
}

#[test]
fn reject_next_fails_that_many_messages_with_451() {
    let sink = SmtpSink::start().expect("start sink");
    sink.reject_next(2).expect("arm");
    for _ in 0..2 {
        let answer = send(&sink, "PLAIN", sink.password(), &body("retry"));
        assert!(answer.starts_with("error 451"), "{answer}");
    }
    assert_eq!(
        send(&sink, "PLAIN", sink.password(), &body("retry")),
        "sent"
    );
    assert_eq!(sink.received().expect("received").len(), 1);
}

#[test]
fn drop_stops_the_server() {
    let sink = SmtpSink::start().expect("start sink");
    let pid = sink.pid();
    let port = sink.port();
    assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());
    drop(sink);
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "sink process {pid} still there after drop"
    );
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}
