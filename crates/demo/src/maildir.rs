//! A Maildir of sales threads for benchmarks: `cur/`, `new/`, `tmp/`, unique file names
//! in the usual `time.MusecPpidQn.host` form with `:2,` flags on delivered-and-seen mail.

use std::fs;
use std::io;
use std::path::Path;

use chrono::{DateTime, Utc};

use crate::people;
use crate::rng::Rng;
use crate::sales::{thread, Cast, Flavour};

/// Writes `count` messages, in threads, to a Maildir at `dir` (created if needed).
/// Deterministic for a given `seed` and `now`; about 10% land unread in `new/`.
pub fn write_maildir(dir: &Path, seed: u64, count: usize, now: DateTime<Utc>) -> io::Result<()> {
    for sub in ["cur", "new", "tmp"] {
        fs::create_dir_all(dir.join(sub))?;
    }
    let mut rng = Rng::new(seed);
    let team = people::team();
    let contacts = people::contacts(&mut rng.fork(10));
    let cast = Cast {
        team: &team,
        contacts: &contacts,
    };
    let flavour = Flavour {
        attachments: false,
        forwards: false,
    };
    let mut threads = rng.fork(40);
    let mut flags = rng.fork(41);
    let mut written = 0usize;
    while written < count {
        for message in thread(&mut threads, &cast, now, flavour) {
            if written == count {
                break;
            }
            let bytes = message.render();
            let base = format!(
                "{}.M{}P4242Q{}.switchboard-demo,S={}",
                message.date.timestamp(),
                written % 1_000_000,
                written + 1,
                bytes.len()
            );
            let path = if flags.chance(10) {
                dir.join("new").join(base)
            } else {
                let info = *flags.pick(&[":2,S", ":2,S", ":2,S", ":2,S", ":2,RS", ":2,FS", ":2,"]);
                dir.join("cur").join(format!("{base}{info}"))
            };
            fs::write(path, bytes)?;
            written += 1;
        }
    }
    Ok(())
}
