//! Turning a [`Call`] into the request that goes on the wire: method, URL, headers, body,
//! and the SigV4 headers for the call's [`SignatureMode`].

use super::tamper::{after_signing, sent_url, signing_inputs};
use super::{Call, CallBody, Client, SentRequest, TransportError, TransportErrorKind};
use crate::contract::sigv4::{sign_request_in, SignatureMode, SigningCredentials};
use crate::endpoint::Auth;

impl Client {
    /// Builds the request a call makes: URL, headers (signed), body.
    pub fn prepare(&self, call: &Call) -> Result<SentRequest, TransportError> {
        let (method, url) = match &call.off_route {
            None => ("POST", self.target().create_user_url(&call.account_id)),
            Some(route) => (
                route.method.as_str(),
                match &route.path_and_query {
                    Some(path) => format!("{}{path}", self.target().endpoint),
                    None => self.target().create_user_url(&call.account_id),
                },
            ),
        };
        let (body, content_type) = match &call.body {
            CallBody::Json(v) => (
                v.to_string().into_bytes(),
                Some("application/json".to_string()),
            ),
            CallBody::Raw {
                bytes,
                content_type,
            } => (bytes.clone(), content_type.clone()),
        };
        let mut headers: Vec<(String, String)> = Vec::new();
        if let Some(ct) = content_type {
            headers.push(("content-type".into(), ct));
        }
        if let (Some(exception), Some(name)) = (call.fault, &self.target().fixtures.fault_header) {
            headers.push((name.to_ascii_lowercase(), exception.shape_name().into()));
        }
        let mut body = body;
        if let Some((credentials, region)) = self.signer(call.signature) {
            let other_account = format!("{}-signed-for", call.account_id);
            let other_url = self.target().create_user_url(&other_account);
            let signed = signing_inputs(
                call.signature,
                &url,
                &other_url,
                &headers,
                credentials,
                region,
            );
            let borrowed: Vec<(&str, &str)> = signed
                .headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            let added = sign_request_in(
                method,
                &signed.url,
                &borrowed,
                &body,
                &signed.credentials,
                &signed.scope,
            )
            .map_err(|e| TransportError {
                kind: TransportErrorKind::Request,
                url: url.clone(),
                message: e.to_string(),
            })?;
            headers = signed.headers.clone();
            headers.extend(added);
            after_signing(call.signature, &mut headers, &mut body);
        }
        Ok(SentRequest {
            method: method.to_string(),
            url: sent_url(call.signature, &url),
            account_id: call.account_id.clone(),
            headers,
            body,
            injected_fault: call.fault,
            signature: call.signature,
        })
    }

    /// The credentials and region a call is signed with, or `None` when it goes unsigned.
    fn signer(&self, mode: SignatureMode) -> Option<(SigningCredentials, &str)> {
        let Auth::SigV4 {
            credentials,
            region,
        } = &self.target().auth
        else {
            return None;
        };
        let credentials = match mode {
            SignatureMode::Unsigned => return None,
            SignatureMode::WrongSecret => SigningCredentials {
                secret_access_key: format!("{}-wrong", credentials.secret_access_key),
                ..credentials.clone()
            },
            SignatureMode::UnknownAccessKey => SigningCredentials {
                access_key_id: "AKIDCHIMECONFORMANCEUNKNOWN".into(),
                ..credentials.clone()
            },
            // As the target is configured; a tampered mode changes what is signed later.
            _ => credentials.clone(),
        };
        Some((credentials, region))
    }
}
