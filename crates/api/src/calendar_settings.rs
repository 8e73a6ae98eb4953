//! The calendar's preferences, kept in the workspace's settings table.

use switchboard_calendar::Tz;

use switchboard_calendar::availability::WorkingHours;

use crate::availability::{DEFAULT_WORKING_HOURS, WORKING_HOURS_KEY};
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
            working_hours: match self.store.setting(WORKING_HOURS_KEY).await? {
                Some(json) => serde_json::from_str(&json).unwrap_or_default(),
                None => vec![DEFAULT_WORKING_HOURS.to_owned()],
            },
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
        let zone = match s.time_zone.as_deref() {
            Some(z) => z
                .parse::<Tz>()
                .map_err(|_| ApiError::invalid(format!("unknown time zone {z:?}")))?,
            None => Tz::UTC,
        };
        let hours: Vec<String> = s
            .working_hours
            .iter()
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .collect();
        if hours.is_empty() {
            return Err(ApiError::invalid(
                "working hours are needed (for example Mon-Fri 09:00-17:00)",
            ));
        }
        WorkingHours::parse(zone, &hours)
            .map_err(|e| ApiError::invalid(format!("working hours: {e}")))?;
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
        let json = serde_json::to_string(&hours).unwrap_or_else(|_| "[]".into());
        self.store.set_setting(WORKING_HOURS_KEY, &json).await?;
        self.calendar_settings().await
    }
}
