//! The integration test suite: one test binary, one module per concern.

// Helpers shared by the tests (a mock, raw signed requests).
mod util;

// The reference mock driven by the official AWS SDK for Rust.
mod mock_sdk;
// The reference mock under concurrency.
mod mock_concurrency;
// The reference mock fed malformed requests.
mod mock_bad_input;
// The mock's control plane, route by route, and its answer off the CreateUser route.
mod mock_control;
// The chime-conformance binary run as a user runs it.
mod harness_cli;
// The JSON Schemas checked against the vendored AWS model.
mod schema_model;
// Each rule of the harness made to fail by a mock with one defect.
mod mutation;
// Endpoints that misbehave at the transport level.
mod hostile;
// Differential runs and cassettes: two targets, or a recording and a target, compared.
mod differential;
// Endpoints that conform but differ from the reference mock pass cleanly.
mod conforming;
// The JUnit and Markdown reporters.
mod reports;
// The whole input space: the coverage phase and the coverage table in every report.
mod input_coverage;
// Nightly CI against staging: TLS, credentials, profiles, limits, secrets, reports.
mod staging;
// The layering of src/: which folders may use which.
mod architecture;
// The dependency tree: one HTTP/TLS stack, the duplicates README.md explains.
mod dependencies;
