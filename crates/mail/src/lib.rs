//! Mail: turning raw RFC 5322 bytes into stored, threaded, searchable messages.
//!
//! This crate owns MIME parsing ([`parse_message`]), the keys threading runs on
//! ([`subject_key`], references), HTML sanitising for display ([`sanitize_html`]) and the
//! local import paths ([`import_mbox`], [`import_maildir`]). It never panics on input
//! from outside: malformed messages are stored with their raw bytes and a reason.
//! Provider sync (IMAP, Gmail, Graph) will live here too, one file per backend.

pub mod compose;
pub mod gmail;
pub mod graph;
mod html;
pub mod imap;
mod import;
mod maildir;
mod mbox;
pub mod net;
mod parse;
mod reading;
pub mod rest;
pub mod smtp;
mod subject;
pub mod thread_tree;

pub use html::{
    html_to_text, sanitize_html, sanitize_html_with, InlineImage, SanitizeOptions, SanitizedHtml,
};
pub use import::{import_maildir, import_mbox, ImportError, ImportProblem, ImportSummary};
pub use maildir::{maildir_entries, MaildirEntry};
pub use mbox::{split_mbox, MboxEntry};
pub use parse::{parse_message, Attachment, ParsedMessage, Person};
pub use reading::{
    attachment_content, message_for_reading, AttachmentContent, AttachmentEntry, MessageForReading,
    MAX_INLINE_IMAGE_BYTES,
};
pub use subject::subject_key;
