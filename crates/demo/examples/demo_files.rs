//! Writes the demo workspace (and optionally a Maildir) and prints how long it took:
//! `cargo run -p switchboard-demo --release --example demo_files -- OUT_DIR [MAILDIR_COUNT]`.
//! `now` is fixed so repeated runs give identical files.

use std::path::PathBuf;
use std::time::Instant;

use chrono::{TimeZone, Utc};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .ok_or("usage: demo_files OUT_DIR [MAILDIR_COUNT]")?,
    );
    let now = Utc
        .with_ymd_and_hms(2026, 11, 18, 15, 42, 7)
        .single()
        .ok_or("bad date")?;
    let started = Instant::now();
    let files = switchboard_demo::write_demo_files(&dir, 42, now)?;
    println!("demo files in {:?}: {files:#?}", started.elapsed());
    if let Some(count) = args.next() {
        let count: usize = count.parse()?;
        let started = Instant::now();
        switchboard_demo::write_maildir(&dir.join("Maildir"), 42, count, now)?;
        println!("{count} Maildir messages in {:?}", started.elapsed());
    }
    Ok(())
}
