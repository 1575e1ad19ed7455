//! Access tokens: the anonymous token request, the verified one (User Verification, the identity
//! token checked by `verify.rs`), the continuation token, revocation, expiry, and the per-org
//! token rate limit.
//!
//! An anonymous token request makes a new visitor; a verified one reuses the visitor of its
//! deployment and `sub` (made by the first), so every browser and device of one verified user
//! shares its conversations, event log and streams. Each token keeps its own `deviceId`.

use super::state::{admit, str_field, Miaw, Reject, TokenInfo, Visitor};
use super::verify::verify;
use crate::config::same_id;
use crate::ids;
use axum::http::StatusCode;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::time::Duration;
use tokio::sync::watch;

/// The window of the per-org token rate limit (`tokenRateLimitPerMinute`).
pub const TOKEN_RATE_WINDOW: Duration = Duration::from_secs(60);

/// The token answer's facts.
pub struct Issued {
    pub token: String,
    pub last_event_id: u64,
    pub device_id: String,
    pub dep: usize,
    /// `context.endUser.subject`: `v2/iamessage/AUTH/NA/uid:<sub>` for a verified user,
    /// `v2/iamessage/UNAUTH/NA/uid:<visitor id>` for an anonymous one (also the JWT's `sub`).
    pub subject: String,
}

fn unix_secs() -> u64 {
    ids::now_ms() / 1000
}

fn lifetime_ms(seconds: f64) -> u64 {
    (seconds.max(0.0) * 1000.0) as u64
}

impl Miaw {
    /// The deployment a token request names: 400 for a missing field (`fields` beyond the four
    /// every token request has), an unknown org or an unknown deployment of the org.
    fn token_deployment(&self, body: &Value, fields: &[&str]) -> Result<usize, Reject> {
        for name in [
            "orgId",
            "esDeveloperName",
            "capabilitiesVersion",
            "platform",
        ]
        .iter()
        .chain(fields)
        {
            if body.get(name).is_none_or(Value::is_null) {
                return Err(Reject::bad(format!("Missing required field {name}")));
            }
        }
        let (Some(org), Some(es)) = (str_field(body, "orgId"), str_field(body, "esDeveloperName"))
        else {
            return Err(Reject::bad("orgId and esDeveloperName must be strings"));
        };
        if !self.deployments.iter().any(|d| same_id(&d.org_id, org)) {
            return Err(Reject::bad(format!("Unknown organization {org}")));
        }
        self.deployments
            .iter()
            .position(|d| same_id(&d.org_id, org) && d.es_developer_name == es)
            .ok_or_else(|| {
                Reject::bad(format!(
                    "No Embedded Service deployment {es} in organization {org}"
                ))
            })
    }

    /// Counts a token request (access or continuation) against the org's token rate limit, with
    /// the limit of the deployment it names: 429 beyond it.
    fn check_token_rate(&mut self, dep: usize) -> Result<(), Reject> {
        let d = &self.deployments[dep];
        let org = d.org_id.get(..15).unwrap_or(&d.org_id).to_string();
        let limit = d.token_rate_limit_per_minute;
        admit(
            self.token_requests.entry(org).or_default(),
            limit,
            TOKEN_RATE_WINDOW,
        )
    }

    fn new_visitor(&mut self, dep: usize, verified: Option<String>) -> String {
        let id = ids::uuid();
        let (notify, _) = watch::channel(0u64);
        self.visitors.insert(
            id.clone(),
            Visitor {
                dep,
                verified,
                events: VecDeque::new(),
                last_event_id: 0,
                notify,
                open_streams: 0,
                max_open_streams: 0,
                recent: VecDeque::new(),
            },
        );
        id
    }

    /// `POST …/authorization/unauthenticated/access-token`: a new visitor with a new token
    /// (also on a deployment with User Verification: a guest).
    pub fn issue_token(&mut self, body: &Value) -> Result<Issued, Reject> {
        let dep = self.token_deployment(body, &[])?;
        self.check_token_rate(dep)?;
        let visitor = self.new_visitor(dep, None);
        let exp_ms = ids::now_ms() + lifetime_ms(self.deployments[dep].token_lifetime_seconds);
        Ok(self.grant(&visitor, exp_ms, device_id(body)))
    }

    /// `POST …/authorization/authenticated/access-token`: the identity token checked against
    /// the deployment's User Verification (401 `Invalid identity token: <reason>`), then a token
    /// for the visitor of that subject (made on its first token).
    pub fn issue_verified_token(&mut self, body: &Value) -> Result<Issued, Reject> {
        let dep = self.token_deployment(body, &["authorizationType", "customerIdentityToken"])?;
        if str_field(body, "authorizationType") != Some("JWT") {
            return Err(Reject::bad("authorizationType must be JWT"));
        }
        let Some(identity) = str_field(body, "customerIdentityToken") else {
            return Err(Reject::bad("customerIdentityToken must be a string"));
        };
        let Some(uv) = self.deployments[dep].user_verification.as_ref() else {
            return Err(Reject::bad(
                "deployment is not configured for verified users",
            ));
        };
        let checked = verify(uv, identity, unix_secs());
        self.check_token_rate(dep)?;
        let sub = checked.map_err(|why| {
            Reject::new(
                StatusCode::UNAUTHORIZED,
                format!("Invalid identity token: {why}"),
            )
        })?;
        let visitor = match self.subjects.get(&(dep, sub.clone())) {
            Some(v) => v.clone(),
            None => {
                let v = self.new_visitor(dep, Some(sub.clone()));
                self.subjects.insert((dep, sub), v.clone());
                v
            }
        };
        let lifetime = self.deployments[dep].verified_token_lifetime_seconds;
        let exp_ms = ids::now_ms() + lifetime_ms(lifetime);
        Ok(self.grant(&visitor, exp_ms, device_id(body)))
    }

    /// `context.endUser.subject` (and the JWT's `sub`) of the visitor's tokens.
    pub fn end_user_subject(&self, visitor: &str) -> String {
        match self
            .visitors
            .get(visitor)
            .and_then(|v| v.verified.as_deref())
        {
            Some(sub) => format!("v2/iamessage/AUTH/NA/uid:{sub}"),
            None => format!("v2/iamessage/UNAUTH/NA/uid:{visitor}"),
        }
    }

    /// A new token for the visitor, expiring at `exp_ms`, and the token answer's facts.
    fn grant(&mut self, visitor: &str, exp_ms: u64, device_id: String) -> Issued {
        let dep = self.visitors[visitor].dep;
        let d = &self.deployments[dep];
        let subject = self.end_user_subject(visitor);
        let claims = json!({
            "iss": "chasitor-sim",
            "sub": subject,
            "aud": "iamessage",
            "orgId": d.org_id,
            "esDeveloperName": d.es_developer_name,
            "deviceId": device_id,
            "jti": ids::uuid(),
            "iat": unix_secs(),
            "exp": exp_ms / 1000,
        });
        let token = self.signer.issue(&claims);
        self.tokens.insert(
            token.clone(),
            TokenInfo {
                visitor: visitor.to_string(),
                exp_ms,
                device_id: device_id.clone(),
            },
        );
        Issued {
            token,
            last_event_id: self.visitors[visitor].last_event_id,
            device_id,
            dep,
            subject,
        }
    }

    /// `GET …/continuation-access-token`: another token for the same visitor (anonymous or
    /// verified), same expiry and device; counted against the org's token rate limit.
    pub fn continuation(&mut self, token: &str) -> Result<Issued, Reject> {
        let visitor = self.authenticate(Some(token))?;
        let dep = self.visitors[&visitor].dep;
        self.check_token_rate(dep)?;
        let info = &self.tokens[token];
        let (exp_ms, device_id) = (info.exp_ms, info.device_id.clone());
        Ok(self.grant(&visitor, exp_ms, device_id))
    }

    /// `DELETE …/authorization/authenticated/access-token`: this token is refused from now on
    /// (401); the subject's other tokens stay valid. 401 for an unknown or expired token, 400 for
    /// an anonymous one.
    pub fn revoke(&mut self, token: Option<&str>) -> Result<(), Reject> {
        let visitor = self.authenticate(token)?;
        if self.visitors[&visitor].verified.is_none() {
            return Err(Reject::bad(
                "Only the access token of a verified user can be revoked",
            ));
        }
        if let Some(t) = token {
            self.tokens.remove(t);
        }
        Ok(())
    }

    /// The visitor a bearer token names, if it is known and not expired.
    pub fn authenticate(&self, token: Option<&str>) -> Result<String, Reject> {
        let info = token
            .and_then(|t| self.tokens.get(t))
            .ok_or_else(Reject::unauthorized)?;
        if info.exp_ms <= ids::now_ms() || !self.visitors.contains_key(&info.visitor) {
            return Err(Reject::unauthorized());
        }
        Ok(info.visitor.clone())
    }

    /// The token's visitor, expired or not (for the token_expired fault).
    pub fn token_visitor(&self, token: &str) -> Option<String> {
        self.tokens.get(token).map(|t| t.visitor.clone())
    }

    /// Every token of the visitor expires now.
    pub fn expire_tokens(&mut self, visitor: &str) {
        let now = ids::now_ms();
        for t in self.tokens.values_mut().filter(|t| t.visitor == visitor) {
            t.exp_ms = t.exp_ms.min(now);
        }
    }
}

/// The request's `deviceId`, or a new one.
fn device_id(body: &Value) -> String {
    str_field(body, "deviceId")
        .map(str::to_string)
        .unwrap_or_else(ids::uuid)
}
