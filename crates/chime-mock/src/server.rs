//! The running reference mock: a wiremock server with request recording off, the limits
//! of [`MockLimits`](crate::MockLimits) (a body over the cap is refused by
//! [`TooLarge`] before the rest is read), and one mock that sends every request to the
//! CreateUser responder.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, ServerLimits};

use crate::respond::{CreateUserResponder, ErrorReply, Outcome, SharedResponder};
use crate::{Defect, Fixtures, MockConfig, SavedState};
use chime_contract::Exception;

/// Answers a request whose body is over the cap, before the rest of it is read: a
/// `BadRequestException` naming the limit, counted and journaled like any answer.
#[derive(Debug, Clone)]
struct TooLarge(Arc<CreateUserResponder>);

impl Respond for TooLarge {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let max = self.0.max_body_bytes;
        let reply = ErrorReply {
            exception: Exception::BadRequest,
            message: format!("the body is over the limit of {max} bytes; the rest was not read"),
            retry_after: None,
        };
        self.0.answer(request, &Outcome::Failed(reply), None)
    }
}

/// Why a mock did not start.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum MockError {
    /// The address could not be listened on (in use, not local, no permission).
    #[error("failed to bind {address}")]
    Bind {
        /// The address asked for.
        address: SocketAddr,
        /// Why the bind failed.
        #[source]
        source: std::io::Error,
    },
    /// The settings cannot be served (the message says which and why).
    #[error("failed to start the mock: {0}")]
    InvalidConfig(String),
}

/// A running reference mock. Dropping it stops the server.
pub struct ReferenceMock {
    server: MockServer,
    responder: Arc<CreateUserResponder>,
    fixtures: Fixtures,
}

impl std::fmt::Debug for ReferenceMock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReferenceMock")
            .field("address", &self.address())
            .field("fixtures", &self.fixtures)
            .finish()
    }
}

impl ReferenceMock {
    /// Binds `config.listen` and starts serving.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), chime_mock::MockError> {
    /// use chime_mock::{MockConfig, ReferenceMock};
    /// let mock = ReferenceMock::start(MockConfig::default()).await?;
    /// println!("serving {} for account {}", mock.uri(), mock.fixtures().account_id);
    /// # Ok(()) }
    /// ```
    pub async fn start(config: MockConfig) -> Result<ReferenceMock, MockError> {
        config.validate().map_err(MockError::InvalidConfig)?;
        let listener = TcpListener::bind(config.listen).map_err(|source| MockError::Bind {
            address: config.listen,
            source,
        })?;
        let responder = Arc::new(CreateUserResponder::new(&config));
        let limits = &config.limits;
        let max_body = config.max_body_bytes();
        let server_limits = if config.defect == Some(Defect::ResetOnOversizedBody) {
            ServerLimits::new().close_over_body_limit(max_body)
        } else {
            ServerLimits::new().max_body_bytes(max_body, TooLarge(responder.clone()))
        };
        let mut server_limits = server_limits
            .max_header_bytes(limits.max_header_bytes)
            .header_read_timeout(limits.idle_timeout)
            .max_connections(limits.max_connections);
        if config.variant == Some(crate::Variant::NoDateHeader) {
            server_limits = server_limits.without_date_header();
        }
        let server = MockServer::builder()
            .listener(listener)
            .disable_request_recording()
            .limits(server_limits)
            .start()
            .await;
        Mock::given(any())
            .respond_with(SharedResponder(responder.clone()))
            .mount(&server)
            .await;
        Ok(ReferenceMock {
            server,
            responder,
            fixtures: config.fixtures(),
        })
    }

    /// `http://IP:PORT`, the endpoint to point a client at.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// The address the server listens on (with the port the OS picked).
    pub fn address(&self) -> SocketAddr {
        *self.server.address()
    }

    /// The first account of each kind, the fault header and the credentials to sign with.
    pub fn fixtures(&self) -> Fixtures {
        self.fixtures.clone()
    }

    /// How many users were created so far, in all accounts.
    pub fn users_stored(&self) -> usize {
        self.responder.users_stored()
    }

    /// How many requests to the CreateUser route (not the control plane) the mock
    /// answered so far.
    pub fn requests_served(&self) -> u64 {
        self.responder.requests_served()
    }

    /// The verdicts on clients' requests so far (`None` unless
    /// [`MockConfig::judge_clients`] is on).
    pub fn client_report(&self) -> Option<crate::ClientReport> {
        self.responder.judge.as_ref().map(|judge| judge.report())
    }

    /// Every account with its kind and users, as a state file holds them.
    pub fn saved_state(&self) -> SavedState {
        SavedState::new(self.responder.directory.save())
    }
}
