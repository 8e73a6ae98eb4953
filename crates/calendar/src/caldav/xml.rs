//! A small element tree over quick-xml: WebDAV answers are short, and walking a tree with
//! resolved namespaces is far easier to get right than a streaming state machine.

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, XmlVersion};

pub(crate) const DAV: &str = "DAV:";
pub(crate) const CALDAV: &str = "urn:ietf:params:xml:ns:caldav";
pub(crate) const CALSERVER: &str = "http://calendarserver.org/ns/";
pub(crate) const APPLE_ICAL: &str = "http://apple.com/ns/ical/";

/// One element: its namespace URI (empty when unbound), local name, attributes (by local
/// name, values unescaped), child elements and the text directly inside it (entities
/// resolved, CDATA included, not trimmed).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Element {
    pub ns: String,
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    pub fn is(&self, ns: &str, name: &str) -> bool {
        self.ns == ns && self.name == name
    }

    /// The value of attribute `name` (matched by local name).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The first direct child `ns:name`.
    pub fn child(&self, ns: &str, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(ns, name))
    }

    /// Every direct child `ns:name`.
    pub fn children_named<'a>(
        &'a self,
        ns: &'a str,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.is(ns, name))
    }

    /// Whether `ns:name` occurs anywhere below (or at) this element.
    pub fn contains(&self, ns: &str, name: &str) -> bool {
        self.is(ns, name) || self.children.iter().any(|c| c.contains(ns, name))
    }

    /// The text, trimmed.
    pub fn trimmed(&self) -> &str {
        self.text.trim()
    }
}

/// Parses `xml` into its root element; `Err` says why it is not well-formed XML.
pub(crate) fn parse(xml: &str) -> Result<Element, String> {
    let mut reader = NsReader::from_str(xml);
    // The root sits at the bottom of the stack; it is never popped by an End.
    let mut stack: Vec<Element> = vec![Element::default()];
    loop {
        let (ns, event) = reader
            .read_resolved_event()
            .map_err(|e| format!("XML: {e}"))?;
        let ns = match ns {
            ResolveResult::Bound(ns) => ns.as_ref().to_owned(),
            _ => String::new(),
        };
        match event {
            Event::Start(start) => stack.push(element(ns, &start)?),
            Event::Empty(empty) => {
                let element = element(ns, &empty)?;
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(element);
                }
            }
            Event::End(_) => {
                if stack.len() < 2 {
                    return Err("XML: end tag without a start".into());
                }
                let done = stack.pop().unwrap_or_default();
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(done);
                }
            }
            Event::Text(text) => push_text(&mut stack, &text.xml10_content()),
            Event::CData(cdata) => push_text(&mut stack, &cdata.xml10_content()),
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => {
                        let name = reference.xml10_content();
                        resolve_predefined_entity(&name)
                            .map(str::to_owned)
                            .ok_or_else(|| format!("XML: unknown entity &{name};"))?
                    }
                    Err(e) => return Err(format!("XML: {e}")),
                };
                push_text(&mut stack, &resolved);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.len() != 1 {
        return Err("XML: document ends inside an element".into());
    }
    let document = stack.pop().unwrap_or_default();
    document
        .children
        .into_iter()
        .next()
        .ok_or_else(|| "XML: no root element".into())
}

fn element(ns: String, start: &BytesStart<'_>) -> Result<Element, String> {
    let mut attrs = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| format!("XML attribute: {e}"))?;
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| format!("XML attribute: {e}"))?;
        attrs.push((
            attribute.key.local_name().as_ref().to_owned(),
            value.into_owned(),
        ));
    }
    Ok(Element {
        ns,
        name: start.local_name().as_ref().to_owned(),
        attrs,
        ..Element::default()
    })
}

fn push_text(stack: &mut [Element], text: &str) {
    if let Some(current) = stack.last_mut() {
        current.text.push_str(text);
    }
}

/// `text` escaped for element content.
pub(crate) fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_namespaces_entities_and_cdata() {
        let root = parse(
            r#"<?xml version="1.0"?>
<x:a xmlns:x="DAV:" xmlns="urn:other"><b>1 &amp; 2&#x21;</b><x:c name="V&amp;E"/><![CDATA[<raw>]]></x:a>"#,
        )
        .expect("well-formed");
        assert!(root.is(DAV, "a"));
        assert_eq!(
            root.child("urn:other", "b").map(|b| b.trimmed()),
            Some("1 & 2!")
        );
        assert_eq!(
            root.child(DAV, "c").and_then(|c| c.attr("name")),
            Some("V&E")
        );
        assert_eq!(root.trimmed(), "<raw>");
    }

    #[test]
    fn rejects_broken_documents() {
        for broken in ["", "<a>", "<a></b>", "<a>&nope;</a>"] {
            assert!(parse(broken).is_err(), "{broken:?}");
        }
    }
}
