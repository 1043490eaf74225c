//! Normalisation shared by the differential tests: shell-like splitting of corpus
//! lines, and UUID labelling of `ovsdb-client dump` output and command output (see
//! `differential.rs` for the rules).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;

/// Splits a line like a POSIX shell (quotes and backslashes; no expansions).
pub fn shell_split(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                for d in chars.by_ref() {
                    if d == '\'' {
                        break;
                    }
                    cur.push(d);
                }
            }
            '"' => {
                in_word = true;
                while let Some(d) = chars.next() {
                    match d {
                        '"' => break,
                        '\\' if matches!(chars.peek(), Some('"' | '\\' | '$' | '`')) => {
                            cur.push(chars.next().unwrap_or('\\'));
                        }
                        _ => cur.push(d),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(d) = chars.next() {
                    cur.push(d);
                }
            }
            _ => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

pub fn is_uuid_at(b: &[u8], i: usize) -> bool {
    if i + 36 > b.len() {
        return false;
    }
    let ok = (0..36).all(|k| {
        let c = b[i + k];
        match k {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        }
    });
    let before_ok = i == 0 || !b[i - 1].is_ascii_alphanumeric();
    let after_ok = i + 36 == b.len() || !b[i + 36].is_ascii_alphanumeric();
    ok && before_ok && after_ok
}

/// Calls `f` on every UUID in `s`, replacing it with what `f` returns.
pub fn map_uuids(s: &str, mut f: impl FnMut(&str) -> String) -> String {
    let b = s.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    let mut last = 0;
    while i < b.len() {
        if is_uuid_at(b, i) {
            out.push_str(&s[last..i]);
            out.push_str(&f(&s[i..i + 36]));
            i += 36;
            last = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&s[last..]);
    out
}

/// Sorts lists of UUID labels: `[<3>, <1>]` becomes `[<1>, <3>]`.
pub fn sort_label_lists(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..=open]);
        rest = &rest[open + 1..];
        if let Some(close) = rest.find(']') {
            let inner = &rest[..close];
            let items: Vec<&str> = inner.split(", ").collect();
            if items.len() > 1 && items.iter().all(|x| x.starts_with('<') && x.ends_with('>')) {
                let mut sorted = items.clone();
                sorted.sort_by_key(|x| {
                    let t = x.trim_matches(|c| c == '<' || c == '>');
                    (t.trim_start_matches('x').len(), t.to_string())
                });
                out.push_str(&sorted.join(", "));
                rest = &rest[close..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Sorts JSON sets of UUID labels: `["set",[["uuid","<3>"],["uuid","<1>"]]]`.
pub fn sort_json_label_sets(s: &str) -> String {
    const OPEN: &str = "[\"set\",[";
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find(OPEN) {
        out.push_str(&rest[..i + OPEN.len()]);
        rest = &rest[i + OPEN.len()..];
        let Some(end) = rest.find("]]]") else {
            continue;
        };
        let inner = &rest[..end + 1];
        let items: Vec<&str> = inner.split("],[").collect();
        if items.iter().all(|x| x.contains("\"uuid\",\"<")) {
            let mut v: Vec<String> = items
                .iter()
                .map(|x| x.trim_matches(|c| c == '[' || c == ']').to_string())
                .collect();
            v.sort_by_key(|x| (x.len(), x.clone()));
            let joined: Vec<String> = v.iter().map(|x| format!("[{x}]")).collect();
            out.push_str(&joined.join(","));
            rest = &rest[end + 1..];
        }
    }
    out.push_str(rest);
    out
}

/// Parses a dump into (table heading lines, row lines) sections.
pub fn dump_sections(dump: &str) -> Vec<(Vec<String>, Vec<String>)> {
    let mut sections = Vec::new();
    for block in dump.split("\n\n") {
        let lines: Vec<String> = block.lines().map(str::to_string).collect();
        if lines.is_empty() {
            continue;
        }
        let head = lines.len().min(3);
        sections.push((lines[..head].to_vec(), lines[head..].to_vec()));
    }
    sections
}

/// Labels for the UUIDs of a dump, and the normalised dump.
pub fn normalize_dump(dump: &str) -> (BTreeMap<String, String>, String) {
    let sections = dump_sections(dump);
    // Colour refinement: a row's colour is a hash of its table, its content with its
    // own UUID masked, and the colours of the rows it references; repeat until the
    // number of colours stops growing. Rows that end with the same colour cannot be
    // told apart by content, so any numbering among them gives the same dump.
    use std::collections::hash_map::DefaultHasher;
    use std::hash::{Hash, Hasher};
    let rows: Vec<(usize, &String)> = sections
        .iter()
        .enumerate()
        .flat_map(|(t, (_, rows))| rows.iter().map(move |r| (t, r)))
        .filter(|(_, r)| is_uuid_at(r.as_bytes(), 0))
        .collect();
    let mut colour: BTreeMap<String, u64> =
        rows.iter().map(|(_, r)| (r[..36].to_string(), 0)).collect();
    let distinct =
        |c: &BTreeMap<String, u64>| c.values().collect::<std::collections::BTreeSet<_>>().len();
    for _ in 0..32 {
        let mut next = BTreeMap::new();
        for (t, r) in &rows {
            let own = &r[..36];
            let key = map_uuids(r, |u| {
                if u == own {
                    "<>".into()
                } else {
                    format!("<{:x}>", colour.get(u).copied().unwrap_or(u64::MAX))
                }
            });
            let mut h = DefaultHasher::new();
            (t, sort_label_lists(&key)).hash(&mut h);
            next.insert(own.to_string(), h.finish());
        }
        let done = distinct(&next) == distinct(&colour);
        colour = next;
        if done {
            break;
        }
    }
    let mut order: Vec<(&u64, &String)> = colour.iter().map(|(u, c)| (c, u)).collect();
    order.sort();
    let labels: BTreeMap<String, String> = order
        .iter()
        .enumerate()
        .map(|(n, (_, u))| ((*u).clone(), format!("<{n}>")))
        .collect();
    let mut extra = 0;
    let mut out = String::new();
    for (head, rows) in &sections {
        let mut norm: Vec<String> = rows
            .iter()
            .map(|r| {
                sort_label_lists(&map_uuids(r, |u| {
                    labels.get(u).cloned().unwrap_or_else(|| {
                        extra += 1;
                        format!("<dangling{extra}>")
                    })
                }))
            })
            .collect();
        norm.sort();
        for h in head {
            out.push_str(&map_uuids(h, |_| "<>".into()));
            out.push('\n');
        }
        for r in norm {
            out.push_str(&r);
            out.push('\n');
        }
        out.push('\n');
    }
    (labels, out)
}

pub fn normalize_text(
    s: &str,
    labels: &BTreeMap<String, String>,
    dir: &Path,
    sort: bool,
) -> String {
    let mut extra: BTreeMap<String, String> = BTreeMap::new();
    let s = s.replace(&dir.display().to_string(), "<dir>");
    let s = s.replace("rvs-vsctl", "ovs-vsctl");
    let s = map_uuids(&s, |u| {
        if let Some(l) = labels.get(u) {
            return l.clone();
        }
        let n = extra.len();
        extra
            .entry(u.to_string())
            .or_insert(format!("<x{n}>"))
            .clone()
    });
    let mut lines: Vec<String> = s
        .lines()
        .map(|l| {
            // Log lines: TIME|SEQ|module|LEVEL|text.
            let l = if l.len() > 21 && l.as_bytes()[4] == b'-' && l.as_bytes()[20] == b'|' {
                format!("<time>{}", &l[20..])
            } else {
                l.to_string()
            };
            sort_json_label_sets(&sort_label_lists(&l))
        })
        .collect();
    if sort {
        lines.sort();
    }
    let mut out = lines.join("\n");
    if s.ends_with('\n') {
        out.push('\n');
    }
    out
}
