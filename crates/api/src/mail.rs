//! Threads, messages and search as the UI sees them.

use crate::dto::{AccountSummary, ListThreadsArgs, ThreadDetail, ThreadPage, ThreadSummary};
use crate::{Api, ApiError, ApiResult};
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
        for row in rows {
            messages.push(self.message_view(row).await?);
        }
        Ok(ThreadDetail {
            id,
            subject: thread.subject,
            messages,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_escaped_then_marked() {
        assert_eq!(
            highlight("<b>\u{2}deal\u{3}</b> & co"),
            "&lt;b&gt;<mark>deal</mark>&lt;/b&gt; &amp; co"
        );
    }
}
