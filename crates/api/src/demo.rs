//! The demo workspace: generated files imported through the real import paths.

use crate::dto::DemoReport;
use crate::{Api, ApiError, ApiResult};

/// Fixed so every demo workspace has the same content (relative to the day it is made).
const DEMO_SEED: u64 = 0x0005_71C4_B0A2_D000;

const DEMO_TIME_KEY: &str = "demo.generated_at";

pub const DEMO_SALES_ACCOUNT: &str = "Acme Sales";
pub const DEMO_SUPPORT_ACCOUNT: &str = "Acme Support";

impl Api {
    /// Writes the demo files into `<data dir>/demo` and imports them: sales mail,
    /// a support mailbox that becomes tickets, FluentSupport tickets and a calendar.
    /// Running it again adds nothing new.
    pub async fn open_demo_workspace(&self) -> ApiResult<DemoReport> {
        let dir = self.data_dir.join("demo");
        // The generated content depends on "now" (dates, this week's events). Reuse the
        // first seeding's time so running it again yields the same files and therefore
        // only duplicates.
        let now = match self.store.setting(DEMO_TIME_KEY).await? {
            Some(ms) => ms
                .parse::<i64>()
                .ok()
                .and_then(chrono::DateTime::from_timestamp_millis)
                .unwrap_or_else(|| self.now()),
            None => {
                let now = self.now();
                self.store
                    .set_setting(DEMO_TIME_KEY, &now.timestamp_millis().to_string())
                    .await?;
                now
            }
        };
        let dir_for_write = dir.clone();
        let files = tokio::task::spawn_blocking(move || {
            switchboard_demo::write_demo_files(&dir_for_write, DEMO_SEED, now)
        })
        .await
        .map_err(|e| ApiError::new(switchboard_core::ErrorCode::Internal, e.to_string()))?
        .map_err(|e| {
            ApiError::new(
                switchboard_core::ErrorCode::Internal,
                format!("cannot write demo files: {e}"),
            )
        })?;

        let sales = self
            .import_mbox(&files.sales_mbox, DEMO_SALES_ACCOUNT)
            .await?;
        let support = self
            .import_mbox(&files.support_mbox, DEMO_SUPPORT_ACCOUNT)
            .await?;
        let mailbox = self
            .tickets_from_mailbox(DEMO_SUPPORT_ACCOUNT, "Support mailbox")
            .await?;
        let site_tz: chrono_tz::Tz = switchboard_demo::FLUENTSUPPORT_SITE_TZ
            .parse()
            .unwrap_or(chrono_tz::UTC);
        let fluent = self
            .import_fluentsupport(&files.fluentsupport_json, "FluentSupport", site_tz)
            .await?;
        let calendar = self
            .import_ics(&files.calendar_ics, DEMO_SALES_ACCOUNT, "Work")
            .await?;
        let stats = self.store.stats().await?;
        Ok(DemoReport {
            mail: vec![sales, support],
            events: calendar.events as i64,
            tickets: (mailbox.tickets + fluent.tickets) as i64,
            contacts: stats.contacts,
        })
    }
}
