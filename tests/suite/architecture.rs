//! The shape of the workspace's source, read from the text of this repository only: the
//! layering of the harness's `src/`, no import cycle between the files of any crate, and no
//! print in any library crate (`chime-contract`, `chime-mock`'s library, the harness's).
//!
//! The harness's library folders, bottom to top: `contract`, `endpoint`, `input`, `http`,
//! `check`, `report`, `runner`, `session`. A folder's files may use (`crate::<folder>`, or a
//! `super::` path that resolves to one) only their own folder and the folders before it.
//! (The mock and the contract are crates of their own; Cargo keeps their dependencies one
//! way.) No library file may use `crate::cli`. Under `report/`, the files
//! other than `mod.rs`, `record.rs`, `matrix.rs`, `event.rs` and `failure_text.rs` are
//! writers: a writer may use those shared files but no other writer, and nothing under
//! `report/` may use the runner. `lib.rs`, `main.rs`, `bin/` and `cli/` (the binary's own
//! modules) are exempt; any other file outside the folders is reported as unplaced.
//!
//! Uses are found by scanning the text with comments (doc comments included), string and
//! character literals blanked out. `use` groups (`crate::{a, b::{c}}`) are expanded, and
//! `super::` is resolved against the file's module path, inline `mod name { ... }` blocks
//! included. Paths brought in any other way (a `use` of a `use`d name, macros) are not seen.

use std::collections::BTreeSet;
use std::path::Path;

/// The library folders, bottom to top.
const LAYERS: &[&str] = &[
    "contract", "endpoint", "input", "http", "check", "report", "runner", "session",
];

/// The binary's own modules (`src/cli/` or `src/cli.rs`), off limits to the library.
const CLI: &str = "cli";

/// The files of `report/` every writer may use; every other file there is a writer.
const REPORT_SHARED: &[&str] = &[
    "mod",
    "aggregate",
    "record",
    "trial",
    "matrix",
    "coverage",
    "choices",
    "drift",
    "event",
    "failure_text",
    "write",
];

/// Where a file sits in the layout.
#[derive(Debug, Clone, PartialEq)]
enum Place {
    /// `lib.rs`, `main.rs`, `bin/`, `cli/`: free to use anything.
    Exempt,
    /// In a library folder (a layer).
    Library(String),
    /// Anywhere else.
    Unplaced,
}

fn place(path: &str) -> Place {
    let parts: Vec<&str> = path.split('/').collect();
    let top = match parts.as_slice() {
        ["lib.rs"] | ["main.rs"] => return Place::Exempt,
        [file] => file.strip_suffix(".rs").unwrap_or(file),
        [folder, ..] => folder,
        [] => return Place::Unplaced,
    };
    if top == "bin" || top == CLI {
        Place::Exempt
    } else if LAYERS.contains(&top) {
        Place::Library(top.to_string())
    } else {
        Place::Unplaced
    }
}

/// The module path of a file: `report/junit.rs` is `report::junit`, `report/mod.rs` and
/// `report.rs` are `report`.
fn module_path(path: &str) -> Vec<String> {
    let mut parts: Vec<String> = path
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_string)
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The writer a file is part of, if it is one: `report/junit.rs` and `report/junit/*.rs`
/// are the writer `junit`.
fn writer_of(path: &str) -> Option<String> {
    let module = module_path(path);
    match module.as_slice() {
        [folder, name, ..] if folder == "report" && !REPORT_SHARED.contains(&name.as_str()) => {
            Some(name.clone())
        }
        _ => None,
    }
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `text` with every comment and every string and character literal replaced by spaces,
/// newlines kept, so that offsets and line numbers still match the source.
fn code_only(text: &str) -> Vec<u8> {
    let src = text.as_bytes();
    let mut out = src.to_vec();
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for b in &mut out[from..to.min(src.len())] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    };
    let mut i = 0;
    while i < src.len() {
        let rest = &src[i..];
        let after_ident = i > 0 && is_ident_byte(src[i - 1]);
        if rest.starts_with(b"//") {
            let end = rest
                .iter()
                .position(|&b| b == b'\n')
                .map_or(src.len(), |n| i + n);
            blank(&mut out, i, end);
            i = end;
        } else if rest.starts_with(b"/*") {
            let (mut depth, mut j) = (0usize, i);
            while j < src.len() {
                if src[j..].starts_with(b"/*") {
                    depth += 1;
                    j += 2;
                } else if src[j..].starts_with(b"*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            blank(&mut out, i, j);
            i = j;
        } else if !after_ident && raw_string_start(rest).is_some() {
            let (open, hashes) = raw_string_start(rest).unwrap_or_default();
            let mut close = vec![b'"'];
            close.extend(std::iter::repeat_n(b'#', hashes));
            let body = i + open;
            let end = src[body..]
                .windows(close.len())
                .position(|w| w == close.as_slice())
                .map_or(src.len(), |n| body + n + close.len());
            blank(&mut out, i, end);
            i = end;
        } else if src[i] == b'"' {
            let mut j = i + 1;
            while j < src.len() && src[j] != b'"' {
                j += if src[j] == b'\\' { 2 } else { 1 };
            }
            blank(&mut out, i, j + 1);
            i = j + 1;
        } else if src[i] == b'\'' {
            // A character literal ('x', '\n', '\u{7f}'), or else a lifetime or a label.
            let end = if rest.get(1) == Some(&b'\\') {
                rest.iter()
                    .skip(3)
                    .position(|&b| b == b'\'')
                    .map(|n| i + 3 + n + 1)
            } else {
                let width = match rest.get(1) {
                    Some(&b) if b >= 0xF0 => 4,
                    Some(&b) if b >= 0xE0 => 3,
                    Some(&b) if b >= 0xC0 => 2,
                    _ => 1,
                };
                (rest.get(1 + width) == Some(&b'\'')).then_some(i + 2 + width)
            };
            match end {
                Some(end) => {
                    blank(&mut out, i, end);
                    i = end;
                }
                None => i += 1,
            }
        } else {
            i += 1;
        }
    }
    out
}

/// If `rest` opens a raw string (`r"`, `r#"`, `br##"`, ...): the length of the opening
/// and the number of `#`.
fn raw_string_start(rest: &[u8]) -> Option<(usize, usize)> {
    let r = usize::from(rest.first() == Some(&b'b'));
    if rest.get(r) != Some(&b'r') {
        return None;
    }
    let hashes = rest[r + 1..].iter().take_while(|&&b| b == b'#').count();
    (rest.get(r + 1 + hashes) == Some(&b'"')).then_some((r + 2 + hashes, hashes))
}

/// A path segment and where it is in the text.
type Segment = (String, usize);

fn skip_space(code: &[u8], at: &mut usize) {
    while *at < code.len() && code[*at].is_ascii_whitespace() {
        *at += 1;
    }
}

fn ident_at(code: &[u8], at: usize) -> Option<&str> {
    let len = code[at..].iter().take_while(|&&b| is_ident_byte(b)).count();
    (len > 0 && !code[at].is_ascii_digit())
        .then(|| std::str::from_utf8(&code[at..at + len]).ok())
        .flatten()
}

/// Every path of the use tree at `at` (after a `crate::` or `super::`): `a::b` is one path,
/// `{a, b::{c, d}}` is `a`, `b::c` and `b::d`; a glob ends its path.
fn use_tree(code: &[u8], at: &mut usize) -> Vec<Vec<Segment>> {
    skip_space(code, at);
    if code.get(*at) == Some(&b'{') {
        *at += 1;
        let mut paths = Vec::new();
        loop {
            skip_space(code, at);
            match code.get(*at) {
                None => return paths,
                Some(b'}') => {
                    *at += 1;
                    return paths;
                }
                _ => {}
            }
            let before = *at;
            paths.extend(use_tree(code, at));
            // Past any `as name` to the next `,` or the closing `}`.
            let mut depth = 0usize;
            while let Some(&b) = code.get(*at) {
                match b {
                    b'{' | b'(' | b'[' => depth += 1,
                    b'}' | b')' | b']' if depth > 0 => depth -= 1,
                    b'}' => break,
                    b',' if depth == 0 => {
                        *at += 1;
                        break;
                    }
                    _ => {}
                }
                *at += 1;
            }
            if *at == before {
                *at += 1;
            }
        }
    }
    let Some(ident) = ident_at(code, *at) else {
        return Vec::new();
    };
    let segment = (ident.to_string(), *at);
    *at += ident.len();
    let mut next = *at;
    skip_space(code, &mut next);
    if code[next..].starts_with(b"::") {
        next += 2;
        let mut rest = use_tree(code, &mut next);
        *at = next;
        if !rest.is_empty() {
            for path in &mut rest {
                path.insert(0, segment.clone());
            }
            return rest;
        }
    }
    vec![vec![segment]]
}

/// One use found in a file: the absolute module path (each segment with its offset, `None`
/// for segments taken from the file's own module path) and the offset of its keyword.
struct Use {
    path: Vec<(String, Option<usize>)>,
    at: usize,
}

/// Every `crate::` and `super::` use of a file whose module path is `module`.
fn uses(code: &[u8], module: &[String]) -> Vec<Use> {
    let mut found = Vec::new();
    // Inline modules open at this point: name and the brace depth inside them.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut pending_mod: Option<String> = None;
    let mut depth = 0usize;
    let mut i = 0;
    while i < code.len() {
        match code[i] {
            b'{' => {
                depth += 1;
                if let Some(name) = pending_mod.take() {
                    inline.push((name, depth));
                }
                i += 1;
                continue;
            }
            b'}' => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
                i += 1;
                continue;
            }
            b';' => pending_mod = None,
            _ => {}
        }
        let boundary = i == 0 || !is_ident_byte(code[i - 1]);
        let Some(word) = ident_at(code, i).filter(|_| boundary) else {
            i += 1;
            continue;
        };
        let word_end = i + word.len();
        if word == "mod" {
            let mut at = word_end;
            skip_space(code, &mut at);
            if let Some(name) = ident_at(code, at) {
                pending_mod = Some(name.to_string());
            }
        } else if (word == "crate" || word == "super") && !after_path_separator(code, i) {
            let mut at = word_end;
            skip_space(code, &mut at);
            if code[at..].starts_with(b"::") {
                at += 2;
                let here: Vec<String> = module
                    .iter()
                    .cloned()
                    .chain(inline.iter().map(|(n, _)| n.clone()))
                    .collect();
                for path in use_tree(code, &mut at) {
                    if let Some(path) = resolve(word, &here, path) {
                        found.push(Use { path, at: i });
                    }
                }
            }
        }
        i = word_end;
    }
    found
}

/// Whether `::` comes just before byte `at` (so that the `super` of `super::super::x` is
/// not read as a second path).
fn after_path_separator(code: &[u8], at: usize) -> bool {
    let before = code[..at].trim_ascii_end();
    before.ends_with(b"::")
}

/// The absolute module path a `crate::`/`super::` path names from module `here`; `None`
/// for a path that leaves the crate.
fn resolve(
    keyword: &str,
    here: &[String],
    path: Vec<Segment>,
) -> Option<Vec<(String, Option<usize>)>> {
    let mut base: Vec<(String, Option<usize>)> = Vec::new();
    if keyword == "super" {
        base = here.iter().map(|s| (s.clone(), None)).collect();
        base.pop()?;
    }
    let mut segments = path.into_iter().peekable();
    while segments.peek().is_some_and(|(s, _)| s == "super") {
        segments.next();
        base.pop()?;
    }
    base.extend(segments.map(|(s, at)| (s, Some(at))));
    Some(base)
}

/// The 1-based line of byte `at`.
fn line_of(code: &[u8], at: usize) -> usize {
    code[..at].iter().filter(|&&b| b == b'\n').count() + 1
}

/// The folders a library folder may use.
fn may_use(folder: &str) -> Vec<&'static str> {
    let index = LAYERS.iter().position(|l| *l == folder).unwrap_or_default();
    LAYERS[..=index].to_vec()
}

/// Every break of the layering in `files` (paths relative to `src/`, `/`-separated, with
/// their text), as `src/<path>:<line>: <rule> (uses <path>)`, in file and line order.
fn layering_violations(files: &[(String, String)]) -> Vec<String> {
    let mut files: Vec<(String, &str)> = files
        .iter()
        .map(|(path, text)| (path.replace('\\', "/"), text.as_str()))
        .filter(|(path, _)| path.ends_with(".rs"))
        .collect();
    files.sort();
    let writers: BTreeSet<String> = files.iter().filter_map(|(p, _)| writer_of(p)).collect();
    let folders: Vec<&str> = LAYERS.to_vec();
    let mut out = Vec::new();
    for (path, text) in &files {
        let folder = match place(path) {
            Place::Exempt => continue,
            Place::Unplaced => {
                out.push(format!(
                    "src/{path}: outside the layout: not in {}, lib.rs, main.rs, bin/ or cli/",
                    LAYERS.join(", ")
                ));
                continue;
            }
            Place::Library(folder) => folder,
        };
        let allowed = may_use(&folder);
        let writer = writer_of(path);
        let code = code_only(text);
        let mut seen = BTreeSet::new();
        for found in uses(&code, &module_path(path)) {
            let segment = |n: usize| found.path.get(n).map(|(s, _)| s.as_str());
            let line_at = |n: usize| {
                let at = found
                    .path
                    .get(n)
                    .and_then(|(_, at)| *at)
                    .or_else(|| found.path.iter().find_map(|(_, at)| *at))
                    .unwrap_or(found.at);
                line_of(&code, at)
            };
            let Some(top) = segment(0) else { continue };
            let broken = if top == CLI {
                Some((0, "the library may not use the binary's cli".to_string()))
            } else if folder == "report" && top == "runner" {
                Some((0, "nothing under report/ may use the runner".to_string()))
            } else if folders.contains(&top) && !allowed.contains(&top) {
                Some((0, format!("{folder}/ may use only {}", allowed.join(", "))))
            } else {
                match (&writer, segment(1)) {
                    (Some(own), Some(other))
                        if top == "report" && other != own && writers.contains(other) =>
                    {
                        Some((
                            1,
                            format!(
                                "the report writer {own} may not use another writer; writers share only {}",
                                REPORT_SHARED.join(", ")
                            ),
                        ))
                    }
                    _ => None,
                }
            };
            if let Some((level, rule)) = broken {
                let named = found.path[..=level]
                    .iter()
                    .map(|(s, _)| s.as_str())
                    .collect::<Vec<_>>()
                    .join("::");
                let line = line_at(level);
                if seen.insert((line, rule.clone(), named.clone())) {
                    out.push(format!("src/{path}:{line}: {rule} (uses crate::{named})"));
                }
            }
        }
    }
    out
}

/// The module path of each file, and the file whose module a path is in: the longest
/// prefix of `path` that is a file's module.
fn file_of<'a>(modules: &'a [(Vec<String>, String)], path: &[String]) -> Option<&'a str> {
    modules
        .iter()
        .filter(|(module, _)| path.starts_with(module))
        .max_by_key(|(module, _)| module.len())
        .map(|(_, file)| file.as_str())
}

/// Every cycle of imports between the files of one crate (paths relative to its `src/`),
/// each as its files, sorted; uses inside test modules (`#[cfg(test)] mod ... { }`) do
/// not count. A file's use of its own ancestors' modules (a child
/// using what its `mod.rs` holds) and an ancestor's of its descendants (re-exports) are the
/// module's own interface and are not edges; every other use of another file is.
fn file_cycles(files: &[(String, String)]) -> Vec<Vec<String>> {
    let files: Vec<(String, &str)> = files
        .iter()
        .map(|(path, text)| (path.replace('\\', "/"), text.as_str()))
        .filter(|(path, _)| path.ends_with(".rs"))
        .collect();
    let modules: Vec<(Vec<String>, String)> = files
        .iter()
        .map(|(path, _)| {
            let module = match path.as_str() {
                "lib.rs" | "main.rs" => Vec::new(),
                _ => module_path(path),
            };
            (module, path.clone())
        })
        .collect();
    let module_of = |file: &str| {
        modules
            .iter()
            .find(|(_, f)| f == file)
            .map(|(m, _)| m.clone())
            .unwrap_or_default()
    };
    let mut edges: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    for (path, text) in &files {
        let here = module_of(path);
        let code = code_only(text);
        let tests = test_module_spans(&code);
        for found in uses(&code, &here) {
            if tests.iter().any(|(a, b)| (*a..*b).contains(&found.at)) {
                continue;
            }
            let target: Vec<String> = found.path.iter().map(|(s, _)| s.clone()).collect();
            let Some(other) = file_of(&modules, &target) else {
                continue;
            };
            let there = module_of(other);
            let related = here.starts_with(&there) || there.starts_with(&here);
            if other != path && !related {
                edges
                    .entry(path.clone())
                    .or_default()
                    .insert(other.to_string());
            }
        }
    }
    strongly_connected(&edges)
        .into_iter()
        .filter(|component| component.len() > 1)
        .collect()
}

/// The strongly connected components of a graph (Tarjan), each sorted, in sorted order.
fn strongly_connected(
    edges: &std::collections::BTreeMap<String, BTreeSet<String>>,
) -> Vec<Vec<String>> {
    struct Walk<'a> {
        edges: &'a std::collections::BTreeMap<String, BTreeSet<String>>,
        index: std::collections::BTreeMap<&'a str, usize>,
        low: std::collections::BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        components: Vec<Vec<String>>,
    }
    fn visit<'a>(walk: &mut Walk<'a>, node: &'a str) {
        let n = walk.index.len();
        walk.index.insert(node, n);
        walk.low.insert(node, n);
        walk.stack.push(node);
        let edges = walk.edges;
        for next in edges.get(node).into_iter().flatten() {
            let next = next.as_str();
            if !walk.index.contains_key(next) {
                visit(walk, next);
                let low = walk.low[node].min(walk.low[next]);
                walk.low.insert(node, low);
            } else if walk.stack.contains(&next) {
                let low = walk.low[node].min(walk.index[next]);
                walk.low.insert(node, low);
            }
        }
        if walk.low[node] == walk.index[node] {
            let mut component = Vec::new();
            while let Some(top) = walk.stack.pop() {
                component.push(top.to_string());
                if top == node {
                    break;
                }
            }
            component.sort();
            walk.components.push(component);
        }
    }
    let mut walk = Walk {
        edges,
        index: Default::default(),
        low: Default::default(),
        stack: Vec::new(),
        components: Vec::new(),
    };
    for node in edges.keys() {
        if !walk.index.contains_key(node.as_str()) {
            visit(&mut walk, node);
        }
    }
    walk.components.sort();
    walk.components
}

/// The print macros a library may not use: output is the binaries' to give.
const PRINTS: &[&str] = &["println!", "eprintln!", "print!", "eprint!", "dbg!"];

/// Every print in the library files of a crate (paths relative to its `src/`), as
/// `<path>:<line>: <macro>`; the binaries' own files (`main.rs`, `bin/`, `cli/`) and test
/// modules (`#[cfg(test)] mod ... { }`, `*_tests.rs`) are exempt.
fn library_prints(files: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (path, text) in files {
        let path = path.replace('\\', "/");
        let binary = path == "main.rs" || path.starts_with("bin/") || path.starts_with("cli/");
        if binary || path.ends_with("_tests.rs") || path.contains("test_support") {
            continue;
        }
        let code = code_only(text);
        let tests = test_module_spans(&code);
        for name in PRINTS {
            let mut from = 0;
            while let Some(at) = find(&code[from..], name.as_bytes()).map(|n| from + n) {
                from = at + name.len();
                let boundary = at == 0 || !is_ident_byte(code[at - 1]);
                let in_tests = tests.iter().any(|(a, b)| (*a..*b).contains(&at));
                if boundary && !in_tests {
                    out.push(format!("{path}:{}: {name}", line_of(&code, at)));
                }
            }
        }
    }
    out.sort();
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The byte spans of the `#[cfg(test)]` modules of a file (comments already blanked).
fn test_module_spans(code: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut from = 0;
    while let Some(at) = find(&code[from..], b"#[cfg(test)]").map(|n| from + n) {
        from = at + 1;
        let Some(open) = code[at..].iter().position(|&b| b == b'{' || b == b';') else {
            break;
        };
        let open = at + open;
        if code[open] == b';' {
            continue;
        }
        let mut depth = 0usize;
        let mut end = code.len();
        for (i, &b) in code.iter().enumerate().skip(open) {
            match b {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        spans.push((at, end));
    }
    spans
}

/// Every `.rs` file under `dir`, as (path relative to `root`, text).
fn read_tree(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("failed to read {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            read_tree(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path
                .strip_prefix(root)
                .expect("under src/")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("failed to read {}: {e}", path.display()));
            out.push((relative, text));
        }
    }
}

#[test]
fn src_follows_the_layering() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    read_tree(&src, &src, &mut files);
    assert!(
        files.iter().any(|(p, _)| p == "lib.rs"),
        "no src/lib.rs in {}",
        src.display()
    );
    let broken = layering_violations(&files);
    assert!(
        broken.is_empty(),
        "{} breaks of the layering of src/:\n{}",
        broken.len(),
        broken.join("\n")
    );
}

/// A tree that follows every rule, with uses hidden in comments, doc comments, strings and
/// character literals that must not count.
fn clean_tree() -> Vec<(String, String)> {
    [
        ("lib.rs", "pub mod contract;\npub mod runner;\npub use crate::runner::run;\n"),
        ("main.rs", "use chime_conformance::runner;\nmod cli;\n"),
        ("cli/mod.rs", "use crate::cli::args::Args;\nmod args;\n"),
        ("cli/args.rs", "pub struct Args;\n"),
        (
            "contract.rs",
            "//! Not `crate::runner`.\n/// See [`crate::runner`].\npub const PATH: &str = \"crate::runner::x\";\n/* crate::cli */\npub const RAW: &str = r#\"super::runner \"x\"\"#;\npub const BRACE: char = '{';\nfn f<'a>(s: &'a str) -> &'a str { s } // crate::report\n",
        ),
        ("contract/errors.rs", "use super::PATH;\nuse crate::contract::PATH as P;\n"),
        ("endpoint/mod.rs", "use crate::contract::PATH;\nuse super::contract::RAW;\n"),
        ("input/mod.rs", "use crate::{contract::PATH, endpoint, input::x};\n"),
        ("http/mod.rs", "pub mod client;\nuse crate::input;\n"),
        ("http/client.rs", "use super::super::endpoint;\nuse crate::{\n    contract,\n    input::{self, Input},\n};\n"),
        ("check/mod.rs", "use crate::http::client::Response;\n"),
        ("report/mod.rs", "mod junit;\nmod markdown;\npub use self::junit::write_junit;\nuse crate::check::Rule;\n"),
        ("report/record.rs", "use crate::check::Rule;\nuse super::event::Event;\n"),
        ("report/event.rs", "pub struct Event;\n"),
        ("report/write.rs", "pub fn write() {}\n"),
        ("report/failure_text.rs", "use super::record::Record;\n"),
        (
            "report/junit.rs",
            "use super::{record::Record, event::Event};\nuse crate::report::{write, failure_text};\nfn markdown() {}\n#[cfg(test)]\nmod tests {\n    use super::*;\n    use super::markdown;\n    use super::super::record;\n}\n",
        ),
        ("report/markdown.rs", "use super::write::write;\nuse crate::report::record::Record;\n"),
        ("runner/mod.rs", "use crate::report::{junit, markdown};\nuse crate::{contract, check};\n"),
        ("session/mod.rs", "mod plan;\nuse crate::runner::Run;\npub use self::plan::Plan;\n"),
        ("session/plan.rs", "use super::SessionError;\nuse crate::{check::Rule, input};\n"),
    ]
    .iter()
    .map(|(p, t)| (p.to_string(), t.to_string()))
    .collect()
}

/// The violations of the clean tree with `line` added at the end of `file`, and the number
/// of the added line.
fn with_line(file: &str, line: &str) -> (Vec<String>, usize) {
    let mut files = clean_tree();
    let entry = files
        .iter_mut()
        .find(|(p, _)| p == file)
        .expect("a file of the clean tree");
    entry.1.push_str(line);
    entry.1.push('\n');
    let number = entry.1.lines().count();
    (layering_violations(&files), number)
}

/// Exactly one violation, naming `file`, `line` and every one of `words`.
fn assert_one(found: &[String], file: &str, line: usize, words: &[&str]) {
    assert_eq!(found.len(), 1, "{found:#?}");
    let prefix = format!("src/{file}:{line}: ");
    assert!(found[0].starts_with(&prefix), "{prefix:?}: {found:#?}");
    for word in words {
        assert!(found[0].contains(word), "{word:?}: {found:#?}");
    }
}

#[test]
fn a_clean_tree_has_no_violation() {
    assert_eq!(layering_violations(&clean_tree()), Vec::<String>::new());
}

#[test]
fn a_reporter_importing_the_runner_is_one_violation() {
    let (found, line) = with_line("report/junit.rs", "use crate::runner::Outcome;");
    assert_one(
        &found,
        "report/junit.rs",
        line,
        &["nothing under report/ may use the runner", "crate::runner"],
    );
    // The shared files too, and through `super::` from `report/mod.rs`.
    let (found, line) = with_line("report/mod.rs", "use super::runner::Outcome;");
    assert_one(&found, "report/mod.rs", line, &["crate::runner"]);
}

#[test]
fn a_writer_importing_another_writer_is_one_violation() {
    let (found, line) = with_line("report/junit.rs", "use super::markdown::render;");
    assert_one(
        &found,
        "report/junit.rs",
        line,
        &[
            "the report writer junit may not use another writer",
            "crate::report::markdown",
        ],
    );
    let (found, line) = with_line(
        "report/markdown.rs",
        "fn f() { crate::report::junit::write_junit(); }",
    );
    assert_one(
        &found,
        "report/markdown.rs",
        line,
        &["crate::report::junit"],
    );
}

#[test]
fn a_lower_folder_importing_a_higher_one_is_one_violation() {
    let (found, line) = with_line("http/client.rs", "use crate::check::Rule;");
    assert_one(
        &found,
        "http/client.rs",
        line,
        &[
            "http/ may use only contract, endpoint, input, http",
            "crate::check",
        ],
    );
    // In a group, on its own line.
    let (found, _) = with_line(
        "endpoint/mod.rs",
        "use crate::{\n    contract,\n    report,\n};",
    );
    let line = clean_tree()
        .iter()
        .find(|(p, _)| p == "endpoint/mod.rs")
        .map(|(_, t)| t.lines().count() + 3)
        .unwrap();
    assert_one(&found, "endpoint/mod.rs", line, &["crate::report"]);
    // The runner may not use the session above it.
    let (found, line) = with_line("runner/mod.rs", "use crate::session::Plan;");
    assert_one(
        &found,
        "runner/mod.rs",
        line,
        &["runner/ may use only", "crate::session"],
    );
}

#[test]
fn the_cli_in_the_library_is_one_violation() {
    let (found, line) = with_line("runner/mod.rs", "use crate::cli::Args;");
    assert_one(
        &found,
        "runner/mod.rs",
        line,
        &["the library may not use the binary's cli", "crate::cli"],
    );
}

#[test]
fn a_file_outside_the_layout_is_reported() {
    let mut files = clean_tree();
    files.push(("sigv4.rs".into(), "use crate::contract;\n".into()));
    assert_eq!(
        layering_violations(&files),
        ["src/sigv4.rs: outside the layout: not in contract, endpoint, input, http, check, report, runner, session, lib.rs, main.rs, bin/ or cli/"]
    );
}

/// The `src/` files of each crate of the workspace: (crate, files).
fn workspace_crates() -> Vec<(&'static str, Vec<(String, String)>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        ("chime-conformance", root.join("src")),
        ("chime-contract", root.join("crates/chime-contract/src")),
        ("chime-mock", root.join("crates/chime-mock/src")),
    ]
    .into_iter()
    .map(|(name, src)| {
        let mut files = Vec::new();
        read_tree(&src, &src, &mut files);
        assert!(!files.is_empty(), "no source files in {}", src.display());
        (name, files)
    })
    .collect()
}

#[test]
fn no_crate_has_an_import_cycle_between_files() {
    for (name, files) in workspace_crates() {
        let cycles = file_cycles(&files);
        assert!(
            cycles.is_empty(),
            "{name}: {} import cycles between files:\n{cycles:#?}",
            cycles.len()
        );
    }
}

#[test]
fn no_library_crate_prints() {
    for (name, files) in workspace_crates() {
        let prints = library_prints(&files);
        assert!(
            prints.is_empty(),
            "{name}: the library prints (output is the binaries' own):\n{}",
            prints.join("\n")
        );
    }
}

#[test]
fn two_files_that_use_each_other_are_one_cycle() {
    let mut files = clean_tree();
    assert_eq!(file_cycles(&files), Vec::<Vec<String>>::new());
    files.push((
        "report/drift.rs".into(),
        "use super::record::Record;\n".into(),
    ));
    files
        .iter_mut()
        .find(|(p, _)| p == "report/record.rs")
        .unwrap()
        .1
        .push_str("use crate::report::drift::Drift;\n");
    assert_eq!(
        file_cycles(&files),
        [vec![
            "report/drift.rs".to_string(),
            "report/record.rs".to_string()
        ]]
    );
    // Three files in a ring, across folders.
    let ring: Vec<(String, String)> = [
        ("lib.rs", "pub mod a;\npub mod b;\n"),
        ("a/x.rs", "use crate::b::y::Y;\n"),
        ("b/y.rs", "use crate::b::z::Z;\n"),
        ("b/z.rs", "use crate::a::x::X;\n"),
    ]
    .iter()
    .map(|(p, t)| (p.to_string(), t.to_string()))
    .collect();
    assert_eq!(file_cycles(&ring), [vec!["a/x.rs", "b/y.rs", "b/z.rs"]]);
    // A test module's use does not make one.
    let tested: Vec<(String, String)> = [
        ("a/x.rs", "use crate::a::y::Y;\n"),
        (
            "a/y.rs",
            "#[cfg(test)]\nmod tests {\n    use crate::a::x::X;\n}\n",
        ),
    ]
    .iter()
    .map(|(p, t)| (p.to_string(), t.to_string()))
    .collect();
    assert_eq!(file_cycles(&tested), Vec::<Vec<String>>::new());
}

#[test]
fn a_module_using_its_own_parent_is_not_a_cycle() {
    let files: Vec<(String, String)> = [
        (
            "runner/mod.rs",
            "mod compare;\npub use compare::Comparison;\npub struct Run;\n",
        ),
        (
            "runner/compare.rs",
            "use super::Run;\npub struct Comparison;\n",
        ),
    ]
    .iter()
    .map(|(p, t)| (p.to_string(), t.to_string()))
    .collect();
    assert_eq!(file_cycles(&files), Vec::<Vec<String>>::new());
}

#[test]
fn a_print_in_a_library_file_is_reported_and_one_in_a_binary_or_a_test_is_not() {
    let files: Vec<(String, String)> = [
        ("main.rs", "fn main() { println!(\"ok\"); }\n"),
        ("cli/mod.rs", "fn f() { eprintln!(\"ok\"); }\n"),
        ("report/x.rs", "/// println!(\"doc\")\nfn f() {}\n#[cfg(test)]\nmod tests {\n    fn g() { println!(\"test\"); }\n}\n"),
        ("runner/y.rs", "fn f() {\n    let s = \"eprintln!(x)\";\n    eprintln!(\"{s}\");\n}\n"),
    ]
    .iter()
    .map(|(p, t)| (p.to_string(), t.to_string()))
    .collect();
    assert_eq!(library_prints(&files), ["runner/y.rs:3: eprintln!"]);
}
