//! Mail search: a typed query ([`SearchQuery`]) run as one SQL statement.
//!
//! Text conditions go to the FTS5 index `messages_fts` (subject, participants, body,
//! attachment names); everything else — addresses by role, flags, folder, dates,
//! attachments — is plain SQL on `messages`, so a query made only of operators
//! (`is:unread in:inbox`) never touches FTS and walks the date index instead.
//!
//! User text never reaches FTS5 as syntax: every text condition becomes one quoted
//! FTS5 string (`"…"` with `"` doubled), so `*`, `(`, `-`, `:`, `NEAR`, `OR` are inert.
//! Turning what the user typed into a [`SearchQuery`] is the API's job
//! (`switchboard_api::parse_search`); this module only executes it.

use crate::{Result, Store};
use sqlx::{QueryBuilder, Sqlite};

/// Marks the start of a match inside [`SearchRow::snippet`].
pub const MATCH_START: char = '\u{2}';
/// Marks the end of a match inside [`SearchRow::snippet`].
pub const MATCH_END: char = '\u{3}';

/// Scope that does not come from the query text.
#[derive(Debug, Clone, Default)]
pub struct SearchFilters {
    pub account_id: Option<i64>,
}

/// All of its terms must hold (AND). An empty query matches every message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    pub terms: Vec<SearchTerm>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerm {
    /// The message must *not* satisfy the condition.
    pub negated: bool,
    pub condition: Condition,
}

impl SearchTerm {
    pub fn is(condition: Condition) -> Self {
        Self {
            negated: false,
            condition,
        }
    }

    pub fn not(condition: Condition) -> Self {
        Self {
            negated: true,
            condition,
        }
    }
}

/// Which indexed text a [`Condition::Text`] is matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    /// Subject, participants (from/to/cc names and addresses), body, attachment names.
    Any,
    Subject,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// The words of `text`, in order, as one phrase (a single word is a one-word
    /// phrase). With `prefix` the last word also matches as a prefix ("invoice" finds
    /// "invoices"). Text without any letter or digit matches nothing and is ignored.
    Text {
        text: String,
        field: TextField,
        prefix: bool,
    },
    /// Sender's display name or address contains this (ASCII case-insensitive).
    From(String),
    /// A To *or* Cc recipient's display name or address contains this.
    To(String),
    /// A Cc recipient's display name or address contains this.
    Cc(String),
    HasAttachment,
    Unread,
    Flagged,
    /// In a folder whose name equals `name` (ASCII case-insensitive) or whose role is
    /// `role` (inbox, sent, drafts, archive, trash, junk).
    Folder {
        name: String,
        role: Option<String>,
    },
    /// Dated strictly before this instant (ms since the epoch, UTC).
    DateBefore(i64),
    /// Dated at or after this instant (ms since the epoch, UTC).
    DateFrom(i64),
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SearchRow {
    pub id: i64,
    pub thread_id: i64,
    pub subject: String,
    pub from_name: Option<String>,
    pub from_email: Option<String>,
    pub date: i64,
    /// The folder's name ("INBOX", "Sent", ...).
    pub folder: String,
    pub folder_role: Option<String>,
    /// Excerpt with matches between U+0002 and U+0003. Without text conditions it is
    /// the message's stored preview, with no marks.
    pub snippet: String,
}

/// The query split by where each part runs.
#[derive(Default)]
struct Plan<'q> {
    /// FTS5 expression the message must match.
    fts_match: Option<String>,
    /// FTS5 expression the message must not match, used only when there is nothing to
    /// match (FTS5's NOT needs a left-hand side).
    fts_exclude: Option<String>,
    sql: Vec<SqlTerm<'q>>,
}

/// A condition that runs as SQL on `messages`.
struct SqlTerm<'q> {
    term: &'q SearchTerm,
    /// For [`Condition::Folder`]: the ids of the folders it names, looked up first so
    /// the statement can say `folder_id = ?` and walk (folder_id, date) in order.
    folder_ids: Vec<i64>,
    /// Those of `folder_ids` that are Gmail labels of some message (listed through
    /// `message_labels`, not only `folder_id`); empty for IMAP folders.
    label_ids: Vec<i64>,
}

/// One FTS5 string token for `text`: quoted, so nothing in it is syntax.
fn fts_string(text: &str, prefix: bool) -> Option<String> {
    if !text.chars().any(char::is_alphanumeric) {
        // unicode61 would find no token in it: FTS5 rejects or ignores such phrases.
        return None;
    }
    let mut s = String::with_capacity(text.len() + 4);
    s.push('"');
    s.push_str(&text.replace('"', "\"\""));
    s.push('"');
    if prefix {
        s.push('*');
    }
    Some(s)
}

fn fts_term(text: &str, field: TextField, prefix: bool) -> Option<String> {
    let string = fts_string(text, prefix)?;
    Some(match field {
        TextField::Any => string,
        TextField::Subject => format!("subject : {string}"),
    })
}

impl SearchQuery {
    /// The FTS5 expression for the positive text conditions, if any (for tests and
    /// diagnostics; [`Store::search`] builds the same).
    pub fn fts_expression(&self) -> Option<String> {
        self.plan().fts_match
    }

    /// Whether the query has any text condition (and so runs through FTS5).
    pub fn uses_fts(&self) -> bool {
        let plan = self.plan();
        plan.fts_match.is_some() || plan.fts_exclude.is_some()
    }

    fn plan(&self) -> Plan<'_> {
        let mut include = Vec::new();
        let mut exclude = Vec::new();
        let mut sql = Vec::new();
        for term in &self.terms {
            match &term.condition {
                Condition::Text {
                    text,
                    field,
                    prefix,
                } => {
                    let Some(t) = fts_term(text, *field, *prefix) else {
                        continue;
                    };
                    if term.negated {
                        exclude.push(t);
                    } else {
                        include.push(t);
                    }
                }
                _ => sql.push(SqlTerm {
                    term,
                    folder_ids: Vec::new(),
                    label_ids: Vec::new(),
                }),
            }
        }
        let exclude = (!exclude.is_empty()).then(|| exclude.join(" OR "));
        match (include.is_empty(), exclude) {
            (true, exclude) => Plan {
                fts_match: None,
                fts_exclude: exclude,
                sql,
            },
            (false, None) => Plan {
                fts_match: Some(include.join(" AND ")),
                fts_exclude: None,
                sql,
            },
            (false, Some(ex)) => Plan {
                fts_match: Some(format!("({}) NOT ({ex})", include.join(" AND "))),
                fts_exclude: None,
                sql,
            },
        }
    }
}

/// `%text%` for LIKE with `\` as the escape character.
fn like_contains(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 2);
    s.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('%');
    s
}

/// Whether `text` appears verbatim inside a JSON string holding it: JSON escapes only
/// `"`, `\` and control characters (non-ASCII stays UTF-8 in what we write).
fn json_verbatim(text: &str) -> bool {
    !text
        .chars()
        .any(|c| c == '"' || c == '\\' || c.is_control())
}

/// A name or address in a JSON address list column (`[{"name":…,"email":…}]`) contains
/// `who`. A LIKE over the raw JSON text rules most rows out before json_each parses any
/// (on 100k messages: ~30 ms instead of ~150 ms when nothing matches).
fn push_json_addresses(q: &mut QueryBuilder<'_, Sqlite>, column: &str, who: &str) {
    let pattern = like_contains(who);
    q.push("(");
    if json_verbatim(who) {
        q.push(format!("m.{column} LIKE "));
        q.push_bind(pattern.clone());
        q.push(" ESCAPE '\\' AND ");
    }
    q.push(format!(
        "EXISTS (SELECT 1 FROM json_each(m.{column}) a WHERE \
         coalesce(a.value ->> 'name', '') LIKE "
    ));
    q.push_bind(pattern.clone());
    q.push(" ESCAPE '\\' OR coalesce(a.value ->> 'email', '') LIKE ");
    q.push_bind(pattern);
    q.push(" ESCAPE '\\'))");
}

fn push_condition(q: &mut QueryBuilder<'_, Sqlite>, term: &SqlTerm<'_>) {
    match &term.term.condition {
        // Text is planned into FTS; never reaches here.
        Condition::Text { .. } => {
            q.push("1");
        }
        Condition::From(who) => {
            let p = like_contains(who);
            q.push("(coalesce(m.from_name, '') LIKE ");
            q.push_bind(p.clone());
            q.push(" ESCAPE '\\' OR coalesce(m.from_email, '') LIKE ");
            q.push_bind(p);
            q.push(" ESCAPE '\\')");
        }
        Condition::To(who) => {
            q.push("(");
            push_json_addresses(q, "to_json", who);
            q.push(" OR ");
            push_json_addresses(q, "cc_json", who);
            q.push(")");
        }
        Condition::Cc(who) => push_json_addresses(q, "cc_json", who),
        // Literals, not binds: SQLite picks a partial index (migration 0004) only when
        // the query's term is the index's own WHERE.
        Condition::HasAttachment => {
            q.push("m.has_attachments = 1");
        }
        Condition::Unread => {
            q.push("m.seen = 0");
        }
        Condition::Flagged => {
            q.push("m.flagged = 1");
        }
        Condition::Folder { .. } if !term.label_ids.is_empty() => {
            q.push("(m.folder_id IN (");
            let mut ids = q.separated(", ");
            for id in &term.folder_ids {
                ids.push_bind(*id);
            }
            q.push(") OR m.id IN (SELECT message_id FROM message_labels WHERE folder_id IN (");
            let mut ids = q.separated(", ");
            for id in &term.label_ids {
                ids.push_bind(*id);
            }
            q.push(")))");
        }
        Condition::Folder { .. } => match term.folder_ids.as_slice() {
            [] => {
                q.push("0");
            }
            [one] => {
                q.push("m.folder_id = ");
                q.push_bind(*one);
            }
            many => {
                q.push("m.folder_id IN (");
                let mut ids = q.separated(", ");
                for id in many {
                    ids.push_bind(*id);
                }
                q.push(")");
            }
        },
        Condition::DateBefore(ms) => {
            q.push("m.date < ");
            q.push_bind(*ms);
        }
        Condition::DateFrom(ms) => {
            q.push("m.date >= ");
            q.push_bind(*ms);
        }
    }
}

/// Appends ` AND <condition>` for the plan's SQL terms, the exclusion and the scope.
fn push_filters(q: &mut QueryBuilder<'_, Sqlite>, plan: &Plan<'_>, filters: &SearchFilters) {
    for term in &plan.sql {
        q.push(if term.term.negated {
            " AND NOT "
        } else {
            " AND "
        });
        q.push("(");
        push_condition(q, term);
        q.push(")");
    }
    if let Some(ex) = &plan.fts_exclude {
        q.push(" AND m.id NOT IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ");
        q.push_bind(ex.clone());
        q.push(")");
    }
    if let Some(account) = filters.account_id {
        q.push(" AND m.account_id = ");
        q.push_bind(account);
    }
}

const ROW_COLUMNS: &str = "m.id, m.thread_id, m.subject, m.from_name, m.from_email, m.date,
    coalesce(f.name, '') AS folder, f.role AS folder_role";

impl Store {
    /// Messages matching `query` within `filters`, newest first (date, then id), one
    /// page of `limit` starting at `offset`.
    pub async fn search(
        &self,
        query: &SearchQuery,
        filters: &SearchFilters,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<SearchRow>> {
        let mut plan = query.plan();
        self.resolve_folders(&mut plan, filters).await?;
        self.run_plan(plan, filters, limit, offset).await
    }

    /// Looks up the folders each `in:` names (by name, any ASCII case, or by role).
    async fn resolve_folders(&self, plan: &mut Plan<'_>, filters: &SearchFilters) -> Result<()> {
        for sql in &mut plan.sql {
            if let Condition::Folder { name, role } = &sql.term.condition {
                sql.folder_ids = sqlx::query_scalar(
                    "SELECT id FROM folders WHERE (name = ?1 COLLATE NOCASE OR role = ?2)
                     AND (?3 IS NULL OR account_id = ?3) ORDER BY id",
                )
                .bind(name)
                .bind(role)
                .bind(filters.account_id)
                .fetch_all(&self.pool)
                .await?;
                sql.label_ids = sqlx::query_scalar(
                    "SELECT f.value FROM json_each(?) f WHERE EXISTS
                       (SELECT 1 FROM message_labels l WHERE l.folder_id = f.value)",
                )
                .bind(serde_json::to_string(&sql.folder_ids).unwrap_or_else(|_| "[]".into()))
                .fetch_all(&self.pool)
                .await?;
            }
        }
        Ok(())
    }

    /// Runs a ready FTS5 MATCH expression, newest first. The caller must have quoted
    /// every user term; prefer [`Store::search`], which does that itself.
    pub async fn search_messages(
        &self,
        fts_query: &str,
        filters: &SearchFilters,
        limit: i64,
    ) -> Result<Vec<SearchRow>> {
        let plan = Plan {
            fts_match: Some(fts_query.to_owned()),
            ..Plan::default()
        };
        self.run_plan(plan, filters, limit, 0).await
    }

    async fn run_plan(
        &self,
        plan: Plan<'_>,
        filters: &SearchFilters,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<SearchRow>> {
        let mut q = statement("", &plan, filters, limit, offset);
        Ok(q.build_query_as::<SearchRow>()
            .fetch_all(&self.pool)
            .await?)
    }

    /// `EXPLAIN QUERY PLAN` of [`Store::search`]'s statement, one line per step, for
    /// benchmarks and index checks.
    pub async fn explain_search(
        &self,
        query: &SearchQuery,
        filters: &SearchFilters,
    ) -> Result<Vec<String>> {
        let mut plan = query.plan();
        self.resolve_folders(&mut plan, filters).await?;
        let mut q = statement("EXPLAIN QUERY PLAN ", &plan, filters, 50, 0);
        let rows: Vec<(i64, i64, i64, String)> = q.build_query_as().fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(|r| r.3).collect())
    }
}

/// The one search statement, after `prefix`.
fn statement<'a>(
    prefix: &str,
    plan: &Plan<'_>,
    filters: &SearchFilters,
    limit: i64,
    offset: i64,
) -> QueryBuilder<'a, Sqlite> {
    let mut q = QueryBuilder::<Sqlite>::new(prefix);
    match &plan.fts_match {
        Some(fts) => {
            // Pick the page first, then make snippets for that page only: snippet()
            // in the sorted query would run for every match ("the": 90k of them).
            // The page comes from the FTS matches (CROSS JOIN: SQLite would otherwise
            // run one MATCH per message of a folder). The snippets come from one more
            // pass over the matches, kept only if on the page: a MATCH per page row
            // (rowid = ?) costs more than the whole pass for common words, and the `+`
            // stops SQLite from handing FTS5 the rowids one by one.
            q.push(
                "WITH page AS MATERIALIZED (SELECT m.id, m.date FROM messages_fts \
                 CROSS JOIN messages m ON m.id = messages_fts.rowid \
                 WHERE messages_fts MATCH ",
            );
            q.push_bind(fts.clone());
            push_filters(&mut q, plan, filters);
            q.push(" ORDER BY m.date DESC, m.id DESC LIMIT ");
            q.push_bind(limit);
            q.push(" OFFSET ");
            q.push_bind(offset);
            q.push(format!(
                ") SELECT {ROW_COLUMNS}, \
                 snippet(messages_fts, -1, char(2), char(3), '…', 16) AS snippet \
                 FROM messages_fts CROSS JOIN page ON page.id = messages_fts.rowid \
                 CROSS JOIN messages m ON m.id = page.id \
                 LEFT JOIN folders f ON f.id = m.folder_id \
                 WHERE +messages_fts.rowid IN (SELECT id FROM page) AND messages_fts MATCH "
            ));
            q.push_bind(fts.clone());
            q.push(" ORDER BY page.date DESC, page.id DESC");
        }
        None => {
            q.push(format!(
                "SELECT {ROW_COLUMNS}, \
                 replace(replace(m.snippet, char(2), ''), char(3), '') AS snippet \
                 FROM messages m LEFT JOIN folders f ON f.id = m.folder_id WHERE 1"
            ));
            push_filters(&mut q, plan, filters);
            q.push(" ORDER BY m.date DESC, m.id DESC LIMIT ");
            q.push_bind(limit);
            q.push(" OFFSET ");
            q.push_bind(offset);
        }
    }
    q
}
