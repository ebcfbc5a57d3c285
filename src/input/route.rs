//! Probes of the route itself (Schemathesis's `unsupported_method`, RESTler's
//! InvalidDynamicObject, the HTTP, path and query fuzzers of CATS): every other method on
//! the CreateUser path, odd `accountId` labels, odd query strings. Each probe's allowed
//! answers are written next to it, in the spirit of the open-choices registry
//! (`check::choice`): what restJson1, RFC 9110 and the rest of the Chime API allow. None may
//! be answered with a 5xx (but a 501 to a method the server does not know, which RFC 9110
//! advises), and none may create a user unless it is a CreateUser call in every reading (a
//! label decoded to the account it names, a query with parameters restJson1 ignores).
//! Three trials, `route::methods`, `route::labels` and `route::queries`, each sending its
//! family's probes.

use crate::contract::OPERATION_QUERY;

/// The method sent by [`RouteProbe::UnknownMethod`]: a token no HTTP registry holds.
pub const UNKNOWN_METHOD: &str = "CHIMECONFORMANCE";

/// What a probe may be answered, besides never a 5xx.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allowed {
    /// A 4xx only: no Chime operation lives at this method and path.
    Refusal,
    /// A 4xx, or a 2xx that creates nothing (no 201, no `User` in the body): another
    /// operation of the Chime API lives at this method and path, or the method asks about
    /// the route (OPTIONS), and a full implementation answers it.
    RefusalOrOther(&'static str),
    /// A 4xx, or 501 Not Implemented: a method the server does not know (RFC 9110 section
    /// 15.6.2 advises 501).
    RefusalOrNotImplemented,
    /// A 4xx, or a 201 checked as any creation under exactly this account (the decoded
    /// label): the request is a CreateUser call in restJson1's reading.
    RefusalOrCreatedUnder(String),
}

/// A family of route probes, one trial each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteFamily {
    Methods,
    Labels,
    Queries,
}

impl RouteFamily {
    pub const ALL: [RouteFamily; 3] = [
        RouteFamily::Methods,
        RouteFamily::Labels,
        RouteFamily::Queries,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RouteFamily::Methods => "methods",
            RouteFamily::Labels => "labels",
            RouteFamily::Queries => "queries",
        }
    }

    pub fn trial_name(self) -> String {
        format!("route::{}", self.name())
    }

    /// The family a trial name names, if it is one.
    pub fn of_trial(trial: &str) -> Option<RouteFamily> {
        RouteFamily::ALL
            .into_iter()
            .find(|f| f.trial_name() == trial)
    }

    /// The probes of the family, in the order they are sent.
    pub fn probes(self) -> impl Iterator<Item = RouteProbe> {
        RouteProbe::ALL
            .into_iter()
            .filter(move |p| p.route_family() == self)
    }
}

/// One probe of the route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteProbe {
    /// GET on the CreateUser path and query. `RefusalOrOther`: ListUsers is
    /// `GET /accounts/{accountId}/users`, and restJson1 ignores the unknown `operation`.
    Get,
    /// HEAD, as GET (ListUsers' head: a 2xx with no body).
    Head,
    /// PUT with the create's body. `Refusal`: no Chime operation is PUT on this path.
    Put,
    /// DELETE. `Refusal`.
    Delete,
    /// PATCH with the create's body. `Refusal`.
    Patch,
    /// OPTIONS. `RefusalOrOther`: RFC 9110 lets a server describe the route (200 or 204
    /// with `Allow`), as CORS front doors do.
    Options,
    /// A method no registry holds ([`UNKNOWN_METHOD`]) with the create's body.
    /// `RefusalOrNotImplemented`.
    UnknownMethod,
    /// The ordinary account's id with every byte percent-encoded (`%61%31...`): the same
    /// label once decoded. `RefusalOrCreatedUnder(the account)`.
    PercentEncodedLabel,
    /// A label whose bytes are not UTF-8 (`%FF%FE`): it names no account. `Refusal`
    /// (400 or 404).
    InvalidUtf8Label,
    /// A label with non-ASCII characters (an unknown account, `...-ü-ß-日本`).
    /// `RefusalOrCreatedUnder(the label)`: 404 NotFoundException is the answer, 400 and a
    /// router's 404 conform.
    NonAsciiLabel,
    /// The ordinary account's id followed by reserved characters, percent-encoded as a
    /// client encodes a label (`%2F`, `%3F`, `%23`, `%20`, `%3B`, `%2B`, `%26`, `%3D`):
    /// decoded, another account. `RefusalOrCreatedUnder(the decoded label)`: a server that
    /// cuts the label at `/` or `?` and creates in the ordinary account breaks
    /// `invariant.account_id`.
    ReservedCharactersLabel,
    /// `/accounts/../users?operation=create`, the dot segment sent as it is (a raw request
    /// over http; the HTTP client would remove it, so it is not sent over https).
    /// `RefusalOrCreatedUnder("..")`.
    DotDotLabel,
    /// A trailing slash: `/accounts/{id}/users/?operation=create`. `RefusalOrCreatedUnder
    /// (the account)`: a server may take it as the same path.
    TrailingSlash,
    /// A query inside the label, unencoded (`/accounts/{id}?injected_query_string=123/users
    /// ?operation=create`, RESTler's InvalidDynamicObject): the path ends at the account.
    /// `RefusalOrOther`: UpdateAccount is `POST /accounts/{accountId}`.
    QueryInLabel,
    /// The same query percent-encoded into the label (`{id}%3Finjected_query_string%3D123`):
    /// decoded, another account. `RefusalOrCreatedUnder(the decoded label)`.
    EncodedQueryInLabel,
    /// An unknown query parameter beside `operation=create`. `RefusalOrCreatedUnder(the
    /// account)`: restJson1 servers ignore query parameters they do not know.
    UnknownParameter,
    /// `operation=create` twice. `RefusalOrCreatedUnder(the account)`.
    DuplicatedOperation,
    /// `operation=` (empty). `RefusalOrOther`: BatchUpdateUser is `POST
    /// /accounts/{accountId}/users` without the query.
    EmptyOperation,
    /// No query at all. `RefusalOrOther` (BatchUpdateUser).
    NoQuery,
    /// `operation=suspend`: BatchSuspendUser's route. `RefusalOrOther`; a 201 creates a user
    /// when asked to suspend users.
    OtherOperation,
}

impl RouteProbe {
    pub const ALL: [RouteProbe; 20] = [
        RouteProbe::Get,
        RouteProbe::Head,
        RouteProbe::Put,
        RouteProbe::Delete,
        RouteProbe::Patch,
        RouteProbe::Options,
        RouteProbe::UnknownMethod,
        RouteProbe::PercentEncodedLabel,
        RouteProbe::InvalidUtf8Label,
        RouteProbe::NonAsciiLabel,
        RouteProbe::ReservedCharactersLabel,
        RouteProbe::DotDotLabel,
        RouteProbe::TrailingSlash,
        RouteProbe::QueryInLabel,
        RouteProbe::EncodedQueryInLabel,
        RouteProbe::UnknownParameter,
        RouteProbe::DuplicatedOperation,
        RouteProbe::EmptyOperation,
        RouteProbe::NoQuery,
        RouteProbe::OtherOperation,
    ];

    /// The trial the probe belongs to.
    pub fn route_family(self) -> RouteFamily {
        use RouteProbe::*;
        match self {
            Get | Head | Put | Delete | Patch | Options | UnknownMethod => RouteFamily::Methods,
            UnknownParameter | DuplicatedOperation | EmptyOperation | NoQuery | OtherOperation => {
                RouteFamily::Queries
            }
            _ => RouteFamily::Labels,
        }
    }

    /// The probe in a few words, as the coverage table and the failure text show it.
    pub fn label(self) -> &'static str {
        use RouteProbe::*;
        match self {
            Get | Head | Put | Delete | Patch | Options | UnknownMethod => self.method(),
            PercentEncodedLabel => "percent-encoded bytes",
            InvalidUtf8Label => "not UTF-8",
            NonAsciiLabel => "non-ASCII",
            ReservedCharactersLabel => "reserved characters",
            DotDotLabel => "..",
            TrailingSlash => "trailing slash",
            QueryInLabel => "a query in the label",
            EncodedQueryInLabel => "an encoded query in the label",
            UnknownParameter => "unknown parameter",
            DuplicatedOperation => "operation twice",
            EmptyOperation => "operation empty",
            NoQuery => "no query",
            OtherOperation => "operation=suspend",
        }
    }

    /// The method sent.
    pub fn method(self) -> &'static str {
        use RouteProbe::*;
        match self {
            Get => "GET",
            Head => "HEAD",
            Put => "PUT",
            Delete => "DELETE",
            Patch => "PATCH",
            Options => "OPTIONS",
            UnknownMethod => UNKNOWN_METHOD,
            _ => "POST",
        }
    }

    /// Whether the create's body is sent (methods whose requests carry no body send none).
    pub fn has_body(self) -> bool {
        !matches!(
            self,
            RouteProbe::Get | RouteProbe::Head | RouteProbe::Delete | RouteProbe::Options
        )
    }

    /// Whether the probe must go out as written, which only a raw request over http does.
    pub fn raw(self) -> bool {
        self == RouteProbe::DotDotLabel
    }

    /// The path and query sent (percent-encoded, byte for byte), for a target whose
    /// ordinary account is `account` and a run whose unknown accounts end in `run_id`.
    pub fn path_and_query(self, account: &str, run_id: &str) -> String {
        use RouteProbe::*;
        let label = encode(account);
        let route = |label: &str, query: &str| format!("/accounts/{label}/users{query}");
        let create = format!("?{OPERATION_QUERY}");
        match self {
            PercentEncodedLabel => route(&every_byte_encoded(account), &create),
            InvalidUtf8Label => route("%FF%FE", &create),
            NonAsciiLabel => route(&encode(&non_ascii_account(run_id)), &create),
            ReservedCharactersLabel => route(&encode(&reserved_account(account)), &create),
            DotDotLabel => format!("/accounts/../users{create}"),
            TrailingSlash => format!("/accounts/{label}/users/{create}"),
            QueryInLabel => {
                format!("/accounts/{label}?injected_query_string=123/users{create}")
            }
            EncodedQueryInLabel => route(&encode(&query_account(account)), &create),
            UnknownParameter => route(&label, &format!("{create}&chime-conformance=ignored")),
            DuplicatedOperation => route(&label, &format!("{create}&{OPERATION_QUERY}")),
            EmptyOperation => route(&label, "?operation="),
            NoQuery => route(&label, ""),
            OtherOperation => route(&label, "?operation=suspend"),
            Get | Head | Put | Delete | Patch | Options | UnknownMethod => route(&label, &create),
        }
    }

    /// What the probe may be answered (see each probe).
    pub fn allowed(self, account: &str, run_id: &str) -> Allowed {
        use RouteProbe::*;
        match self {
            Get | Head => Allowed::RefusalOrOther("ListUsers is GET /accounts/{accountId}/users"),
            Options => Allowed::RefusalOrOther("OPTIONS may describe the route (RFC 9110)"),
            Put | Delete | Patch | InvalidUtf8Label => Allowed::Refusal,
            UnknownMethod => Allowed::RefusalOrNotImplemented,
            PercentEncodedLabel | TrailingSlash | UnknownParameter | DuplicatedOperation => {
                Allowed::RefusalOrCreatedUnder(account.to_string())
            }
            NonAsciiLabel => Allowed::RefusalOrCreatedUnder(non_ascii_account(run_id)),
            ReservedCharactersLabel => Allowed::RefusalOrCreatedUnder(reserved_account(account)),
            DotDotLabel => Allowed::RefusalOrCreatedUnder("..".into()),
            EncodedQueryInLabel => Allowed::RefusalOrCreatedUnder(query_account(account)),
            QueryInLabel => Allowed::RefusalOrOther("UpdateAccount is POST /accounts/{accountId}"),
            EmptyOperation | NoQuery => Allowed::RefusalOrOther(
                "BatchUpdateUser is POST /accounts/{accountId}/users without the query",
            ),
            OtherOperation => Allowed::RefusalOrOther(
                "BatchSuspendUser is POST /accounts/{accountId}/users?operation=suspend",
            ),
        }
    }
}

/// A label as a client encodes it: everything but RFC 3986's unreserved characters.
fn encode(label: &str) -> String {
    crate::contract::encode_label(label)
}

/// Every byte percent-encoded, unreserved ones too.
fn every_byte_encoded(label: &str) -> String {
    label.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// An account id of non-ASCII characters no target has.
fn non_ascii_account(run_id: &str) -> String {
    format!("chime-conformance-\u{fc}-\u{df}-\u{65e5}\u{672c}-{run_id}")
}

/// The account followed by reserved characters.
fn reserved_account(account: &str) -> String {
    format!("{account}/x?y#z ;+&=")
}

/// The account followed by a query.
fn query_account(account: &str) -> String {
    format!("{account}?injected_query_string=123")
}
