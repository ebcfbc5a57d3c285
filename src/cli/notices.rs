//! What the command line says on stderr while a run happens, besides progress: the line
//! naming the run and its target when the target is ready, and each warning the run gives.

use chime_conformance::endpoint::Limits;
use chime_conformance::report::event::{Event, Reporter};

/// Prints the run's banner and warnings to stderr.
pub struct Notices;

impl Reporter for Notices {
    fn report(&self, event: &Event<'_>) {
        match event {
            Event::TargetReady(about) => eprintln!(
                "chime-conformance {}: seed {}, run {}, target {}{}{}",
                env!("CARGO_PKG_VERSION"),
                about.seed,
                about.run_id,
                about.endpoint,
                if about.embedded {
                    " (embedded reference mock)"
                } else {
                    ""
                },
                describe_limits(&about.limits),
            ),
            Event::Warning(message) => eprintln!("chime-conformance: {message}"),
            _ => {}
        }
    }
}

fn describe_limits(limits: &Limits) -> String {
    let mut parts = Vec::new();
    if let Some(rate) = limits.rate {
        parts.push(format!("at most {rate} requests/s"));
    }
    if let Some(budget) = limits.budget {
        parts.push(format!("budget {budget} requests"));
    }
    if let Some(users) = limits.max_users {
        parts.push(format!("at most {users} users created"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}
