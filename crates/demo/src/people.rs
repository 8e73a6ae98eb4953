//! The cast of the demo: Acme Analytics' team and the customers' contacts.

use crate::encode::{ascii_slug, WordCharset};
use crate::rng::Rng;

pub(crate) const TEAM_DOMAIN: &str = "acme-analytics.example";
pub(crate) const SUPPORT_ADDRESS: &str = "support@acme-analytics.example";

/// Language habits of a sender: greeting, reply prefix, how headers get encoded.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Locale {
    En,
    De,
    Fr,
    Zh,
    Nordic,
    Ja,
    Pt,
    Pl,
}

impl Locale {
    pub fn reply_prefix(self) -> &'static str {
        match self {
            Locale::De => "AW:",
            Locale::Nordic => "SV:",
            Locale::Fr => "RE:",
            Locale::Pl => "Odp:",
            Locale::Pt => "RES:",
            _ => "Re:",
        }
    }

    pub fn header_charset(self) -> WordCharset {
        match self {
            Locale::De | Locale::Fr | Locale::Pt => WordCharset::Latin1Q,
            Locale::Zh | Locale::Ja => WordCharset::Utf8Base64,
            _ => WordCharset::Utf8Q,
        }
    }
}

pub(crate) struct Company {
    pub name: &'static str,
    pub domain: &'static str,
    pub locale: Locale,
    pub tz: &'static str,
}

pub(crate) const COMPANIES: &[Company] = &[
    Company {
        name: "Northwind Traders",
        domain: "northwind.example",
        locale: Locale::En,
        tz: "America/Chicago",
    },
    Company {
        name: "Globex Corporation",
        domain: "globex.example",
        locale: Locale::En,
        tz: "America/New_York",
    },
    Company {
        name: "Initech",
        domain: "initech.example",
        locale: Locale::En,
        tz: "America/Chicago",
    },
    Company {
        name: "Umbrella Corporation",
        domain: "umbrella.example",
        locale: Locale::En,
        tz: "Europe/London",
    },
    Company {
        name: "Contoso Ltd",
        domain: "contoso.example",
        locale: Locale::En,
        tz: "America/Los_Angeles",
    },
    Company {
        name: "Müller GmbH",
        domain: "mueller-gmbh.example",
        locale: Locale::De,
        tz: "Europe/Berlin",
    },
    Company {
        name: "北京科技有限公司",
        domain: "beijing-tech.example",
        locale: Locale::Zh,
        tz: "Asia/Shanghai",
    },
    Company {
        name: "Société Lumière SA",
        domain: "societe-lumiere.example",
        locale: Locale::Fr,
        tz: "Europe/Paris",
    },
    Company {
        name: "Fabrikam Inc",
        domain: "fabrikam.example",
        locale: Locale::En,
        tz: "America/Denver",
    },
    Company {
        name: "Tailspin Toys",
        domain: "tailspin.example",
        locale: Locale::En,
        tz: "America/New_York",
    },
    Company {
        name: "Wide World Importers",
        domain: "wideworld.example",
        locale: Locale::En,
        tz: "America/Los_Angeles",
    },
    Company {
        name: "Adventure Works",
        domain: "adventure-works.example",
        locale: Locale::En,
        tz: "America/Denver",
    },
    Company {
        name: "Woodgrove Bank",
        domain: "woodgrove.example",
        locale: Locale::En,
        tz: "America/New_York",
    },
    Company {
        name: "Litware Inc",
        domain: "litware.example",
        locale: Locale::En,
        tz: "Europe/London",
    },
    Company {
        name: "Schäfer & Söhne KG",
        domain: "schaefer-soehne.example",
        locale: Locale::De,
        tz: "Europe/Vienna",
    },
    Company {
        name: "Nordlys AS",
        domain: "nordlys.example",
        locale: Locale::Nordic,
        tz: "Europe/Oslo",
    },
    Company {
        name: "Svensson Logistik AB",
        domain: "svensson-logistik.example",
        locale: Locale::Nordic,
        tz: "Europe/Stockholm",
    },
    Company {
        name: "Østergaard ApS",
        domain: "oestergaard.example",
        locale: Locale::Nordic,
        tz: "Europe/Copenhagen",
    },
    Company {
        name: "山田商事株式会社",
        domain: "yamada-shoji.example",
        locale: Locale::Ja,
        tz: "Asia/Tokyo",
    },
    Company {
        name: "Crédit Rivière",
        domain: "credit-riviere.example",
        locale: Locale::Fr,
        tz: "Europe/Paris",
    },
    Company {
        name: "Logística Conceição Ltda",
        domain: "logistica-conceicao.example",
        locale: Locale::Pt,
        tz: "America/Sao_Paulo",
    },
    Company {
        name: "Kowalski Systemy Sp. z o.o.",
        domain: "kowalski-systemy.example",
        locale: Locale::Pl,
        tz: "Europe/Warsaw",
    },
    Company {
        name: "Hooli",
        domain: "hooli.example",
        locale: Locale::En,
        tz: "America/Los_Angeles",
    },
    Company {
        name: "Vandelay Industries",
        domain: "vandelay.example",
        locale: Locale::En,
        tz: "America/New_York",
    },
    Company {
        name: "Massive Dynamic",
        domain: "massive-dynamic.example",
        locale: Locale::En,
        tz: "America/New_York",
    },
];

/// Index of Northwind in [`COMPANIES`].
pub(crate) const NORTHWIND: usize = 0;

#[derive(Clone, Debug)]
pub(crate) struct Person {
    pub name: String,
    pub first: String,
    pub email: String,
    pub title: &'static str,
    /// Index into [`COMPANIES`]; `None` for Acme Analytics' own team.
    pub company: Option<usize>,
    pub locale: Locale,
    pub tz: &'static str,
}

impl Person {
    pub fn company_name(&self) -> &'static str {
        self.company.map_or("Acme Analytics", |c| COMPANIES[c].name)
    }
}

pub(crate) fn team() -> Vec<Person> {
    let members: [(&str, &str, &'static str, &'static str); 8] = [
        (
            "Priya Raman",
            "Priya",
            "Senior Account Executive",
            "America/Los_Angeles",
        ),
        ("Tom Becker", "Tom", "Sales Engineer", "America/New_York"),
        (
            "Lena Hoffmann",
            "Lena",
            "Account Executive DACH",
            "Europe/Berlin",
        ),
        ("Marcus Reed", "Marcus", "VP Sales", "America/Los_Angeles"),
        (
            "Sofía Álvarez",
            "Sofía",
            "Sales Development Rep",
            "America/New_York",
        ),
        (
            "Kenji Watanabe",
            "Kenji",
            "Account Executive APAC",
            "Asia/Tokyo",
        ),
        (
            "Olivia Chen",
            "Olivia",
            "Customer Success Manager",
            "America/Los_Angeles",
        ),
        (
            "Samuel Okafor",
            "Samuel",
            "Solutions Consultant",
            "Europe/London",
        ),
    ];
    members
        .iter()
        .map(|(name, first, title, tz)| Person {
            name: name.to_string(),
            first: first.to_string(),
            email: format!("{}@{TEAM_DOMAIN}", ascii_slug(name)),
            title,
            company: None,
            locale: Locale::En,
            tz,
        })
        .collect()
}

/// (given names, family names) per locale; CJK entries are (display, ascii) pairs.
fn names(locale: Locale) -> (&'static [&'static str], &'static [&'static str]) {
    match locale {
        Locale::En => (
            &[
                "James",
                "Mary",
                "Robert",
                "Patricia",
                "Michael",
                "Linda",
                "David",
                "Elizabeth",
                "Daniel",
                "Jennifer",
                "Chris",
                "Sarah",
                "Kevin",
                "Laura",
                "Brian",
                "Emily",
                "Jason",
                "Megan",
                "Ryan",
                "Rachel",
                "Aisha",
                "Marco",
                "Hannah",
                "Luis",
            ],
            &[
                "Smith", "Johnson", "Carter", "Brooks", "Nguyen", "Patel", "O'Brien", "Foster",
                "Hughes", "Bennett", "Coleman", "Reyes", "Sullivan", "Hayes", "Kim", "Morgan",
                "Price", "Ward", "Jenkins", "Russo",
            ],
        ),
        Locale::De => (
            &[
                "Jürgen", "Katrin", "Stefan", "Anja", "Matthias", "Sabine", "Jörg", "Ulrike",
                "Tobias", "Bärbel", "Lukas", "Sönke",
            ],
            &[
                "Müller",
                "Schäfer",
                "Weiß",
                "Köhler",
                "Hoffmann",
                "Becker",
                "Schröder",
                "Krüger",
                "Wagner",
                "Fischer",
                "Groß",
                "Jäger",
            ],
        ),
        Locale::Fr => (
            &[
                "Amélie",
                "François",
                "Hélène",
                "Jérôme",
                "Céline",
                "Stéphane",
                "Élodie",
                "Benoît",
                "Chloé",
                "Loïc",
            ],
            &[
                "Lefèvre",
                "Dubois",
                "Moreau",
                "Girard",
                "Rousseau",
                "Lambert",
                "Bézier",
                "Fontaine",
                "Mercier",
                "Lemaître",
            ],
        ),
        Locale::Nordic => (
            &[
                "Bjørn", "Åsa", "Søren", "Øystein", "Ingrid", "Märta", "Lars", "Sigrid", "Håkon",
                "Astrid",
            ],
            &[
                "Lindqvist",
                "Østergaard",
                "Håkansson",
                "Nyström",
                "Bergström",
                "Dahl",
                "Sørensen",
                "Ødegård",
                "Nilsen",
                "Åberg",
            ],
        ),
        Locale::Pt => (
            &[
                "José",
                "Conceição",
                "João",
                "María",
                "Sebastián",
                "Lucía",
                "Thiago",
                "Letícia",
            ],
            &[
                "Gonçalves",
                "Peña",
                "Araújo",
                "Muñoz",
                "Simões",
                "Ibáñez",
                "Conceição",
                "Magalhães",
            ],
        ),
        Locale::Pl => (
            &[
                "Łukasz",
                "Małgorzata",
                "Paweł",
                "Zofia",
                "Michał",
                "Agnieszka",
            ],
            &[
                "Nowak",
                "Wójcik",
                "Kamiński",
                "Lewandowski",
                "Zieliński",
                "Wiśniewski",
            ],
        ),
        Locale::Zh => (
            &[
                "王芳|wang.fang",
                "李娜|li.na",
                "张伟|zhang.wei",
                "刘洋|liu.yang",
                "陈静|chen.jing",
                "杨磊|yang.lei",
                "赵敏|zhao.min",
                "黄强|huang.qiang",
                "周丽|zhou.li",
                "吴军|wu.jun",
            ],
            &[],
        ),
        Locale::Ja => (
            &[
                "佐藤 健|ken.sato",
                "鈴木 由美|yumi.suzuki",
                "高橋 大輔|daisuke.takahashi",
                "田中 愛|ai.tanaka",
                "伊藤 翔|sho.ito",
                "渡辺 恵|megumi.watanabe",
                "山本 誠|makoto.yamamoto",
                "中村 彩|aya.nakamura",
            ],
            &[],
        ),
    }
}

const TITLES: &[&str] = &[
    "Head of Data",
    "VP Finance",
    "Procurement Manager",
    "CTO",
    "BI Lead",
    "Director of Operations",
    "IT Security Officer",
    "Data Engineer",
    "CFO",
    "Analytics Manager",
    "Head of Revenue Operations",
    "Controller",
];

pub(crate) const CONTACTS_PER_COMPANY: usize = 6;

/// About 150 external contacts, [`CONTACTS_PER_COMPANY`] per company, with unique
/// addresses. Northwind's first contact is always Dana Whitfield.
pub(crate) fn contacts(rng: &mut Rng) -> Vec<Person> {
    let mut out: Vec<Person> = Vec::new();
    for (index, company) in COMPANIES.iter().enumerate() {
        let (given, family) = names(company.locale);
        for slot in 0..CONTACTS_PER_COMPANY {
            let (name, first, slug) = if index == NORTHWIND && slot == 0 {
                (
                    "Dana Whitfield".to_string(),
                    "Dana".to_string(),
                    "dana.whitfield".to_string(),
                )
            } else if family.is_empty() {
                let entry = *rng.pick(given);
                let (display, ascii) = entry.split_once('|').unwrap_or((entry, "contact"));
                let first = display
                    .split(' ')
                    .next_back()
                    .unwrap_or(display)
                    .to_string();
                (display.to_string(), first, ascii.to_string())
            } else {
                let first = *rng.pick(given);
                let last = *rng.pick(family);
                let name = format!("{first} {last}");
                let slug = ascii_slug(&name);
                (name, first.to_string(), slug)
            };
            let mut email = format!("{slug}@{}", company.domain);
            let mut n = 2;
            while out.iter().any(|p| p.email == email) {
                email = format!("{slug}{n}@{}", company.domain);
                n += 1;
            }
            let title = if index == NORTHWIND && slot == 0 {
                "Director of Operations"
            } else {
                *rng.pick(TITLES)
            };
            out.push(Person {
                name,
                first,
                email,
                title,
                company: Some(index),
                locale: company.locale,
                tz: company.tz,
            });
        }
    }
    out
}
