//! Account kind and non-secret settings (server names, ports, sync windows) as JSON.
//! The password or token is never here: `accounts.secret_ref` names its keychain entry.

use crate::{Result, Store};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AccountConfigRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub email: Option<String>,
    pub secret_ref: Option<String>,
    pub settings_json: String,
}

impl Store {
    /// Creates or updates an account with its kind, address and settings.
    pub async fn upsert_account_config(
        &self,
        name: &str,
        kind: &str,
        email: Option<&str>,
        settings_json: &str,
        now_ms: i64,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO accounts (name, kind, email, settings_json, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, email = excluded.email,
                 settings_json = excluded.settings_json
             RETURNING id",
        )
        .bind(name)
        .bind(kind)
        .bind(email)
        .bind(settings_json)
        .bind(now_ms)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Accounts of one kind (e.g. "imap") with their settings.
    pub async fn account_configs(&self, kind: Option<&str>) -> Result<Vec<AccountConfigRow>> {
        Ok(sqlx::query_as::<_, AccountConfigRow>(
            "SELECT id, name, kind, email, secret_ref, settings_json FROM accounts
             WHERE ?1 IS NULL OR kind = ?1 ORDER BY id",
        )
        .bind(kind)
        .fetch_all(&self.pool)
        .await?)
    }
}
