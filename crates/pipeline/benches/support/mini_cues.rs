//! THROWAWAY minimal cue reader for the dev example and the NLP bench, used until the project's
//! WebVTT parser (`vtt`) lands on `main`: timing line, payload lines, `<v>` voice, tags removed,
//! a few character references decoded. Not part of the library and not a WebVTT parser.

/// One cue.
pub struct Cue {
    /// Start, milliseconds.
    pub start_ms: u64,
    /// End, milliseconds.
    pub end_ms: u64,
    /// `<v>` voice.
    pub voice: Option<String>,
    /// Text without tags.
    pub plain: String,
}

fn parse_ts(s: &str) -> Option<u64> {
    let s = s.trim();
    let (hms, ms) = s.split_once('.')?;
    let parts: Vec<u64> = hms
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let secs = parts.iter().fold(0, |acc, p| acc * 60 + p);
    Some(secs * 1000 + ms.parse::<u64>().ok()?)
}

/// Minimal cue reader (see the module docs): timing line, payload lines, `<v>` voice, tags removed.
pub fn read_cues(text: &str) -> Vec<Cue> {
    let text = text.replace("\r\n", "\n");
    let mut cues = Vec::new();
    for block in text.split("\n\n") {
        let lines: Vec<&str> = block.lines().collect();
        let Some(t) = lines.iter().position(|l| l.contains("-->")) else {
            continue;
        };
        let (a, b) = lines[t].split_once("-->").unwrap_or_default();
        let b = b.split_whitespace().next().unwrap_or_default();
        let (Some(start_ms), Some(end_ms)) = (parse_ts(a), parse_ts(b)) else {
            continue;
        };
        let payload = lines[t + 1..].join("\n");
        let mut voice = None;
        if let Some(p) = payload.find("<v ") {
            let rest = &payload[p + 3..];
            if let Some(e) = rest.find('>') {
                voice = Some(rest[..e].trim().to_owned());
            }
        }
        let mut plain = String::new();
        let mut in_tag = false;
        for c in payload.chars() {
            match c {
                '<' => in_tag = true,
                '>' if in_tag => in_tag = false,
                c if !in_tag => plain.push(c),
                _ => {}
            }
        }
        let plain = plain
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&nbsp;", " ");
        cues.push(Cue {
            start_ms,
            end_ms,
            voice,
            plain,
        });
    }
    cues
}
