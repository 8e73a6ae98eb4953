//! A CalDAV client (RFC 4791): finds a user's calendars (RFC 6764 `/.well-known/caldav`,
//! RFC 5397 `current-user-principal`, `calendar-home-set`) and fetches what changed in one
//! (RFC 6578 `sync-collection`, then `calendar-multiget` for the changed objects).
//!
//! This is the one part of the crate that does network I/O. It only reads and reports:
//! deciding what to store or delete locally is the caller's plan, made from
//! [`SyncChanges`]. Multistatus parsing is in [`multistatus`], pure and table-tested.
//!
//! Entry point: [`CalDavClient`].

mod client;
pub mod multistatus;
mod write;
mod xml;

use thiserror::Error;

pub use client::{http_client, CalDavClient, Discovery};
pub use write::{Precondition, Written};

/// A calendar collection found under the user's calendar home.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CalendarInfo {
    /// The collection's href as the server wrote it (usually an absolute path, `/u/work/`).
    pub href: String,
    pub display_name: Option<String>,
    /// Apple's `calendar-color` (`#RRGGBB` or `#RRGGBBAA`), when the server keeps one.
    pub color: Option<String>,
    /// `supported-calendar-component-set` (`VEVENT`, `VTODO`, ...); empty when the server
    /// did not say, which RFC 4791 §5.2.3 reads as "any".
    pub components: Vec<String>,
    /// The CalendarServer `getctag`: changes whenever anything in the calendar does.
    pub ctag: Option<String>,
    /// The collection's current RFC 6578 sync token.
    pub sync_token: Option<String>,
}

/// A calendar object resource and its ETag, without its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteResource {
    pub href: String,
    /// The strong ETag as sent, quotes included (`"abc"`); `None` when the server sent none.
    pub etag: Option<String>,
}

/// What changed in a calendar since a sync token (or everything, from no token).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncChanges {
    /// New or changed objects; fetch their data with [`CalDavClient::multiget`].
    pub changed: Vec<RemoteResource>,
    /// Hrefs of objects that are gone.
    pub removed: Vec<String>,
    /// The token to store and send next time.
    pub sync_token: String,
}

/// One calendar object with its iCalendar text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarObject {
    pub href: String,
    pub etag: Option<String>,
    /// The VCALENDAR text as the server sent it.
    pub data: String,
}

/// Why a CalDAV request failed.
#[derive(Debug, Error)]
pub enum CalDavError {
    /// The server could not be reached or the connection broke; retrying later may help.
    #[error("cannot reach the CalDAV server: {0}")]
    Network(String),
    /// The user name or password was refused (401/403 on a plain request).
    #[error("the CalDAV server refused the user name or password")]
    Unauthorized,
    /// The stored sync token is no longer valid (RFC 6578 `valid-sync-token`): start over
    /// with a full sync (no token, or [`CalDavClient::list_etags`]).
    #[error("the calendar's sync token is no longer valid; a full resync is needed")]
    InvalidSyncToken,
    /// A write's precondition failed (412): the object changed on the server (If-Match) or
    /// already exists (If-None-Match). Fetch it again and let the user decide.
    #[error("the event changed on the server since it was read")]
    PreconditionFailed,
    /// The server answered with an unexpected status.
    #[error("{method} {url}: HTTP {status}")]
    Status {
        method: String,
        url: String,
        status: u16,
    },
    /// The server's answer could not be understood (not a multistatus, missing parts).
    #[error("unexpected CalDAV answer: {0}")]
    Protocol(String),
}

impl CalDavError {
    /// Whether retrying the same request later cannot help (the user or the caller has to
    /// change something first).
    pub fn is_permanent(&self) -> bool {
        match self {
            CalDavError::Network(_) => false,
            CalDavError::Status { status, .. } => !(*status >= 500 || *status == 429),
            CalDavError::Unauthorized
            | CalDavError::InvalidSyncToken
            | CalDavError::PreconditionFailed
            | CalDavError::Protocol(_) => true,
        }
    }
}
