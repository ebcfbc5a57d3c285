use crate::mock_server::bare_server::MockServerState;
use crate::mock_server::limits::{OverLimit, ServerLimits};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Bytes;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, RwLock, Semaphore};

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Work around a lifetime error where, for some reason,
/// `Box<dyn std::error::Error + Send + Sync + 'static>` can't be converted to a
/// `Box<dyn std::error::Error + Send + Sync>`
struct ErrorLifetimeCast(BoxError);

impl From<ErrorLifetimeCast> for Box<dyn std::error::Error + Send + Sync> {
    fn from(value: ErrorLifetimeCast) -> Self {
        value.0
    }
}

/// A request as read by the server (chime-conformance patch).
enum ReadRequest {
    /// The whole body was read.
    Complete(crate::Request),
    /// The body is over the limit; the request carries an empty body.
    TooLarge(crate::Request),
}

/// Reads a request's body, up to `limits.max_body_bytes` when set (chime-conformance
/// patch). A declared `Content-Length` over the limit is refused before any of the body is
/// read. A body that fails to arrive (the client went away) is an error for hyper to close
/// the connection with, where upstream panicked.
async fn read_request(
    request: hyper::Request<hyper::body::Incoming>,
    limits: &ServerLimits,
) -> Result<ReadRequest, BoxError> {
    let (parts, body) = request.into_parts();
    let Some((max, _)) = &limits.max_body_bytes else {
        let body = body.collect().await?.to_bytes();
        return Ok(ReadRequest::Complete(crate::Request::from_parts(
            parts,
            body.to_vec(),
        )));
    };
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > *max as u64) {
        return Ok(ReadRequest::TooLarge(crate::Request::from_parts(
            parts,
            Vec::new(),
        )));
    }
    match Limited::new(body, *max).collect().await {
        Ok(collected) => Ok(ReadRequest::Complete(crate::Request::from_parts(
            parts,
            collected.to_bytes().to_vec(),
        ))),
        Err(error) if error.is::<LengthLimitError>() => Ok(ReadRequest::TooLarge(
            crate::Request::from_parts(parts, Vec::new()),
        )),
        Err(error) => Err(error),
    }
}

/// The answer to a body over the limit, marked to close the connection (the rest of the
/// body is never read).
fn too_large_response(
    request: &crate::Request,
    limits: &ServerLimits,
) -> hyper::Response<Full<Bytes>> {
    let mut response = match &limits.max_body_bytes {
        Some((_, OverLimit::Answer(responder))) => responder.respond(request).generate_response(),
        _ => hyper::Response::new(Full::default()),
    };
    response.headers_mut().insert(
        http::header::CONNECTION,
        http::HeaderValue::from_static("close"),
    );
    response
}

/// Waits (bounded by the header read timeout, when set) for a new connection's first byte,
/// so a connection that never sends anything is closed like an idle keep-alive one.
async fn first_byte_in_time(stream: &TcpStream, limits: &ServerLimits) -> bool {
    let Some(timeout) = limits.header_read_timeout else {
        return true;
    };
    let mut byte = [0u8; 1];
    matches!(
        tokio::time::timeout(timeout, stream.peek(&mut byte)).await,
        Ok(Ok(n)) if n > 0
    )
}

/// Reads a request (within the body limit) and answers it from the mounted mocks.
async fn handle_request(
    request: hyper::Request<hyper::body::Incoming>,
    server_state: Arc<RwLock<MockServerState>>,
    limits: Arc<ServerLimits>,
    refused: Arc<AtomicBool>,
) -> Result<hyper::Response<Full<Bytes>>, ErrorLifetimeCast> {
    let wiremock_request = match read_request(request, &limits).await {
        Ok(ReadRequest::Complete(request)) => request,
        Ok(ReadRequest::TooLarge(request)) => {
            if matches!(&limits.max_body_bytes, Some((_, OverLimit::Close))) {
                // No answer: hyper closes the connection on a service error, with the rest
                // of the body unread, and the connection does not linger.
                return Err(ErrorLifetimeCast(
                    "the request body is over the limit: closed without an answer".into(),
                ));
            }
            refused.store(true, Ordering::Relaxed);
            return Ok(too_large_response(&request, &limits));
        }
        Err(error) => return Err(ErrorLifetimeCast(error)),
    };
    let (response, delay) = server_state
        .write()
        .await
        .handle_request(wiremock_request)
        .await
        .map_err(ErrorLifetimeCast)?;

    // We do not wait for the delay within the handler otherwise we would be
    // holding on to the write-side of the `RwLock` on `mock_set`.
    // Holding on the lock while waiting prevents us from handling other requests until
    // we have waited the whole duration specified in the delay.
    // In particular, we cannot perform even perform read-only operation -
    // e.g. check that mock assumptions have been verified.
    // Using long delays in tests without handling the delay as we are doing here
    // caused tests to hang (see https://github.com/seanmonstar/reqwest/issues/1147)
    if let Some(delay) = delay {
        delay.await;
    }

    Ok(response)
}

/// The actual HTTP server responding to incoming requests according to the specified mocks.
pub(super) async fn run_server(
    listener: std::net::TcpListener,
    server_state: Arc<RwLock<MockServerState>>,
    mut shutdown_signal: tokio::sync::watch::Receiver<()>,
    limits: ServerLimits,
) {
    listener
        .set_nonblocking(true)
        .expect("Cannot set non-blocking mode on TcpListener");
    let listener = TcpListener::from_std(listener).expect("Cannot upgrade TcpListener");
    let limits = Arc::new(limits);

    // chime-conformance patch: at most `max_connections` connections are served at once.
    let slots = limits
        .max_connections
        .map(|max| Arc::new(Semaphore::new(max)));
    while let Some((stream, slot)) = next_connection(&listener, &slots, &mut shutdown_signal).await
    {
        let mut shutdown_signal = shutdown_signal.clone();
        let limits = limits.clone();
        let server_state = server_state.clone();
        tokio::task::spawn(async move {
            let _slot = slot;
            if !first_byte_in_time(&stream, &limits).await {
                return;
            }
            // chime-conformance patch: a connection whose body was refused early lingers
            // before it closes, so the refusal reaches the client (see `linger`).
            let Ok((stream, lingering)) = with_duplicate(stream) else {
                return;
            };
            let refused = Arc::new(AtomicBool::new(false));
            let handler_refused = refused.clone();
            let handler_limits = limits.clone();
            let request_handler = move |request| {
                handle_request(
                    request,
                    server_state.clone(),
                    handler_limits.clone(),
                    handler_refused.clone(),
                )
            };
            let http_server = connection_builder(&limits);
            let conn = http_server
                .serve_connection_with_upgrades(TokioIo::new(stream), service_fn(request_handler));
            tokio::pin!(conn);

            loop {
                tokio::select! {
                    _ = conn.as_mut() => break,
                    _ = shutdown_signal.changed() => conn.as_mut().graceful_shutdown(),
                }
            }
            if refused.load(Ordering::Relaxed) {
                linger(lingering).await;
            }
        });
    }
}

/// How long a connection whose body was refused early goes on discarding what the client
/// still sends, at most, before it closes.
const LINGER: std::time::Duration = std::time::Duration::from_secs(2);

/// How many bytes such a connection discards, at most, before it closes.
const LINGER_BYTES: usize = 8 * 1024 * 1024;

/// The stream for hyper and a second handle on the same socket, kept for `linger`.
fn with_duplicate(stream: TcpStream) -> std::io::Result<(TcpStream, std::net::TcpStream)> {
    let stream = stream.into_std()?;
    let duplicate = stream.try_clone()?;
    Ok((TcpStream::from_std(stream)?, duplicate))
}

/// A lingering close, as nginx and Apache do after an early answer (chime-conformance
/// patch): closing a socket that still has unread request bytes makes the kernel send a
/// reset, which can destroy the answer before the client reads it. So the write side is
/// shut (the client sees the end of the answer), and what the client still sends is read
/// and discarded, never kept, until it closes, `LINGER` passes or `LINGER_BYTES` came.
async fn linger(socket: std::net::TcpStream) {
    let _ = socket.shutdown(std::net::Shutdown::Write);
    let Ok(mut socket) = TcpStream::from_std(socket) else {
        return;
    };
    let mut discard = vec![0u8; 64 * 1024];
    let _ = tokio::time::timeout(LINGER, async {
        let mut discarded = 0;
        while let Ok(n) = socket.read(&mut discard).await {
            discarded += n;
            if n == 0 || discarded > LINGER_BYTES {
                break;
            }
        }
    })
    .await;
}

/// The next accepted connection and its slot, or `None` once the server shuts down.
/// A failed accept (e.g. out of file descriptors under a flood of connections) is waited
/// out and retried rather than ending the server (chime-conformance patch; upstream
/// stopped accepting for good).
async fn next_connection(
    listener: &TcpListener,
    slots: &Option<Arc<Semaphore>>,
    shutdown_signal: &mut tokio::sync::watch::Receiver<()>,
) -> Option<(TcpStream, Option<OwnedSemaphorePermit>)> {
    let slot = match slots {
        Some(slots) => tokio::select! { biased;
            _ = shutdown_signal.changed() => return None,
            slot = slots.clone().acquire_owned() => Some(slot.ok()?),
        },
        None => None,
    };
    loop {
        tokio::select! { biased;
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => return Some((stream, slot)),
                Err(error) => {
                    log::warn!("Mock server failed to accept a connection: {error}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            },
            _ = shutdown_signal.changed() => {
                log::info!("Mock server shutting down");
                return None;
            }
        }
    }
}

/// The connection builder, with the head-size and header-read-timeout limits applied.
fn connection_builder(
    limits: &ServerLimits,
) -> hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor> {
    let mut http_server =
        hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
    if let Some(max) = limits.max_header_bytes {
        http_server.http1().max_buf_size(max);
    }
    if let Some(timeout) = limits.header_read_timeout {
        http_server
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(timeout);
    }
    if limits.omit_date_header {
        http_server.http1().auto_date_header(false);
    }
    http_server
}
