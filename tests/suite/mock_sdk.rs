//! The reference mock driven by the official AWS SDK for Rust (`aws-sdk-chime`): every
//! documented outcome of CreateUser must reach the SDK as the right parsed value or the
//! right `CreateUserError` variant.

use aws_sdk_chime::config::retry::RetryConfig;
use aws_sdk_chime::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_chime::operation::create_user::CreateUserError;
use aws_sdk_chime::types::UserType;
use aws_sdk_chime::Client;
use chime_conformance::mock::{
    ReferenceMock, DEFAULT_ACCESS_KEY_ID, DEFAULT_FAULT_HEADER, DEFAULT_SECRET_ACCESS_KEY,
};

use crate::util::start_default_mock;

fn client_with(mock: &ReferenceMock, credentials: Credentials, retries: bool) -> Client {
    let mut config = aws_sdk_chime::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(chime_conformance::endpoint::credentials::aws_http_client())
        .region(Region::new("us-east-1"))
        .endpoint_url(mock.uri())
        .credentials_provider(credentials);
    if !retries {
        config = config.retry_config(RetryConfig::disabled());
    }
    Client::from_conf(config.build())
}

/// The mock's documented test credentials, as the SDK takes them.
fn test_credentials() -> Credentials {
    Credentials::new(
        DEFAULT_ACCESS_KEY_ID,
        DEFAULT_SECRET_ACCESS_KEY,
        None,
        None,
        "test",
    )
}

fn client(mock: &ReferenceMock) -> Client {
    client_with(mock, test_credentials(), true)
}

fn no_retry_client(mock: &ReferenceMock) -> Client {
    client_with(mock, test_credentials(), false)
}

/// The SDK's error for a CreateUser, as a name to compare.
fn variant(error: &CreateUserError) -> &'static str {
    match error {
        CreateUserError::BadRequestException(_) => "BadRequestException",
        CreateUserError::ConflictException(_) => "ConflictException",
        CreateUserError::ForbiddenException(_) => "ForbiddenException",
        CreateUserError::NotFoundException(_) => "NotFoundException",
        CreateUserError::ServiceFailureException(_) => "ServiceFailureException",
        CreateUserError::ServiceUnavailableException(_) => "ServiceUnavailableException",
        CreateUserError::ThrottledClientException(_) => "ThrottledClientException",
        CreateUserError::UnauthorizedClientException(_) => "UnauthorizedClientException",
        _ => "unhandled",
    }
}

#[tokio::test]
async fn mock_sdk_create_returns_a_parsed_user() {
    let mock = start_default_mock().await;
    let account = mock.fixtures().account_id;
    let output = client(&mock)
        .create_user()
        .account_id(&account)
        .username("jane")
        .email("jane@example.com")
        .user_type(UserType::SharedDevice)
        .send()
        .await
        .expect("CreateUser succeeds");
    let user = output.user().expect("a User");
    assert!(!user.user_id().is_empty());
    assert_eq!(user.account_id(), Some(account.as_str()));
    assert_eq!(user.primary_email(), Some("jane@example.com"));
    assert_eq!(user.user_type(), Some(&UserType::SharedDevice));
    assert_eq!(user.display_name(), Some("jane"));
    assert!(user.invited_on().is_some());
    assert!(user.personal_pin().is_some_and(|p| p.len() == 10));
    assert_eq!(mock.users_stored(), 1);

    let default_type = client(&mock)
        .create_user()
        .account_id(&account)
        .send()
        .await
        .expect("a create without members succeeds");
    assert_eq!(
        default_type.user().and_then(|u| u.user_type()),
        Some(&UserType::PrivateUser)
    );
}

#[tokio::test]
async fn mock_sdk_duplicate_email_is_a_conflict() {
    let mock = start_default_mock().await;
    let account = mock.fixtures().account_id;
    let client = client(&mock);
    let create = |email: &'static str| {
        client
            .create_user()
            .account_id(&account)
            .email(email)
            .send()
    };
    create("dup@example.com")
        .await
        .expect("the first create succeeds");
    let err = create("DUP@example.com")
        .await
        .expect_err("the second create conflicts");
    let service_error = err.into_service_error();
    assert!(
        matches!(service_error, CreateUserError::ConflictException(_)),
        "{service_error:?}"
    );
}

#[tokio::test]
async fn mock_sdk_each_client_error_reaches_the_sdk_as_its_variant() {
    let mock = start_default_mock().await;
    let fixtures = mock.fixtures();
    let client = client(&mock);

    let bad_email = client
        .create_user()
        .account_id(&fixtures.account_id)
        .email("not-an-email")
        .send()
        .await
        .expect_err("a bad email is refused");
    assert_eq!(
        variant(&bad_email.into_service_error()),
        "BadRequestException"
    );

    let unknown = client
        .create_user()
        .account_id("no-such-account")
        .send()
        .await
        .expect_err("an unknown account is refused");
    assert_eq!(variant(&unknown.into_service_error()), "NotFoundException");

    let forbidden = client
        .create_user()
        .account_id(fixtures.forbidden_account_id.expect("a forbidden fixture"))
        .send()
        .await
        .expect_err("a forbidden account is refused");
    assert_eq!(
        variant(&forbidden.into_service_error()),
        "ForbiddenException"
    );

    let wrong_secret = Credentials::new(DEFAULT_ACCESS_KEY_ID, "wrong-secret", None, None, "test");
    let unauthorized = client_with(&mock, wrong_secret, true)
        .create_user()
        .account_id(&fixtures.account_id)
        .send()
        .await
        .expect_err("a wrong secret is refused");
    assert_eq!(
        variant(&unauthorized.into_service_error()),
        "UnauthorizedClientException"
    );
    assert_eq!(mock.users_stored(), 0);
}

#[tokio::test]
async fn mock_sdk_a_burst_on_the_throttled_account_is_throttled() {
    let mock = start_default_mock().await;
    let account = mock
        .fixtures()
        .throttled_account_id
        .expect("a throttled fixture");
    let client = no_retry_client(&mock);
    let mut throttled = 0;
    let mut created = 0;
    for _ in 0..12 {
        match client.create_user().account_id(&account).send().await {
            Ok(_) => created += 1,
            Err(err) => {
                let raw_retry_after = err
                    .raw_response()
                    .and_then(|r| r.headers().get("retry-after"))
                    .map(str::to_string);
                let service_error = err.into_service_error();
                assert_eq!(variant(&service_error), "ThrottledClientException");
                let seconds: u64 = raw_retry_after
                    .expect("Retry-After is sent")
                    .parse()
                    .expect("whole seconds");
                assert!(seconds >= 1);
                throttled += 1;
            }
        }
    }
    assert!(created >= 1, "the burst lets some through");
    assert!(throttled >= 1, "at least one ThrottledClientException");
}

#[tokio::test]
async fn mock_sdk_injected_faults_reach_the_sdk() {
    let mock = start_default_mock().await;
    let account = mock.fixtures().account_id;
    let client = no_retry_client(&mock);
    for (shape, expected) in [
        ("ServiceUnavailableException", "ServiceUnavailableException"),
        ("ServiceFailureException", "ServiceFailureException"),
    ] {
        let err = client
            .create_user()
            .account_id(&account)
            .customize()
            .mutate_request(move |req| {
                req.headers_mut().insert(DEFAULT_FAULT_HEADER, shape);
            })
            .send()
            .await
            .expect_err("the fault is injected");
        assert_eq!(variant(&err.into_service_error()), expected);
    }
    assert_eq!(mock.users_stored(), 0);
}

#[tokio::test]
async fn mock_sdk_session_token_credentials_work() {
    let mock = start_default_mock().await;
    let account = mock.fixtures().account_id;
    let credentials = Credentials::new(
        DEFAULT_ACCESS_KEY_ID,
        DEFAULT_SECRET_ACCESS_KEY,
        Some("a-session-token".to_string()),
        None,
        "test",
    );
    let output = client_with(&mock, credentials, true)
        .create_user()
        .account_id(&account)
        .email("token@example.com")
        .send()
        .await
        .expect("a session token credential works");
    assert_eq!(
        output.user().and_then(|u| u.primary_email()),
        Some("token@example.com")
    );
}
