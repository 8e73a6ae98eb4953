//! The sales team's mailbox: threads between Acme Analytics reps and customer contacts,
//! plus the one "Renewal terms for Northwind" thread the tests and e2e look for.

use chrono::{DateTime, Duration, Utc};

use crate::content::{self, body, fake_csv, fake_pdf, html_from_text, subject_for, TOPICS};
use crate::encode::ascii_slug;
use crate::message::{Addr, Attachment, Malformation, Message};
use crate::people::{Person, COMPANIES, CONTACTS_PER_COMPANY, NORTHWIND};
use crate::rng::Rng;
use crate::{DANA_EMAIL, UNIQUE_BODY_WORD};

const MAILERS: &[Option<&str>] = &[
    Some("Microsoft Outlook 16.0"),
    Some("Apple Mail (2.3774.600.62)"),
    Some("Mozilla Thunderbird 128.3.1"),
    None,
    None,
];

/// Thread lengths, weighted towards short conversations (1 to 12 messages).
const LENGTHS: &[usize] = &[1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 7, 8, 9, 10, 11, 12];

pub(crate) struct Cast<'a> {
    pub team: &'a [Person],
    pub contacts: &'a [Person],
}

/// Options that only the full demo mailbox uses (the Maildir bench generator keeps it
/// simple and fast).
#[derive(Clone, Copy)]
pub(crate) struct Flavour {
    pub attachments: bool,
    pub forwards: bool,
}

fn addr(p: &Person) -> Addr {
    Addr {
        name: p.name.clone(),
        email: p.email.clone(),
    }
}

fn domain(email: &str) -> &str {
    email.rsplit_once('@').map_or("localhost", |(_, d)| d)
}

/// Picks the rep who would own an account, by the customer's language.
fn rep_for<'a>(cast: &Cast<'a>, company: usize, rng: &mut Rng) -> &'a Person {
    use crate::people::Locale;
    match COMPANIES[company].locale {
        Locale::De => &cast.team[2],
        Locale::Zh | Locale::Ja => &cast.team[5],
        _ => &cast.team[*rng.pick(&[0usize, 1, 3, 4, 6, 7])],
    }
}

fn company_contacts<'a>(cast: &Cast<'a>, company: usize) -> &'a [Person] {
    let start = company * CONTACTS_PER_COMPANY;
    &cast.contacts[start..start + CONTACTS_PER_COMPANY]
}

fn message_id(rng: &mut Rng, date: DateTime<Utc>, sender: &str) -> String {
    format!(
        "{}.{}@mail.{}",
        date.format("%Y%m%d%H%M%S"),
        rng.hex(12),
        domain(sender)
    )
}

/// One ordinary sales thread ending before `now`.
pub(crate) fn thread(
    rng: &mut Rng,
    cast: &Cast,
    now: DateTime<Utc>,
    flavour: Flavour,
) -> Vec<Message> {
    let company = rng.below(COMPANIES.len());
    let people = company_contacts(cast, company);
    let customer = &people[rng.below(people.len())];
    let rep = rep_for(cast, company, rng);
    let topic = rng.pick(TOPICS);
    let length = *rng.pick(LENGTHS);
    let rep_starts = rng.chance(60);
    // Some mail clients drop In-Reply-To/References: readers must fall back to subjects.
    let without_references = rng.chance(8);
    // Reps write English subjects; customers sometimes start in their own language.
    let base_subject = if rep_starts {
        content::fill(topic.subject, customer.company_name(), rng)
    } else {
        subject_for(topic, customer, rng)
    };

    let mut date = now - Duration::minutes(rng.range(60, 180 * 24 * 60));
    let mut messages: Vec<Message> = Vec::new();
    for i in 0..length {
        if i > 0 {
            date += Duration::minutes(rng.range(8, 60 * 60));
            if date >= now - Duration::minutes(5) {
                break;
            }
        }
        let from_rep = (i % 2 == 0) == rep_starts;
        let (from, to) = if from_rep {
            (rep, customer)
        } else {
            (customer, rep)
        };
        let subject = if i == 0 {
            base_subject.clone()
        } else if rng.chance(10) {
            format!("{} {} {}", from.locale.reply_prefix(), "Re:", base_subject)
        } else {
            format!("{} {}", from.locale.reply_prefix(), base_subject)
        };
        let quote_owned = messages.last().filter(|_| rng.chance(50)).map(|prev| {
            (
                format!(
                    "On {}, {} wrote:",
                    prev.date.format("%a, %b %-d, %Y at %H:%M"),
                    prev.from.name
                ),
                prev.text.clone(),
            )
        });
        let quote = quote_owned.as_ref().map(|(a, b)| (a.as_str(), b.as_str()));
        let text = body(rng, from, to, topic, quote);
        let mut cc = Vec::new();
        if rng.chance(20) {
            let other = &people[rng.below(people.len())];
            if other.email != customer.email {
                cc.push(addr(other));
            }
        }
        if rng.chance(10) {
            cc.push(addr(&cast.team[rng.below(cast.team.len())]));
        }
        let id = message_id(rng, date, &from.email);
        let (in_reply_to, references) = match messages.last() {
            Some(prev) if !without_references => {
                let mut refs: Vec<String> = prev.references.clone();
                refs.push(prev.message_id.clone());
                if refs.len() > 10 {
                    refs.drain(1..refs.len() - 9);
                }
                (Some(prev.message_id.clone()), refs)
            }
            _ => (None, Vec::new()),
        };
        let mut message = Message {
            from: addr(from),
            to: vec![addr(to)],
            cc,
            subject,
            date,
            tz: from.tz,
            message_id: id,
            in_reply_to,
            references,
            text,
            html: None,
            attachments: Vec::new(),
            header_charset: from.locale.header_charset(),
            latin1_body: rng.chance(50),
            eight_bit: rng.chance(30),
            mailer: *rng.pick(MAILERS),
            malformed: None,
        };
        dress(rng, &mut message, from_rep, flavour);
        messages.push(message);
    }
    if flavour.forwards && messages.len() >= 2 && rng.chance(6) {
        if let Some(last) = messages.last().cloned() {
            let colleague = &cast.team[(cast
                .team
                .iter()
                .position(|t| t.email == rep.email)
                .unwrap_or(0)
                + 1)
                % cast.team.len()];
            let date = last.date + Duration::minutes(rng.range(5, 240));
            if date < now {
                messages.push(forward(rng, rep, colleague, &last, date));
            }
        }
    }
    messages
}

/// Chooses the MIME shape: plain, text + HTML (reps' tools add tracking pixels), and
/// sometimes attachments with non-ASCII names.
fn dress(rng: &mut Rng, message: &mut Message, from_rep: bool, flavour: Flavour) {
    let html_share = if from_rep { 75 } else { 45 };
    if rng.chance(html_share) {
        let tracking = (from_rep && rng.chance(50)).then(|| {
            format!(
                "https://t.mailtrack.example/open/{}.gif",
                crate::message::short_hash(&message.message_id)
            )
        });
        let script = rng.chance(3);
        message.html = Some(html_from_text(&message.text, tracking.as_deref(), script));
    }
    if flavour.attachments && rng.chance(10) {
        message
            .attachments
            .push(attachment(rng, &message.from.name, from_rep));
    }
}

fn attachment(rng: &mut Rng, sender: &str, from_rep: bool) -> Attachment {
    let who = ascii_slug(sender).replace('.', "_");
    let pdf_names = if from_rep {
        vec![
            format!("Acme_Analytics_Proposal_{who}.pdf"),
            "Angebot_Acme_Analytics_für_Müller_GmbH.pdf".to_string(),
            "Questionnaire_sécurité_Acme.pdf".to_string(),
            "Acme Analytics – Order Form.pdf".to_string(),
        ]
    } else {
        vec![
            "Purchase_Order_4711.pdf".to_string(),
            "Redlines MSA (v3).pdf".to_string(),
            "报价单_北京科技.pdf".to_string(),
            "Sicherheitsfragebogen_ausgefüllt.pdf".to_string(),
        ]
    };
    if rng.chance(70) {
        let filename = rng.pick(&pdf_names).clone();
        let data = fake_pdf(&filename, rng);
        Attachment {
            filename,
            content_type: "application/pdf",
            data,
        }
    } else {
        let filename = rng
            .pick(&[
                "pipeline_export.csv",
                "Nutzerliste_Müller.csv",
                "seats_by_team.csv",
            ])
            .to_string();
        Attachment {
            filename,
            content_type: "text/csv",
            data: fake_csv(rng),
        }
    }
}

fn forward(
    rng: &mut Rng,
    rep: &Person,
    colleague: &Person,
    last: &Message,
    date: DateTime<Utc>,
) -> Message {
    let subject = format!("Fwd: {}", strip_prefixes(&last.subject));
    let text = format!(
        "Hi {},\n\nFYI, see below. Can you take the technical questions?\n\nThanks,\n{}\n\n---------- Forwarded message ---------\nFrom: {} <{}>\nDate: {}\nSubject: {}\nTo: {}\n\n{}",
        colleague.first,
        rep.first,
        last.from.name,
        last.from.email,
        last.date.format("%a, %b %-d, %Y at %H:%M"),
        last.subject,
        last.to.first().map_or(String::new(), |a| format!("{} <{}>", a.name, a.email)),
        last.text
    );
    Message {
        from: addr(rep),
        to: vec![addr(colleague)],
        cc: Vec::new(),
        subject,
        date,
        tz: rep.tz,
        message_id: message_id(rng, date, &rep.email),
        in_reply_to: None,
        references: vec![last.message_id.clone()],
        text,
        html: None,
        attachments: last.attachments.clone(),
        header_charset: rep.locale.header_charset(),
        latin1_body: false,
        eight_bit: false,
        mailer: Some("Microsoft Outlook 16.0"),
        malformed: None,
    }
}

pub(crate) fn strip_prefixes(subject: &str) -> &str {
    let mut s = subject.trim();
    loop {
        let before = s;
        for prefix in ["Re:", "RE:", "AW:", "SV:", "Odp:", "RES:", "Fwd:", "WG:"] {
            if let Some(rest) = s.strip_prefix(prefix) {
                s = rest.trim_start();
            }
        }
        if s == before {
            return s;
        }
    }
}

/// The renewal thread with Dana Whitfield. Her last message is the only place in the
/// whole demo where [`UNIQUE_BODY_WORD`] appears, in a plain 7-bit body nobody quotes.
pub(crate) fn northwind_renewal(rng: &mut Rng, cast: &Cast, now: DateTime<Utc>) -> Vec<Message> {
    let rep = &cast.team[0];
    let dana = cast
        .contacts
        .iter()
        .find(|c| c.email == DANA_EMAIL)
        .unwrap_or(&company_contacts(cast, NORTHWIND)[0]);
    let bodies: [(bool, &str); 6] = [
        (true, "Hi Dana,\n\nYour current Acme Analytics subscription renews at the end of next month. Ahead of that, I have put together renewal terms for Northwind: 150 seats on the Business tier, a 3-year term with the per-seat price held flat, and premium support included.\n\nCould we walk through it together this week?\n\nBest regards,\nPriya Raman\nSenior Account Executive | Acme Analytics\nhttps://acme-analytics.example\n"),
        (false, "Hi Priya,\n\nThanks for sending this over. Two questions from our side before I take it to our CFO:\n\n1. Can the seat count flex down by up to 10% at the anniversary?\n2. Is the Snowflake connector included, or is it still an add-on?\n\nBest regards,\nDana Whitfield\nDirector of Operations, Northwind Traders\n"),
        (true, "Hi Dana,\n\nGood questions. Yes on the flex-down: we can allow up to 10% at each anniversary on a 3-year term. The Snowflake connector is included in the Business tier from this renewal on.\n\nI have updated the order form accordingly.\n\nBest regards,\nPriya Raman\nSenior Account Executive | Acme Analytics\nhttps://acme-analytics.example\n"),
        (false, "Hi Priya,\n\nThat works. Our CFO asked whether you could also include two admin training sessions for the new analysts joining in the spring.\n\nBest regards,\nDana Whitfield\nDirector of Operations, Northwind Traders\n"),
        (true, "Hi Dana,\n\nDone: two admin trainings are now part of the renewal. Updated order form attached to this thread shortly; let me know once it is approved.\n\nBest regards,\nPriya Raman\nSenior Account Executive | Acme Analytics\nhttps://acme-analytics.example\n"),
        (false, "Hi Priya,\n\nThe CFO approved the renewal terms. Procurement will send the signed order form by Friday.\n\nOne practical note: please put our internal project code, zanzibarite, on the invoice so accounts payable can match it to the right budget.\n\nThanks again for the quick turnaround.\n\nBest regards,\nDana Whitfield\nDirector of Operations, Northwind Traders\n"),
    ];
    debug_assert!(bodies[5].1.contains(UNIQUE_BODY_WORD));
    let subject = "Renewal terms for Northwind";
    let mut date = now - Duration::days(9) - Duration::minutes(rng.range(0, 120));
    let mut messages: Vec<Message> = Vec::new();
    for (i, (from_rep, text)) in bodies.iter().enumerate() {
        if i > 0 {
            date += Duration::minutes(rng.range(6 * 60, 30 * 60));
        }
        if i == bodies.len() - 1 {
            // The newest message in the mailbox, within the last day.
            date = now - Duration::hours(6);
        }
        let (from, to) = if *from_rep { (rep, dana) } else { (dana, rep) };
        let (in_reply_to, references) = match messages.last() {
            Some(prev) => {
                let mut refs = prev.references.clone();
                refs.push(prev.message_id.clone());
                (Some(prev.message_id.clone()), refs)
            }
            None => (None, Vec::new()),
        };
        let mut message = Message {
            from: addr(from),
            to: vec![addr(to)],
            cc: Vec::new(),
            subject: if i == 0 {
                subject.to_string()
            } else {
                format!("Re: {subject}")
            },
            date,
            tz: from.tz,
            message_id: message_id(rng, date, &from.email),
            in_reply_to,
            references,
            text: text.to_string(),
            html: None,
            attachments: Vec::new(),
            header_charset: from.locale.header_charset(),
            latin1_body: false,
            eight_bit: false,
            mailer: *rng.pick(MAILERS),
            malformed: None,
        };
        if *from_rep {
            message.html = Some(html_from_text(&message.text, None, false));
        }
        messages.push(message);
    }
    messages
}

/// The full sales mailbox, oldest first: at least `target` messages, about 1% of them
/// damaged on purpose (never the Northwind renewal thread).
pub(crate) fn mailbox(
    rng: &mut Rng,
    cast: &Cast,
    now: DateTime<Utc>,
    target: usize,
) -> Vec<Message> {
    let flavour = Flavour {
        attachments: true,
        forwards: true,
    };
    let protected = northwind_renewal(&mut rng.fork(1), cast, now);
    let mut messages: Vec<Message> = Vec::new();
    let mut threads = rng.fork(2);
    while messages.len() + protected.len() < target {
        messages.extend(thread(&mut threads, cast, now, flavour));
    }
    let mut damage = rng.fork(3);
    let count = messages.len().div_ceil(100);
    let mut chosen: Vec<usize> = Vec::new();
    while chosen.len() < count {
        let index = damage.below(messages.len());
        if !chosen.contains(&index) {
            chosen.push(index);
        }
    }
    for (n, index) in chosen.into_iter().enumerate() {
        let kind = Malformation::ALL[n % Malformation::ALL.len()];
        let message = &mut messages[index];
        match kind {
            Malformation::BrokenBoundary if message.html.is_none() => {
                message.html = Some(html_from_text(&message.text, None, false));
            }
            Malformation::TruncatedBase64 if message.attachments.is_empty() => {
                message
                    .attachments
                    .push(attachment(&mut damage, &message.from.name, false));
            }
            _ => {}
        }
        message.malformed = Some(kind);
    }
    messages.extend(protected);
    messages.sort_by_key(|m| m.date);
    messages
}
