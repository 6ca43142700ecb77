//! The cue-text parser: the spec's "WebVTT cue text tokenizer" and tree building
//! (<https://www.w3.org/TR/webvtt1/#cue-text-parsing-rules>), plus HTML character references.
//!
//! Two entry points: [`parse_cue_text`] builds the DOM-like tree (what a browser would build;
//! the conformance tests compare its [`dump_tree`]), and [`plain_text_and_voice`] is the fast
//! path the pipeline uses: it writes the text with tags removed and references decoded into a
//! reused `String` and returns the first voice name, without building a tree.

use memchr::{memchr, memchr2};

use super::scan::{Either, next_in_set};

use super::entities::{MAX_NAME_LEN, lookup};
use super::timestamp::{format_timestamp, parse_timestamp};

/// Which cue-text element a tag made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElementKind {
    /// `<c>`: a class span.
    Class,
    /// `<i>`.
    Italic,
    /// `<b>`.
    Bold,
    /// `<u>`.
    Underline,
    /// `<ruby>`.
    Ruby,
    /// `<rt>` (only inside `<ruby>`).
    RubyText,
    /// `<v NAME>`: a voice; the annotation is the speaker.
    Voice,
    /// `<lang TAG>`: a language span; the annotation is the language tag.
    Language,
}

impl ElementKind {
    /// The tag name as written in cue text.
    pub fn tag(self) -> &'static str {
        match self {
            ElementKind::Class => "c",
            ElementKind::Italic => "i",
            ElementKind::Bold => "b",
            ElementKind::Underline => "u",
            ElementKind::Ruby => "ruby",
            ElementKind::RubyText => "rt",
            ElementKind::Voice => "v",
            ElementKind::Language => "lang",
        }
    }

    /// The HTML element it becomes in the DOM (`c`, `v` and `lang` become `span`).
    pub fn html_tag(self) -> &'static str {
        match self {
            ElementKind::Class | ElementKind::Voice | ElementKind::Language => "span",
            other => other.tag(),
        }
    }
}

/// An element of the cue-text tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    /// Which tag.
    pub kind: ElementKind,
    /// Classes from `<tag.a.b>`.
    pub classes: Vec<String>,
    /// The annotation: the voice name for `<v>`, the language for `<lang>`, else empty.
    /// Whitespace is trimmed and collapsed, character references decoded.
    pub annotation: String,
    /// Child nodes.
    pub children: Vec<Node>,
}

/// A node of the cue-text tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Text, with character references decoded.
    Text(String),
    /// A tag and its content.
    Element(Element),
    /// A timestamp tag `<00:00:01.000>`, in milliseconds.
    Timestamp(u64),
}

/// A tokenizer output (the spec's string, start tag, end tag and timestamp tokens).
#[derive(Debug)]
enum Token {
    Text(String),
    Start {
        name: String,
        classes: Vec<String>,
        annotation: String,
    },
    End(String),
    Timestamp(String),
}

/// The tag-state whitespace: TAB, LF, FF, SPACE.
fn is_tag_ws(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\x0C' | ' ')
}

/// Consumes a character reference after a `&` (at `*pos`) and appends its expansion, or
/// appends `&` alone and consumes nothing when there is none (the following characters are
/// then ordinary text). `in_attribute` applies HTML's rule for legacy names in attributes.
fn char_ref(s: &str, pos: &mut usize, out: &mut String, in_attribute: bool) {
    let rest = &s.as_bytes()[*pos..];
    match rest.first() {
        Some(b'#') => numeric_ref(rest, pos, out),
        Some(c) if c.is_ascii_alphanumeric() => {
            let alnum = rest
                .iter()
                .take(MAX_NAME_LEN)
                .take_while(|c| c.is_ascii_alphanumeric())
                .count();
            let with_semi = alnum + usize::from(rest.get(alnum) == Some(&b';'));
            let found = (1..=with_semi.min(MAX_NAME_LEN))
                .rev()
                .find_map(|len| lookup(&rest[..len]).map(|value| (len, value)));
            match found {
                Some((len, value)) => {
                    let legacy = rest[len - 1] != b';';
                    let next = rest.get(len);
                    if in_attribute
                        && legacy
                        && next.is_some_and(|c| *c == b'=' || c.is_ascii_alphanumeric())
                    {
                        out.push('&');
                    } else {
                        out.push_str(value);
                        *pos += len;
                    }
                }
                None => out.push('&'),
            }
        }
        _ => out.push('&'),
    }
}

/// `&#NNN;` / `&#xHHH;` per HTML: the `;` is optional; 0, surrogates and values beyond
/// U+10FFFF become U+FFFD; C1 controls map through windows-1252 as browsers do.
fn numeric_ref(rest: &[u8], pos: &mut usize, out: &mut String) {
    let hex = matches!(rest.get(1), Some(b'x' | b'X'));
    let start = if hex { 2 } else { 1 };
    let radix = if hex { 16 } else { 10 };
    let n = rest[start..]
        .iter()
        .take_while(|c| char::from(**c).is_digit(radix))
        .count();
    if n == 0 {
        out.push('&');
        return;
    }
    let mut value: u32 = 0;
    for &c in &rest[start..start + n] {
        let d = char::from(c).to_digit(radix).unwrap_or(0);
        value = value.saturating_mul(radix).saturating_add(d).min(0x11_0000);
    }
    let mut len = start + n;
    if rest.get(len) == Some(&b';') {
        len += 1;
    }
    *pos += len;
    const C1: [u32; 32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013,
        0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ];
    let value = match value {
        0x80..=0x9F => C1[(value - 0x80) as usize],
        v => v,
    };
    out.push(
        char::from_u32(value)
            .filter(|c| *c != '\0')
            .unwrap_or('\u{FFFD}'),
    );
}

/// The spec's tokenizer: the next token starting at `*pos`, or `None` at the end.
fn next_token(s: &str, pos: &mut usize) -> Option<Token> {
    let b = s.as_bytes();
    let ch = |p: usize| s[p..].chars().next();
    let mut result = String::new();
    // Data state.
    loop {
        match ch(*pos) {
            None if result.is_empty() => return None,
            None => return Some(Token::Text(result)),
            Some('&') => {
                *pos += 1;
                char_ref(s, pos, &mut result, false);
            }
            Some('<') if !result.is_empty() => return Some(Token::Text(result)),
            Some('<') => {
                *pos += 1;
                break;
            }
            Some(_) => {
                // Copy the run up to the next special character in one go.
                let end = memchr2(b'&', b'<', &b[*pos..]).map_or(b.len(), |i| *pos + i);
                result.push_str(&s[*pos..end]);
                *pos = end;
            }
        }
    }
    // Tag state.
    let mut classes = Vec::new();
    let mut buffer = String::new();
    enum Next {
        Name,
        Class,
        Annotation,
    }
    let mut next = match ch(*pos) {
        None => {
            return Some(Token::Start {
                name: result,
                classes,
                annotation: buffer,
            });
        }
        Some('>') => {
            *pos += 1;
            return Some(Token::Start {
                name: result,
                classes,
                annotation: buffer,
            });
        }
        Some(c) if is_tag_ws(c) => {
            *pos += 1;
            Next::Annotation
        }
        Some('.') => {
            *pos += 1;
            Next::Class
        }
        Some('/') => {
            *pos += 1;
            let end = memchr(b'>', &b[*pos..]).map_or(b.len(), |i| *pos + i);
            let name = s[*pos..end].to_owned();
            *pos = (end + 1).min(b.len());
            return Some(Token::End(name));
        }
        Some(c) if c.is_ascii_digit() => {
            let end = memchr(b'>', &b[*pos..]).map_or(b.len(), |i| *pos + i);
            let value = s[*pos..end].to_owned();
            *pos = (end + 1).min(b.len());
            return Some(Token::Timestamp(value));
        }
        Some(c) => {
            result.push(c);
            *pos += c.len_utf8();
            Next::Name
        }
    };
    loop {
        let c = ch(*pos);
        if let Some(c) = c {
            *pos += c.len_utf8();
        }
        match (&next, c) {
            (Next::Name | Next::Class, None | Some('>')) => {
                if matches!(next, Next::Class) && !buffer.is_empty() {
                    classes.push(std::mem::take(&mut buffer));
                }
                return Some(Token::Start {
                    name: result,
                    classes,
                    annotation: String::new(),
                });
            }
            (Next::Name | Next::Class, Some(c)) if is_tag_ws(c) => {
                if matches!(next, Next::Class) && !buffer.is_empty() {
                    classes.push(std::mem::take(&mut buffer));
                }
                next = Next::Annotation;
            }
            (Next::Name | Next::Class, Some('.')) => {
                if matches!(next, Next::Class) && !buffer.is_empty() {
                    classes.push(std::mem::take(&mut buffer));
                }
                next = Next::Class;
            }
            (Next::Name, Some(c)) => result.push(c),
            (Next::Class, Some(c)) => buffer.push(c),
            (Next::Annotation, None | Some('>')) => {
                let annotation = buffer
                    .split(|c: char| c.is_ascii_whitespace())
                    .filter(|w| !w.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                return Some(Token::Start {
                    name: result,
                    classes,
                    annotation,
                });
            }
            (Next::Annotation, Some('&')) => char_ref(s, pos, &mut buffer, true),
            (Next::Annotation, Some(c)) => buffer.push(c),
        }
    }
}

/// Parses cue text into its tree (the spec's "cue text parsing rules"). Unknown tags, a stray
/// `<rt>` outside `<ruby>`, unmatched end tags and malformed timestamps are ignored.
pub fn parse_cue_text(text: &str) -> Vec<Node> {
    let mut root: Vec<Node> = Vec::new();
    let mut open: Vec<Element> = Vec::new();
    fn append(root: &mut Vec<Node>, open: &mut [Element], node: Node) {
        match open.last_mut() {
            Some(e) => e.children.push(node),
            None => root.push(node),
        }
    }
    fn close(root: &mut Vec<Node>, open: &mut Vec<Element>) {
        if let Some(e) = open.pop() {
            append(root, open, Node::Element(e));
        }
    }
    let mut pos = 0;
    while let Some(token) = next_token(text, &mut pos) {
        match token {
            Token::Text(t) => append(&mut root, &mut open, Node::Text(t)),
            Token::Start {
                name,
                classes,
                annotation,
            } => {
                let in_ruby = open.last().is_some_and(|e| e.kind == ElementKind::Ruby);
                let kind = match name.as_str() {
                    "c" => ElementKind::Class,
                    "i" => ElementKind::Italic,
                    "b" => ElementKind::Bold,
                    "u" => ElementKind::Underline,
                    "ruby" => ElementKind::Ruby,
                    "rt" if in_ruby => ElementKind::RubyText,
                    "v" => ElementKind::Voice,
                    "lang" => ElementKind::Language,
                    _ => continue,
                };
                let annotation = match kind {
                    ElementKind::Voice | ElementKind::Language => annotation,
                    _ => String::new(),
                };
                open.push(Element {
                    kind,
                    classes,
                    annotation,
                    children: Vec::new(),
                });
            }
            Token::End(name) => match open.last().map(|e| e.kind) {
                Some(k) if k.tag() == name => close(&mut root, &mut open),
                Some(ElementKind::RubyText) if name == "ruby" => {
                    close(&mut root, &mut open);
                    close(&mut root, &mut open);
                }
                _ => {}
            },
            Token::Timestamp(t) => {
                if let Some(ms) = parse_timestamp(&t) {
                    append(&mut root, &mut open, Node::Timestamp(ms));
                }
            }
        }
    }
    while !open.is_empty() {
        close(&mut root, &mut open);
    }
    root
}

/// Dumps a tree in the html5lib format the WPT cue-text tests use: one node per line,
/// `| ` plus two spaces per depth; attributes sorted by name under their element.
pub fn dump_tree(nodes: &[Node]) -> String {
    fn go(nodes: &[Node], depth: usize, out: &mut Vec<String>) {
        let pad = "  ".repeat(depth);
        for n in nodes {
            match n {
                Node::Text(t) => out.push(format!("| {pad}\"{t}\"")),
                Node::Timestamp(ms) => {
                    out.push(format!("| {pad}<?timestamp {}>", format_timestamp(*ms)))
                }
                Node::Element(e) => {
                    out.push(format!("| {pad}<{}>", e.kind.html_tag()));
                    let mut attrs = Vec::new();
                    if !e.classes.is_empty() {
                        attrs.push(("class", e.classes.join(" ")));
                    }
                    match e.kind {
                        ElementKind::Voice => attrs.push(("title", e.annotation.clone())),
                        ElementKind::Language => attrs.push(("lang", e.annotation.clone())),
                        _ => {}
                    }
                    attrs.sort();
                    for (k, v) in attrs {
                        out.push(format!("| {pad}  {k}=\"{v}\""));
                    }
                    go(&e.children, depth + 1, out);
                }
            }
        }
    }
    let mut lines = Vec::new();
    go(nodes, 0, &mut lines);
    lines.join("\n")
}

/// The fast path: clears `plain` and fills it with the cue text's text content (tags removed,
/// character references decoded), and returns the annotation of the first `<v>` tag that has
/// one, trimmed — the speaker. Builds no tree and allocates nothing beyond `plain`'s growth.
///
/// `plain` equals the concatenated text nodes of [`parse_cue_text`]. The voice name is a slice
/// of `text`: character references in it are not decoded and inner whitespace is kept as is
/// (the tree's [`Element::annotation`] has both done).
pub fn plain_text_and_voice<'a>(text: &'a str, plain: &mut String) -> Option<&'a str> {
    plain_text_and_voice_from(text, first_markup(text), plain)
}

/// [`plain_text_and_voice`] given where the first tag or character reference starts
/// ([`first_markup`] of `text`), so a caller that has looked for it need not look again.
pub(crate) fn plain_text_and_voice_from<'a>(
    text: &'a str,
    first: Option<usize>,
    plain: &mut String,
) -> Option<&'a str> {
    debug_assert_eq!(first, first_markup(text));
    plain.clear();
    let b = text.as_bytes();
    let mut voice = None;
    let mut pos = 0;
    let mut next = first;
    while let Some(i) = next {
        plain.push_str(&text[pos..i]);
        if b[i] == b'&' {
            pos = i + 1;
            char_ref(text, &mut pos, plain, false);
        } else {
            // Every tag state ends at the first '>' (a reference in an annotation cannot
            // contain one), or at the end of the text.
            let end = memchr(b'>', &b[i + 1..]).map_or(b.len(), |j| i + 1 + j);
            if voice.is_none() {
                voice = voice_annotation(&text[i + 1..end]);
            }
            pos = (end + 1).min(b.len());
        }
        next = next_in_set::<Markup>(b, pos);
    }
    plain.push_str(&text[pos..]);
    voice
}

/// The bytes that start a tag or a character reference.
type Markup = Either<b'<', b'&'>;

/// Where the first tag or character reference of `text` starts; `None` when it has neither,
/// so its plain text is the text itself and it has no voice.
pub(crate) fn first_markup(text: &str) -> Option<usize> {
    next_in_set::<Markup>(text.as_bytes(), 0)
}

/// The trimmed annotation of a `v` start tag's content (`v.loud Mary` -> `Mary`).
fn voice_annotation(tag: &str) -> Option<&str> {
    let rest = tag.strip_prefix('v')?;
    if !(rest.is_empty() || rest.starts_with(|c: char| c == '.' || is_tag_ws(c))) {
        return None;
    }
    let ws = rest.find(is_tag_ws)?;
    let name = rest[ws..].trim_matches(|c: char| c.is_ascii_whitespace());
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn plain(text: &str) -> (String, Option<String>) {
        let mut p = String::new();
        let v = plain_text_and_voice(text, &mut p).map(str::to_owned);
        (p, v)
    }

    fn tree_text(nodes: &[Node], out: &mut String) {
        for n in nodes {
            match n {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => tree_text(&e.children, out),
                Node::Timestamp(_) => {}
            }
        }
    }

    #[test]
    fn teams_voice_and_references() {
        let (p, v) = plain("<v Alice Smith>Hi &amp; welcome &lt;all&gt;</v>");
        assert_eq!(p, "Hi & welcome <all>");
        assert_eq!(v.as_deref(), Some("Alice Smith"));
    }

    #[test]
    fn youtube_word_timings() {
        let (p, v) = plain("so<00:00:01.319><c> we</c><00:00:01.520><c> start</c>");
        assert_eq!(p, "so we start");
        assert_eq!(v, None);
    }

    #[test]
    fn voice_with_class_and_no_voice_lookalikes() {
        assert_eq!(plain("<v.loud Mary>x").1.as_deref(), Some("Mary"));
        assert_eq!(plain("<vv Mary>x").1, None);
        assert_eq!(plain("<v>x<v Bob>y").1.as_deref(), Some("Bob"));
    }

    #[test]
    fn text_without_markup_is_its_own_plain_text() {
        for (text, markup) in [
            ("plain words, 100% > less", false),
            ("a &amp; b", true),
            ("<v Ann>hi", true),
            ("", false),
        ] {
            assert_eq!(first_markup(text).is_some(), markup, "{text:?}");
            if !markup {
                assert_eq!(plain(text), (text.to_owned(), None));
            }
        }
    }

    #[test]
    fn numeric_references() {
        assert_eq!(
            plain("&#65;&#x42;&#X43;&#0;&#x110000;&#128;&#").0,
            "ABC\u{FFFD}\u{FFFD}\u{20AC}&#"
        );
    }

    #[test]
    fn tree_dump_matches_html5lib_style() {
        let t = parse_cue_text("a<v.d e>b</v>c");
        assert_eq!(
            dump_tree(&t),
            "| \"a\"\n| <span>\n|   class=\"d\"\n|   title=\"e\"\n|   \"b\"\n| \"c\""
        );
    }

    proptest! {
        /// The fast path agrees with the tree on arbitrary tag soup.
        #[test]
        fn fast_path_equals_tree_text(s in "([a-c &;<>./#x0-9v]|&amp;|&lt|<v [a-z ]{0,6}>|</v>|<c\\.[a-z]>){0,24}") {
            let mut expected = String::new();
            tree_text(&parse_cue_text(&s), &mut expected);
            prop_assert_eq!(plain(&s).0, expected);
        }
    }
}
