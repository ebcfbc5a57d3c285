//! The `chime-mock` binary run as a separate process: started, signalled, limited and
//! restarted as an operator runs it.

#[path = "../common/mod.rs"]
mod common;
use common::{create_user, send, RawAnswer};

// The binary started as a standalone server: flags, help, exit codes.
mod standalone;
// --seed determinism and --state-file persistence, across processes.
mod persist;
// The server under abuse: oversized bodies and heads, idle and garbage connections.
mod limits;
// --judge-clients --client-report: the verdicts written at shutdown.
mod reports;

/// A `chime-mock` process, killed when dropped.
pub struct MockProcess {
    pub url: String,
    child: std::process::Child,
}

impl MockProcess {
    /// The process id (for reading its memory use).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM and waits (at most 10 s) for the exit; true when it exited with 0.
    pub fn terminate(mut self) -> bool {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.success();
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        false
    }
}

impl Drop for MockProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the `chime-mock` binary on a free loopback port with `args` and waits (bounded)
/// until it prints the URL it serves.
pub fn spawn_mock_binary(args: &[&str]) -> MockProcess {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("find a free port")
        .port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_chime-mock"));
    for (name, _) in std::env::vars() {
        if name.starts_with("CHIME_MOCK_") {
            command.env_remove(name);
        }
    }
    let mut child = command
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chime-mock");
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut process = MockProcess {
        url: String::new(),
        child,
    };
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(line) => {
                if let Some(at) = line.find("http://") {
                    process.url = line[at..]
                        .split_whitespace()
                        .next()
                        .unwrap_or("")
                        .to_string();
                    return process;
                }
            }
            Err(_) => break,
        }
    }
    panic!("chime-mock printed no URL within 30 s");
}
