//! Contacts and their addresses. A contact is created the first time an address is
//! seen anywhere (mail, tickets, attendees); later sources only fill gaps.

use crate::{Result, Store};
use sqlx::SqliteConnection;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRow {
    pub id: i64,
    pub display_name: Option<String>,
    pub company: Option<String>,
    pub emails: Vec<String>,
    pub message_count: i64,
    pub ticket_count: i64,
}

#[derive(Debug, Clone, Default)]
pub struct NewContact {
    pub email: String,
    pub name: Option<String>,
}

/// A company name guessed from the address's domain; none for personal mail domains.
fn company_from_email(email: &str) -> Option<String> {
    const PERSONAL: &[&str] = &[
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "proton.me",
        "protonmail.com",
        "aol.com",
        "qq.com",
        "163.com",
    ];
    let domain = email.rsplit_once('@')?.1;
    if PERSONAL.contains(&domain) {
        return None;
    }
    let label = domain.split('.').next().filter(|l| !l.is_empty())?;
    let mut chars = label.chars();
    let first = chars.next()?;
    Some(first.to_uppercase().chain(chars).collect())
}

pub(crate) async fn ensure_contact(
    conn: &mut SqliteConnection,
    email: &str,
    name: Option<&str>,
    now_ms: i64,
) -> Result<i64> {
    let existing = sqlx::query!(
        "SELECT c.id AS \"id!\", c.display_name FROM contact_emails e JOIN contacts c ON c.id = e.contact_id
         WHERE e.email = ?",
        email
    )
    .fetch_optional(&mut *conn)
    .await?;
    let name = name.map(str::trim).filter(|n| !n.is_empty() && *n != email);
    if let Some(row) = existing {
        if row.display_name.is_none() && name.is_some() {
            sqlx::query!(
                "UPDATE contacts SET display_name = ? WHERE id = ?",
                name,
                row.id
            )
            .execute(&mut *conn)
            .await?;
        }
        return Ok(row.id);
    }
    let company = company_from_email(email);
    let id = sqlx::query_scalar!(
        "INSERT INTO contacts (display_name, company, created_at) VALUES (?, ?, ?) RETURNING id AS \"id!\"",
        name,
        company,
        now_ms
    )
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query!(
        "INSERT INTO contact_emails (email, contact_id) VALUES (?, ?)",
        email,
        id
    )
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct ContactListRow {
    id: i64,
    display_name: Option<String>,
    company: Option<String>,
    emails: String,
    message_count: i64,
    ticket_count: i64,
}

impl From<ContactListRow> for ContactRow {
    fn from(r: ContactListRow) -> Self {
        Self {
            id: r.id,
            display_name: r.display_name,
            company: r.company,
            emails: r
                .emails
                .split(',')
                .filter(|e| !e.is_empty())
                .map(str::to_owned)
                .collect(),
            message_count: r.message_count,
            ticket_count: r.ticket_count,
        }
    }
}

const CONTACT_SELECT: &str = "SELECT c.id, c.display_name, c.company,
    (SELECT group_concat(email, ',') FROM contact_emails e WHERE e.contact_id = c.id) AS emails,
    (SELECT count(DISTINCT a.message_id) FROM message_addresses a
        JOIN contact_emails e ON e.email = a.email WHERE e.contact_id = c.id) AS message_count,
    (SELECT count(*) FROM tickets t
        JOIN contact_emails e ON e.email = t.customer_email WHERE e.contact_id = c.id) AS ticket_count
    FROM contacts c";

impl Store {
    /// Contacts matching `query` (name, company or address), most active first.
    pub async fn list_contacts(
        &self,
        query: Option<&str>,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<ContactRow>)> {
        let pattern = query
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(|q| format!("%{}%", q.replace(['%', '_'], "")));
        let filter = "WHERE (?1 IS NULL OR c.display_name LIKE ?1 OR c.company LIKE ?1
            OR EXISTS (SELECT 1 FROM contact_emails e WHERE e.contact_id = c.id AND e.email LIKE ?1))";
        let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM contacts c {filter}"))
            .bind(&pattern)
            .fetch_one(&self.pool)
            .await?;
        let rows = sqlx::query_as::<_, ContactListRow>(&format!(
            "{CONTACT_SELECT} {filter}
             ORDER BY message_count + ticket_count DESC, coalesce(c.display_name, emails), c.id
             LIMIT ?2 OFFSET ?3"
        ))
        .bind(&pattern)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        Ok((total, rows.into_iter().map(Into::into).collect()))
    }

    pub async fn contact(&self, id: i64) -> Result<Option<ContactRow>> {
        let row = sqlx::query_as::<_, ContactListRow>(&format!("{CONTACT_SELECT} WHERE c.id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(Into::into))
    }

    pub async fn contact_id_for_email(&self, email: &str) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar!(
            "SELECT contact_id FROM contact_emails WHERE email = ?",
            email
        )
        .fetch_optional(&self.pool)
        .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::company_from_email;

    #[test]
    fn company_comes_from_work_domains_only() {
        let cases = [
            ("dana@northwind.example", Some("Northwind")),
            ("someone@gmail.com", None),
            ("x@müller.de", Some("Müller")),
            ("broken", None),
        ];
        for (email, want) in cases {
            assert_eq!(company_from_email(email).as_deref(), want, "{email}");
        }
    }
}
