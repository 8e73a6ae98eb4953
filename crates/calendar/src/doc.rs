//! A lossless component tree of an iCalendar text, for editing: every line keeps its
//! exact bytes (folding, line ending, parameter spelling) unless an edit replaces it, so
//! writing an untouched tree gives back the input. New and changed lines are written
//! folded at 75 octets with CRLF.

use crate::lines::{parse_content_line, unfold, ContentLine};

/// One content line: its text as found (with folds and terminator) and its parse.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub raw: String,
    /// `None` when the line is not a valid content line (kept as is).
    pub parsed: Option<ContentLine>,
}

impl Line {
    /// A new line from its unfolded text, folded for output.
    pub fn new(text: &str) -> Line {
        Line {
            raw: fold(text),
            parsed: parse_content_line(text).ok(),
        }
    }

    /// The upper-cased property name, or "" for an unreadable line.
    pub fn name(&self) -> &str {
        self.parsed.as_ref().map_or("", |p| p.name.as_str())
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Line(Line),
    Comp(Comp),
}

/// A BEGIN/END component with its lines and sub-components in order.
#[derive(Debug, Clone)]
pub(crate) struct Comp {
    /// Upper-cased component name.
    pub name: String,
    pub begin: Line,
    pub children: Vec<Node>,
    /// `None` when the input ended before the END line.
    pub end: Option<Line>,
}

/// A parsed text: top-level nodes (normally one VCALENDAR).
#[derive(Debug, Clone)]
pub(crate) struct Doc {
    pub nodes: Vec<Node>,
}

/// Most nesting kept as components; deeper BEGINs are kept as plain lines.
const MAX_DEPTH: usize = 16;

impl Doc {
    pub fn parse(input: &str) -> Doc {
        let logical = unfold(input);
        let mut stack: Vec<Comp> = Vec::new();
        let mut top: Vec<Node> = Vec::new();
        for (i, l) in logical.iter().enumerate() {
            let next = logical.get(i + 1).map_or(input.len(), |n| n.start);
            let line = Line {
                raw: input.get(l.start..next).unwrap_or_default().to_string(),
                parsed: parse_content_line(&l.text).ok(),
            };
            let (name, value) = match &line.parsed {
                Some(p) => (p.name.clone(), p.value.trim().to_ascii_uppercase()),
                None => (String::new(), String::new()),
            };
            if name == "BEGIN" && stack.len() < MAX_DEPTH {
                stack.push(Comp {
                    name: value,
                    begin: line,
                    children: Vec::new(),
                    end: None,
                });
                continue;
            }
            if name == "END" {
                if let Some(pos) = stack.iter().rposition(|c| c.name == value) {
                    while stack.len() > pos + 1 {
                        let unclosed = stack.pop().map(Node::Comp);
                        push(&mut stack, &mut top, unclosed);
                    }
                    let mut comp = stack.pop();
                    if let Some(c) = comp.as_mut() {
                        c.end = Some(line);
                    }
                    push(&mut stack, &mut top, comp.map(Node::Comp));
                    continue;
                }
            }
            push(&mut stack, &mut top, Some(Node::Line(line)));
        }
        while let Some(c) = stack.pop() {
            push(&mut stack, &mut top, Some(Node::Comp(c)));
        }
        Doc { nodes: top }
    }

    /// The text: untouched lines byte for byte.
    pub fn write(&self) -> String {
        let mut out = String::new();
        for node in &self.nodes {
            write_node(node, &mut out);
        }
        out
    }

    /// The first VCALENDAR.
    pub fn calendar_mut(&mut self) -> Option<&mut Comp> {
        self.nodes.iter_mut().find_map(|n| match n {
            Node::Comp(c) if c.name == "VCALENDAR" => Some(c),
            _ => None,
        })
    }
}

fn push(stack: &mut [Comp], top: &mut Vec<Node>, node: Option<Node>) {
    let Some(node) = node else { return };
    match stack.last_mut() {
        Some(parent) => parent.children.push(node),
        None => top.push(node),
    }
}

fn write_line(line: &Line, out: &mut String) {
    if !out.is_empty() && !out.ends_with('\n') {
        out.push_str("\r\n");
    }
    out.push_str(&line.raw);
}

fn write_node(node: &Node, out: &mut String) {
    match node {
        Node::Line(l) => write_line(l, out),
        Node::Comp(c) => {
            write_line(&c.begin, out);
            for child in &c.children {
                write_node(child, out);
            }
            match &c.end {
                Some(end) => write_line(end, out),
                None => write_line(&Line::new(&format!("END:{}", c.name)), out),
            }
        }
    }
}

impl Comp {
    /// An empty component.
    pub fn new(name: &str) -> Comp {
        Comp {
            name: name.to_ascii_uppercase(),
            begin: Line::new(&format!("BEGIN:{name}")),
            children: Vec::new(),
            end: Some(Line::new(&format!("END:{name}"))),
        }
    }

    pub fn write(&self) -> String {
        let mut out = String::new();
        write_node(&Node::Comp(self.clone()), &mut out);
        out
    }

    /// The first property named `name`.
    pub fn prop(&self, name: &str) -> Option<&ContentLine> {
        self.lines()
            .find(|l| l.name() == name)
            .and_then(|l| l.parsed.as_ref())
    }

    /// Every property named `name`.
    pub fn props<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a ContentLine> + 'a {
        self.lines()
            .filter(move |l| l.name() == name)
            .filter_map(|l| l.parsed.as_ref())
    }

    pub fn lines(&self) -> impl Iterator<Item = &Line> {
        self.children.iter().filter_map(|n| match n {
            Node::Line(l) => Some(l),
            Node::Comp(_) => None,
        })
    }

    pub fn comps<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Comp> + 'a {
        self.children.iter().filter_map(move |n| match n {
            Node::Comp(c) if c.name == name => Some(c),
            _ => None,
        })
    }

    /// Replaces the properties named `name` with `lines` (unfolded texts): the first new
    /// line takes the place of the first old one; with none there, they go after the last
    /// property (before sub-components).
    pub fn set_lines(&mut self, name: &str, lines: &[String]) {
        let first = self
            .children
            .iter()
            .position(|n| matches!(n, Node::Line(l) if l.name() == name));
        self.children
            .retain(|n| !matches!(n, Node::Line(l) if l.name() == name));
        let at = first.unwrap_or_else(|| self.property_end());
        for (k, text) in lines.iter().enumerate() {
            self.children.insert(at + k, Node::Line(Line::new(text)));
        }
    }

    /// Sets one property (or removes it with `None`).
    pub fn set(&mut self, name: &str, line: Option<String>) {
        self.set_lines(name, &line.into_iter().collect::<Vec<_>>());
    }

    /// Adds a line after the last property.
    pub fn add_line(&mut self, text: &str) {
        let at = self.property_end();
        self.children.insert(at, Node::Line(Line::new(text)));
    }

    /// Index just past the last property line before the first sub-component.
    fn property_end(&self) -> usize {
        self.children
            .iter()
            .position(|n| matches!(n, Node::Comp(_)))
            .unwrap_or(self.children.len())
    }
}

/// Folds a logical line at 75 octets (RFC 5545 §3.1), never inside a UTF-8 character,
/// and ends it with CRLF.
pub(crate) fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut width = 0;
    for c in text.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
    out
}

/// Appends `text` as one folded content line (see [`fold`]).
pub(crate) fn push_line(out: &mut String, text: &str) {
    out.push_str(&fold(text));
}

/// TEXT escaping (RFC 5545 §3.3.11); other control characters, which TEXT cannot hold,
/// become spaces.
pub(crate) fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A parameter value, quoted when it holds `:;,` and with RFC 6868 caret encoding.
pub(crate) fn param_value(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '^' => encoded.push_str("^^"),
            '\n' => encoded.push_str("^n"),
            '"' => encoded.push_str("^'"),
            '\r' => {}
            c if c.is_control() => {}
            c => encoded.push(c),
        }
    }
    if encoded.contains([':', ';', ',']) {
        format!("\"{encoded}\"")
    } else {
        encoded
    }
}

/// Writes a content line from its parts; parameter values are encoded, `value` is
/// written as given (already escaped for its type).
pub(crate) fn content_line(name: &str, params: &[(String, Vec<String>)], value: &str) -> String {
    let mut out = name.to_string();
    for (p, values) in params {
        out.push(';');
        out.push_str(p);
        out.push('=');
        let v: Vec<String> = values.iter().map(|v| param_value(v)).collect();
        out.push_str(&v.join(","));
    }
    out.push(':');
    out.push_str(value);
    out
}

/// Rewrites a parsed line with one parameter set (or removed with `None`), keeping the
/// other parameters in order.
pub(crate) fn with_param(line: &ContentLine, name: &str, value: Option<&str>) -> String {
    let mut params = line.params.clone();
    match (params.iter().position(|(n, _)| n == name), value) {
        (Some(i), Some(v)) => params[i].1 = vec![v.to_string()],
        (Some(i), None) => {
            params.remove(i);
        }
        (None, Some(v)) => params.push((name.to_string(), vec![v.to_string()])),
        (None, None) => {}
    }
    content_line(&line.name, &params, &line.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untouched_text_round_trips_byte_for_byte() {
        let inputs = [
            "BEGIN:VCALENDAR\r\nX-A;Y=\"q:z\":v\r\nBEGIN:VEVENT\r\nSUMMARY:long\r\n  folded\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            "BEGIN:VCALENDAR\nBEGIN:VTODO\nbroken line\n\nEND:VTODO\nEND:VCALENDAR",
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n",
            "no calendar at all",
        ];
        for input in inputs {
            let doc = Doc::parse(input);
            let mut want = input.to_string();
            if input.starts_with("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR") {
                // The unclosed VEVENT is closed on output.
                want = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n".into();
            }
            assert_eq!(doc.write(), want, "{input:?}");
        }
    }

    #[test]
    fn folding_counts_octets_and_keeps_characters_whole() {
        let text = format!("SUMMARY:{}", "é".repeat(60));
        let folded = fold(&text);
        for physical in folded.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(physical.len() <= 75, "{}", physical.len());
        }
        let unfolded = unfold(&folded);
        assert_eq!(unfolded[0].text, text);
    }

    #[test]
    fn escaping() {
        assert_eq!(escape_text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        assert_eq!(param_value("Doe, Jane"), "\"Doe, Jane\"");
        assert_eq!(param_value("say \"hi\""), "say ^'hi^'");
    }
}
