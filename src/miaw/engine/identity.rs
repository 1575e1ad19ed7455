//! Verified customers (User Verification): the site's identity token (kept in memory only),
//! authenticated access tokens asked for with it and renewed before they expire or after the
//! server refused one, the customer's open conversation found before the form (on any device),
//! logout; and the server's PDF transcript.

use super::*;
use crate::miaw::wire::{jwt_subject, AccessTokenRequest};
use crate::session::Identity;

/// A verified customer's access token is renewed this long before it expires.
pub const RENEW_BEFORE_MS: u64 = 5 * 60_000;
/// An identity token with less than this left is not sent: the site is asked for a new one.
const IDENTITY_MARGIN_MS: u64 = 30_000;

impl Engine {
    /// The site's identity token for the customer (`Chasitor.identify`).
    pub(super) fn identify(&mut self, token: String) {
        if !self.cfg.verified {
            return;
        }
        self.subject = jwt_subject(&token);
        self.identity = Some(token);
        let waited = std::mem::take(&mut self.needs_identity);
        self.emit(Event::Identity(Identity::Given));
        if self.step.is_some() || self.token.is_some() && !waited {
            // A step that waited for it goes now (the pump sends it).
            return;
        }
        match self.base {
            // Before the form: a token, then the customer's open conversation.
            ChatState::Idle => self.step = Some(Step::Token),
            ChatState::Ended(_) => {}
            _ => self.step = Some(Step::Renew),
        }
    }

    /// The customer the identity token names (its `sub`).
    pub fn subject(&self) -> Option<&str> {
        self.subject.as_deref()
    }

    /// Whether the identity token can be sent: there is one with time left (one without `exp`
    /// counts as valid; the server decides).
    fn identity_valid(&self, now: Millis) -> bool {
        self.identity.as_deref().is_some_and(|t| {
            jwt_expiry_secs(t)
                .is_none_or(|exp| exp.saturating_mul(1000) > now.saturating_add(IDENTITY_MARGIN_MS))
        })
    }

    /// A new access token is needed (the old one expires soon, or was refused): with the
    /// identity token while it lasts, else the site is asked for a new one.
    pub(super) fn renew(&mut self, now: Millis) {
        self.renew_at = None;
        if self.identity_valid(now) {
            self.step = Some(Step::Renew);
        } else {
            self.want_identity(Identity::Wanted);
        }
    }

    /// The site is asked for an identity token (once until it gives one); `why` tells the view.
    pub(super) fn want_identity(&mut self, why: Identity) {
        self.identity = None;
        if !self.needs_identity || why == Identity::Refused {
            self.needs_identity = true;
            self.emit(Event::Identity(why));
        }
    }

    /// The server refused the identity token (or the token asked with it): the site owner is
    /// told why, the visitor that they should sign in again; what waits to be sent stays.
    pub(super) fn identity_refused(&mut self, step: Step, status: u16, body: String) {
        self.step = (step == Step::Token).then_some(Step::Token);
        self.emit(Event::Error(EngineError::UnexpectedStatus {
            resource: "the identity token (customerIdentityToken) was refused".into(),
            status,
            body,
        }));
        self.want_identity(Identity::Refused);
    }

    /// An access token was refused (401) on a request of a verified customer's chat: a new
    /// one first, then `resume` (the set-up step that was refused) and whatever waits.
    pub(super) fn reauthorise(&mut self, resume: Option<Step>) {
        self.token = None;
        if let Some(step) = resume {
            self.resume = Some(match step {
                Step::Continuation if self.created => Step::List,
                Step::Continuation => Step::Create,
                other => other,
            });
            self.step = None;
        }
    }

    /// When the access token was taken: the time to renew it.
    pub(super) fn token_taken(&mut self) {
        self.renew_at = None;
        if self.cfg.verified {
            if let Some(exp) = self.token.as_deref().and_then(jwt_expiry_secs) {
                self.renew_at = Some(exp.saturating_mul(1000).saturating_sub(RENEW_BEFORE_MS));
            }
        }
    }

    /// The token request: authenticated with the identity token for a verified customer.
    pub(super) fn token_request(&self) -> (String, String) {
        let mut req = AccessTokenRequest::web(&self.cfg.org_id, &self.cfg.es_developer_name);
        let kind = if self.cfg.verified {
            req.identity = self.identity.clone();
            "authenticated"
        } else {
            "unauthenticated"
        };
        (
            format!("{API}/authorization/{kind}/access-token"),
            req.to_json(),
        )
    }

    /// The answer to [`Step::Find`]: the customer's newest open conversation goes on here, with
    /// its history; with none, the form starts one.
    pub(super) fn found(&mut self, outcome: Outcome, now: Millis) {
        let list = match outcome {
            Outcome::Http { status, body } if (200..300).contains(&status) => {
                ListConversationsAnswer::from_json(&body).map_err(|e| e.to_string())
            }
            Outcome::Http { status: 401, .. } => {
                self.token = None;
                self.step = Some(Step::Token);
                return;
            }
            Outcome::Http { status, .. } => Err(format!("HTTP {status}")),
            Outcome::Network(e) => Err(e),
            Outcome::TimedOut => Err("timed out".into()),
        };
        match list {
            Ok(list) => {
                if let Some(c) = list.latest() {
                    self.conversation_id = Some(c.conversation_id.to_ascii_lowercase());
                    self.created = true;
                    self.streaming = true;
                    self.step = Some(Step::History);
                    self.set_state(ChatState::Established);
                    self.pump(now);
                }
            }
            Err(detail) => self.bad_answer(Call::List, detail),
        }
    }

    /// Logout: the verified customer's access token revoked, everything forgotten (the engine as
    /// new, waiting for the next customer's identity token).
    pub(super) fn logout(&mut self) {
        let revoke = self.cfg.verified && self.token.is_some();
        if revoke {
            self.issue(
                Call::Revoke,
                Method::Delete,
                format!("{API}/authorization/authenticated/access-token"),
                Vec::new(),
                None,
                0,
            );
        }
        self.abort_flights();
        self.start_over();
        self.emit(Event::State(ChatState::Idle));
    }

    /// Whether the server's PDF transcript may be downloaded (the deployment allows it and
    /// there is a conversation).
    pub fn transcript_pdf(&self) -> bool {
        self.transcript_pdf && self.token.is_some() && self.created
    }

    /// The request for the server's PDF transcript, saved as `transcript-<id>.pdf`.
    pub fn transcript_request(&mut self) -> Option<Request> {
        if !self.transcript_pdf() {
            return None;
        }
        let name = format!(
            "transcript-{}.pdf",
            self.conversation_id.as_deref().unwrap_or_default()
        );
        self.issue(
            Call::Transcript,
            Method::Get,
            self.conversation_path("/transcript"),
            self.es_query(),
            None,
            0,
        );
        let mut req = self.requests.pop_back()?;
        req.save_as = Some(name);
        Some(req)
    }
}
