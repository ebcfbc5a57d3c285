//! The dependency tree as README.md describes it: one hyper, one rustls, one crypto library
//! (ring, no aws-lc, no OpenSSL), and exactly the duplicated crates the README lists, read
//! from `cargo tree` over normal, dev and build dependencies (tests included).

use std::collections::BTreeSet;
use std::process::Command;

/// `cargo tree` for this package with `args`, over normal, dev and build dependencies, from
/// the lock file alone (no network).
fn cargo_tree(args: &[&str]) -> String {
    cargo_tree_of("normal,dev,build", args)
}

/// `cargo tree` over the dependency `edges` with `args`, from the lock file alone.
fn cargo_tree_of(edges: &str, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO"))
        .args(["tree", "--offline", "--locked", "-e", edges])
        .args(["--prefix", "none"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo tree");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The versions of `name` in the whole tree.
fn versions_of(tree: &str, name: &str) -> BTreeSet<String> {
    tree.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some(name)).then(|| words.next().unwrap_or("").to_string())
        })
        .collect()
}

#[test]
fn one_http_stack_one_tls_stack_one_crypto_library() {
    let tree = cargo_tree(&[]);
    for name in ["hyper", "rustls", "hyper-rustls", "h2", "http", "ring"] {
        let versions = versions_of(&tree, name);
        assert_eq!(versions.len(), 1, "{name}: {versions:?}");
    }
    assert!(versions_of(&tree, "hyper")
        .iter()
        .all(|v| v.starts_with("v1.")));
    for absent in ["aws-lc-sys", "aws-lc-rs", "openssl-sys", "native-tls"] {
        assert_eq!(versions_of(&tree, absent), BTreeSet::new(), "{absent}");
    }
}

#[test]
fn the_duplicated_crates_are_the_ones_the_readme_explains() {
    let duplicated: BTreeSet<String> = cargo_tree(&["--duplicates", "--depth", "0"])
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_string)
        .collect();
    let explained: BTreeSet<String> = [
        "block-buffer",
        "cpufeatures",
        "crypto-common",
        "digest",
        "getrandom",
        "syn",
    ]
    .into_iter()
    .map(str::to_string)
    .collect();
    assert_eq!(duplicated, explained);
}

#[test]
fn the_mock_is_built_without_the_harness_s_dependencies() {
    // What `cargo install` of the mock compiles: its normal dependencies.
    let tree = cargo_tree_of("normal", &["-p", "chime-mock"]);
    for absent in [
        "chime-conformance",
        "reqwest",
        "aws-config",
        "jsonschema",
        "proptest",
        "libtest-mimic",
        "quick-junit",
        "indicatif",
    ] {
        assert_eq!(versions_of(&tree, absent), BTreeSet::new(), "{absent}");
    }
    for present in ["chime-contract", "wiremock"] {
        assert_eq!(versions_of(&tree, present).len(), 1, "{present}: {tree}");
    }
}
