//! The generic HL7 v2 parser (ER7, the pipe-and-hat encoding).
//!
//! Segments end at CR (the standard), LF or CRLF (what files and some gateways send).
//! The field separator is MSH-1 and the encoding characters are MSH-2 (component,
//! repetition, escape, sub-component, and from v2.7 truncation). Values are split first and
//! unescaped last, so an escaped delimiter (`\F\`, `\S\`, `\T\`, `\R\`, `\E\`) never splits.
//! Bytes that are not UTF-8 are replaced (codes and numbers are ASCII in practice).

use crate::error::Error;

/// The delimiters of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Separators {
    pub field: char,
    pub component: char,
    pub repetition: Option<char>,
    pub escape: Option<char>,
    pub subcomponent: Option<char>,
}

impl Default for Separators {
    fn default() -> Self {
        Self { field: '|', component: '^', repetition: Some('~'), escape: Some('\\'), subcomponent: Some('&') }
    }
}

fn split_on(text: &str, sep: Option<char>) -> impl Iterator<Item = &str> {
    let mut whole = Some(text);
    let mut parts = sep.map(|c| text.split(c));
    std::iter::from_fn(move || match parts.as_mut() {
        Some(p) => p.next(),
        None => whole.take(),
    })
}

impl Separators {
    /// MSH-2 as written for these separators.
    pub fn encoding_characters(&self) -> String {
        [Some(self.component), self.repetition, self.escape, self.subcomponent].into_iter().flatten().collect()
    }

    /// The repetitions of a raw field (one when the field does not repeat).
    pub fn repetitions<'a>(&self, field: &'a str) -> impl Iterator<Item = &'a str> {
        split_on(field, self.repetition)
    }

    /// Component `n` (1-based) of a raw repetition; `""` when absent.
    pub fn component<'a>(&self, repetition: &'a str, n: usize) -> &'a str {
        n.checked_sub(1).and_then(|i| repetition.split(self.component).nth(i)).unwrap_or("")
    }

    /// Sub-component `n` (1-based) of a raw component; `""` when absent.
    pub fn subcomponent<'a>(&self, component: &'a str, n: usize) -> &'a str {
        n.checked_sub(1).and_then(|i| split_on(component, self.subcomponent).nth(i)).unwrap_or("")
    }

    /// Replaces the escape sequences of a raw value by what they stand for. Delimiter escapes
    /// (`\F\ \S\ \T\ \R\ \E\`) and hexadecimal data (`\X41\`) are decoded, formatting
    /// escapes (`\H\ \N\ \.br\` …) are dropped, and an unterminated escape is kept as written.
    pub fn decode(&self, raw: &str) -> String {
        let Some(esc) = self.escape else { return raw.to_owned() };
        if !raw.contains(esc) {
            return raw.to_owned();
        }
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(start) = rest.find(esc) {
            out.push_str(rest.get(..start).unwrap_or_default());
            let after = rest.get(start.saturating_add(esc.len_utf8())..).unwrap_or_default();
            let Some(end) = after.find(esc) else {
                out.push_str(rest.get(start..).unwrap_or_default());
                return out;
            };
            let body = after.get(..end).unwrap_or_default();
            match body {
                "F" => out.push(self.field),
                "S" => out.push(self.component),
                "T" => out.extend(self.subcomponent),
                "R" => out.extend(self.repetition),
                "E" => out.push(esc),
                _ if body.starts_with('X') => out.push_str(&decode_hex(body.get(1..).unwrap_or_default())),
                _ => {}
            }
            rest = after.get(end.saturating_add(esc.len_utf8())..).unwrap_or_default();
        }
        out.push_str(rest);
        out
    }

    /// Escapes delimiters in `text` so it can be written as one value. Line breaks become
    /// `\.br\`; other control characters are dropped.
    pub fn encode(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let esc = self.escape.unwrap_or('\\');
        let escaped = |out: &mut String, code: &str| {
            out.push(esc);
            out.push_str(code);
            out.push(esc);
        };
        for c in text.chars() {
            if c == self.field {
                escaped(&mut out, "F");
            } else if c == self.component {
                escaped(&mut out, "S");
            } else if Some(c) == self.subcomponent {
                escaped(&mut out, "T");
            } else if Some(c) == self.repetition {
                escaped(&mut out, "R");
            } else if c == esc {
                escaped(&mut out, "E");
            } else if c == '\n' {
                escaped(&mut out, ".br");
            } else if !c.is_control() {
                out.push(c);
            }
        }
        out
    }
}

/// `\Xhhhh\`: pairs of hex digits as bytes (Latin-1 / UTF-8 best effort); bad input is dropped.
fn decode_hex(hex: &str) -> String {
    let bytes: Vec<u8> = hex.as_bytes().chunks(2).filter_map(|pair| std::str::from_utf8(pair).ok().and_then(|p| u8::from_str_radix(p, 16).ok())).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// One segment: its id and its raw (still escaped) fields. `field(n)` is HL7's SEG-n; for
/// MSH, `field(1)` is the field separator and `field(2)` the encoding characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    fields: Vec<String>,
}

impl Segment {
    /// The segment id (`MSH`, `PID`, `OBX` …).
    pub fn id(&self) -> &str {
        self.fields.first().map_or("", String::as_str)
    }

    /// Raw field `n` (1-based); `""` when absent.
    pub fn field(&self, n: usize) -> &str {
        if n == 0 { "" } else { self.fields.get(n).map_or("", String::as_str) }
    }

    /// How many fields the segment has (the last one's number).
    pub fn len(&self) -> usize {
        self.fields.len().saturating_sub(1)
    }

    /// Whether the segment has no fields after its id.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A parsed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    separators: Separators,
    segments: Vec<Segment>,
}

fn is_segment_id(id: &str) -> bool {
    id.len() == 3 && id.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn check_delimiter(c: char) -> Result<char, Error> {
    if c.is_alphanumeric() || c.is_whitespace() || c.is_control() {
        return Err(Error::Separators("delimiters must be punctuation (e.g. |^~\\&)"));
    }
    Ok(c)
}

impl Message {
    /// Parses a message as received (the bytes between the MLLP start and end).
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        Self::parse_str(&String::from_utf8_lossy(bytes))
    }

    /// Parses a message from text.
    pub fn parse_str(text: &str) -> Result<Self, Error> {
        let text = text.trim_start_matches(['\r', '\n', '\u{feff}']);
        if text.trim().is_empty() {
            return Err(Error::Empty);
        }
        let rest = text.strip_prefix("MSH").ok_or(Error::NoMsh)?;
        let mut chars = rest.chars();
        let field = check_delimiter(chars.next().ok_or(Error::Separators("no field separator"))?)?;
        let encoding: Vec<char> = chars.take_while(|c| *c != field && *c != '\r' && *c != '\n').collect();
        if encoding.is_empty() || encoding.len() > 5 {
            return Err(Error::Separators("MSH-2 must hold 1 to 5 encoding characters"));
        }
        for (i, c) in encoding.iter().enumerate() {
            check_delimiter(*c)?;
            if *c == field || encoding.iter().skip(i.saturating_add(1)).any(|d| d == c) {
                return Err(Error::Separators("delimiters must differ from each other"));
            }
        }
        let separators = Separators {
            field,
            component: encoding.first().copied().unwrap_or('^'),
            repetition: encoding.get(1).copied(),
            escape: encoding.get(2).copied(),
            subcomponent: encoding.get(3).copied(),
        };
        let mut segments = Vec::new();
        for (index, line) in text.split(['\r', '\n']).filter(|l| !l.trim().is_empty()).enumerate() {
            let mut fields: Vec<String> = line.split(field).map(str::to_owned).collect();
            let id = fields.first().map_or("", String::as_str);
            if !is_segment_id(id) {
                return Err(Error::SegmentId { index: index.saturating_add(1) });
            }
            if index == 0 {
                fields.insert(1, field.to_string());
            } else if id == "MSH" {
                return Err(Error::Separators("a second MSH segment (batches are not accepted)"));
            }
            segments.push(Segment { fields });
        }
        Ok(Self { separators, segments })
    }

    /// The message's delimiters.
    pub fn separators(&self) -> &Separators {
        &self.separators
    }

    /// All segments, in order (the first is MSH).
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The MSH segment.
    pub fn msh(&self) -> Option<&Segment> {
        self.segments.first()
    }

    /// Segments with this id, in order.
    pub fn segments_named<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Segment> + 'a {
        self.segments.iter().filter(move |s| s.id() == id)
    }

    /// The decoded value of `field`, repetition `rep` (0-based), component `comp` (1-based).
    pub fn value(&self, segment: &Segment, field: usize, rep: usize, comp: usize) -> String {
        self.separators.decode(self.raw(segment, field, rep, comp))
    }

    /// The raw (escaped) value at that position; `""` when absent.
    pub fn raw<'a>(&self, segment: &'a Segment, field: usize, rep: usize, comp: usize) -> &'a str {
        let raw = segment.field(field);
        if segment.id() == "MSH" && field <= 2 {
            return raw;
        }
        let repetition = self.separators.repetitions(raw).nth(rep).unwrap_or("");
        self.separators.component(repetition, comp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_come_from_msh() {
        let m = Message::parse_str("MSH#*@!%#APP#FAC\rPID#1##A*B@C*D%E!F").unwrap();
        let s = *m.separators();
        assert_eq!((s.field, s.component, s.repetition, s.escape, s.subcomponent), ('#', '*', Some('@'), Some('!'), Some('%')));
        let msh = m.msh().unwrap();
        assert_eq!((msh.field(1), msh.field(2), msh.field(3)), ("#", "*@!%", "APP"));
        let pid = m.segments_named("PID").next().unwrap();
        assert_eq!(m.value(pid, 3, 0, 1), "A");
        assert_eq!(m.raw(pid, 3, 0, 2), "B");
        assert_eq!(m.value(pid, 3, 1, 1), "C");
        assert_eq!(s.subcomponent(m.raw(pid, 3, 1, 2), 2), "E!F");
    }

    #[test]
    fn lf_crlf_and_blank_lines_are_tolerated() {
        for sep in ["\r", "\n", "\r\n", "\n\n"] {
            let m = Message::parse_str(&format!("MSH|^~\\&|A{sep}PID|1{sep}OBX|1{sep}")).unwrap();
            let ids: Vec<_> = m.segments().iter().map(Segment::id).collect();
            assert_eq!(ids, ["MSH", "PID", "OBX"], "{sep:?}");
        }
    }

    #[test]
    fn escapes_decode_after_splitting() {
        let m = Message::parse_str("MSH|^~\\&|A\rNTE|1||a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f\\H\\g\\N\\\\X41\\^next").unwrap();
        let nte = m.segments_named("NTE").next().unwrap();
        assert_eq!(m.value(nte, 3, 0, 1), "a|b^c&d~e\\fgA");
        assert_eq!(m.value(nte, 3, 0, 2), "next");
        assert_eq!(m.separators().decode("open\\F"), "open\\F", "unterminated escape kept");
    }

    #[test]
    fn encode_round_trips() {
        let s = Separators::default();
        let text = "a|b^c&d~e\\f";
        assert_eq!(s.encode(text), "a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f");
        assert_eq!(s.decode(&s.encode(text)), text);
    }

    #[test]
    fn malformed_messages_are_errors() {
        assert_eq!(Message::parse_str(""), Err(Error::Empty));
        assert_eq!(Message::parse_str("PID|1"), Err(Error::NoMsh));
        assert!(matches!(Message::parse_str("MSH"), Err(Error::Separators(_))));
        assert!(matches!(Message::parse_str("MSHA^~\\&"), Err(Error::Separators(_))));
        assert!(matches!(Message::parse_str("MSH||"), Err(Error::Separators(_))));
        assert!(matches!(Message::parse_str("MSH|^^\\&|"), Err(Error::Separators(_))));
        assert_eq!(Message::parse_str("MSH|^~\\&|A\rpid|1"), Err(Error::SegmentId { index: 2 }));
        assert!(matches!(Message::parse_str("MSH|^~\\&|A\rMSH|^~\\&|B"), Err(Error::Separators(_))));
    }
}
