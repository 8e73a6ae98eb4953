//! The calendar's preferences, kept in the workspace's settings table.

use switchboard_calendar::Tz;

use crate::calendar_edit::MEETING_TEMPLATE_SETTING;
use crate::dto::CalendarSettings;
use crate::reminders::{DEFAULT_REMINDER_SETTING, TIME_ZONE_SETTING};
use crate::{Api, ApiError, ApiResult};

impl Api {
    pub async fn calendar_settings(&self) -> ApiResult<CalendarSettings> {
        let reminder = self.store.setting(DEFAULT_REMINDER_SETTING).await?;
        Ok(CalendarSettings {
            meeting_link_template: self.store.setting(MEETING_TEMPLATE_SETTING).await?,
            default_reminder_minutes: match reminder.as_deref().map(str::trim) {
                None => Some(10),
                Some("off") => None,
                Some(v) => v.parse().ok(),
            },
            time_zone: self.store.setting(TIME_ZONE_SETTING).await?,
        })
    }

    /// Stores the preferences after checking them (an https link, 0-40320 minutes, a
    /// known zone).
    pub async fn set_calendar_settings(&self, s: CalendarSettings) -> ApiResult<CalendarSettings> {
        let link = s
            .meeting_link_template
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty());
        if let Some(link) = link {
            let ok = url::Url::parse(link).is_ok_and(|u| u.scheme() == "https");
            if !ok {
                return Err(ApiError::invalid(format!(
                    "{link:?} is not an https:// link"
                )));
            }
        }
        if let Some(m) = s.default_reminder_minutes {
            if !(0..=40_320).contains(&m) {
                return Err(ApiError::invalid(
                    "a reminder is 0 to 40,320 minutes (4 weeks) ahead",
                ));
            }
        }
        if let Some(z) = s.time_zone.as_deref() {
            z.parse::<Tz>()
                .map_err(|_| ApiError::invalid(format!("unknown time zone {z:?}")))?;
        }
        self.store
            .set_setting(MEETING_TEMPLATE_SETTING, link.unwrap_or(""))
            .await?;
        let reminder = s
            .default_reminder_minutes
            .map_or_else(|| "off".to_owned(), |m| m.to_string());
        self.store
            .set_setting(DEFAULT_REMINDER_SETTING, &reminder)
            .await?;
        if let Some(z) = s.time_zone.as_deref() {
            self.store.set_setting(TIME_ZONE_SETTING, z).await?;
        }
        self.calendar_settings().await
    }
}
