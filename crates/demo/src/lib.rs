//! Deterministic demo workspace for Switchboard: a sales team at "Acme Analytics" with a
//! sales mailbox (mboxrd), a support mailbox, a FluentSupport ticket export and a
//! calendar, all generated from a seed and a `now`, so screenshots, e2e tests and
//! benchmarks see the same data on every machine. Also a Maildir generator for mail
//! benchmarks.
//!
//! The only I/O is writing the files it is asked for; it never reads the clock (pass
//! `now`), never uses the network, and uses its own PRNG so the same seed and `now` give
//! byte-identical files. About 1% of the sales mail is damaged on purpose (each such
//! message carries `X-Demo-Malformed: <kind>`), one calendar event has an unknown zone,
//! and [`UNIQUE_BODY_WORD`] appears in exactly one message body, for search tests.
//!
//! Entry points: [`write_demo_files`] and [`write_maildir`].

mod calendar;
mod content;
mod encode;
mod maildir;
mod mbox;
mod message;
mod people;
mod rng;
mod sales;
mod support;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

pub use maildir::write_maildir;

/// Appears once in the whole demo: in the body (never a header) of Dana Whitfield's last
/// message in the "Renewal terms for Northwind" thread.
pub const UNIQUE_BODY_WORD: &str = "zanzibarite";
/// The customer who shows up everywhere: mail, support mail, FluentSupport, calendar.
pub const DANA_EMAIL: &str = "dana.whitfield@northwind.example";
/// Subject of the thread that holds [`UNIQUE_BODY_WORD`].
pub const RENEWAL_SUBJECT: &str = "Renewal terms for Northwind";
/// The WordPress site zone the FluentSupport export's naive timestamps are in.
pub const FLUENTSUPPORT_SITE_TZ: &str = "America/New_York";

const SALES_MESSAGES: usize = 2_100;
const SUPPORT_MESSAGES: usize = 60;
const FLUENTSUPPORT_TICKETS: usize = 96;
const SINGLE_MEETINGS: usize = 33;

/// Where [`write_demo_files`] put each file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoFiles {
    pub sales_mbox: PathBuf,
    pub support_mbox: PathBuf,
    pub calendar_ics: PathBuf,
    pub fluentsupport_json: PathBuf,
}

/// Writes `sales.mbox`, `support.mbox`, `calendar.ics` and `fluentsupport.json` into
/// `dir` (created if needed), replacing files of those names.
pub fn write_demo_files(dir: &Path, seed: u64, now: DateTime<Utc>) -> io::Result<DemoFiles> {
    fs::create_dir_all(dir)?;
    let mut rng = rng::Rng::new(seed);
    let team = people::team();
    let contacts = people::contacts(&mut rng.fork(10));
    let cast = sales::Cast {
        team: &team,
        contacts: &contacts,
    };

    let files = DemoFiles {
        sales_mbox: dir.join("sales.mbox"),
        support_mbox: dir.join("support.mbox"),
        calendar_ics: dir.join("calendar.ics"),
        fluentsupport_json: dir.join("fluentsupport.json"),
    };

    let sales = sales::mailbox(&mut rng.fork(20), &cast, now, SALES_MESSAGES);
    fs::write(&files.sales_mbox, mbox_bytes(&sales))?;

    let support = support::support_mailbox(&mut rng.fork(30), &contacts, now, SUPPORT_MESSAGES);
    fs::write(&files.support_mbox, mbox_bytes(&support))?;

    let tickets = support::fluentsupport_json(
        &mut rng.fork(50),
        &contacts,
        &team,
        now,
        FLUENTSUPPORT_TICKETS,
    );
    fs::write(&files.fluentsupport_json, tickets)?;

    let ics = calendar::calendar_ics(&mut rng.fork(60), &team, &contacts, now, SINGLE_MEETINGS);
    fs::write(&files.calendar_ics, ics)?;

    Ok(files)
}

fn mbox_bytes(messages: &[message::Message]) -> Vec<u8> {
    let mut out = Vec::with_capacity(messages.len() * 4096);
    for m in messages {
        mbox::append(&mut out, &m.from.email, m.date, &m.render());
    }
    out
}
