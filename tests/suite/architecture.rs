//! The layering of `src/`: which folders of the library may use which, read from the source
//! text of this repository only.
//!
//! The library folders, bottom to top: `util`, `contract`, `target`, `input`, `http`,
//! `check`, `report`, `runner`. A folder's files may use (`crate::<folder>`, or a `super::` path that
//! resolves to one) only their own folder and the folders before it. `mock` may use only
//! `util`, `contract` and itself. No library file may use `crate::cli`. Under `report/`, the files
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
    "util", "contract", "target", "input", "http", "check", "report", "runner",
];

/// The folder beside the layers, and what it may use.
const MOCK: &str = "mock";
const MOCK_MAY_USE: &[&str] = &["util", "contract", "mock"];

/// The binary's own modules (`src/cli/` or `src/cli.rs`), off limits to the library.
const CLI: &str = "cli";

/// The files of `report/` every writer may use; every other file there is a writer.
const REPORT_SHARED: &[&str] = &[
    "mod",
    "record",
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
    /// In a library folder (a layer or `mock`).
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
    } else if LAYERS.contains(&top) || top == MOCK {
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
    if folder == MOCK {
        return MOCK_MAY_USE.to_vec();
    }
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
    let folders: Vec<&str> = LAYERS.iter().copied().chain([MOCK]).collect();
    let mut out = Vec::new();
    for (path, text) in &files {
        let folder = match place(path) {
            Place::Exempt => continue,
            Place::Unplaced => {
                out.push(format!(
                    "src/{path}: outside the layout: not in {}, {MOCK}, lib.rs, main.rs, bin/ or cli/",
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
        ("bin/chime-mock.rs", "use chime_conformance::mock;\n"),
        ("cli/mod.rs", "use crate::cli::args::Args;\nmod args;\n"),
        ("cli/args.rs", "pub struct Args;\n"),
        (
            "contract.rs",
            "//! Not `crate::runner`.\n/// See [`crate::runner`].\npub const PATH: &str = \"crate::runner::x\";\n/* crate::cli */\npub const RAW: &str = r#\"super::runner \"x\"\"#;\npub const BRACE: char = '{';\nfn f<'a>(s: &'a str) -> &'a str { s } // crate::report\n",
        ),
        ("contract/errors.rs", "use super::PATH;\nuse crate::contract::PATH as P;\n"),
        ("target/mod.rs", "use crate::contract::PATH;\nuse super::contract::RAW;\n"),
        ("input/mod.rs", "use crate::{contract::PATH, target, input::x};\n"),
        ("http/mod.rs", "pub mod client;\nuse crate::input;\n"),
        ("http/client.rs", "use super::super::target;\nuse crate::{\n    contract,\n    input::{self, Input},\n};\n"),
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
        ("mock/mod.rs", "mod server;\nuse crate::contract::PATH;\n"),
        ("mock/server.rs", "use super::state;\nuse crate::mock::MockConfig;\n"),
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
            "http/ may use only util, contract, target, input, http",
            "crate::check",
        ],
    );
    // In a group, on its own line.
    let (found, _) = with_line(
        "target/mod.rs",
        "use crate::{\n    contract,\n    report,\n};",
    );
    let line = clean_tree()
        .iter()
        .find(|(p, _)| p == "target/mod.rs")
        .map(|(_, t)| t.lines().count() + 3)
        .unwrap();
    assert_one(&found, "target/mod.rs", line, &["crate::report"]);
    // The mock beside the layers.
    let (found, line) = with_line("mock/server.rs", "use crate::http::client;");
    assert_one(
        &found,
        "mock/server.rs",
        line,
        &["mock/ may use only util, contract, mock", "crate::http"],
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
        ["src/sigv4.rs: outside the layout: not in util, contract, target, input, http, check, report, runner, mock, lib.rs, main.rs, bin/ or cli/"]
    );
}
