//! Dovecot's configuration file and TLS material for [`crate::Dovecot`]: who its processes
//! run as, which settings make it fast and test-friendly, and a throw-away CA.

use std::fs;
use std::io;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::{DovecotOAuth2, DovecotOptions};

/// Dovecot 2.3.19's post-login capabilities without CONDSTORE and QRESYNC.
const CAPABILITY_WITHOUT_QRESYNC: &str = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE \
    SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND \
    URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 \
    ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY \
    PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE";

/// Who Dovecot's processes run as.
pub(crate) struct Identity {
    internal_user: String,
    internal_group: String,
    login_user: String,
    mail_uid: u32,
    mail_gid: u32,
    /// Login processes chroot by default, which only root can do.
    can_chroot: bool,
}

impl Identity {
    /// As root: internal processes as root, login processes as an unprivileged user (Dovecot
    /// refuses root there), mail as `mail_owner` (Dovecot refuses uid 0 for mail).
    pub(crate) fn root((mail_uid, mail_gid): (u32, u32)) -> Identity {
        let passwd = fs::read_to_string("/etc/passwd").unwrap_or_default();
        let has_user = |name: &str| passwd.lines().any(|l| l.split(':').next() == Some(name));
        let login_user = if has_user("dovenull") {
            "dovenull"
        } else {
            "nobody"
        };
        Identity {
            internal_user: "root".into(),
            internal_group: "root".into(),
            login_user: login_user.into(),
            mail_uid,
            mail_gid,
            can_chroot: true,
        }
    }

    /// As a normal user: everything as that user, no chroot.
    pub(crate) fn current(uid: u32, gid: u32) -> io::Result<Identity> {
        let user = command_output("id", &["-un"])?;
        let group = command_output("id", &["-gn"])?;
        Ok(Identity {
            internal_user: user.clone(),
            internal_group: group,
            login_user: user,
            mail_uid: uid,
            mail_gid: gid,
            can_chroot: false,
        })
    }
}

pub(crate) fn config(
    dir: &Path,
    imap_port: u16,
    imaps_port: u16,
    who: &Identity,
    options: &DovecotOptions,
    oauth2: bool,
) -> String {
    let dir = dir.display();
    let instance = format!("{dir}")
        .rsplit('/')
        .next()
        .unwrap_or("switchboard")
        .to_string();
    let chroot = if who.can_chroot { "" } else { "chroot =" };
    let capability = if options.qresync {
        String::new()
    } else {
        format!("imap_capability = {CAPABILITY_WITHOUT_QRESYNC}")
    };
    // Bearer mechanisms go to the oauth2 passdb alone: its "password mismatch" for a
    // refused token is what makes Dovecot send the XOAUTH2 error challenge, which the
    // static passdb below would turn into a plain failure.
    let (mechanisms, oauth2_passdb, password_mechanisms) = if oauth2 {
        (
            "plain login xoauth2 oauthbearer",
            format!(
                "passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  \
                 args = {dir}/dovecot-oauth2.conf.ext\n}}\n"
            ),
            "\n  mechanisms = plain login",
        )
        // A refused token then meets Dovecot's failure delay and per-IP penalty (2 s, then
        // growing): the delay is turned off here; for the penalty, refuse one token per
        // server.
    } else {
        ("plain login", String::new(), "")
    };
    let failure_delay = if oauth2 {
        "auth_failure_delay = 0\n"
    } else {
        ""
    };
    let mailboxes: String = [
        ("Sent", "\\Sent"),
        ("Drafts", "\\Drafts"),
        ("Archive", "\\Archive"),
        ("Trash", "\\Trash"),
        ("Junk", "\\Junk"),
    ]
    .iter()
    .map(|(name, use_)| {
        format!("  mailbox {name} {{\n    special_use = {use_}\n    auto = subscribe\n  }}\n")
    })
    .collect();
    format!(
        "# Written by switchboard-testkit: everything this server uses is in {dir}.
instance_name = {instance}
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = 1
first_valid_gid = 0
ssl = yes
ssl_cert = <{dir}/tls/server.pem
ssl_key = <{dir}/tls/server.key
disable_plaintext_auth = no
auth_mechanisms = {mechanisms}
{failure_delay}mail_location = maildir:{dir}/Maildir:LAYOUT=fs
mail_fsync = never
mailbox_idle_check_interval = 1 secs
{capability}

{oauth2_passdb}passdb {{
  driver = passwd-file
  args = scheme=PLAIN {dir}/passwd{password_mechanisms}
}}
# Every failed login ends here: a lookup that \"succeeds\" with nodelay, turned into a
# failure. Without it Dovecot answers failures after 0.5 s and, worse, delays the NEXT
# login from 127.0.0.1 by 4+ s (anvil's auth penalty, which no setting turns off).
passdb {{
  driver = static
  args = nopassword=y nodelay=y
  result_success = return-fail{password_mechanisms}
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={dir}/home
}}
protocol imap {{
  mail_max_userip_connections = 1000
}}
namespace inbox {{
  inbox = yes
  separator = /
{mailboxes}}}
service imap-login {{
  {chroot}
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
service anvil {{
  {chroot}
}}
",
        internal_user = who.internal_user,
        internal_group = who.internal_group,
        login_user = who.login_user,
        mail_uid = who.mail_uid,
        mail_gid = who.mail_gid,
    )
}

/// The `oauth2` passdb's settings: introspect every token (RFC 7662) with HTTP Basic
/// client credentials in the URL, the login name is the token's `sub`, and it must be active.
pub(crate) fn oauth2_config(oauth2: &DovecotOAuth2) -> io::Result<String> {
    let rest = oauth2
        .introspection_url
        .strip_prefix("http://")
        .ok_or_else(|| io::Error::other("the introspection URL must be http:// on loopback"))?;
    let userinfo_safe = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
    };
    if !userinfo_safe(&oauth2.client_id) || !userinfo_safe(&oauth2.client_secret) {
        return Err(io::Error::other(
            "introspection client id and secret must be URL-safe",
        ));
    }
    Ok(format!(
        "introspection_mode = post\n\
         introspection_url = http://{}:{}@{rest}\n\
         username_attribute = sub\n\
         active_attribute = active\n\
         active_value = true\n\
         timeout_msecs = 10000\n",
        oauth2.client_id, oauth2.client_secret
    ))
}

/// A CA and a server certificate for `localhost` + `127.0.0.1`, both P-256 (fast to make,
/// and no DH parameters needed: ECDSA certificates only pair with ECDHE key exchange).
pub(crate) fn make_tls(dir: &Path) -> io::Result<()> {
    let common = [
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
    ];
    openssl(
        dir,
        &[
            &["req", "-x509"],
            &common[..],
            &[
                "-nodes", "-days", "30", "-keyout", "ca.key", "-out", "ca.pem",
            ],
            &["-subj", "/CN=Switchboard testkit CA"],
            &["-addext", "basicConstraints=critical,CA:TRUE"],
            &["-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        ]
        .concat(),
    )?;
    openssl(
        dir,
        &[
            &["req", "-x509"],
            &common[..],
            &[
                "-nodes",
                "-days",
                "30",
                "-keyout",
                "server.key",
                "-out",
                "server.pem",
            ],
            &[
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-subj",
                "/CN=localhost",
            ],
            &["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
            &["-addext", "basicConstraints=critical,CA:FALSE"],
            &["-addext", "keyUsage=critical,digitalSignature"],
            &["-addext", "extendedKeyUsage=serverAuth"],
        ]
        .concat(),
    )
}

fn openssl(dir: &Path, args: &[&str]) -> io::Result<()> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| io::Error::new(e.kind(), format!("cannot run openssl: {e}")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "openssl {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        )))
    }
}

fn command_output(program: &str, args: &[&str]) -> io::Result<String> {
    let out = Command::new(program).args(args).output()?;
    if !out.status.success() {
        return Err(io::Error::other(format!("{program} {args:?} failed")));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}
