//! Enhanced Chat's verified customers as engine scenarios (issue 27): nothing before the site's
//! identity token; the authenticated token, then the customer's open conversation found and
//! resumed with its history (their messages from another device shown as theirs); renewal
//! before the access token expires, with the identity token or a fresh one from the site; a
//! refused identity (nothing typed lost); a 401 on the way; expiry while offline; logout; and
//! the server's transcript request.

mod miaw_support;

use chasitor::miaw::engine::{Call, Config, Engine, Request, RENEW_BEFORE_MS};
use chasitor::session::{ChatState, Delivery, Event, Identity, Input, Outcome};
use miaw_support::*;
use serde_json::{json, Value};

const CONV: &str = "0a1b2c3d-0000-4000-8000-00000000000c";

/// The site's identity token for `sub`, valid until `exp_ms`.
fn identity(sub: &str, exp_ms: u64) -> String {
    jwt(json!({"iss": "https://shop.example", "sub": sub, "iat": 1, "exp": exp_ms / 1000}))
}

/// An access token valid until `exp_ms`.
fn access(name: &str, exp_ms: u64) -> String {
    jwt(json!({"sub": name, "exp": exp_ms / 1000}))
}

fn verified() -> Chat {
    Chat {
        e: Engine::new(Config {
            verified: true,
            ..cfg()
        }),
        now: T0,
        rand: 7,
    }
}

fn identities(events: &[Event]) -> Vec<Identity> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Identity(i) => Some(*i),
            _ => None,
        })
        .collect()
}

fn bearer(r: &Request) -> Option<&str> {
    r.header("Authorization")?.strip_prefix("Bearer ")
}

const HOUR: u64 = 3_600_000;

/// Identified, the token in, no open conversation: the form. Returns the access token.
fn signed_in(c: &mut Chat) -> String {
    c.input(Input::Identify(identity("cust-1", c.now + HOUR)));
    let token = c.expect(Call::Token);
    let tok = access("a1", c.now + 6 * HOUR);
    c.answer(&token, 200, &token_answer(&tok, "0"));
    let list = c.expect(Call::List);
    c.answer(
        &list,
        200,
        r#"{"openConversationsFound":0,"conversations":[]}"#,
    );
    assert_eq!(c.e.state(), &ChatState::Idle);
    tok
}

/// A verified customer's chat with an agent. Returns the stream and the access token.
fn chatting(c: &mut Chat) -> (Request, String) {
    let tok = signed_in(c);
    c.input(Input::Start(prechat()));
    let stream = c.created();
    let conv = c.conversation();
    c.chunk(&stream, &frame(1, &joined(&conv, "p1", "Ada Agent")));
    c.events();
    (stream, tok)
}

#[test]
fn nothing_starts_before_the_site_says_who_the_customer_is() {
    let mut c = verified();
    assert_eq!(identities(&c.events()), [Identity::Wanted]);
    c.input(Input::Prepare);
    assert!(
        c.requests().is_empty(),
        "no anonymous token for a verified deployment"
    );
    // The visitor sends the form anyway: the token waits for the identity.
    c.input(Input::Start(prechat()));
    assert!(c.requests().is_empty());
    c.input(Input::Identify(identity("cust-1", T0 + HOUR)));
    let token = c.expect(Call::Token);
    assert_eq!(
        token.path,
        "/iamessage/api/v2/authorization/authenticated/access-token"
    );
    let b = body(&token);
    assert_eq!(b["authorizationType"], "JWT");
    assert_eq!(b["customerIdentityToken"], identity("cust-1", T0 + HOUR));
    assert_eq!(b["esDeveloperName"], "Chasitor_Demo");
    assert_eq!(bearer(&token), None);
    assert_eq!(c.e.subject(), Some("cust-1"));
}

#[test]
fn an_anonymous_deployment_ignores_identities() {
    let mut c = Chat::new();
    assert!(identities(&c.events()).is_empty());
    c.input(Input::Identify(identity("cust-1", T0 + HOUR)));
    assert!(c.requests().is_empty());
    c.input(Input::Prepare);
    let token = c.expect(Call::Token);
    assert_eq!(
        token.path,
        "/iamessage/api/v2/authorization/unauthenticated/access-token"
    );
    assert!(body(&token).get("customerIdentityToken").is_none());
}

#[test]
fn the_customers_open_conversation_goes_on_with_its_history_on_another_device() {
    let mut c = verified();
    c.input(Input::Identify(identity("cust-1", T0 + HOUR)));
    let token = c.expect(Call::Token);
    let tok = access("a1", T0 + 6 * HOUR);
    c.answer(&token, 200, &token_answer(&tok, "17"));
    let list = c.expect(Call::List);
    assert_eq!(bearer(&list), Some(tok.as_str()));
    let older = "0a1b2c3d-0000-4000-8000-0000000000aa";
    c.answer(
        &list,
        200,
        &json!({"openConversationsFound": 2, "conversations": [
            {"conversationId": older, "startTimestamp": 1},
            {"conversationId": CONV.to_uppercase(), "startTimestamp": 2},
        ]})
        .to_string(),
    );
    assert_eq!(c.e.state(), &ChatState::Established);
    assert_eq!(
        c.conversation(),
        CONV,
        "the newest, as the server's lowercase id"
    );
    let mut reqs = c.requests();
    reqs.sort_by_key(|r| r.call != Call::Stream);
    assert_eq!(
        reqs.iter().map(|r| r.call).collect::<Vec<_>>(),
        [Call::Stream, Call::History]
    );
    assert_eq!(reqs[0].header("Last-Event-Id"), Some("17"));
    let entry = |f: (String, Value)| f.1["conversationEntry"].clone();
    let history = json!({"conversationEntries": [
        entry(agent_says(CONV, "e3", "Your parcel left today.")),
        entry(message(CONV, "e2", ("EndUser", "Ada"), "Where is my parcel? (from my laptop)")),
        entry(joined(CONV, "e1", "Ada Agent")),
    ]});
    c.answer(&reqs[1], 200, &history.to_string());
    let events = c.events();
    let mine: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            Event::VisitorElsewhere { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(mine, ["Where is my parcel? (from my laptop)"]);
    assert_eq!(agent_messages(&events), ["Your parcel left today."]);
    // The agent's message is acknowledged first.
    let ack = c.expect(Call::Acknowledge);
    c.answer(&ack, 202, "");
    // Both devices write: this one's message goes with this token.
    let post = c.send(1, "And from my phone");
    assert_eq!(
        post.path,
        format!("/iamessage/api/v2/conversation/{CONV}/message")
    );
    assert_eq!(bearer(&post), Some(tok.as_str()));
    // The laptop's next message arrives on the stream as the customer's.
    c.chunk(
        &reqs[0],
        &frame(18, &message(CONV, "e4", ("EndUser", "Ada"), "Laptop again")),
    );
    assert!(c.events().contains(&Event::VisitorElsewhere {
        text: "Laptop again".into()
    }));
}

#[test]
fn a_customer_with_no_open_conversation_starts_one_with_the_same_token() {
    let mut c = verified();
    let tok = signed_in(&mut c);
    c.input(Input::Start(prechat()));
    let mut reqs = c.requests();
    reqs.sort_by_key(|r| r.call != Call::Stream);
    assert_eq!(
        reqs.iter().map(|r| r.call).collect::<Vec<_>>(),
        [Call::Stream, Call::Create]
    );
    assert_eq!(bearer(&reqs[1]), Some(tok.as_str()));
}

#[test]
fn the_access_token_is_renewed_before_it_expires_with_the_identity_token() {
    let mut c = verified();
    // The identity lasts longer than the access token: renewal needs nothing from the site.
    c.input(Input::Identify(identity("cust-1", T0 + 10 * HOUR)));
    let token = c.expect(Call::Token);
    let tok = access("a1", T0 + 6 * HOUR);
    c.answer(&token, 200, &token_answer(&tok, "0"));
    let list = c.expect(Call::List);
    c.answer(&list, 200, r#"{"conversations":[]}"#);
    c.input(Input::Start(prechat()));
    c.created();
    c.events();
    let tokens = |c: &mut Chat| -> Vec<Request> {
        c.requests()
            .into_iter()
            .filter(|r| r.call == Call::Token)
            .collect()
    };
    c.now = T0 + 6 * HOUR - RENEW_BEFORE_MS - 1;
    c.input(Input::Tick);
    assert!(tokens(&mut c).is_empty(), "not before its time");
    c.now += 1;
    c.input(Input::Tick);
    let renew = tokens(&mut c).pop().expect("the renewal");
    assert_eq!(
        renew.path,
        "/iamessage/api/v2/authorization/authenticated/access-token"
    );
    assert_eq!(
        body(&renew)["customerIdentityToken"],
        identity("cust-1", T0 + 10 * HOUR)
    );
    assert_eq!(
        c.e.state(),
        &ChatState::Queued,
        "the chat goes on meanwhile"
    );
    let tok2 = access("a2", T0 + 12 * HOUR);
    c.answer(&renew, 200, &token_answer(&tok2, "0"));
    assert!(
        tokens(&mut c).is_empty(),
        "no set-up step follows a renewal"
    );
    assert!(
        identities(&c.events()).is_empty(),
        "the visitor is told nothing"
    );
    let post = c.send(1, "still here");
    assert_eq!(bearer(&post), Some(tok2.as_str()));
    // The next renewal is due before the new token's expiry; by then the identity token (10 h)
    // has expired too: the site is asked for one.
    c.events();
    c.now = T0 + 12 * HOUR - RENEW_BEFORE_MS;
    c.input(Input::Tick);
    assert!(tokens(&mut c).is_empty());
    assert_eq!(identities(&c.events()), [Identity::Wanted]);
}

#[test]
fn an_expired_identity_token_is_asked_of_the_site_before_renewal() {
    let mut c = verified();
    let (_stream, tok) = chatting(&mut c);
    // The identity token (1 h) has expired by the time the access token (6 h) needs renewal.
    c.now = T0 + 6 * HOUR - RENEW_BEFORE_MS;
    c.input(Input::Tick);
    assert!(
        c.requests().is_empty(),
        "an expired identity token is not sent"
    );
    assert_eq!(identities(&c.events()), [Identity::Wanted]);
    // Meanwhile the old access token still serves.
    let post = c.send(1, "hello");
    assert_eq!(bearer(&post), Some(tok.as_str()));
    c.answer(&post, 202, "{}");
    c.input(Input::Identify(identity("cust-1", c.now + HOUR)));
    assert_eq!(identities(&c.events()), [Identity::Given]);
    let renew = c.expect(Call::Token);
    assert_eq!(
        body(&renew)["customerIdentityToken"],
        identity("cust-1", c.now + HOUR)
    );
}

#[test]
fn a_refused_identity_asks_the_visitor_to_sign_in_again_and_loses_nothing_typed() {
    let mut c = verified();
    let (_stream, _tok) = chatting(&mut c);
    // The access token is refused: a new one with the identity token, which is refused too.
    let post = c.send(1, "my order number is 42");
    c.answer(&post, 401, r#"{"message":"Unauthorized"}"#);
    assert_ne!(
        c.e.state(),
        &ChatState::Ended(chasitor::session::EndReason::SessionInvalid)
    );
    let renew = c.expect(Call::Token);
    c.answer(
        &renew,
        401,
        r#"{"message":"Invalid identity token: expired"}"#,
    );
    let events = c.events();
    assert_eq!(identities(&events), [Identity::Refused]);
    assert!(
        events.iter().any(|e| matches!(e, Event::Error(_))),
        "the site owner is told why"
    );
    // The visitor writes on while signed out: it waits.
    c.input(Input::SendText {
        local_id: 2,
        text: "are you there?".into(),
    });
    assert!(c.requests().is_empty());
    c.advance(60_000);
    assert!(c.requests().is_empty(), "nothing goes without a token");
    assert!(!matches!(c.e.state(), ChatState::Ended(_)));
    // The site signs the customer in again: a token, then both messages, in order, with the
    // first one's UUID (the server takes it once).
    c.input(Input::Identify(identity("cust-1", c.now + HOUR)));
    let renew = c.expect(Call::Token);
    let tok2 = access("a2", c.now + 6 * HOUR);
    c.answer(&renew, 200, &token_answer(&tok2, "0"));
    let again = c.expect(Call::Message);
    assert_eq!(bearer(&again), Some(tok2.as_str()));
    assert_eq!(body(&again)["message"]["id"], body(&post)["message"]["id"]);
    c.answer(&again, 202, "{}");
    let next = c.expect(Call::Message);
    assert_eq!(
        body(&next)["message"]["staticContent"]["text"],
        "are you there?"
    );
    c.answer(&next, 202, "{}");
    let events = c.events();
    assert_eq!(statuses(&events, 1), [Delivery::Sent]);
    assert_eq!(statuses(&events, 2).last(), Some(&Delivery::Sent));
}

#[test]
fn a_token_that_expired_while_offline_is_renewed_when_back() {
    let mut c = verified();
    let (_stream, _tok) = chatting(&mut c);
    c.input(Input::Online(false));
    c.now += 7 * HOUR;
    c.input(Input::SendText {
        local_id: 1,
        text: "written offline".into(),
    });
    assert!(c.requests().is_empty());
    c.input(Input::Online(true));
    // The access token's renewal was due while offline, and the identity expired: the site is
    // asked; nothing goes with the expired token meanwhile.
    let reqs = c.requests();
    assert!(
        reqs.iter().all(|r| r.call != Call::Token),
        "an expired identity token is not sent"
    );
    assert!(identities(&c.events()).contains(&Identity::Wanted));
    for r in reqs.iter().filter(|r| r.call == Call::Message) {
        c.answer(r, 401, "{}");
    }
    c.input(Input::Identify(identity("cust-1", c.now + HOUR)));
    let renew = c.expect(Call::Token);
    let tok2 = access("a2", c.now + 6 * HOUR);
    c.answer(&renew, 200, &token_answer(&tok2, "0"));
    let mut reqs = c.requests();
    reqs.retain(|r| r.call == Call::Message);
    assert_eq!(reqs.len(), 1, "the message written offline goes");
    assert_eq!(bearer(&reqs[0]), Some(tok2.as_str()));
}

#[test]
fn logout_revokes_the_token_and_forgets_the_chat() {
    let mut c = verified();
    let (_stream, tok) = chatting(&mut c);
    c.input(Input::Logout);
    let revoke = c.expect(Call::Revoke);
    assert_eq!(revoke.method, chasitor::session::Method::Delete);
    assert_eq!(
        revoke.path,
        "/iamessage/api/v2/authorization/authenticated/access-token"
    );
    assert_eq!(bearer(&revoke), Some(tok.as_str()));
    assert!(!c.aborts().is_empty(), "the stream is closed");
    let events = c.events();
    assert!(events.contains(&Event::State(ChatState::Idle)));
    assert_eq!(identities(&events), [Identity::Wanted]);
    let snap = c.e.snapshot();
    assert_eq!(snap.token, None);
    assert_eq!(snap.conversation_id, None);
    assert_eq!(snap.subject, None);
    // The next customer starts from nothing.
    c.input(Input::Identify(identity("cust-2", c.now + HOUR)));
    assert_eq!(c.expect(Call::Token).call, Call::Token);
}

#[test]
fn the_subject_and_the_transcript_flag_survive_a_reload_but_the_identity_does_not() {
    let mut c = verified();
    c.input(Input::Identify(identity("cust-1", T0 + HOUR)));
    let token = c.expect(Call::Token);
    let answer = json!({"accessToken": access("a1", T0 + 6 * HOUR), "lastEventId": "0",
        "context": {"configuration": {"embeddedServiceConfig": {
            "transcript": {"allowTranscriptDownload": true}}}}});
    c.answer(&token, 200, &answer.to_string());
    let list = c.expect(Call::List);
    c.answer(&list, 200, r#"{"conversations":[]}"#);
    c.input(Input::Start(prechat()));
    c.created();
    assert!(c.e.transcript_pdf());
    let snap = c.e.snapshot();
    assert_eq!(snap.subject.as_deref(), Some("cust-1"));
    let text = serde_json::to_string(&snap).unwrap();
    assert!(
        !text.contains(&identity("cust-1", T0 + HOUR)),
        "the identity token is never saved"
    );
    let mut r = Engine::restore(
        Config {
            verified: true,
            ..cfg()
        },
        snap,
        c.now,
    );
    assert_eq!(r.subject(), Some("cust-1"));
    assert!(r.transcript_pdf());
    let req = r.transcript_request().expect("a transcript request");
    assert_eq!(req.call, Call::Transcript);
    assert_eq!(
        req.path,
        format!(
            "/iamessage/api/v2/conversation/{}/transcript",
            c.conversation()
        )
    );
    assert_eq!(
        req.query,
        [("esDeveloperName".to_string(), "Chasitor_Demo".to_string())]
    );
    assert_eq!(
        req.save_as.as_deref(),
        Some(format!("transcript-{}.pdf", c.conversation()).as_str())
    );
    assert!(req.header("Authorization").is_some());
}

#[test]
fn no_transcript_request_where_the_deployment_does_not_allow_it() {
    let mut c = Chat::new();
    c.queued();
    assert!(!c.e.transcript_pdf());
    assert!(c.e.transcript_request().is_none());
    // A token answer that allows it, on an anonymous chat.
    let mut d = Chat::new();
    d.input(Input::Start(prechat()));
    let token = d.expect(Call::Token);
    let answer = json!({"accessToken": TOKEN, "lastEventId": "0",
        "context": {"configuration": {"embeddedServiceConfig": {
            "transcript": {"allowTranscriptDownload": true}}}}});
    d.answer(&token, 200, &answer.to_string());
    d.created();
    assert!(d.e.transcript_request().is_some());
    let _ = Outcome::TimedOut;
}
