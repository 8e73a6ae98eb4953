//! Windows time zone names (what Outlook and Exchange write in TZID) mapped to IANA zones,
//! typed from the "001" (default territory) rows of CLDR's windowsZones.xml, with the
//! display names Windows shows (`(UTC-05:00) Eastern Time (US & Canada)`), which some
//! exporters use as the TZID.

/// (Windows zone id, IANA zone, Windows display name without its `(UTC±hh:mm) ` prefix).
pub(crate) const WINDOWS_ZONES: &[(&str, &str, &str)] = &[
    (
        "Dateline Standard Time",
        "Etc/GMT+12",
        "International Date Line West",
    ),
    ("UTC-11", "Etc/GMT+11", "Coordinated Universal Time-11"),
    ("Hawaiian Standard Time", "Pacific/Honolulu", "Hawaii"),
    ("Alaskan Standard Time", "America/Anchorage", "Alaska"),
    (
        "Pacific Standard Time (Mexico)",
        "America/Tijuana",
        "Baja California",
    ),
    (
        "Pacific Standard Time",
        "America/Los_Angeles",
        "Pacific Time (US & Canada)",
    ),
    ("US Mountain Standard Time", "America/Phoenix", "Arizona"),
    (
        "Mountain Standard Time (Mexico)",
        "America/Mazatlan",
        "La Paz, Mazatlan",
    ),
    (
        "Mountain Standard Time",
        "America/Denver",
        "Mountain Time (US & Canada)",
    ),
    (
        "Central America Standard Time",
        "America/Guatemala",
        "Central America",
    ),
    (
        "Central Standard Time",
        "America/Chicago",
        "Central Time (US & Canada)",
    ),
    (
        "Central Standard Time (Mexico)",
        "America/Mexico_City",
        "Guadalajara, Mexico City, Monterrey",
    ),
    (
        "Mexico Standard Time",
        "America/Mexico_City",
        "Guadalajara, Mexico City, Monterrey - Old",
    ),
    (
        "Canada Central Standard Time",
        "America/Regina",
        "Saskatchewan",
    ),
    (
        "SA Pacific Standard Time",
        "America/Bogota",
        "Bogota, Lima, Quito, Rio Branco",
    ),
    (
        "Eastern Standard Time (Mexico)",
        "America/Cancun",
        "Chetumal",
    ),
    (
        "Eastern Standard Time",
        "America/New_York",
        "Eastern Time (US & Canada)",
    ),
    (
        "US Eastern Standard Time",
        "America/Indiana/Indianapolis",
        "Indiana (East)",
    ),
    ("Haiti Standard Time", "America/Port-au-Prince", "Haiti"),
    ("Cuba Standard Time", "America/Havana", "Havana"),
    ("Paraguay Standard Time", "America/Asuncion", "Asuncion"),
    ("Venezuela Standard Time", "America/Caracas", "Caracas"),
    (
        "Atlantic Standard Time",
        "America/Halifax",
        "Atlantic Time (Canada)",
    ),
    (
        "SA Western Standard Time",
        "America/La_Paz",
        "Georgetown, La Paz, Manaus, San Juan",
    ),
    ("Pacific SA Standard Time", "America/Santiago", "Santiago"),
    (
        "Newfoundland Standard Time",
        "America/St_Johns",
        "Newfoundland",
    ),
    (
        "E. South America Standard Time",
        "America/Sao_Paulo",
        "Brasilia",
    ),
    (
        "Argentina Standard Time",
        "America/Argentina/Buenos_Aires",
        "City of Buenos Aires",
    ),
    (
        "SA Eastern Standard Time",
        "America/Cayenne",
        "Cayenne, Fortaleza",
    ),
    ("Greenland Standard Time", "America/Nuuk", "Greenland"),
    (
        "Montevideo Standard Time",
        "America/Montevideo",
        "Montevideo",
    ),
    ("Bahia Standard Time", "America/Bahia", "Salvador"),
    ("UTC-02", "Etc/GMT+2", "Coordinated Universal Time-02"),
    ("Azores Standard Time", "Atlantic/Azores", "Azores"),
    (
        "Cape Verde Standard Time",
        "Atlantic/Cape_Verde",
        "Cabo Verde Is.",
    ),
    ("UTC", "Etc/UTC", "Coordinated Universal Time"),
    (
        "GMT Standard Time",
        "Europe/London",
        "Dublin, Edinburgh, Lisbon, London",
    ),
    (
        "Greenwich Standard Time",
        "Atlantic/Reykjavik",
        "Monrovia, Reykjavik",
    ),
    ("Morocco Standard Time", "Africa/Casablanca", "Casablanca"),
    (
        "W. Europe Standard Time",
        "Europe/Berlin",
        "Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna",
    ),
    (
        "Central Europe Standard Time",
        "Europe/Budapest",
        "Belgrade, Bratislava, Budapest, Ljubljana, Prague",
    ),
    (
        "Romance Standard Time",
        "Europe/Paris",
        "Brussels, Copenhagen, Madrid, Paris",
    ),
    (
        "Central European Standard Time",
        "Europe/Warsaw",
        "Sarajevo, Skopje, Warsaw, Zagreb",
    ),
    (
        "W. Central Africa Standard Time",
        "Africa/Lagos",
        "West Central Africa",
    ),
    ("Namibia Standard Time", "Africa/Windhoek", "Windhoek"),
    ("Jordan Standard Time", "Asia/Amman", "Amman"),
    ("GTB Standard Time", "Europe/Bucharest", "Athens, Bucharest"),
    ("Middle East Standard Time", "Asia/Beirut", "Beirut"),
    ("Egypt Standard Time", "Africa/Cairo", "Cairo"),
    ("E. Europe Standard Time", "Europe/Chisinau", "Chisinau"),
    ("Syria Standard Time", "Asia/Damascus", "Damascus"),
    (
        "South Africa Standard Time",
        "Africa/Johannesburg",
        "Harare, Pretoria",
    ),
    (
        "FLE Standard Time",
        "Europe/Kyiv",
        "Helsinki, Kyiv, Riga, Sofia, Tallinn, Vilnius",
    ),
    ("Israel Standard Time", "Asia/Jerusalem", "Jerusalem"),
    (
        "Kaliningrad Standard Time",
        "Europe/Kaliningrad",
        "Kaliningrad",
    ),
    ("Libya Standard Time", "Africa/Tripoli", "Tripoli"),
    ("Sudan Standard Time", "Africa/Khartoum", "Khartoum"),
    ("Arabic Standard Time", "Asia/Baghdad", "Baghdad"),
    ("Turkey Standard Time", "Europe/Istanbul", "Istanbul"),
    ("Arab Standard Time", "Asia/Riyadh", "Kuwait, Riyadh"),
    ("Belarus Standard Time", "Europe/Minsk", "Minsk"),
    (
        "Russian Standard Time",
        "Europe/Moscow",
        "Moscow, St. Petersburg",
    ),
    ("E. Africa Standard Time", "Africa/Nairobi", "Nairobi"),
    ("Iran Standard Time", "Asia/Tehran", "Tehran"),
    ("Arabian Standard Time", "Asia/Dubai", "Abu Dhabi, Muscat"),
    ("Russia Time Zone 3", "Europe/Samara", "Izhevsk, Samara"),
    ("Azerbaijan Standard Time", "Asia/Baku", "Baku"),
    ("Mauritius Standard Time", "Indian/Mauritius", "Port Louis"),
    ("Georgian Standard Time", "Asia/Tbilisi", "Tbilisi"),
    ("Caucasus Standard Time", "Asia/Yerevan", "Yerevan"),
    ("Afghanistan Standard Time", "Asia/Kabul", "Kabul"),
    (
        "West Asia Standard Time",
        "Asia/Tashkent",
        "Ashgabat, Tashkent",
    ),
    (
        "Ekaterinburg Standard Time",
        "Asia/Yekaterinburg",
        "Ekaterinburg",
    ),
    (
        "Pakistan Standard Time",
        "Asia/Karachi",
        "Islamabad, Karachi",
    ),
    (
        "India Standard Time",
        "Asia/Kolkata",
        "Chennai, Kolkata, Mumbai, New Delhi",
    ),
    (
        "Sri Lanka Standard Time",
        "Asia/Colombo",
        "Sri Jayawardenepura",
    ),
    ("Nepal Standard Time", "Asia/Kathmandu", "Kathmandu"),
    ("Central Asia Standard Time", "Asia/Bishkek", "Astana"),
    ("Bangladesh Standard Time", "Asia/Dhaka", "Dhaka"),
    ("Myanmar Standard Time", "Asia/Yangon", "Yangon (Rangoon)"),
    (
        "SE Asia Standard Time",
        "Asia/Bangkok",
        "Bangkok, Hanoi, Jakarta",
    ),
    (
        "N. Central Asia Standard Time",
        "Asia/Novosibirsk",
        "Novosibirsk",
    ),
    (
        "North Asia Standard Time",
        "Asia/Krasnoyarsk",
        "Krasnoyarsk",
    ),
    (
        "China Standard Time",
        "Asia/Shanghai",
        "Beijing, Chongqing, Hong Kong, Urumqi",
    ),
    ("North Asia East Standard Time", "Asia/Irkutsk", "Irkutsk"),
    (
        "Singapore Standard Time",
        "Asia/Singapore",
        "Kuala Lumpur, Singapore",
    ),
    ("W. Australia Standard Time", "Australia/Perth", "Perth"),
    ("Taipei Standard Time", "Asia/Taipei", "Taipei"),
    (
        "Ulaanbaatar Standard Time",
        "Asia/Ulaanbaatar",
        "Ulaanbaatar",
    ),
    ("Tokyo Standard Time", "Asia/Tokyo", "Osaka, Sapporo, Tokyo"),
    ("Korea Standard Time", "Asia/Seoul", "Seoul"),
    ("Yakutsk Standard Time", "Asia/Yakutsk", "Yakutsk"),
    (
        "Cen. Australia Standard Time",
        "Australia/Adelaide",
        "Adelaide",
    ),
    ("AUS Central Standard Time", "Australia/Darwin", "Darwin"),
    (
        "E. Australia Standard Time",
        "Australia/Brisbane",
        "Brisbane",
    ),
    (
        "AUS Eastern Standard Time",
        "Australia/Sydney",
        "Canberra, Melbourne, Sydney",
    ),
    (
        "West Pacific Standard Time",
        "Pacific/Port_Moresby",
        "Guam, Port Moresby",
    ),
    ("Tasmania Standard Time", "Australia/Hobart", "Hobart"),
    (
        "Vladivostok Standard Time",
        "Asia/Vladivostok",
        "Vladivostok",
    ),
    (
        "Lord Howe Standard Time",
        "Australia/Lord_Howe",
        "Lord Howe Island",
    ),
    ("Magadan Standard Time", "Asia/Magadan", "Magadan"),
    (
        "Central Pacific Standard Time",
        "Pacific/Guadalcanal",
        "Solomon Is., New Caledonia",
    ),
    (
        "New Zealand Standard Time",
        "Pacific/Auckland",
        "Auckland, Wellington",
    ),
    ("UTC+12", "Etc/GMT-12", "Coordinated Universal Time+12"),
    ("Fiji Standard Time", "Pacific/Fiji", "Fiji"),
    ("Tonga Standard Time", "Pacific/Tongatapu", "Nuku'alofa"),
    ("Samoa Standard Time", "Pacific/Apia", "Samoa"),
    (
        "Line Islands Standard Time",
        "Pacific/Kiritimati",
        "Kiritimati Island",
    ),
];

/// The IANA name for a Windows zone id or display name (with or without its
/// `(UTC±hh:mm) ` / `(GMT±hh:mm) ` prefix), compared case-insensitively.
pub(crate) fn windows_to_iana(name: &str) -> Option<&'static str> {
    let name = name.trim();
    let bare = strip_offset_prefix(name);
    WINDOWS_ZONES
        .iter()
        .find(|(id, _, display)| {
            id.eq_ignore_ascii_case(name)
                || display.eq_ignore_ascii_case(bare)
                || (bare != name && id.eq_ignore_ascii_case(bare))
        })
        .map(|(_, iana, _)| *iana)
}

/// `(UTC-05:00) Eastern Time (US & Canada)` -> `Eastern Time (US & Canada)`.
fn strip_offset_prefix(name: &str) -> &str {
    let Some(rest) = name.strip_prefix('(') else {
        return name;
    };
    let Some(close) = rest.find(')') else {
        return name;
    };
    let inside = &rest[..close];
    let is_offset = ["UTC", "GMT"].iter().any(|p| {
        inside
            .get(..3)
            .is_some_and(|head| head.eq_ignore_ascii_case(p))
    });
    if is_offset {
        rest[close + 1..].trim()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Tz;

    #[test]
    fn every_mapping_names_a_known_zone() {
        for (id, iana, _) in WINDOWS_ZONES {
            assert!(iana.parse::<Tz>().is_ok(), "{id} -> {iana}");
        }
        assert!(WINDOWS_ZONES.len() >= 50);
    }

    #[test]
    fn ids_and_display_names_resolve() {
        let cases = [
            ("Eastern Standard Time", Some("America/New_York")),
            ("eastern standard time", Some("America/New_York")),
            (
                "(UTC-05:00) Eastern Time (US & Canada)",
                Some("America/New_York"),
            ),
            (
                "(GMT+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna",
                Some("Europe/Berlin"),
            ),
            ("(UTC+10:30) Lord Howe Island", Some("Australia/Lord_Howe")),
            ("(UTC) Coordinated Universal Time", Some("Etc/UTC")),
            ("Pacific Standard Time (Mexico)", Some("America/Tijuana")),
            ("Mars Standard Time", None),
            ("(UTC+01:00) Nowhere", None),
        ];
        for (name, want) in cases {
            assert_eq!(windows_to_iana(name), want, "{name}");
        }
    }
}
