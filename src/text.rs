//! Text from runs is untrusted: control characters and escape sequences are made inert before
//! they reach a terminal, and long text is cut on character boundaries.

/// Replaces control characters (other than newline and tab) with visible stand-ins, so that
/// `ESC[31m` prints as `␛[31m` and never reaches the terminal as a command.
pub fn inert(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\u{1b}' => out.push('␛'),
            '\u{7f}' => out.push('␡'),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {
                out.push(char::from_u32(0x2400 + c as u32).unwrap_or('�'))
            }
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    let u = c as u32;
    (u < 0x20 && c != '\n' && c != '\t')
        || u == 0x7f
        || (0x80..0xa0).contains(&u)
        // Bidirectional overrides can make text display as something it is not.
        || (0x202a..=0x202e).contains(&u)
        || (0x2066..=0x2069).contains(&u)
}

/// At most `max` characters, with a note of how much was cut.
pub fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((i, _)) => {
            let rest = s[i..].chars().count();
            format!("{}… ({rest} more characters)", &s[..i])
        }
    }
}

/// The first line, at most `max` characters.
pub fn one_line(s: &str, max: usize) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(max) {
        None => flat,
        Some((i, _)) => format!("{}…", &flat[..i]),
    }
}

/// `1 browse`, `2 browses`: a count and its noun.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `s` wrapped at word boundaries to lines of at most `width` characters (a longer word is
/// split), as a paragraph with word wrapping draws it.
pub fn wrap(s: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    for para in s.lines() {
        let mut line = String::new();
        let mut len = 0;
        for word in para.split_whitespace() {
            let mut word: Vec<char> = word.chars().collect();
            while word.len() > width {
                if len > 0 {
                    lines.push(std::mem::take(&mut line));
                    len = 0;
                }
                lines.push(word.drain(..width).collect());
            }
            if word.is_empty() {
                continue;
            }
            if len > 0 && len + 1 + word.len() > width {
                lines.push(std::mem::take(&mut line));
                len = 0;
            }
            if len > 0 {
                line.push(' ');
                len += 1;
            }
            len += word.len();
            line.extend(word);
        }
        lines.push(line);
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_words() {
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap("abcdefg h", 3), ["abc", "def", "g h"]);
        assert_eq!(wrap("one\ntwo", 10), ["one", "two"]);
    }

    #[test]
    fn escapes_are_inert() {
        assert_eq!(inert("a\u{1b}[31mred\u{7}"), "a␛[31mred␇");
        assert_eq!(inert("line\nnext\tok"), "line\nnext\tok");
        assert_eq!(inert("\u{9b}x"), "\\u{9b}x");
        assert_eq!(clip("héllo", 2), "hé… (3 more characters)");
        assert_eq!(one_line("a\n  b   c", 3), "a b…");
    }
}

/// Natural order: runs of digits compare as numbers (`q2` < `q10`), the rest as text.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (mut x, mut y) = (a, b);
    loop {
        match (x.chars().next(), y.chars().next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let i = x.find(|c: char| !c.is_ascii_digit()).unwrap_or(x.len());
                let j = y.find(|c: char| !c.is_ascii_digit()).unwrap_or(y.len());
                let (n, m) = (
                    x[..i].trim_start_matches('0'),
                    y[..j].trim_start_matches('0'),
                );
                let o = n.len().cmp(&m.len()).then_with(|| n.cmp(m));
                if o != Ordering::Equal {
                    return o;
                }
                (x, y) = (&x[i..], &y[j..]);
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(&d);
                }
                (x, y) = (&x[c.len_utf8()..], &y[d.len_utf8()..]);
            }
        }
    }
}

#[cfg(test)]
mod natural_tests {
    use super::natural_cmp;

    #[test]
    fn numbers_in_ids_sort_as_numbers() {
        let mut ids = vec!["q10", "q2", "q1", "q0", "r1", "q02", "10", "9", "a"];
        ids.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(ids, ["9", "10", "a", "q0", "q1", "q02", "q2", "q10", "r1"]);
    }
}

/// A document's title and text as one passage (title, newline, text), the one form every
/// document gets wherever it is ranked, trained on or exported. The title is left out only
/// when the text's first line already is the title, so a page whose prose opens with its own
/// name still gets its title line, like every other page. No truncation: trainers cut passages
/// to their own token budget.
pub fn passage(title: Option<&str>, text: &str) -> String {
    match title {
        Some(t) if !t.is_empty() && text.lines().next().map(str::trim) != Some(t.trim()) => {
            format!("{t}\n{text}")
        }
        _ => text.to_string(),
    }
}

/// FNV-1a, 64 bits, as 16 hex digits: a stable hash for prompts, rules and cache keys.
pub fn stable_hash(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h ^= 0xff;
            h = h.wrapping_mul(0x100000001b3);
        }
        for b in p.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    format!("{h:016x}")
}
