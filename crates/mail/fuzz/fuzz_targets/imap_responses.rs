//! Whatever an IMAP server sends — split into reads anywhere — framing and parsing must
//! not panic, and every fetched message must become a storable row.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_mail::imap::framing::ResponseBuffer;
use switchboard_mail::imap::{fetched_to_new_message, FetchedMessage};

fuzz_target!(|data: &[u8]| {
    let Some((&cut, rest)) = data.split_first() else {
        return;
    };
    let cut = usize::from(cut).min(rest.len());
    let mut frames = ResponseBuffer::new();
    for part in [&rest[..cut], &rest[cut..]] {
        frames.extend(part);
        while let Some(response) = frames.next_response() {
            if let imap_proto::Response::Fetch(_, attrs) = response {
                for attr in attrs {
                    if let imap_proto::AttributeValue::BodySection { data: Some(raw), .. } = attr {
                        let fetched = FetchedMessage {
                            uid: 1,
                            flags: vec!["\\Seen".into()],
                            modseq: None,
                            internal_date: Some("01-Jan-2026 00:00:00 +0000".into()),
                            size: None,
                            raw: raw.to_vec(),
                            header_only: false,
                        };
                        let row = fetched_to_new_message(fetched, 1, 1, 1, 0);
                        assert_eq!(row.dedupe_key, "imap:1:1");
                    }
                }
            }
        }
    }
});
