//! The Markdown summary (`--summary PATH`), made for a CI job's summary page (GitHub's
//! `$GITHUB_STEP_SUMMARY`): a title with the run's status, a counts line, the exception
//! matrix and the input coverage as tables, the failed trials (and the expected failures) with their rules and
//! messages, the unexpected passes and ignored trials with their reasons, and the number
//! of users created. A consumer of trial records like
//! the other reporters; the messages it shows are the records', already masked.
//!
//! Every value that reaches a table cell is escaped (`|`, newlines, Markdown and HTML
//! punctuation), and code spans and fences are made longer than any backtick run they
//! hold, so no trial name, reason or message can break the page's layout.

use std::fmt::Write as _;
use std::path::Path;

use super::coverage::{describe_boundary, describe_probe};
use super::drift::render_class;
use super::matrix::{MatrixRow, Verdict};
use super::record::{FailureClass, FailureRecord, RunRecord, TrialKind, TrialOutcome};
use super::{write_text, ReportError};
use crate::check::diff::DiffLevel;

/// The most bytes of one failure message shown in full; GitHub caps a step summary at
/// 1 MiB, and the JSON and JUnit reports keep every message whole.
const MAX_MESSAGE_BYTES: usize = 16 * 1024;
/// The most bytes of full failure messages in one summary.
const MAX_MESSAGES_BYTES: usize = 512 * 1024;
/// The most characters of a message's first line in the failures table.
const MAX_HEADLINE_CHARS: usize = 200;

/// Writes the Markdown summary to `path`, creating its parent directories.
pub fn write_summary(path: &Path, report: &RunRecord) -> Result<(), ReportError> {
    write_text(path, &summary_markdown(report))
}

/// The report as GitHub-flavoured Markdown.
///
/// ```
/// use chime_conformance::report::markdown::summary_markdown;
/// use chime_conformance::report::record::RunRecord;
///
/// let mut report = RunRecord::new("b67a6d1b", 7, "http://127.0.0.1:4566", false);
/// report.summary.passed = 17;
/// let markdown = summary_markdown(&report);
/// assert!(markdown.starts_with("## ✅ chime-conformance: passed"));
/// assert!(markdown.contains("seed `7`"));
/// ```
pub fn summary_markdown(report: &RunRecord) -> String {
    let mut out = String::new();
    title(&mut out, report);
    security(&mut out, report);
    health(&mut out, report);
    matrix(&mut out, report);
    input_coverage(&mut out, report);
    choices(&mut out, report);
    drift(&mut out, report);
    let mut budget = MAX_MESSAGES_BYTES;
    failures(&mut out, report, &mut budget);
    expected_failures(&mut out, report, &mut budget);
    reasons(
        &mut out,
        "Unexpected passes",
        "listed as expected failures of the target, but passed: remove them from the profile's `expected_failures`",
        report,
        |o| match o {
            TrialOutcome::UnexpectedPass { reason } => Some(reason),
            _ => None,
        },
    );
    reasons(&mut out, "Ignored trials", "", report, |o| match o {
        TrialOutcome::Ignored { reason } => Some(reason),
        _ => None,
    });
    let created = report.created_user_ids.len();
    let _ = writeln!(
        out,
        "Users created by this run: **{created}**{}",
        if created == 0 {
            ""
        } else {
            " (their ids are in the JSON report)"
        }
    );
    out
}

fn title(out: &mut String, report: &RunRecord) {
    let s = &report.summary;
    let (icon, status) = if s.failed > 0 {
        ("❌", "failed")
    } else if s.passed == 0 && s.ignored == 0 {
        ("⚠️", "no trials ran")
    } else {
        ("✅", "passed")
    };
    let _ = writeln!(out, "## {icon} {}: {status}\n", text(report.tool));
    let mut counts = format!(
        "**{} passed**, **{} failed**, {} ignored",
        s.passed, s.failed, s.ignored
    );
    if s.expected_failures > 0 {
        let _ = write!(
            counts,
            ", {}",
            plural(s.expected_failures, "expected failure", "expected failures")
        );
    }
    if s.unexpected_passes > 0 {
        let _ = write!(
            counts,
            " ({})",
            plural(s.unexpected_passes, "unexpected pass", "unexpected passes")
        );
    }
    let _ = write!(counts, " · {} requests", s.requests);
    if s.throttle_retries > 0 {
        let _ = write!(counts, " ({} retried after a 429)", s.throttle_retries);
    }
    if s.transient_retries > 0 {
        let _ = write!(
            counts,
            " ({} retried after a transient 5xx, {} ms of backoff)",
            s.transient_retries, s.transient_backoff_ms
        );
    }
    let not_contract: Vec<String> = [FailureClass::Transport, FailureClass::AwsCommon]
        .into_iter()
        .filter(|c| s.failed_of(*c) > 0)
        .map(|c| format!("{} {}", s.failed_of(c), c.name()))
        .collect();
    if !not_contract.is_empty() {
        let _ = write!(
            counts,
            " · failures not about the contract: {}",
            not_contract.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "{counts} · seed {} · run {} · endpoint {}{}\n",
        code(&report.seed.to_string()),
        code(&report.run_id),
        code(&report.endpoint),
        if report.embedded_mock {
            " (embedded reference mock)"
        } else {
            ""
        },
    );
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn matrix(out: &mut String, report: &RunRecord) {
    let rows = &report.exception_matrix;
    if rows.is_empty() {
        return;
    }
    let observed = rows.iter().filter(|r| r.observed).count();
    let _ = writeln!(
        out,
        "### Exception coverage: {observed} of {} observed\n",
        rows.len()
    );
    out.push_str("| exception | HTTP | observed | trigger | verdict | case/reason |\n");
    out.push_str("| --- | ---: | --- | --- | --- | --- |\n");
    for row in rows {
        let verdict = match &row.verdict {
            Verdict::Pass => "✅ pass",
            Verdict::Fail => "❌ **fail**",
            Verdict::ExpectedFailure(_) => "⚠️ expected failure",
            Verdict::Ignored(_) => "⏭️ ignored",
            Verdict::NotRun => "not run",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {verdict} | {} |",
            text(row.exception.shape_name()),
            row.http_status,
            if row.observed { "yes" } else { "no" },
            text(&row.trigger.to_string()),
            case_or_reason(row, report),
        );
    }
    out.push('\n');
}

/// The security findings, before anything else: each trial and what it let through.
fn security(out: &mut String, report: &RunRecord) {
    let findings = report.findings();
    if findings.is_empty() {
        return;
    }
    let _ = writeln!(out, "### ⚠️ Security findings ({})\n", findings.len());
    out.push_str("| trial | finding |\n| --- | --- |\n");
    for (trial, failure) in findings {
        let finding = failure
            .violations
            .iter()
            .find(|v| v.rule.class() == crate::check::RuleClass::Security)
            .map(|v| format!("{}: {v}", v.rule))
            .unwrap_or_else(|| failure.headline());
        let _ = writeln!(out, "| {} | {} |", code(trial), text(&finding));
    }
    out.push('\n');
}

/// The run-health warnings: signs the harness, not the target, is set up wrong.
fn health(out: &mut String, report: &RunRecord) {
    if report.health.is_empty() {
        return;
    }
    let _ = writeln!(out, "### ⚠️ Run health ({})\n", report.health.len());
    out.push_str("| trial | answers | status | what it suggests |\n| --- | ---: | ---: | --- |\n");
    for w in &report.health {
        let _ = writeln!(
            out,
            "| {} | {} of {} | {} | {} |",
            code(&w.trial),
            w.count,
            w.total,
            w.status.map_or("-".to_string(), |s| s.to_string()),
            text(&w.hint)
        );
    }
    out.push('\n');
}

/// The input coverage table: a row per member and constraint, then each member's
/// boundary values in one row.
fn input_coverage(out: &mut String, report: &RunRecord) {
    let coverage = &report.input_coverage;
    if coverage.is_empty() || report.drift.is_some() {
        return;
    }
    let gaps = coverage.gaps().count() + coverage.boundary_gaps().count();
    let _ = writeln!(
        out,
        "### Input coverage: {gaps} gaps
"
    );
    out.push_str(
        "| member | constraint | valid probes (answered/sent) | invalid probes (answered/sent) |\n",
    );
    out.push_str("| --- | --- | ---: | ---: |\n");
    for row in &coverage.constraints {
        let mark = |answered: u64| if answered == 0 { " ⚠️" } else { "" };
        let _ = writeln!(
            out,
            "| {} | {} | {}/{}{} | {}/{}{} |",
            text(row.member),
            code(row.constraint),
            row.valid.answered,
            row.valid.sent,
            mark(row.valid.answered),
            row.invalid.answered,
            row.invalid.sent,
            mark(row.invalid.answered),
        );
    }
    out.push_str("\n| member | boundary values sent in valid inputs (answered) |\n| --- | --- |\n");
    for (member, rows) in coverage.boundaries_by_member() {
        let values: Vec<String> = rows
            .into_iter()
            .map(|b| text(&describe_boundary(b)))
            .collect();
        let _ = writeln!(out, "| {} | {} |", text(member), values.join(", "));
    }
    let families = coverage.probes_by_family();
    if !families.is_empty() {
        out.push_str(
            "\n| family | fixed probes sent (answered, and the answers' statuses) |\n| --- | --- |\n",
        );
        for (family, rows) in families {
            let probes: Vec<String> = rows.into_iter().map(|p| text(&describe_probe(p))).collect();
            let _ = writeln!(out, "| {} | {} |", text(family.name()), probes.join(", "));
        }
    }
    out.push('\n');
}

/// The open choices the run met: a row per choice with its verdict, count, the answers
/// chosen, the source that leaves it open and the smallest example.
fn choices(out: &mut String, report: &RunRecord) {
    if report.choices.is_empty() {
        return;
    }
    let s = &report.summary;
    let _ = writeln!(
        out,
        "### Choices and restrictions: {} choices, {} restrictions, {} notes
",
        s.choices, s.restrictions, s.notes
    );
    out.push_str(
        "All conform (`--strict` fails restrictions and notes).

",
    );
    out.push_str(
        "| choice | verdict | answers | chosen | source | smallest example |
",
    );
    out.push_str(
        "| --- | --- | ---: | --- | --- | --- |
",
    );
    for c in &report.choices {
        let example = c
            .example
            .as_ref()
            .map(|x| {
                format!(
                    "{} ({}: {})",
                    code(&format!(
                        "{} {}",
                        x.exchange.request.method, x.exchange.request.url
                    )),
                    text(&x.trial),
                    text(&x.answer)
                )
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            code(c.choice),
            c.verdict.name(),
            c.count,
            text(&c.chosen()),
            c.source.name(),
            example
        );
    }
    out.push('\n');
}

/// The drift of a comparison: a row per class, then each example in full.
fn drift(out: &mut String, report: &RunRecord) {
    let Some(drift) = &report.drift else {
        return;
    };
    let _ = writeln!(
        out,
        "### Drift: {} against {} ({} answers compared)\n",
        text(&drift.left),
        text(&drift.right),
        drift.compared
    );
    out.push_str("| class | level | answers that differ | example |\n| --- | --- | ---: | --- |\n");
    for class in &drift.classes {
        let level = match class.level {
            DiffLevel::Contract => "contract",
            DiffLevel::Wire => "wire (information)",
        };
        let example = class
            .example
            .as_ref()
            .map(|e| format!("{} ({})", code(&e.difference.to_string()), code(&e.trial)))
            .unwrap_or_else(|| "-".into());
        let _ = writeln!(
            out,
            "| {} | {level} | {} | {example} |",
            code(class.class.name()),
            class.count
        );
    }
    out.push('\n');
    for class in drift.differing() {
        let text = render_class(drift, class);
        let fence = "`".repeat(longest_backtick_run(&text).max(2) + 1);
        let _ = write!(
            out,
            "<details><summary>{}: {} answers differ</summary>\n\n{fence}text\n{}\n{fence}\n\n</details>\n\n",
            html(class.class.name()),
            class.count,
            truncate(&text, MAX_MESSAGE_BYTES)
        );
    }
}

/// The matrix's last column: the observing cases, the failing cases, or why none ran.
fn case_or_reason(row: &MatrixRow, report: &RunRecord) -> String {
    let codes =
        |names: &mut dyn Iterator<Item = &str>| names.map(code).collect::<Vec<_>>().join(", ");
    match &row.verdict {
        Verdict::Ignored(reason) | Verdict::ExpectedFailure(reason) => text(reason),
        Verdict::Fail => {
            let mut failing = report
                .trials
                .iter()
                .filter_map(|t| match (&t.kind, &t.outcome) {
                    (TrialKind::Case { exception, .. }, TrialOutcome::Failed(_))
                        if *exception == row.exception =>
                    {
                        Some(t.name.as_str())
                    }
                    _ => None,
                });
            let failing = codes(&mut failing);
            if failing.is_empty() {
                "-".into()
            } else {
                format!("failed: {failing}")
            }
        }
        Verdict::Pass | Verdict::NotRun if row.observed_by.is_empty() => "-".into(),
        Verdict::Pass | Verdict::NotRun => codes(&mut row.observed_by.iter().map(String::as_str)),
    }
}

fn failures(out: &mut String, report: &RunRecord, budget: &mut usize) {
    let failed: Vec<Failing<'_>> = report
        .trials
        .iter()
        .filter_map(|t| match &t.outcome {
            TrialOutcome::Failed(failure) => Some(Failing {
                name: &t.name,
                reason: None,
                failure,
            }),
            _ => None,
        })
        .collect();
    failing_section(out, "Failed trials", "", &failed, budget);
}

fn expected_failures(out: &mut String, report: &RunRecord, budget: &mut usize) {
    let failed: Vec<Failing<'_>> = report
        .trials
        .iter()
        .filter_map(|t| match &t.outcome {
            TrialOutcome::ExpectedFailure { reason, failure } => Some(Failing {
                name: &t.name,
                reason: Some(reason),
                failure,
            }),
            _ => None,
        })
        .collect();
    failing_section(
        out,
        "Expected failures",
        "listed in the target profile as known departures, and failed as expected",
        &failed,
        budget,
    );
}

/// A trial that failed, expectedly or not.
struct Failing<'a> {
    name: &'a str,
    /// Why it is expected to fail, if it is.
    reason: Option<&'a str>,
    failure: &'a FailureRecord,
}

impl Failing<'_> {
    /// The rules (and "transport failure"), each as a code span.
    fn rules(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if self.failure.transport {
            parts.push(code("transport failure"));
        }
        parts.extend(self.failure.rules.iter().map(|r| code(r.name())));
        parts.join(", ")
    }

    /// The first thing to read: the first violation, else the transport error, else the
    /// message's first line.
    fn first_line(&self) -> String {
        let f = self.failure;
        let line = if let Some(v) = f.violations.first() {
            format!("{}: {v}", v.rule)
        } else if let Some(t) = &f.transport_error {
            format!("transport failure ({:?}): {}", t.kind, t.message)
        } else {
            f.message.lines().next().unwrap_or_default().to_string()
        };
        shorten(&line)
    }
}

/// A table of failing trials (rules and the first line of each message), then each
/// message in full in a collapsed block, within `budget` bytes of messages in all.
fn failing_section(
    out: &mut String,
    heading: &str,
    note: &str,
    failing: &[Failing<'_>],
    budget: &mut usize,
) {
    if failing.is_empty() {
        return;
    }
    let _ = writeln!(out, "### {heading} ({})\n", failing.len());
    if !note.is_empty() {
        let _ = writeln!(out, "{note}\n");
    }
    let with_reason = failing.iter().any(|f| f.reason.is_some());
    out.push_str(if with_reason {
        "| trial | reason | class | rules | first line |\n| --- | --- | --- | --- | --- |\n"
    } else {
        "| trial | class | rules | first line |\n| --- | --- | --- | --- |\n"
    });
    for f in failing {
        let rules = f.rules();
        let reason = match (with_reason, f.reason) {
            (true, reason) => format!(" {} |", text(reason.unwrap_or_default())),
            (false, _) => String::new(),
        };
        let _ = writeln!(
            out,
            "| {} |{reason} {} | {rules} | {} |",
            code(f.name),
            class_cell(f.failure.class),
            code(&f.first_line())
        );
    }
    out.push('\n');
    for f in failing {
        let _ = write!(
            out,
            "<details><summary><code>{}</code>: {}</summary>\n\n",
            html(f.name),
            html(&f.failure.headline())
        );
        let message = f.failure.message.as_str();
        let shown = truncate(message, MAX_MESSAGE_BYTES.min(*budget));
        *budget -= shown.len();
        let fence = "`".repeat(longest_backtick_run(shown).max(2) + 1);
        let _ = writeln!(out, "{fence}text\n{shown}\n{fence}\n");
        if shown.len() < message.len() {
            let _ = writeln!(
                out,
                "(cut at {} of {} bytes; the JSON and JUnit reports hold the whole message)\n",
                shown.len(),
                message.len()
            );
        }
        out.push_str("</details>\n\n");
    }
}

/// A table of the trials whose outcome `pick` gives a reason for.
fn reasons(
    out: &mut String,
    heading: &str,
    note: &str,
    report: &RunRecord,
    pick: fn(&TrialOutcome) -> Option<&String>,
) {
    let rows: Vec<_> = report
        .trials
        .iter()
        .filter_map(|t| pick(&t.outcome).map(|reason| (t.name.as_str(), reason)))
        .collect();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "### {heading} ({})\n", rows.len());
    if !note.is_empty() {
        let _ = writeln!(out, "{note}\n");
    }
    out.push_str("| trial | reason |\n| --- | --- |\n");
    for (name, reason) in rows {
        let _ = writeln!(out, "| {} | {} |", code(name), text(reason));
    }
    out.push('\n');
}

/// The class of a failure as a table cell; a contract violation is the plain case.
fn class_cell(class: FailureClass) -> &'static str {
    match class {
        FailureClass::Security => "**security finding**",
        FailureClass::Contract => "contract",
        FailureClass::Transport => "transport (not a contract violation)",
        FailureClass::AwsCommon => "aws-common (not a contract violation)",
    }
}

/// A line cut to [`MAX_HEADLINE_CHARS`] characters.
fn shorten(line: &str) -> String {
    match line.char_indices().nth(MAX_HEADLINE_CHARS) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_string(),
    }
}

/// At most `max` bytes of `s`, cut at a character boundary.
fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut cut = max;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    &s[..cut]
}

fn longest_backtick_run(s: &str) -> usize {
    s.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// `s` as a code span fit for a table cell: on one line, `|` escaped, delimited by more
/// backticks than it holds.
fn code(s: &str) -> String {
    let s = one_line(s).replace('|', "\\|");
    if s.is_empty() {
        return String::new();
    }
    let ticks = "`".repeat(longest_backtick_run(&s) + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{s}{pad}{ticks}")
}

/// `s` as plain text fit for a table cell: on one line, with Markdown and HTML
/// punctuation (and `|`) backslash-escaped.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in one_line(s).chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '!'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `s` escaped for HTML (the `<summary>` of a details block).
fn html(s: &str) -> String {
    one_line(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn one_line(s: &str) -> String {
    s.split(['\r', '\n'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Rule, Violation};
    use crate::contract::Exception;
    use crate::report::record::{Summary, TrialRecord};

    fn report(trials: &[TrialRecord]) -> RunRecord {
        let mut report = RunRecord::new("b67a6d1b", 42, "https://chime.staging.example", false);
        report.summary = Summary::of(trials, &[], 12, 0);
        report.trials = trials.to_vec();
        report
    }

    fn case(name: &str, outcome: TrialOutcome) -> TrialRecord {
        TrialRecord::case(name, Exception::Conflict, outcome).with_requests(2)
    }

    #[test]
    fn code_spans_survive_backticks_and_pipes() {
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code("x `y` z"), "``x `y` z``");
        assert_eq!(code("`edge`"), "`` `edge` ``");
        assert_eq!(code("two\nlines"), "`two lines`");
        assert_eq!(code(""), "");
    }

    #[test]
    fn text_escapes_markdown_and_html() {
        assert_eq!(text("a|b <i>*x*</i>"), r"a\|b \<i\>\*x\*\</i\>");
        assert_eq!(html("<b> & \"q\""), "&lt;b&gt; &amp; &quot;q&quot;");
    }

    #[test]
    fn the_first_line_is_the_first_violation_read_from_the_record() {
        let mut failure = FailureRecord::new(
            vec![Rule::ErrorStatus],
            false,
            "rules broken:\n  - error.status (x): y",
        );
        failure.violations = vec![Violation::new(
            Rule::ErrorStatus,
            "ConflictException with HTTP 409",
            "ConflictException with HTTP 400",
        )];
        let trials = [case(
            "exception::conflict::a",
            TrialOutcome::Failed(failure),
        )];
        let md = summary_markdown(&report(&trials));
        assert!(
            md.contains("| `exception::conflict::a` | contract | `error.status` | `error.status: expected ConflictException with HTTP 409; saw ConflictException with HTTP 400` |"),
            "{md}"
        );
        let long = "x".repeat(500);
        assert_eq!(shorten(&long).chars().count(), MAX_HEADLINE_CHARS + 1);
    }

    #[test]
    fn aws_common_and_transport_failures_are_named_as_not_about_the_contract() {
        let trials = [
            case(
                "exception::conflict::a",
                TrialOutcome::Failed(FailureRecord::new(vec![Rule::AwsCommonError], false, "m")),
            ),
            case(
                "exception::conflict::b",
                TrialOutcome::Failed(FailureRecord::new(vec![], true, "m")),
            ),
        ];
        let md = summary_markdown(&report(&trials));
        assert!(
            md.contains("failures not about the contract: 1 transport, 1 aws-common"),
            "{md}"
        );
        assert!(
            md.contains("| aws-common (not a contract violation) |"),
            "{md}"
        );
    }

    #[test]
    fn failed_trials_show_rules_and_a_fenced_message() {
        let message = "rules broken:\n  - error.status: ```` fence | pipe\nseed: 42";
        let trials = [
            case(
                "exception::conflict::duplicate_email",
                TrialOutcome::Failed(FailureRecord::new(
                    vec![Rule::CaseExpectedException, Rule::ErrorStatus],
                    false,
                    message,
                )),
            ),
            case(
                "exception::conflict::other",
                TrialOutcome::Ignored {
                    reason: "needs a | pipe".into(),
                },
            ),
        ];
        let md = summary_markdown(&report(&trials));
        assert!(md.starts_with("## ❌ chime-conformance: failed\n"), "{md}");
        assert!(md.contains("**0 passed**, **1 failed**, 1 ignored · 12 requests"));
        assert!(md.contains(
            "| `exception::conflict::duplicate_email` | contract | `case.expected_exception`, `error.status` |"
        ), "{md}");
        // The fence is longer than the message's own run of four backticks.
        assert!(
            md.contains(&format!("`````text\n{message}\n`````\n")),
            "{md}"
        );
        assert!(
            md.contains("| `exception::conflict::other` | needs a \\| pipe |"),
            "{md}"
        );
        assert!(md.contains("Users created by this run: **0**"));
    }

    #[test]
    fn long_messages_are_cut() {
        let message = "é".repeat(MAX_MESSAGE_BYTES);
        let trials = [case(
            "exception::conflict::duplicate_email",
            TrialOutcome::Failed(FailureRecord::new(vec![], true, message)),
        )];
        let md = summary_markdown(&report(&trials));
        assert!(
            md.contains("(cut at 16384 of 32768 bytes"),
            "{}",
            &md[..300]
        );
        assert!(md.contains("| transport (not a contract violation) | `transport failure` |"));
    }

    #[test]
    fn write_summary_writes_the_markdown() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reports/summary.md");
        let trials = [case("exception::conflict::a", TrialOutcome::Passed)];
        let r = report(&trials);
        write_summary(&path, &r).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            summary_markdown(&r)
        );
        assert!(summary_markdown(&r).starts_with("## ✅ chime-conformance: passed"));
    }
}
