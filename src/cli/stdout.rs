//! A closed stdout (`chime-conformance --list | head`) ends the process quietly.

/// Lets a closed stdout (`chime-conformance --list | head`) end the process quietly with
/// the conventional exit code 141, instead of a panic trace: the libtest printer, on the
/// main thread, unwraps its writes. SIGPIPE itself stays ignored, as Rust sets it, since a
/// target closing a socket must be an error, not a signal that kills the run.
pub fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if std::thread::current().name() == Some("main") && message.contains("BrokenPipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}
