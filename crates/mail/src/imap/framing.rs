//! Cutting the server's byte stream into IMAP responses: a response may span many reads
//! (literals of megabytes) and a read may hold many responses. Parsing is imap-proto's;
//! a line it cannot parse is skipped (and logged) rather than wedging the session.

use imap_proto::Response;

#[derive(Debug, Default)]
pub struct ResponseBuffer {
    buf: Vec<u8>,
    start: usize,
}

impl ResponseBuffer {
    pub fn new() -> Self {
        Self::default()
    }

    /// The next complete response, when the buffered bytes hold one.
    pub fn next_response(&mut self) -> Option<Response<'static>> {
        while self.start < self.buf.len() {
            let data = &self.buf[self.start..];
            match Response::parse(data) {
                Ok((rest, resp)) => {
                    let used = data.len() - rest.len();
                    let owned = resp.into_owned();
                    self.start += used;
                    if self.start == self.buf.len() {
                        self.buf.clear();
                        self.start = 0;
                    }
                    return Some(owned);
                }
                Err(nom::Err::Incomplete(_)) => return None,
                Err(_) => match data.windows(2).position(|w| w == b"\r\n") {
                    Some(end) => {
                        tracing::debug!(
                            line = %String::from_utf8_lossy(&data[..end.min(200)]),
                            "skipping an unparseable IMAP line"
                        );
                        self.start += end + 2;
                    }
                    None => return None,
                },
            }
        }
        None
    }

    /// Room for `chunk` more bytes at the end; call [`filled`](Self::filled) with how
    /// many were read into it.
    pub fn spare(&mut self, chunk: usize) -> &mut [u8] {
        if self.start > 0 && self.start * 2 > self.buf.len() {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        let len = self.buf.len();
        self.buf.resize(len + chunk, 0);
        &mut self.buf[len..]
    }

    /// Keeps `n` of the bytes last offered by [`spare`](Self::spare) (of size `chunk`).
    pub fn filled(&mut self, chunk: usize, n: usize) {
        let len = self.buf.len() - chunk;
        self.buf.truncate(len + n.min(chunk));
    }

    /// Appends bytes (tests and fuzzing).
    pub fn extend(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes received but not yet consumed as responses.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.start
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use imap_proto::{AttributeValue, MailboxDatum};

    fn drain(buf: &mut ResponseBuffer) -> Vec<Response<'static>> {
        std::iter::from_fn(|| buf.next_response()).collect()
    }

    #[test]
    fn a_literal_split_across_reads_waits_for_its_last_byte() {
        let body = b"Subject: hi\r\n\r\nbody";
        let wire = [
            b"* 1 FETCH (UID 7 BODY[] {".as_slice(),
            body.len().to_string().as_bytes(),
            b"}\r\n",
            body,
            b")\r\n* 2 EXISTS\r\nA1 OK done\r\n",
        ]
        .concat();
        for cut in 1..wire.len() {
            let mut buf = ResponseBuffer::new();
            buf.extend(&wire[..cut]);
            let mut got = drain(&mut buf);
            buf.extend(&wire[cut..]);
            got.extend(drain(&mut buf));
            assert_eq!(got.len(), 3, "cut at {cut}");
            match &got[0] {
                Response::Fetch(1, attrs) => assert!(attrs.iter().any(|a| matches!(
                    a,
                    AttributeValue::BodySection { data: Some(d), .. } if d.as_ref() == body
                ))),
                other => panic!("cut at {cut}: {other:?}"),
            }
            assert_eq!(got[1], Response::MailboxData(MailboxDatum::Exists(2)));
            assert_eq!(buf.pending(), 0);
        }
    }

    #[test]
    fn an_unparseable_line_is_skipped() {
        let mut buf = ResponseBuffer::new();
        buf.extend(b"* GARBAGE \x00\x01 ((\r\n* 3 EXISTS\r\n");
        assert_eq!(
            drain(&mut buf),
            vec![Response::MailboxData(MailboxDatum::Exists(3))]
        );
    }

    #[test]
    fn spare_and_filled_keep_only_what_was_read() {
        let mut buf = ResponseBuffer::new();
        let room = buf.spare(64);
        room[..12].copy_from_slice(b"* 4 EXISTS\r\n");
        buf.filled(64, 12);
        assert_eq!(buf.pending(), 12);
        assert_eq!(
            buf.next_response(),
            Some(Response::MailboxData(MailboxDatum::Exists(4)))
        );
    }
}
