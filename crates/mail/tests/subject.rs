//! Subject normalisation, one row per case: (subject, key, is a reply/forward).

use switchboard_mail::subject_key;

#[rustfmt::skip]
const CASES: &[(&str, &str, bool)] = &[
    // Originals.
    ("Hello",                          "hello",                  false),
    ("  Multiple   spaces\tand tabs ", "multiple spaces and tabs", false),
    ("MiXeD CaSe",                     "mixed case",             false),
    ("Ärger über Öl",                  "ärger über öl",          false),
    ("",                               "",                       false),
    // English prefixes, any case, with or without a space after the colon.
    ("Re: Hello",                      "hello",                  true),
    ("RE: Hello",                      "hello",                  true),
    ("re: hello",                      "hello",                  true),
    ("Re:Hello",                       "hello",                  true),
    ("Fwd: Hello",                     "hello",                  true),
    ("Fw: Hello",                      "hello",                  true),
    ("FW: Hello",                      "hello",                  true),
    // Other languages.
    ("AW: Angebot",                    "angebot",                true),
    ("WG: Angebot",                    "angebot",                true),
    ("SV: Offert",                     "offert",                 true),
    ("VS: Tarjous",                    "tarjous",                true),
    ("Antw: Offerte",                  "offerte",                true),
    ("Réf: Devis",                     "devis",                  true),
    ("RÉF : Devis",                    "devis",                  true),
    ("TR: Devis",                      "devis",                  true),
    ("RE : Devis",                     "devis",                  true),
    ("RIF: Preventivo",                "preventivo",             true),
    ("R: Preventivo",                  "preventivo",             true),
    ("Odp: Oferta",                    "oferta",                 true),
    ("ΑΠ: Προσφορά",                   "προσφορά",               true),
    ("回复: 会议安排",                   "会议安排",                 true),
    ("回复：会议安排",                   "会议安排",                 true),
    ("回覆：會議安排",                   "會議安排",                 true),
    ("答复：会议安排",                   "会议安排",                 true),
    ("转发：会议安排",                   "会议安排",                 true),
    ("轉寄：會議安排",                   "會議安排",                 true),
    ("Re： Hello",                     "hello",                  true),
    // Counters.
    ("Re[2]: Hello",                   "hello",                  true),
    ("RE(3): Hello",                   "hello",                  true),
    ("Re^2: Hello",                    "hello",                  true),
    ("Re[2] : Hello",                  "hello",                  true),
    // Chains, repeated and mixed, with list tags anywhere before the subject.
    ("Re: Re: Re: Hello",              "hello",                  true),
    ("RE:RE: Hello",                   "hello",                  true),
    ("Fwd: Re: Hello",                 "hello",                  true),
    ("Re: Fwd: [list] Re: Hello",      "hello",                  true),
    ("AW: WG: RE: Angebot",            "angebot",                true),
    ("[sales] Re: Pricing",            "pricing",                true),
    ("Re: [sales] Pricing",            "pricing",                true),
    ("[Some-List] [EXTERNAL] Pricing", "pricing",                false),
    ("[dev.announce]Release 2",        "release 2",              false),
    ("Re:[Some-List]Re:  Pricing ",    "pricing",                true),
    // Nothing left: an empty key turns the subject fallback off.
    ("Re:",                            "",                       true),
    ("Re: Fwd: ",                      "",                       true),
    ("[list]",                         "",                       false),
    // Look-alikes that stay.
    ("Reply all about X",              "reply all about x",      false),
    ("Regarding the deal",             "regarding the deal",     false),
    ("Fwdx: Hello",                    "fwdx: hello",            false),
    ("Re Hello",                       "re hello",               false),
    ("Ref: Order 1234",                "ref: order 1234",        false),
    ("R&D: Plan",                      "r&d: plan",              false),
    ("Re^: Hello",                     "re^: hello",             false),
    ("Re[x]: Hello",                   "re[x]: hello",           false),
    ("Hello Re: again",                "hello re: again",        false),
    ("回复会议",                         "回复会议",                 false),
    ("Meeting [list] notes",           "meeting [list] notes",   false),
    // Tags with spaces or slashes are the author's, repeated in replies: kept.
    ("[PATCH 2/3] foo",                "[patch 2/3] foo",        false),
    ("Re: [PATCH v2 2/3] foo",         "[patch v2 2/3] foo",     true),
    ("[list] Re: [PATCH 2/3] foo",     "[patch 2/3] foo",        true),
    ("[1/3] foo",                      "[1/3] foo",              false),
    ("[PATCH] foo",                    "foo",                    false),
    ("[a tag that closes much later than a list tag would] x", "[a tag that closes much later than a list tag would] x", false),
    ("[averyveryveryveryveryveryveryverylongtoken] x", "[averyveryveryveryveryveryveryverylongtoken] x", false),
    ("[] x",                           "[] x",                   false),
    ("[unclosed x",                    "[unclosed x",            false),
];

#[test]
fn subject_keys() {
    let mut failures = Vec::new();
    for &(subject, key, reply) in CASES {
        let got = subject_key(subject);
        if got != (key.to_owned(), reply) {
            failures.push(format!("{subject:?}: got {got:?}, want ({key:?}, {reply})"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn a_key_is_its_own_key() {
    // Normalising twice changes nothing, so a key can be compared with a stored key.
    for &(subject, _, _) in CASES {
        let (key, _) = subject_key(subject);
        let (again, _) = subject_key(&key);
        assert_eq!(again, key, "{subject:?}");
    }
}
