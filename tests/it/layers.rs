//! The module graph: no module imports a module that imports it back. Paths named in code
//! (`crate::a::b`, `super::x`, `use super::{x, y}`) outside comments and test modules count.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module path (`run::tools`) → its source.
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, out: &mut BTreeMap<String, String>, root: &Path) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out, root);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p.strip_prefix(root).unwrap().with_extension("");
                let mut parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if matches!(
                    parts.last().map(String::as_str),
                    Some("mod" | "lib" | "main")
                ) {
                    parts.pop();
                }
                let text = std::fs::read_to_string(&p).unwrap();
                out.insert(parts.join("::"), text);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    walk(&root, &mut out, &root);
    out
}

/// The module a path names (its longest prefix that is a module), seen from module `from`.
fn resolve(mods: &BTreeMap<String, String>, from: &str, path: &[&str]) -> Option<String> {
    let mut base: Vec<&str> = if from.is_empty() {
        Vec::new()
    } else {
        from.split("::").collect()
    };
    let mut segs = path;
    match segs.first() {
        Some(&"crate") => {
            base.clear();
            segs = &segs[1..];
        }
        Some(&"super") => {
            while segs.first() == Some(&"super") {
                base.pop();
                segs = &segs[1..];
            }
        }
        _ => return None,
    }
    (1..=segs.len()).rev().find_map(|k| {
        let m = base
            .iter()
            .copied()
            .chain(segs[..k].iter().copied())
            .collect::<Vec<_>>()
            .join("::");
        mods.contains_key(&m).then_some(m)
    })
}

fn edges(mods: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = BTreeMap::new();
    for (m, text) in mods {
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        let mut deps = BTreeSet::new();
        for line in code.lines().map(str::trim).filter(|l| !l.starts_with("//")) {
            // `use super::{a, b::c}` names several.
            if let Some(i) = line.find("::{")
                && (line[..i].ends_with("super") || line[..i].ends_with("crate"))
            {
                let head: Vec<&str> = line[..i]
                    .rsplit(|c: char| !(ident(c) || c == ':'))
                    .next()
                    .unwrap_or("")
                    .split("::")
                    .collect();
                let inner = &line[i + 3..line[i..].find('}').map_or(line.len(), |j| i + j)];
                for item in inner.split(',') {
                    let mut p = head.clone();
                    p.extend(
                        item.trim()
                            .split("::")
                            .map(str::trim)
                            .filter(|s| !s.is_empty()),
                    );
                    deps.extend(resolve(mods, m, &p));
                }
            }
            for start in ["crate::", "super::"] {
                let mut at = 0;
                while let Some(i) = line[at..].find(start) {
                    let s = at + i;
                    at = s + start.len();
                    if s > 0 && line[..s].ends_with(|c: char| ident(c) || c == ':') {
                        continue;
                    }
                    let end = line[s..]
                        .find(|c: char| !(ident(c) || c == ':'))
                        .map_or(line.len(), |j| s + j);
                    let p: Vec<&str> = line[s..end].split("::").filter(|x| !x.is_empty()).collect();
                    deps.extend(resolve(mods, m, &p));
                }
            }
        }
        deps.retain(|d| d != m && !m.starts_with(&format!("{d}::")) && !d.is_empty());
        out.insert(m.clone(), deps);
    }
    out
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let mods = modules();
    let e = edges(&mods);
    assert!(
        e["run::load"].contains("run::tools"),
        "the reader sees imports: {:?}",
        e["run::load"]
    );
    let mut cycles = Vec::new();
    for (a, deps) in &e {
        for b in deps {
            if a < b && e.get(b).is_some_and(|d| d.contains(a)) {
                cycles.push(format!("{a} <-> {b}"));
            }
        }
    }
    assert!(cycles.is_empty(), "import cycles: {cycles:?}");
}

/// The screens are components: every screen's folder holds its state and its drawing, each
/// implements the one trait, and no file under `tui/screens/` names the app (its type or its
/// module) outside comments — a screen reads a `Context` and answers with effects.
#[test]
fn screens_are_components_that_do_not_name_the_app() {
    let mods = modules();
    let screens: Vec<&String> = mods
        .keys()
        .filter(|m| m.starts_with("tui::screens::") && m.matches("::").count() == 2)
        .collect();
    for name in ["runs", "run", "pairs", "stats", "train", "help", "judge"] {
        let m = format!("tui::screens::{name}");
        assert!(
            screens.contains(&&m),
            "{m} is a folder of its own: {screens:?}"
        );
        assert!(
            mods[&m].contains("impl Component for "),
            "{m} implements the component trait"
        );
        if name != "judge" {
            assert!(
                mods.contains_key(&format!("{m}::view")),
                "{m} draws in its view.rs"
            );
        }
    }
    let word = |line: &str, w: &str| {
        line.match_indices(w).any(|(i, _)| {
            let before = line[..i].chars().next_back();
            let after = line[i + w.len()..].chars().next();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
    };
    for (m, text) in mods.iter().filter(|(m, _)| m.starts_with("tui::screens")) {
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            assert!(
                !word(code, "App") && !code.contains("tui::app") && !code.contains("super::app"),
                "{m}:{} names the app: {line}",
                n + 1
            );
        }
    }
}
