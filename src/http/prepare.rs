//! Turning a [`Call`] into the request that goes on the wire: URL, headers, body, and the
//! SigV4 headers for the call's [`SignatureMode`].

use std::time::SystemTime;

use super::{Call, CallBody, Client, SentRequest, TransportError, TransportErrorKind};
use crate::contract::sigv4::{sign_request, SignatureMode, SigningCredentials};
use crate::target::Auth;

impl Client {
    /// Builds the request a call makes: URL, headers (signed), body.
    pub fn prepare(&self, call: &Call) -> Result<SentRequest, TransportError> {
        let url = self.target().create_user_url(&call.account_id);
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
        if let Some((credentials, region)) = self.signer(call.signature) {
            let borrowed: Vec<(&str, &str)> = headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            let added = sign_request(
                "POST",
                &url,
                &borrowed,
                &body,
                &credentials,
                region,
                SystemTime::now(),
            )
            .map_err(|e| TransportError {
                kind: TransportErrorKind::Request,
                url: url.clone(),
                message: e.to_string(),
            })?;
            headers.extend(added);
        }
        Ok(SentRequest {
            method: "POST".into(),
            url,
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
            SignatureMode::AsTarget => credentials.clone(),
            SignatureMode::WrongSecret => SigningCredentials {
                secret_access_key: format!("{}-wrong", credentials.secret_access_key),
                ..credentials.clone()
            },
            SignatureMode::UnknownAccessKey => SigningCredentials {
                access_key_id: "AKIDCHIMECONFORMANCEUNKNOWN".into(),
                ..credentials.clone()
            },
        };
        Some((credentials, region))
    }
}
