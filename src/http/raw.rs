//! A raw re-probe of a request that got no answer through the HTTP client: the same bytes
//! written over a plain TCP connection while the answer is read at the same time, so that
//! a server that refused the request (a status line came) and then closed the connection
//! is told apart from one that closed or reset it with no answer at all. Plain `http://`
//! only: over https the harness does not speak TLS by hand. Reading what came back is
//! [`parse_answer`], a pure function.

use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::send::response_cap;
use super::{Client, ReceivedResponse, SentRequest};

/// What a raw re-probe found.
#[derive(Debug, Clone)]
pub enum RawProbe {
    /// An answer came: its status line at least (its body up to its length or the close).
    Answered(ReceivedResponse),
    /// The connection was closed or reset before any byte of an answer; what happened.
    NoAnswer(String),
    /// Nothing to judge by: why (an https target, no connection, no answer within the
    /// timeout, bytes that are not HTTP, the budget used up).
    Inconclusive(String),
}

/// What the bytes read so far amount to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reading {
    /// Not a whole answer yet.
    More,
    /// An answer: its status, headers (names lower-cased) and body.
    Answer {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// The bytes are not an HTTP/1 answer.
    NotHttp,
}

impl Client {
    /// Sends `request` again over a plain TCP connection, writing it while reading the
    /// answer, within the per-request timeout, the run's deadline, pacing and the budget.
    pub async fn probe_raw(&self, request: &SentRequest) -> RawProbe {
        let Some((address, host)) = plain_http_authority(&request.url) else {
            return RawProbe::Inconclusive(
                "not an http:// target: over https the request is not re-sent raw".into(),
            );
        };
        let Ok(_permit) = self.admit(1, &request.url).await else {
            return RawProbe::Inconclusive("the client is shut down".into());
        };
        if let Err(error) = self.take_from_budget(&request.url) {
            return RawProbe::Inconclusive(error.message);
        }
        let mut limit = self.target().timeout;
        if let Some(deadline) = self.deadline() {
            limit = limit.min(deadline.saturating_duration_since(Instant::now()));
        }
        let head = request_head(request, &host);
        let cap = response_cap(request.body.len());
        let probe = raw_exchange(&address, &head, &request.body, cap);
        let probed = match tokio::time::timeout(limit, probe).await {
            Ok(probed) => probed,
            Err(_) => RawProbe::Inconclusive(format!(
                "no answer within {} s when re-sent raw",
                limit.as_secs()
            )),
        };
        if matches!(&probed, RawProbe::Answered(r) if r.is_success()) {
            // A user it created is counted against the cap, as any unplanned one is.
            self.stats()
                .users
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        probed
    }
}

/// The address to connect to and the `Host` header value (as signed) of an `http://` URL.
fn plain_http_authority(url: &str) -> Option<(String, String)> {
    let parsed = url::Url::parse(url).ok()?;
    if parsed.scheme() != "http" {
        return None;
    }
    let host = parsed.host_str()?;
    let port = parsed.port_or_known_default()?;
    let header = match parsed.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    };
    Some((format!("{host}:{port}"), header))
}

/// The request line and headers of `request`, as the HTTP client writes them, but for the
/// request target, which is the URL's path and query byte for byte (dot segments kept,
/// where the HTTP client would remove them).
fn request_head(request: &SentRequest, host: &str) -> Vec<u8> {
    let target = raw_target(&request.url);
    let mut head = format!(
        "{} {target} HTTP/1.1\r\nhost: {host}\r\ncontent-length: {}\r\nconnection: close\r\n",
        request.method,
        request.body.len()
    );
    for (name, value) in &request.headers {
        if !["host", "content-length", "connection"]
            .iter()
            .any(|h| name.eq_ignore_ascii_case(h))
        {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str("\r\n");
    head.into_bytes()
}

/// The path and query of a URL as written (no fragment), `/` when it has none.
fn raw_target(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let target = after_scheme
        .find('/')
        .map_or("/", |start| &after_scheme[start..]);
    target.split('#').next().unwrap_or("/").to_string()
}

/// Connects, writes `head` and `body` while reading, and reads until the answer is whole,
/// the connection ends, or `cap` bytes came.
async fn raw_exchange(address: &str, head: &[u8], body: &[u8], cap: usize) -> RawProbe {
    let started = Instant::now();
    let stream = match TcpStream::connect(address).await {
        Ok(stream) => stream,
        Err(e) => return RawProbe::Inconclusive(format!("no connection when re-sent raw: {e}")),
    };
    let (mut reader, mut writer) = stream.into_split();
    let write = async move {
        // A write error is the server closing: what the reading side sees tells the rest.
        if writer.write_all(head).await.is_ok() && writer.write_all(body).await.is_ok() {
            let _ = writer.flush().await;
        }
        // Kept open (dropping it would shut the write side) until the reading ends.
        std::future::pending::<()>().await;
    };
    let read = async {
        let mut seen = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let (ended, error) = match reader.read(&mut buf).await {
                Ok(0) => (true, None),
                Ok(n) => {
                    seen.extend_from_slice(&buf[..n]);
                    (seen.len() > cap, None)
                }
                Err(e) => (true, Some(e)),
            };
            match parse_answer(&seen, ended) {
                Reading::More if !ended => continue,
                Reading::More | Reading::NotHttp if seen.is_empty() => {
                    return RawProbe::NoAnswer(match error {
                        Some(e) => format!("the connection was reset ({e})"),
                        None => "the connection was closed".into(),
                    })
                }
                Reading::More | Reading::NotHttp => {
                    return RawProbe::Inconclusive(format!(
                        "{} bytes that are not an HTTP answer came when re-sent raw",
                        seen.len()
                    ))
                }
                Reading::Answer {
                    status,
                    headers,
                    body,
                } => {
                    return RawProbe::Answered(ReceivedResponse {
                        status,
                        headers,
                        body,
                        elapsed: started.elapsed(),
                        received_at: std::time::SystemTime::now(),
                    })
                }
            }
        }
    };
    tokio::select! {
        probed = read => probed,
        () = write => RawProbe::Inconclusive("the write side ended first".into()),
    }
}

/// Reads the bytes of an HTTP/1 answer received so far; `ended` when no more will come.
/// Interim (1xx) answers are skipped; a body is delimited by its `Content-Length`, its
/// chunked encoding, or the end of the connection; an answer cut short by the end is
/// taken as far as it came (its status line is what matters).
pub(crate) fn parse_answer(bytes: &[u8], ended: bool) -> Reading {
    const PREFIX: &[u8] = b"HTTP/";
    let n = bytes.len().min(PREFIX.len());
    if bytes[..n] != PREFIX[..n] {
        return Reading::NotHttp;
    }
    let mut slots = [httparse::EMPTY_HEADER; 64];
    let mut parsed = httparse::Response::new(&mut slots);
    let head_len = match parsed.parse(bytes) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) if ended => return status_line_only(bytes),
        Ok(httparse::Status::Partial) => return Reading::More,
        Err(_) => return Reading::NotHttp,
    };
    let Some(status) = parsed.code else {
        return Reading::NotHttp;
    };
    if (100..200).contains(&status) {
        return parse_answer(&bytes[head_len..], ended);
    }
    let headers: Vec<(String, String)> = parsed
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_ascii_lowercase(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim().to_ascii_lowercase())
    };
    let rest = &bytes[head_len..];
    let body = if header("transfer-encoding").is_some_and(|v| v.ends_with("chunked")) {
        match decode_chunked(rest) {
            Some(body) => body,
            None if ended => Vec::new(),
            None => return Reading::More,
        }
    } else if let Some(length) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        match rest.get(..length) {
            Some(body) => body.to_vec(),
            None if ended => rest.to_vec(),
            None => return Reading::More,
        }
    } else if ended {
        rest.to_vec()
    } else {
        return Reading::More;
    };
    Reading::Answer {
        status,
        headers,
        body,
    }
}

/// The status of an answer whose head was cut short: its first line, when whole.
fn status_line_only(bytes: &[u8]) -> Reading {
    let Some(end) = bytes.windows(2).position(|w| w == b"\r\n") else {
        return Reading::NotHttp;
    };
    let line = String::from_utf8_lossy(&bytes[..end]);
    let mut words = line.split(' ');
    let version = words.next().unwrap_or("");
    let status = words.next().and_then(|s| s.parse::<u16>().ok());
    match status {
        Some(status) if version.starts_with("HTTP/1.") && (200..600).contains(&status) => {
            Reading::Answer {
                status,
                headers: Vec::new(),
                body: Vec::new(),
            }
        }
        _ => Reading::NotHttp,
    }
}

/// A chunked body, when its last chunk came.
fn decode_chunked(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let line = std::str::from_utf8(&data[..line_end]).ok()?;
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(body);
        }
        let chunk = data.get(..size)?;
        body.extend_from_slice(chunk);
        data = data.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &[u8]) -> Reading {
        Reading::Answer {
            status,
            headers: Vec::new(),
            body: body.to_vec(),
        }
    }

    fn status_and_body(reading: Reading) -> Option<(u16, Vec<u8>)> {
        match reading {
            Reading::Answer { status, body, .. } => Some((status, body)),
            _ => None,
        }
    }

    #[test]
    fn an_answer_is_read_by_its_length_its_chunks_or_the_close() {
        let whole =
            b"HTTP/1.1 413 Payload Too Large\r\ncontent-length: 4\r\nconnection: close\r\n\r\n{}{}";
        let reading = parse_answer(whole, false);
        assert_eq!(status_and_body(reading), Some((413, b"{}{}".to_vec())));
        assert_eq!(
            parse_answer(&whole[..whole.len() - 1], false),
            Reading::More
        );
        assert_eq!(
            status_and_body(parse_answer(&whole[..whole.len() - 1], true)),
            Some((413, b"{}{".to_vec()))
        );
        let chunked = b"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n3;x=y\r\nabc\r\n0\r\n\r\n";
        assert_eq!(
            status_and_body(parse_answer(chunked, false)),
            Some((400, b"{}abc".to_vec()))
        );
        assert_eq!(parse_answer(&chunked[..60], false), Reading::More);
        let unframed = b"HTTP/1.0 503 Service Unavailable\r\n\r\nbusy";
        assert_eq!(parse_answer(unframed, false), Reading::More);
        assert_eq!(
            status_and_body(parse_answer(unframed, true)),
            Some((503, b"busy".to_vec()))
        );
        let interim =
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\n{}";
        assert_eq!(
            status_and_body(parse_answer(interim, false)),
            Some((201, b"{}".to_vec()))
        );
    }

    #[test]
    fn a_head_cut_short_keeps_its_status_line_and_other_bytes_are_not_http() {
        assert_eq!(
            parse_answer(b"HTTP/1.1 400 Bad Request\r\ncontent-ty", true),
            answer(400, b"")
        );
        assert_eq!(parse_answer(b"HTTP/1.1 400 Bad", true), Reading::NotHttp);
        assert_eq!(parse_answer(b"HTTP/1.1 400 Bad", false), Reading::More);
        assert_eq!(parse_answer(b"HTT", false), Reading::More);
        assert_eq!(parse_answer(b"", false), Reading::More);
        assert_eq!(parse_answer(b"SSH-2.0-x\r\n", false), Reading::NotHttp);
        assert_eq!(parse_answer(&[0x16, 0x03, 0x01], true), Reading::NotHttp);
        assert_eq!(
            parse_answer(b"HTTP/1.1 abc\r\n\r\n", true),
            Reading::NotHttp
        );
    }

    #[test]
    fn the_target_is_the_url_s_path_and_query_as_written() {
        assert_eq!(
            raw_target("http://127.0.0.1:9/accounts/../users?operation=create"),
            "/accounts/../users?operation=create"
        );
        assert_eq!(raw_target("http://h:1"), "/");
        assert_eq!(raw_target("http://h/a%2Fb?x#frag"), "/a%2Fb?x");
    }

    #[test]
    fn the_head_is_the_request_as_signed_for_its_host() {
        let request = SentRequest::sample_with_secrets();
        let (address, host) = plain_http_authority(&request.url).unwrap();
        assert_eq!(
            (address.as_str(), host.as_str()),
            ("127.0.0.1:9", "127.0.0.1:9")
        );
        let head = String::from_utf8(request_head(&request, &host)).unwrap();
        assert!(
            head.starts_with(
                "POST /accounts/acct/users?operation=create HTTP/1.1\r\nhost: 127.0.0.1:9\r\n"
            ),
            "{head}"
        );
        assert!(head.contains(&format!("content-length: {}\r\n", request.body.len())));
        assert!(head.contains("x-amz-date: 20260101T000000Z\r\n"), "{head}");
        assert!(head.ends_with("\r\n\r\n"));
        assert_eq!(
            plain_http_authority("http://example.com/x").map(|a| a.1),
            Some("example.com".to_string())
        );
        assert_eq!(
            plain_http_authority("http://example.com/x").map(|a| a.0),
            Some("example.com:80".to_string())
        );
        assert_eq!(plain_http_authority("https://example.com/x"), None);
    }
}
