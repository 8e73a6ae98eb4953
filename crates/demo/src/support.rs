//! Support side of the demo: mail to support@ (which becomes support-mailbox tickets) and
//! a FluentSupport `GET /tickets` response.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::content::{html_from_text, signature};
use crate::message::{Addr, Message};
use crate::people::{Locale, Person, SUPPORT_ADDRESS};
use crate::rng::Rng;
use crate::{DANA_EMAIL, FLUENTSUPPORT_SITE_TZ};

/// (subject, what the customer writes). Some carry urgency words on purpose.
const ISSUES: &[(&str, &str)] = &[
    ("URGENT: dashboards down for all users", "Since this morning none of our users can open dashboards; every page returns a 502 error. This is blocking our month-end close."),
    ("Export to CSV fails with a timeout", "Exporting the 'Orders by region' table to CSV runs for about two minutes and then fails with a timeout. Smaller tables export fine."),
    ("SSO login loop after switching to Azure AD", "After we moved our identity provider to Azure AD, users are redirected back and forth between the login page and Microsoft without ever getting in."),
    ("Scheduled report arrived empty", "The weekly revenue report that is scheduled for Monday 07:00 arrived this week as an empty PDF. The dashboard itself shows data."),
    ("Question about API rate limits", "We are building an internal integration against your REST API. What are the rate limits per token, and do you send Retry-After headers?"),
    ("Not urgent: typo in the weekly digest email", "Small thing: the weekly digest says 'Anaytics' in the footer. No rush at all."),
    ("Outage? 502 errors on app.acme-analytics.example", "Is there an outage? We are getting 502 errors on every request since about 20 minutes ago."),
    ("How do I add a viewer license?", "A colleague in finance only needs to look at two dashboards. How do I add them as a viewer without using a full seat?"),
    ("Snowflake sync stuck at 80%", "The Snowflake schema sync has been stuck at 80% since yesterday evening. We have not changed any credentials."),
    ("Wrong currency in revenue dashboard", "Revenue for our UK entity shows in USD instead of GBP since the last release. The underlying table has the right currency code."),
    ("Need help ASAP: charts not refreshing before board meeting", "Our board meeting is tomorrow morning and the pipeline charts have not refreshed since Tuesday. Please help as soon as possible."),
    ("Feature request: dark mode for embedded dashboards", "Our product team embeds two dashboards in our customer portal, which uses a dark theme. Is a dark mode on the roadmap?"),
    ("Invoice address change", "Please update our billing address for future invoices; the new address is in the attached letterhead."),
    ("User cannot reset password", "One of our analysts does not receive the password reset email. We checked spam folders."),
    ("Scheduled reports one hour off since the clock change", "Since the daylight saving change our scheduled reports arrive one hour later than configured."),
    ("Row-level security not applied to new users", "New users added through SCIM can see all regions, although the row-level policy should limit them to their own."),
    ("Embedded dashboard shows a blank iframe", "The embedded dashboard in our intranet shows an empty frame. The browser console mentions a Content-Security-Policy error."),
    ("Data retention question for a GDPR request", "We received a data subject request. How long do you keep query logs that may contain personal data?"),
    ("Slack alerts stopped working", "Metric alerts used to post to our #finance-alerts Slack channel; nothing has arrived since Friday."),
    ("Can we get an audit log export?", "Our auditors would like an export of admin actions for the last quarter. Is that available?"),
    ("Dringend: Dashboard lädt nicht", "Seit heute früh lädt das Vertriebs-Dashboard nicht mehr. Bitte um schnelle Rückmeldung."),
    ("Problème d'export PDF", "L'export PDF du tableau de bord « Ventes Europe » échoue depuis la mise à jour d'hier."),
    ("报表无法导出", "我们无法导出月度销售报表，系统提示超时。请尽快帮忙查看。"),
];

/// What Dana writes to support (she must own several tickets).
const DANA_ISSUES: &[usize] = &[3, 0, 8, 13];

pub(crate) fn support_mailbox(
    rng: &mut Rng,
    contacts: &[Person],
    now: DateTime<Utc>,
    count: usize,
) -> Vec<Message> {
    let dana = contacts.iter().find(|c| c.email == DANA_EMAIL);
    let mut messages = Vec::with_capacity(count);
    for i in 0..count {
        let (from, issue) = match (dana, DANA_ISSUES.get(i)) {
            (Some(dana), Some(&issue)) => (dana, issue),
            _ => (
                &contacts[rng.below(contacts.len())],
                rng.below(ISSUES.len()),
            ),
        };
        let (subject, complaint) = ISSUES[issue];
        let date = now - Duration::minutes(rng.range(30, 30 * 24 * 60));
        let greeting = match from.locale {
            Locale::De => "Hallo Support-Team,",
            Locale::Fr => "Bonjour,",
            Locale::Zh => "您好，",
            _ => "Hello Acme support,",
        };
        let text = format!(
            "{greeting}\n\n{complaint}\n\nAccount: {}\nUser: {}\n\n{}\n",
            from.company_name(),
            from.email,
            signature(from)
        );
        let html = rng.chance(30).then(|| html_from_text(&text, None, false));
        messages.push(Message {
            from: Addr {
                name: from.name.clone(),
                email: from.email.clone(),
            },
            to: vec![Addr {
                name: "Acme Analytics Support".to_string(),
                email: SUPPORT_ADDRESS.to_string(),
            }],
            cc: Vec::new(),
            subject: subject.to_string(),
            date,
            tz: from.tz,
            message_id: format!(
                "{}.{}@mail.{}",
                date.format("%Y%m%d%H%M%S"),
                rng.hex(12),
                from.email.rsplit_once('@').map_or("localhost", |(_, d)| d)
            ),
            in_reply_to: None,
            references: Vec::new(),
            text,
            html,
            attachments: Vec::new(),
            header_charset: from.locale.header_charset(),
            latin1_body: rng.chance(30),
            eight_bit: false,
            mailer: None,
            malformed: None,
        });
    }
    messages.sort_by_key(|m| m.date);
    messages
}

#[derive(Serialize)]
struct Page {
    tickets: Paginator,
}

#[derive(Serialize)]
struct Paginator {
    current_page: u32,
    data: Vec<FsTicket>,
    first_page_url: String,
    from: u32,
    last_page: u32,
    last_page_url: String,
    links: Vec<Link>,
    next_page_url: Option<String>,
    path: String,
    per_page: u32,
    prev_page_url: Option<String>,
    to: u32,
    total: u32,
}

#[derive(Serialize)]
struct Link {
    url: Option<String>,
    label: String,
    active: bool,
}

/// Field order and string-typed numbers as FluentSupport sends them.
#[derive(Serialize)]
struct FsTicket {
    id: u32,
    customer_id: String,
    agent_id: Option<String>,
    mailbox_id: String,
    product_id: String,
    product_source: &'static str,
    privacy: &'static str,
    priority: &'static str,
    client_priority: &'static str,
    status: &'static str,
    title: String,
    slug: String,
    hash: String,
    content_hash: String,
    message_id: Option<String>,
    source: &'static str,
    content: String,
    secret_content: Option<String>,
    last_agent_response: Option<String>,
    last_customer_response: String,
    waiting_since: String,
    response_count: String,
    first_response_time: Option<String>,
    total_close_time: Option<String>,
    resolved_at: Option<String>,
    closed_by: Option<String>,
    created_at: String,
    updated_at: String,
    customer: FsPerson,
    agent: Option<FsPerson>,
    mailbox: FsMailbox,
    product: FsProduct,
    tags: Vec<String>,
}

#[derive(Serialize)]
struct FsPerson {
    id: u32,
    first_name: String,
    last_name: String,
    email: String,
    full_name: String,
    photo: String,
}

#[derive(Serialize)]
struct FsMailbox {
    id: u32,
    name: &'static str,
    slug: &'static str,
    box_type: &'static str,
    email: &'static str,
}

#[derive(Serialize)]
struct FsProduct {
    id: u32,
    title: &'static str,
}

fn fs_person(id: u32, p: &Person, rng: &mut Rng) -> FsPerson {
    let (first, last) = match p.name.split_once(' ') {
        Some((a, b)) if matches!(p.locale, Locale::Ja) => (b.to_string(), a.to_string()),
        Some((a, b)) => (a.to_string(), b.to_string()),
        // Chinese names: family name first, one character.
        None => {
            let mut chars = p.name.chars();
            let family = chars.next().map(String::from).unwrap_or_default();
            (chars.collect(), family)
        }
    };
    FsPerson {
        id,
        first_name: first,
        last_name: last,
        email: p.email.clone(),
        full_name: p.name.clone(),
        photo: format!("https://www.gravatar.com/avatar/{}?s=128", rng.hex(32)),
    }
}

fn slug(title: &str) -> String {
    let mut s = String::new();
    for c in title.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    s.trim_end_matches('-').to_string()
}

/// A FluentSupport ticket list page with `count` tickets, newest id first.
pub(crate) fn fluentsupport_json(
    rng: &mut Rng,
    contacts: &[Person],
    team: &[Person],
    now: DateTime<Utc>,
    count: usize,
) -> String {
    let site: Tz = FLUENTSUPPORT_SITE_TZ.parse().unwrap_or(Tz::UTC);
    let local = |t: DateTime<Utc>| {
        t.with_timezone(&site)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    };
    let iso = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string();
    let dana = contacts.iter().position(|c| c.email == DANA_EMAIL);
    let mut data = Vec::with_capacity(count);
    for i in 0..count {
        let id = 1001 + i as u32;
        let who = match dana {
            Some(d) if i % 29 == 3 => d,
            _ => rng.below(contacts.len()),
        };
        let customer = &contacts[who];
        let (title, complaint) = ISSUES[rng.below(ISSUES.len())];
        let created = now - Duration::minutes(rng.range(60, 90 * 24 * 60));
        let age = (now - created).num_minutes();
        let updated = created + Duration::minutes(rng.range(0, age.saturating_sub(1).max(0)));
        let status = *rng.pick(&[
            "new", "new", "active", "active", "active", "active", "closed", "closed", "closed",
            "on-hold", "waiting",
        ]);
        let answered = status != "new";
        let agent = answered.then(|| {
            let a = rng.below(team.len());
            (a, fs_person(1 + a as u32, &team[a], rng))
        });
        let from_email = rng.chance(35);
        data.push(FsTicket {
            id,
            customer_id: (100 + who).to_string(),
            agent_id: agent.as_ref().map(|(a, _)| (1 + a).to_string()),
            mailbox_id: if from_email { "2" } else { "1" }.to_string(),
            product_id: "1".to_string(),
            product_source: "local",
            privacy: "private",
            priority: rng.pick_copy(&[
                "normal", "normal", "normal", "medium", "medium", "high", "critical", "low",
            ]),
            client_priority: rng.pick_copy(&["normal", "normal", "medium", "critical"]),
            status,
            title: title.to_string(),
            slug: slug(title),
            hash: rng.hex(10),
            content_hash: rng.hex(32),
            message_id: from_email.then(|| {
                format!(
                    "{}.{}@mail.{}",
                    created.format("%Y%m%d%H%M%S"),
                    rng.hex(8),
                    customer
                        .email
                        .rsplit_once('@')
                        .map_or("localhost", |(_, d)| d)
                )
            }),
            source: if from_email { "email" } else { "web" },
            content: format!(
                "<p>{}</p>\n",
                complaint.replace('&', "&amp;").replace('<', "&lt;")
            ),
            secret_content: None,
            last_agent_response: answered.then(|| local(updated)),
            last_customer_response: local(created),
            waiting_since: iso(updated),
            response_count: if answered { 1 + rng.below(9) } else { 0 }.to_string(),
            first_response_time: answered.then(|| rng.range(300, 86_400).to_string()),
            total_close_time: (status == "closed")
                .then(|| (updated - created).num_seconds().to_string()),
            resolved_at: (status == "closed").then(|| local(updated)),
            closed_by: (status == "closed").then(|| {
                agent
                    .as_ref()
                    .map_or("1".to_string(), |(a, _)| (1 + a).to_string())
            }),
            created_at: iso(created),
            updated_at: iso(updated),
            customer: fs_person(100 + who as u32, customer, rng),
            agent: agent.map(|(_, p)| p),
            mailbox: if from_email {
                FsMailbox {
                    id: 2,
                    name: "Support inbox",
                    slug: "support-inbox",
                    box_type: "email",
                    email: SUPPORT_ADDRESS,
                }
            } else {
                FsMailbox {
                    id: 1,
                    name: "Acme Analytics",
                    slug: "acme-analytics",
                    box_type: "web",
                    email: SUPPORT_ADDRESS,
                }
            },
            product: FsProduct {
                id: 1,
                title: "Acme Analytics Cloud",
            },
            tags: Vec::new(),
        });
    }
    data.reverse();
    let n = count as u32;
    let base = "https://support.acme-analytics.example/wp-json/fluent-support/v2/tickets";
    let page = Page {
        tickets: Paginator {
            current_page: 1,
            data,
            first_page_url: format!("{base}?page=1"),
            from: 1,
            last_page: 1,
            last_page_url: format!("{base}?page=1"),
            links: vec![
                Link {
                    url: None,
                    label: "&laquo; Previous".to_string(),
                    active: false,
                },
                Link {
                    url: Some(format!("{base}?page=1")),
                    label: "1".to_string(),
                    active: true,
                },
                Link {
                    url: None,
                    label: "Next &raquo;".to_string(),
                    active: false,
                },
            ],
            next_page_url: None,
            path: base.to_string(),
            per_page: n,
            prev_page_url: None,
            to: n,
            total: n,
        },
    };
    let mut json = serde_json::to_string_pretty(&page).unwrap_or_default();
    json.push('\n');
    json
}
