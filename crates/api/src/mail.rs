//! Threads, messages and search as the UI sees them.

use crate::dto::{AccountSummary, ListThreadsArgs, ThreadDetail, ThreadPage, ThreadSummary};
use crate::{Api, ApiError, ApiResult};
use switchboard_mail::thread_tree::{arrange, TreeInput};
use switchboard_store::{MATCH_END, MATCH_START};

const MAX_PAGE: i64 = 500;

fn page_limit(limit: i64) -> i64 {
    if limit <= 0 {
        100
    } else {
        limit.min(MAX_PAGE)
    }
}

pub(crate) fn sender(name: &Option<String>, email: &Option<String>) -> String {
    name.clone()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| email.clone())
        .unwrap_or_else(|| "(unknown sender)".into())
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes a snippet and turns the store's match markers into `<mark>` tags.
pub(crate) fn highlight(snippet: &str) -> String {
    escape_html(snippet)
        .replace(MATCH_START, "<mark>")
        .replace(MATCH_END, "</mark>")
}

impl Api {
    pub async fn list_accounts(&self) -> ApiResult<Vec<AccountSummary>> {
        Ok(self
            .store
            .accounts()
            .await?
            .into_iter()
            .map(|a| AccountSummary {
                id: a.id,
                name: a.name,
                kind: a.kind,
                email: a.email,
                message_count: a.message_count,
                unread_count: a.unread_count,
            })
            .collect())
    }

    pub async fn list_threads(&self, args: ListThreadsArgs) -> ApiResult<ThreadPage> {
        let limit = page_limit(args.limit);
        let offset = args.offset.max(0);
        let scope = match (args.folder_id, &args.role) {
            (Some(id), _) => Some(switchboard_store::FolderScope::Folder(id)),
            (None, Some(role)) => Some(switchboard_store::FolderScope::Role {
                role: role.clone(),
                account: args.account_id,
            }),
            (None, None) => None,
        };
        let (total, rows) = match &scope {
            Some(scope) => (
                self.store.thread_count_in(scope).await?,
                self.store.list_threads_in(scope, offset, limit).await?,
            ),
            None => (
                self.store.thread_count(args.account_id).await?,
                self.store
                    .list_threads(args.account_id, offset, limit)
                    .await?,
            ),
        };
        let items = rows
            .into_iter()
            .map(|t| ThreadSummary {
                participants: t.participant_list(),
                id: t.id,
                subject: t.subject,
                last_date: t.last_date,
                message_count: t.message_count,
                unread_count: t.unread_count,
                snippet: t.snippet,
                has_attachments: t.has_attachments,
                flagged: t.flagged,
            })
            .collect();
        Ok(ThreadPage {
            total,
            offset,
            items,
        })
    }

    pub async fn get_thread(&self, id: i64) -> ApiResult<ThreadDetail> {
        let thread = self
            .store
            .thread(id)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("thread {id} does not exist")))?;
        let rows = self.store.thread_messages(id).await?;
        let mut messages = Vec::with_capacity(rows.len());
        let mut tree_input = Vec::with_capacity(rows.len());
        for row in rows {
            let raw = self.store.message_raw(row.id).await?.unwrap_or_default();
            tree_input.push(TreeInput {
                id: row.id,
                message_id: row.message_id.clone(),
                references: header_references(&raw),
                date: row.date,
            });
            messages.push(self.message_view(row).await?);
        }
        // Messages stay in date order; the reply tree gives each its depth and parent.
        for node in arrange(&tree_input) {
            if let Some(m) = messages.iter_mut().find(|m| m.id == node.id) {
                m.depth = Some(node.depth);
                m.parent_id = node.parent;
            }
        }
        Ok(ThreadDetail {
            id,
            subject: thread.subject,
            messages,
        })
    }
}

/// References then In-Reply-To of a message, from its header alone (cheap even for a
/// message with large attachments).
fn header_references(raw: &[u8]) -> Vec<String> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
        .or_else(|| raw.windows(2).position(|w| w == b"\n\n").map(|p| p + 2))
        .unwrap_or(raw.len());
    switchboard_mail::parse_message(&raw[..end]).references
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_come_from_the_header_only() {
        let raw = b"Message-ID: <c@x>\r\nReferences: <a@x> <b@x>\r\nIn-Reply-To: <b@x>\r\n\r\nReferences: <z@x>\r\n";
        assert_eq!(header_references(raw), vec!["a@x", "b@x"]);
        assert!(header_references(b"").is_empty());
    }

    #[test]
    fn snippets_are_escaped_then_marked() {
        assert_eq!(
            highlight("<b>\u{2}deal\u{3}</b> & co"),
            "&lt;b&gt;<mark>deal</mark>&lt;/b&gt; &amp; co"
        );
    }
}
