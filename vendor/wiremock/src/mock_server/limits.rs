//! Bounds on what a mock server reads from its clients (chime-conformance patch).
//!
//! Upstream wiremock reads every request body in full before any matcher or responder sees
//! it, accepts any number of connections, and keeps an idle connection open for as long as
//! the client likes. A long-running mock shared by many clients needs bounds on all three:
//! [`ServerLimits`] sets them, and [`MockServerBuilder::limits`](crate::MockServerBuilder::limits)
//! applies them. With no limits set the server behaves exactly as upstream.

use crate::Respond;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Limits a [`MockServer`](crate::MockServer) applies to every connection and request.
///
/// ```rust
/// use std::time::Duration;
/// use wiremock::{MockServer, ResponseTemplate, ServerLimits};
///
/// #[async_std::main]
/// async fn main() {
///     let limits = ServerLimits::new()
///         .max_body_bytes(1024, ResponseTemplate::new(413))
///         .max_header_bytes(16 * 1024)
///         .header_read_timeout(Duration::from_secs(10))
///         .max_connections(512);
///     let server = MockServer::builder().limits(limits).start().await;
///     # drop(server);
/// }
/// ```
#[derive(Clone, Default)]
pub struct ServerLimits {
    pub(crate) max_body_bytes: Option<(usize, OverLimit)>,
    pub(crate) max_header_bytes: Option<usize>,
    pub(crate) header_read_timeout: Option<Duration>,
    pub(crate) max_connections: Option<usize>,
    pub(crate) omit_date_header: bool,
}

/// What the server does with a request whose body is over the limit.
#[derive(Clone)]
pub(crate) enum OverLimit {
    /// Answer it with this responder, then close the connection.
    Answer(Arc<dyn Respond>),
    /// Close the connection at once, without an answer.
    Close,
}

/// The smallest read buffer hyper accepts; a smaller header limit is raised to it.
pub(crate) const MIN_HEADER_BYTES: usize = 8192;

impl ServerLimits {
    /// No limits: the server behaves as upstream wiremock.
    pub fn new() -> Self {
        Self::default()
    }

    /// Refuse request bodies over `max` bytes early. A request whose `Content-Length` is over
    /// `max` is answered before any of its body is read; a body without a length (chunked,
    /// HTTP/2) is read up to `max` bytes and answered as soon as it goes over. Either way
    /// `too_large` answers (it sees the request with an empty body; no mock is matched) and
    /// the connection is closed afterwards, without reading the rest.
    pub fn max_body_bytes(mut self, max: usize, too_large: impl Respond + 'static) -> Self {
        self.max_body_bytes = Some((max, OverLimit::Answer(Arc::new(too_large))));
        self
    }

    /// Like [`ServerLimits::max_body_bytes`], but a request whose body is over `max` bytes
    /// gets no answer at all: the connection is closed at once, the rest of the body unread
    /// (so the client usually sees a reset), as a server that crashes on large bodies does.
    /// For testing how clients cope with such a server.
    pub fn close_over_body_limit(mut self, max: usize) -> Self {
        self.max_body_bytes = Some((max, OverLimit::Close));
        self
    }

    /// Refuse request heads (request line and headers) over `max` bytes, at least 8 KiB:
    /// HTTP/1 clients get `431 Request Header Fields Too Large` and the connection is closed.
    pub fn max_header_bytes(mut self, max: usize) -> Self {
        self.max_header_bytes = Some(max.max(MIN_HEADER_BYTES));
        self
    }

    /// Close an HTTP/1 connection that has not sent a complete request head within `timeout`
    /// of being accepted or of its previous response: idle keep-alive connections and slow
    /// senders alike.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = Some(timeout);
        self
    }

    /// Serve at most `max` connections at once (at least 1); further connections wait in the
    /// listen backlog until one closes.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = Some(max.max(1));
        self
    }

    /// Send HTTP/1 responses without the `Date` header hyper otherwise adds to each (as an
    /// origin server without a clock does, RFC 9110 section 6.6.1). Not a limit, but a
    /// setting of the same connection builder.
    pub fn without_date_header(mut self) -> Self {
        self.omit_date_header = true;
        self
    }
}

impl fmt::Debug for ServerLimits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerLimits")
            .field("max_body_bytes", &self.max_body_bytes.as_ref().map(|(max, _)| max))
            .field("max_header_bytes", &self.max_header_bytes)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("max_connections", &self.max_connections)
            .field("omit_date_header", &self.omit_date_header)
            .finish()
    }
}
