//! Live progress on stderr while a run happens (the binary's own: the library never
//! prints), one more consumer of the run's events: on
//! a terminal, a bar per property (requests sent of planned, failures so far, rate, time
//! left); elsewhere (CI), one line every [`LINE_INTERVAL`]. Never writes to stdout.

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use chime_conformance::report::event::{Event, Reporter};
use chime_conformance::util::lock;

/// How often the line mode prints.
pub const LINE_INTERVAL: Duration = Duration::from_secs(10);

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// Not at all (`--quiet`, `--format json`, or asked for).
    Off,
    /// A bar per property (stderr is a terminal).
    Bars,
    /// A line every [`LINE_INTERVAL`] (stderr is not a terminal).
    Lines,
}

impl ProgressMode {
    /// Bars on a terminal, lines elsewhere, nothing when `quiet`.
    pub fn for_stderr(quiet: bool) -> ProgressMode {
        use std::io::IsTerminal as _;
        if quiet {
            ProgressMode::Off
        } else if std::io::stderr().is_terminal() {
            ProgressMode::Bars
        } else {
            ProgressMode::Lines
        }
    }
}

/// Counts shared between the event side and the line printer.
#[derive(Default)]
struct Counts {
    trials: AtomicUsize,
    finished: AtomicUsize,
    failed_trials: AtomicUsize,
    requests: AtomicU64,
    failed_requests: AtomicU64,
}

/// Where the line mode writes: stderr, or a test's buffer.
type LineSink = Arc<Mutex<Box<dyn std::io::Write + Send>>>;

/// The progress reporter.
pub struct Progress {
    mode: ProgressMode,
    interval: Duration,
    sink: LineSink,
    started: Instant,
    counts: Arc<Counts>,
    bars: Mutex<HashMap<String, (ProgressBar, u64)>>,
    multi: MultiProgress,
    stop: Arc<(Mutex<bool>, Condvar)>,
    printer: Mutex<Option<std::thread::JoinHandle<()>>>,
    printing: AtomicBool,
}

impl Progress {
    pub fn new(mode: ProgressMode) -> Progress {
        Progress::writing_lines_to(mode, LINE_INTERVAL, Box::new(std::io::stderr()))
    }

    /// A reporter whose line mode writes to `sink` every `interval` (bars always go to
    /// stderr).
    pub(crate) fn writing_lines_to(
        mode: ProgressMode,
        interval: Duration,
        sink: Box<dyn std::io::Write + Send>,
    ) -> Progress {
        Progress {
            mode,
            interval,
            sink: Arc::new(Mutex::new(sink)),
            started: Instant::now(),
            counts: Arc::default(),
            bars: Mutex::default(),
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            stop: Arc::new((Mutex::new(false), Condvar::new())),
            printer: Mutex::new(None),
            printing: AtomicBool::new(false),
        }
    }

    /// One progress line, as the line mode prints it.
    fn line(counts: &Counts, elapsed: Duration) -> String {
        let requests = counts.requests.load(Ordering::Relaxed);
        let secs = elapsed.as_secs_f64().max(0.001);
        format!(
            "chime-conformance: {:.0} s: {} of {} trials done ({} failed), {} requests ({} failed), {:.1} requests/s",
            elapsed.as_secs_f64(),
            counts.finished.load(Ordering::Relaxed),
            counts.trials.load(Ordering::Relaxed),
            counts.failed_trials.load(Ordering::Relaxed),
            requests,
            counts.failed_requests.load(Ordering::Relaxed),
            requests as f64 / secs,
        )
    }

    fn start_printer(&self) {
        if self.printing.swap(true, Ordering::Relaxed) {
            return;
        }
        let counts = Arc::clone(&self.counts);
        let stop = Arc::clone(&self.stop);
        let started = self.started;
        let interval = self.interval;
        let sink = Arc::clone(&self.sink);
        let handle = std::thread::spawn(move || {
            let (stopped, wake) = &*stop;
            let mut guard = lock(stopped);
            while !*guard {
                let (next, timeout) = wake
                    .wait_timeout(guard, interval)
                    .unwrap_or_else(|e| e.into_inner());
                guard = next;
                if !*guard && timeout.timed_out() {
                    let line = Progress::line(&counts, started.elapsed());
                    let _ = writeln!(lock(&sink), "{line}");
                }
            }
        });
        *lock(&self.printer) = Some(handle);
    }

    fn stop_printer(&self) {
        *lock(&self.stop.0) = true;
        self.stop.1.notify_all();
        if let Some(handle) = lock(&self.printer).take() {
            let _ = handle.join();
        }
    }

    fn bar_started(&self, name: &str, planned: u64) {
        let bar = self.multi.add(ProgressBar::new(planned));
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:40} [{bar:30}] {pos}/{len} requests, {msg} {per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_prefix(name.to_string());
        bar.set_message("0 failed,");
        lock(&self.bars).insert(name.to_string(), (bar, 0));
    }

    fn bar_request(&self, trial: &str, failed: bool) {
        if let Some((bar, failures)) = lock(&self.bars).get_mut(trial) {
            bar.inc(1);
            if failed {
                *failures += 1;
                bar.set_message(format!("{failures} failed,"));
            }
        }
    }
}

impl Reporter for Progress {
    fn report(&self, event: &Event<'_>) {
        if self.mode == ProgressMode::Off {
            return;
        }
        let counts = &self.counts;
        match *event {
            Event::RunStarted { trials } => {
                counts.trials.store(trials, Ordering::Relaxed);
                if self.mode == ProgressMode::Lines {
                    self.start_printer();
                }
            }
            Event::TrialStarted {
                name,
                planned_requests: Some(planned),
            } if self.mode == ProgressMode::Bars => self.bar_started(name, planned),
            Event::TrialStarted { .. } => {}
            Event::RequestFinished { trial, failed } => {
                counts.requests.fetch_add(1, Ordering::Relaxed);
                if failed {
                    counts.failed_requests.fetch_add(1, Ordering::Relaxed);
                }
                if self.mode == ProgressMode::Bars {
                    self.bar_request(trial, failed);
                }
            }
            Event::TrialFinished(record) => {
                counts.finished.fetch_add(1, Ordering::Relaxed);
                if record.outcome.failure().is_some() {
                    counts.failed_trials.fetch_add(1, Ordering::Relaxed);
                }
                if let Some((bar, _)) = lock(&self.bars).remove(&record.name) {
                    bar.finish_and_clear();
                }
            }
            Event::RunFinished => self.stop_printer(),
            _ => {}
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop_printer();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_says_trials_requests_failures_and_rate() {
        let counts = Counts::default();
        counts.trials.store(17, Ordering::Relaxed);
        counts.finished.store(3, Ordering::Relaxed);
        counts.failed_trials.store(1, Ordering::Relaxed);
        counts.requests.store(200, Ordering::Relaxed);
        counts.failed_requests.store(2, Ordering::Relaxed);
        let line = Progress::line(&counts, Duration::from_secs(20));
        assert_eq!(
            line,
            "chime-conformance: 20 s: 3 of 17 trials done (1 failed), 200 requests (2 failed), 10.0 requests/s"
        );
    }

    /// A buffer the line mode writes to, readable by the test.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            lock(&self.0).extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_line_mode_prints_every_interval_until_the_run_ends() {
        let buffer = Buffer::default();
        let progress = Progress::writing_lines_to(
            ProgressMode::Lines,
            Duration::from_millis(40),
            Box::new(buffer.clone()),
        );
        progress.report(&Event::RunStarted { trials: 3 });
        progress.report(&Event::RequestFinished {
            trial: "t",
            failed: false,
        });
        std::thread::sleep(Duration::from_millis(300));
        progress.report(&Event::RunFinished);
        let printed = String::from_utf8(lock(&buffer.0).clone()).unwrap();
        let lines = printed.lines().count();
        assert!(lines >= 2, "{printed}");
        assert!(
            printed.contains("0 of 3 trials done (0 failed), 1 requests"),
            "{printed}"
        );
        std::thread::sleep(Duration::from_millis(120));
        let after = String::from_utf8(lock(&buffer.0).clone()).unwrap();
        assert_eq!(after.lines().count(), lines, "nothing after the run ended");
    }

    #[test]
    fn off_counts_nothing_and_lines_count_every_request() {
        let off = Progress::new(ProgressMode::Off);
        off.report(&Event::RequestFinished {
            trial: "t",
            failed: true,
        });
        assert_eq!(off.counts.requests.load(Ordering::Relaxed), 0);
        let lines = Progress::new(ProgressMode::Lines);
        lines.report(&Event::RunStarted { trials: 1 });
        for failed in [true, false] {
            lines.report(&Event::RequestFinished { trial: "t", failed });
        }
        lines.report(&Event::RunFinished);
        assert_eq!(lines.counts.requests.load(Ordering::Relaxed), 2);
        assert_eq!(lines.counts.failed_requests.load(Ordering::Relaxed), 1);
    }
}
