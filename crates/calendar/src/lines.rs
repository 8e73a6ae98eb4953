//! Line level of RFC 5545: unfolding (§3.1) and splitting a content line into name,
//! parameters and value. Nothing here knows what a VEVENT is.

/// One logical (unfolded) line with where it came from.
#[derive(Debug, Clone)]
pub(crate) struct LogicalLine {
    /// 1-based number of the physical line the logical line starts on.
    pub line_no: usize,
    /// Byte offset of the first physical line in the input.
    pub start: usize,
    /// Byte offset just past the last physical line's content (line terminator excluded).
    pub end: usize,
    pub text: String,
}

/// Unfolds CRLF or LF input: a physical line that starts with a space or a tab continues
/// the previous one, minus that one whitespace character. Blank lines are dropped.
pub(crate) fn unfold(input: &str) -> Vec<LogicalLine> {
    let mut out: Vec<LogicalLine> = Vec::new();
    let mut offset = 0usize;
    for (index, physical) in input.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += physical.len();
        let content = physical
            .strip_suffix('\n')
            .unwrap_or(physical)
            .trim_end_matches('\r');
        let end = start + content.len();
        if let Some(rest) = content
            .strip_prefix(' ')
            .or_else(|| content.strip_prefix('\t'))
        {
            if let Some(last) = out.last_mut() {
                last.text.push_str(rest);
                last.end = end;
                continue;
            }
        }
        if content.trim().is_empty() {
            continue;
        }
        out.push(LogicalLine {
            line_no: index + 1,
            start,
            end,
            text: content.to_string(),
        });
    }
    out
}

/// A parsed content line: `NAME;PARAM=a,b;OTHER="x:y":value`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ContentLine {
    /// Upper-cased property name.
    pub name: String,
    /// Upper-cased parameter names with their unquoted values.
    pub params: Vec<(String, Vec<String>)>,
    pub value: String,
}

impl ContentLine {
    /// First value of a parameter, if present.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, values)| values.first())
            .map(String::as_str)
    }
}

/// Splits a logical line. Colons inside quoted parameter values do not end the parameters.
pub(crate) fn parse_content_line(text: &str) -> Result<ContentLine, String> {
    let name_end = text
        .find([';', ':'])
        .ok_or_else(|| "not a content line (no ':')".to_string())?;
    let name = text[..name_end].trim();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(format!("bad property name {:?}", truncate(name, 40)));
    }
    let mut params = Vec::new();
    let mut rest = &text[name_end..];
    while let Some(after) = rest.strip_prefix(';') {
        let eq = after
            .find('=')
            .ok_or_else(|| "parameter without '='".to_string())?;
        let param_name = after[..eq].trim().to_ascii_uppercase();
        let mut cursor = &after[eq + 1..];
        let mut values = Vec::new();
        loop {
            let (value, remaining) = if let Some(quoted) = cursor.strip_prefix('"') {
                let close = quoted
                    .find('"')
                    .ok_or_else(|| "unterminated quoted parameter".to_string())?;
                (&quoted[..close], &quoted[close + 1..])
            } else {
                let stop = cursor.find([',', ';', ':']).unwrap_or(cursor.len());
                (&cursor[..stop], &cursor[stop..])
            };
            values.push(decode_caret(value));
            match remaining.strip_prefix(',') {
                Some(next) => cursor = next,
                None => {
                    cursor = remaining;
                    break;
                }
            }
        }
        params.push((param_name, values));
        rest = cursor;
    }
    let value = rest
        .strip_prefix(':')
        .ok_or_else(|| "parameters not followed by ':'".to_string())?;
    Ok(ContentLine {
        name: name.to_ascii_uppercase(),
        params,
        value: value.to_string(),
    })
}

/// RFC 6868 parameter value encoding: `^n` newline, `^^` caret, `^'` double quote.
fn decode_caret(value: &str) -> String {
    if !value.contains('^') {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '^' {
            match chars.peek() {
                Some('n') => {
                    out.push('\n');
                    chars.next();
                }
                Some('^') => {
                    out.push('^');
                    chars.next();
                }
                Some('\'') => {
                    out.push('"');
                    chars.next();
                }
                _ => out.push('^'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

pub(crate) fn truncate(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max_chars).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unfolds_crlf_and_lf_with_space_or_tab() {
        let input = "SUMMARY:Hel\r\n lo\r\n\tworld\nUID:1\n";
        let lines = unfold(input);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].text, "SUMMARY:Helloworld");
        assert_eq!(lines[0].line_no, 1);
        assert_eq!(lines[1].text, "UID:1");
        assert_eq!(lines[1].line_no, 4);
        assert_eq!(
            &input[lines[0].start..lines[0].end],
            "SUMMARY:Hel\r\n lo\r\n\tworld"
        );
    }

    #[test]
    fn splits_parameters_with_quoted_colons() {
        let line = parse_content_line(
            "ATTENDEE;CN=\"Doe, Jane: CEO\";PARTSTAT=ACCEPTED;X-A=1,2:mailto:jane@example.com",
        )
        .unwrap();
        assert_eq!(line.name, "ATTENDEE");
        assert_eq!(line.param("CN"), Some("Doe, Jane: CEO"));
        assert_eq!(line.param("PARTSTAT"), Some("ACCEPTED"));
        assert_eq!(line.params[2].1, vec!["1".to_string(), "2".to_string()]);
        assert_eq!(line.value, "mailto:jane@example.com");
    }

    #[test]
    fn caret_encoding_is_decoded() {
        let line = parse_content_line("X;CN=a^'b^'^nc^^:v").unwrap();
        assert_eq!(line.param("CN"), Some("a\"b\"\nc^"));
    }

    #[test]
    fn rejects_lines_without_colon() {
        assert!(parse_content_line("just some text").is_err());
        assert!(parse_content_line("X;CN=\"open:value").is_err());
        assert!(parse_content_line(":value").is_err());
    }
}
