//! The ticket model shared by every source.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A support case from any source, keyed by `external_id` within that source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// The source's own id: the FluentSupport ticket id, or the Message-ID (or a content
    /// hash) of a support-mailbox email.
    pub external_id: String,
    pub title: String,
    /// The first message as plain text (HTML already stripped).
    pub content_text: Option<String>,
    pub status: Status,
    pub urgency: Urgency,
    pub customer_email: Option<String>,
    pub customer_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The Message-ID of the email the ticket came from, without angle brackets.
    pub message_id: Option<String>,
}

/// Where a ticket is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Nobody has answered yet.
    New,
    /// Being worked on.
    Active,
    /// Parked until the customer or a third party answers.
    Waiting,
    Closed,
}

/// How soon a ticket needs attention; ordered from least to most urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Urgency {
    Low,
    Normal,
    High,
    Critical,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::New, Status::Active, Status::Waiting, Status::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Active => "active",
            Status::Waiting => "waiting",
            Status::Closed => "closed",
        }
    }
}

impl Urgency {
    pub const ALL: [Urgency; 4] = [
        Urgency::Low,
        Urgency::Normal,
        Urgency::High,
        Urgency::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Low => "low",
            Urgency::Normal => "normal",
            Urgency::High => "high",
            Urgency::Critical => "critical",
        }
    }
}

/// The text was not one of `new`, `active`, `waiting`, `closed`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown ticket status {0:?}")]
pub struct ParseStatusError(pub String);

/// The text was not one of `low`, `normal`, `high`, `critical`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown ticket urgency {0:?}")]
pub struct ParseUrgencyError(pub String);

impl FromStr for Status {
    type Err = ParseStatusError;

    /// Parses our own names (as stored), case-insensitively. Source vocabularies have
    /// their own mapping functions.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| ParseStatusError(s.to_string()))
    }
}

impl FromStr for Urgency {
    type Err = ParseUrgencyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Urgency::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| ParseUrgencyError(s.to_string()))
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Urgency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A source record that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Where in the source: `"index 3 (id 17)"` for the fourth ticket of a page.
    pub position: String,
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>(), Ok(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
        }
        for u in Urgency::ALL {
            assert_eq!(u.as_str().parse::<Urgency>(), Ok(u));
            assert_eq!(serde_json::to_string(&u).unwrap(), format!("\"{u}\""));
        }
        assert_eq!(" Closed ".parse::<Status>(), Ok(Status::Closed));
        assert!("on-hold".parse::<Status>().is_err());
        assert!("urgent".parse::<Urgency>().is_err());
        assert!(Urgency::Critical > Urgency::High && Urgency::Normal > Urgency::Low);
    }
}
