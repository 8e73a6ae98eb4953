//! IMAP: the wire client ([`ImapSession`]), the pure sync planner ([`plan`]) and account
//! settings with provider presets ([`account`]).

pub mod account;
mod client;
pub mod framing;
mod mailbox;
pub mod plan;
mod uidset;

pub use account::{fetched_to_new_message, ImapAccountConfig, ProviderPreset, PRESETS};
pub use client::{FetchedFlags, FetchedMessage, ImapSession, ListedFolder, Selected, Unsolicited};
pub use mailbox::ImapMailbox;
pub use plan::{plan_folder, Flags, FolderCursor, FolderPlan, RemoteFolderState};
pub use uidset::{decode_mailbox_name, encode_mailbox_name, encode_uid_set};
