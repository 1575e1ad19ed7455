//! Enhanced Chat's verified users (User Verification): the authenticated token request and its
//! identity-token checks, conversations that belong to the verified subject on every device,
//! revocation, token lifetimes, the per-org token rate limit, the transcript PDF, the settings
//! endpoint and `/_sim/identity-token`. Identity tokens are signed here with the test keys of
//! `sim/testdata` (test-only keys).

mod common;

use chasitor_sim::{
    SimConfig, DEFAULT_ES_DEVELOPER_NAME, DEFAULT_ORG_ID, VERIFIED_ES_DEVELOPER_NAME,
    VERIFIED_ISSUER,
};
use common::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::{SystemTime, UNIX_EPOCH};

const TEST_KEY: &str = include_str!("../testdata/uv-test-key.pem");
const OTHER_KEY: &str = include_str!("../testdata/uv-other-key.pem");
const KID: &str = "chasitor-test-1";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// An identity token with these claims, signed with `key` (PEM) under `kid` and `alg`.
fn sign_with(key: &str, kid: &str, alg: Algorithm, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_string());
    let key = match alg {
        Algorithm::HS256 => EncodingKey::from_secret(b"a shared secret"),
        _ => EncodingKey::from_rsa_pem(key.as_bytes()),
    }
    .expect("a usable key");
    jsonwebtoken::encode(&header, claims, &key).expect("signed")
}

fn claims(sub: &str) -> Value {
    json!({"iss": VERIFIED_ISSUER, "sub": sub, "iat": now(), "exp": now() + 300})
}

/// A good identity token for `sub` (the test key, RS256).
fn identity(sub: &str) -> String {
    sign_with(TEST_KEY, KID, Algorithm::RS256, &claims(sub))
}

fn verified_body(es: &str, identity_token: &str) -> Value {
    json!({
        "orgId": DEFAULT_ORG_ID,
        "esDeveloperName": es,
        "capabilitiesVersion": "1",
        "platform": "Web",
        "authorizationType": "JWT",
        "customerIdentityToken": identity_token,
    })
}

const AUTH_PATH: &str = "/authorization/authenticated/access-token";

impl Sim {
    /// The demo deployments without rate limits, `Chasitor_Demo` also verifying users (with the
    /// test key), so the common helpers (which name `Chasitor_Demo`) serve verified visitors.
    async fn verified() -> Sim {
        Sim::verified_with(|_| {}).await
    }

    async fn verified_with(f: impl FnOnce(&mut SimConfig)) -> Sim {
        Sim::miaw_with(|c| {
            for d in &mut c.miaw {
                d.rate_limit = None;
            }
            c.miaw[0].user_verification = c.miaw[2].user_verification.clone();
            f(c);
        })
        .await
    }

    async fn verified_request(&self, body: &Value) -> Answer {
        let rb = self
            .http
            .post(self.url(&format!("{MIAW_API}{AUTH_PATH}")))
            .json(body);
        MVisitor::send(rb).await
    }

    /// A verified visitor of `Chasitor_Demo` for `sub`, with this device id.
    async fn vvisitor(&self, sub: &str, device: &str) -> MVisitor {
        let mut body = verified_body(DEFAULT_ES_DEVELOPER_NAME, &identity(sub));
        body["deviceId"] = json!(device);
        let a = self.verified_request(&body).await;
        assert_eq!(a.status, StatusCode::OK, "verified token: {}", a.json);
        MVisitor {
            http: self.http.clone(),
            base: self.handle.base_url(),
            token: a.json["accessToken"].as_str().unwrap().to_string(),
            answer: a.json,
        }
    }

    async fn settings(&self, body: Value) -> (StatusCode, Value) {
        self.ctl_post("/enhanced-chat/settings", body).await
    }
}

/// The refusal text of an identity token.
async fn refused(sim: &Sim, identity_token: &str) -> String {
    let a = sim
        .verified_request(&verified_body(DEFAULT_ES_DEVELOPER_NAME, identity_token))
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.json);
    assert_eq!(a.json["status"], 401);
    let m = a.json["message"].as_str().unwrap().to_string();
    assert!(m.starts_with("Invalid identity token: "), "{m}");
    m
}

fn text_of(e: &SseEvent) -> String {
    e.payload()["abstractMessage"]["staticContent"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn a_good_identity_token_gives_a_verified_token_for_six_hours() {
    let sim = Sim::verified().await;
    let v = sim.vvisitor("user-42", "device-a").await;
    let ctx = &v.answer["context"];
    assert_eq!(
        ctx["endUser"],
        json!({"subject": "v2/iamessage/AUTH/NA/uid:user-42", "role": "EndUser"})
    );
    assert_eq!(ctx["deviceId"], "device-a");
    assert_eq!(v.answer["lastEventId"], "0");
    let config = &ctx["configuration"]["embeddedServiceConfig"];
    assert_eq!(
        config["embeddedServiceMessagingChannel"]["authMode"],
        "Auth"
    );
    assert_eq!(
        config["transcript"],
        json!({"allowTranscriptDownload": true})
    );
    let jwt = jwt_claims(&v.token);
    assert_eq!(jwt["sub"], "v2/iamessage/AUTH/NA/uid:user-42");
    let exp = jwt["exp"].as_u64().unwrap();
    assert!(
        (now() + 21_590..=now() + 21_600).contains(&exp),
        "exp {exp}"
    );
    // It works like any token.
    let conv = v.create().await;
    let list = v.call(Method::GET, "/conversation/list", None).await.json;
    assert_eq!(list["conversations"][0]["conversationId"], conv);
    assert_eq!(sim.session(&conv).await["verified"], "user-42");

    // A guest on the same deployment: the anonymous request still works, 1 h, UNAUTH.
    let guest = sim.mvisitor().await;
    let subject = guest.answer["context"]["endUser"]["subject"]
        .as_str()
        .unwrap();
    assert!(
        subject.starts_with("v2/iamessage/UNAUTH/NA/uid:"),
        "{subject}"
    );
    assert_eq!(jwt_claims(&guest.token)["sub"], subject);
    let exp = jwt_claims(&guest.token)["exp"].as_u64().unwrap();
    assert!((now() + 3590..=now() + 3600).contains(&exp), "exp {exp}");
    let gconv = guest.create().await;
    assert_eq!(sim.session(&gconv).await["verified"], Value::Null);

    // The continuation token of a verified user: same subject, same expiry.
    let c = v.continuation().await;
    assert_eq!(c.status, StatusCode::OK);
    let next = c.json["accessToken"].as_str().unwrap();
    assert_eq!(jwt_claims(next)["sub"], "v2/iamessage/AUTH/NA/uid:user-42");
    assert_eq!(jwt_claims(next)["exp"], jwt_claims(&v.token)["exp"]);
    assert_eq!(jwt_claims(next)["deviceId"], "device-a");
}

#[tokio::test]
async fn the_default_verified_deployment_takes_the_test_key() {
    let sim = Sim::miaw().await;
    let deployments = sim.ctl_get("/enhanced-chat").await;
    let names: Vec<&str> = deployments
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["esDeveloperName"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Chasitor_Demo", "Chasitor_Bot", "Chasitor_Verified"]
    );
    assert_eq!(
        deployments[2]["userVerification"]["issuer"],
        VERIFIED_ISSUER
    );
    assert_eq!(deployments[2]["userVerification"]["keys"][0]["kid"], KID);
    assert_eq!(deployments[0]["tokenLifetimeSeconds"], 3600.0);
    assert_eq!(deployments[0]["verifiedTokenLifetimeSeconds"], 21600.0);
    assert_eq!(deployments[0]["tokenRateLimitPerMinute"], 200);
    assert_eq!(deployments[0]["allowTranscriptDownload"], true);

    let a = sim
        .verified_request(&verified_body(VERIFIED_ES_DEVELOPER_NAME, &identity("u1")))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    let config = &a.json["context"]["configuration"]["embeddedServiceConfig"];
    assert_eq!(config["name"], VERIFIED_ES_DEVELOPER_NAME);
    assert_eq!(
        config["embeddedServiceMessagingChannel"]["authMode"],
        "Auth"
    );
    // The other demo deployments take guests only.
    let (_, anon) = sim.token_request(token_body()).await;
    assert_eq!(
        anon["context"]["configuration"]["embeddedServiceConfig"]
            ["embeddedServiceMessagingChannel"]["authMode"],
        "UnAuth"
    );
    let a = sim
        .verified_request(&verified_body(DEFAULT_ES_DEVELOPER_NAME, &identity("u1")))
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        a.json["message"],
        "deployment is not configured for verified users"
    );
}

#[tokio::test]
async fn a_verified_subject_has_the_same_conversations_on_every_device() {
    let sim = Sim::verified().await;
    let a = sim.vvisitor("alice", "laptop").await;
    let conv = a.create().await;
    let mut a_stream = a.stream(Some("0")).await;
    a_stream.expect_all(QUEUED).await;
    sim.agent(&conv, "accept", json!({"agentName": "Andy"}))
        .await;
    a_stream.expect_all(ACCEPTED).await;

    // Another browser of the same user: its own device id, the same conversation, the last
    // event id of the subject's log.
    let b = sim.vvisitor("alice", "phone").await;
    assert_eq!(b.answer["context"]["deviceId"], "phone");
    assert_eq!(jwt_claims(&b.token)["deviceId"], "phone");
    assert_eq!(
        b.answer["lastEventId"],
        sim.session(&conv).await["lastEventId"]
    );
    let list = b.call(Method::GET, "/conversation/list", None).await.json;
    assert_eq!(list["openConversationsFound"], 1);
    assert_eq!(list["conversations"][0]["conversationId"], conv);
    let history = b.entries(&conv, "?direction=FromStart").await;
    assert_eq!(history.status, StatusCode::OK);
    assert_eq!(
        history.json["conversationEntries"]
            .as_array()
            .unwrap()
            .len(),
        a.entries(&conv, "").await.json["conversationEntries"]
            .as_array()
            .unwrap()
            .len()
    );

    // Both write; both streams get every message.
    let mut b_stream = b.stream(None).await;
    let (sent, _) = a.say(&conv, "from the laptop").await;
    assert_eq!(sent.status, StatusCode::ACCEPTED);
    assert_eq!(
        text_of(&a_stream.expect("CONVERSATION_MESSAGE").await),
        "from the laptop"
    );
    assert_eq!(
        text_of(&b_stream.expect("CONVERSATION_MESSAGE").await),
        "from the laptop"
    );
    let (sent, _) = b.say(&conv, "from the phone").await;
    assert_eq!(sent.status, StatusCode::ACCEPTED);
    for s in [&mut a_stream, &mut b_stream] {
        assert_eq!(
            text_of(&s.expect("CONVERSATION_MESSAGE").await),
            "from the phone"
        );
    }
    sim.agent(&conv, "message", json!({"text": "hello both"}))
        .await;
    for s in [&mut a_stream, &mut b_stream] {
        assert_eq!(
            text_of(&s.expect("CONVERSATION_MESSAGE").await),
            "hello both"
        );
    }
    let view = sim.session(&conv).await;
    assert_eq!(view["verified"], "alice");
    assert_eq!(view["openStreams"], 2);

    // Another subject sees none of it.
    let c = sim.vvisitor("bob", "laptop").await;
    let list = c.call(Method::GET, "/conversation/list", None).await.json;
    assert_eq!(list["openConversationsFound"], 0);
    assert_eq!(c.entries(&conv, "").await.status, StatusCode::NOT_FOUND);
    let (denied, _) = c.say(&conv, "let me in").await;
    assert_eq!(denied.status, StatusCode::NOT_FOUND);
    assert_eq!(c.answer["lastEventId"], "0");
}

#[tokio::test]
async fn identity_tokens_are_refused_for_each_reason() {
    let sim = Sim::verified_with(|c| {
        // A second key: the same public key, published for RS512.
        let uv = c.miaw[0].user_verification.as_mut().unwrap();
        let mut k512 = uv.keys[0].clone();
        k512.kid = "chasitor-test-512".to_string();
        k512.alg = chasitor_sim::JwkAlg::RS512;
        uv.keys.push(k512);
    })
    .await;
    let bad_signature = sign_with(OTHER_KEY, KID, Algorithm::RS256, &claims("u"));
    assert!(refused(&sim, &bad_signature)
        .await
        .ends_with("bad signature"));
    let unknown_kid = sign_with(TEST_KEY, "who-knows", Algorithm::RS256, &claims("u"));
    assert!(refused(&sim, &unknown_kid)
        .await
        .contains("unknown kid \"who-knows\""));
    let mut expired = claims("u");
    expired["exp"] = json!(now() - 1);
    let expired = sign_with(TEST_KEY, KID, Algorithm::RS256, &expired);
    assert!(refused(&sim, &expired).await.ends_with("expired"));
    let mut wrong_iss = claims("u");
    wrong_iss["iss"] = json!("https://evil.example");
    let wrong_iss = sign_with(TEST_KEY, KID, Algorithm::RS256, &wrong_iss);
    assert!(refused(&sim, &wrong_iss).await.contains("wrong issuer"));
    let mut no_sub = claims("u");
    no_sub.as_object_mut().unwrap().remove("sub");
    let no_sub = sign_with(TEST_KEY, KID, Algorithm::RS256, &no_sub);
    assert!(refused(&sim, &no_sub).await.ends_with("missing sub"));
    let empty_sub = sign_with(TEST_KEY, KID, Algorithm::RS256, &claims(""));
    assert!(refused(&sim, &empty_sub).await.ends_with("missing sub"));
    let mut no_iat = claims("u");
    no_iat.as_object_mut().unwrap().remove("iat");
    let no_iat = sign_with(TEST_KEY, KID, Algorithm::RS256, &no_iat);
    assert!(refused(&sim, &no_iat).await.ends_with("missing iat"));
    let hs256 = sign_with(TEST_KEY, KID, Algorithm::HS256, &claims("u"));
    assert!(refused(&sim, &hs256)
        .await
        .contains("unsupported alg \"HS256\""));
    assert!(refused(&sim, "not.a-token")
        .await
        .ends_with("malformed token"));
    // RS512 with a key published for RS512; not with the RS256 one.
    let rs512 = sign_with(
        TEST_KEY,
        "chasitor-test-512",
        Algorithm::RS512,
        &claims("u512"),
    );
    let ok = sim
        .verified_request(&verified_body(DEFAULT_ES_DEVELOPER_NAME, &rs512))
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.json);
    assert_eq!(
        ok.json["context"]["endUser"]["subject"],
        "v2/iamessage/AUTH/NA/uid:u512"
    );
    let mismatch = sign_with(TEST_KEY, KID, Algorithm::RS512, &claims("u"));
    assert!(refused(&sim, &mismatch)
        .await
        .contains("does not match the key's alg RS256"));

    // The request itself: 400s.
    let mut body = verified_body(DEFAULT_ES_DEVELOPER_NAME, &identity("u"));
    body.as_object_mut()
        .unwrap()
        .remove("customerIdentityToken");
    let a = sim.verified_request(&body).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        a.json["message"],
        "Missing required field customerIdentityToken"
    );
    let mut body = verified_body(DEFAULT_ES_DEVELOPER_NAME, &identity("u"));
    body["authorizationType"] = json!("Basic");
    assert_eq!(
        sim.verified_request(&body).await.status,
        StatusCode::BAD_REQUEST
    );
    let mut body = verified_body(DEFAULT_ES_DEVELOPER_NAME, &identity("u"));
    body.as_object_mut().unwrap().remove("platform");
    assert_eq!(
        sim.verified_request(&body).await.status,
        StatusCode::BAD_REQUEST
    );
    let body = verified_body("Nope", &identity("u"));
    assert_eq!(
        sim.verified_request(&body).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn token_requests_are_limited_per_org() {
    let sim = Sim::verified().await;
    let (status, v) = sim
        .settings(
            json!({"esDeveloperName": VERIFIED_ES_DEVELOPER_NAME, "tokenRateLimitPerMinute": 3}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["tokenRateLimitPerMinute"], 3);
    // Three requests of the org, on two deployments (the demo one allows 200).
    let guest = sim.mvisitor().await;
    let body = verified_body(VERIFIED_ES_DEVELOPER_NAME, &identity("carol"));
    let first = sim.verified_request(&body).await;
    assert_eq!(first.status, StatusCode::OK);
    let c = guest.continuation().await;
    assert_eq!(c.status, StatusCode::OK);
    // The fourth, on the deployment allowing 3: 429 with Retry-After; continuation too.
    let limited = sim.verified_request(&body).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.json["status"], 429);
    let retry: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    let verified = MVisitor {
        token: first.json["accessToken"].as_str().unwrap().to_string(),
        ..guest.clone()
    };
    let c = verified.continuation().await;
    assert_eq!(c.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(c.headers.contains_key("retry-after"));
    // The demo deployment's own limit (200) is not reached; the other routes are not limited.
    assert_eq!(sim.token_request(token_body()).await.0, StatusCode::OK);
    let list = verified.call(Method::GET, "/conversation/list", None).await;
    assert_eq!(list.status, StatusCode::OK);
    // No limit (null): requests go through again.
    let (status, v) = sim
        .settings(
            json!({"esDeveloperName": VERIFIED_ES_DEVELOPER_NAME, "tokenRateLimitPerMinute": null}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["tokenRateLimitPerMinute"], Value::Null);
    assert_eq!(sim.verified_request(&body).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_revoked_token_is_refused_and_the_others_stay() {
    let sim = Sim::verified().await;
    let a = sim.vvisitor("dave", "laptop").await;
    let b = sim.vvisitor("dave", "phone").await;
    let conv = a.create().await;
    let revoke = a.call(Method::DELETE, AUTH_PATH, None).await;
    assert_eq!(revoke.status, StatusCode::NO_CONTENT);
    let after = a.call(Method::GET, "/conversation/list", None).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        a.call(Method::DELETE, AUTH_PATH, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(a.continuation().await.status, StatusCode::UNAUTHORIZED);
    let r = a.open_stream(None, Some(DEFAULT_ORG_ID)).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // The same user's other token still works, and sees the conversation.
    let list = b.call(Method::GET, "/conversation/list", None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.json["conversations"][0]["conversationId"], conv);
    // A guest's token cannot be revoked; no token is a 401.
    let guest = sim.mvisitor().await;
    let a = guest.call(Method::DELETE, AUTH_PATH, None).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        guest
            .call(Method::GET, "/conversation/list", None)
            .await
            .status,
        StatusCode::OK
    );
    let none = MVisitor::send(sim.http.delete(sim.url(&format!("{MIAW_API}{AUTH_PATH}")))).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
}

/// `GET …/transcript` of `conv` as `v` (with `es`, when given).
async fn transcript(v: &MVisitor, conv: &str, es: Option<&str>) -> reqwest::Response {
    let query = es.map_or(String::new(), |es| format!("?esDeveloperName={es}"));
    v.req(
        Method::GET,
        &format!("/conversation/{conv}/transcript{query}"),
    )
    .send()
    .await
    .expect("transcript request")
}

#[tokio::test]
async fn the_transcript_is_a_pdf_of_the_conversation() {
    let sim = Sim::verified().await;
    let (v, conv, mut stream) = sim.mchat("Andy").await;
    v.say(&conv, "Hello from the visitor").await;
    sim.agent(&conv, "message", json!({"text": "Hello from the agent"}))
        .await;
    v.say(
        &conv,
        "Gr\u{fc}\u{df}e (and) a back\\slash \u{1f600} \u{4e16}",
    )
    .await;
    let long = "word ".repeat(60);
    v.say(&conv, long.trim()).await;
    let entry = upload_entry(&uuid(), &uuid(), None);
    let up = v
        .upload(&conv, &entry, "notes.txt", "text/plain", b"some notes")
        .await;
    assert_eq!(up.status, StatusCode::ACCEPTED, "{}", up.json);
    sim.agent(&conv, "rich", json!({"kind": "file"})).await;
    stream.expect("CONVERSATION_MESSAGE").await;

    let r = transcript(&v, &conv, Some(DEFAULT_ES_DEVELOPER_NAME)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(
        r.headers()["content-disposition"],
        format!("attachment; filename=\"transcript-{conv}.pdf\"").as_str()
    );
    let text = check_pdf(&r.bytes().await.unwrap());
    for needle in [
        "Jon A.: Hello from the visitor) Tj",
        "Andy: Hello from the agent) Tj",
        // Latin-1 as octal escapes, ( ) \ escaped, beyond Latin-1 as ?.
        "Jon A.: Gr\\374\\337e \\(and\\) a back\\\\slash ? ?) Tj",
        "Jon A.: [files: notes.txt]) Tj",
        "Andy: Here is your invoice. [files: invoice.pdf, photo.png]) Tj",
        &format!("(Conversation: {conv}) Tj"),
    ] {
        assert!(text.contains(needle), "{needle} in\n{text}");
    }
    // HH:MM:SS before each name.
    let line = text
        .lines()
        .find(|l| l.contains("Hello from the visitor"))
        .unwrap();
    let time = &line[1..9];
    assert!(
        time.bytes().enumerate().all(|(i, b)| if i == 2 || i == 5 {
            b == b':'
        } else {
            b.is_ascii_digit()
        }),
        "{line}"
    );
    // The long message is wrapped: no shown line beyond 84 characters.
    assert!(text.contains("(    word word"), "wrapped");
    for l in text
        .lines()
        .filter(|l| l.ends_with(") Tj T*") && !l.contains('\\'))
    {
        assert!(l.len() <= "(".len() + 84 + ") Tj T*".len(), "{l}");
    }
}

#[tokio::test]
async fn a_long_transcript_has_several_pages_and_a_closed_one_is_there() {
    let sim = Sim::verified().await;
    let (v, conv, _stream) = sim.mchat("Andy").await;
    for i in 0..70 {
        v.say(&conv, &format!("message number {i}")).await;
    }
    let close = v
        .call(
            Method::DELETE,
            &format!("/conversation/{conv}?esDeveloperName={DEFAULT_ES_DEVELOPER_NAME}"),
            None,
        )
        .await;
    assert_eq!(close.status, StatusCode::NO_CONTENT);
    let r = transcript(&v, &conv, Some(DEFAULT_ES_DEVELOPER_NAME)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = check_pdf(&r.bytes().await.unwrap());
    assert!(text.contains("/Count 2"), "two pages");
    assert!(text.contains("Jon A.: message number 0) Tj"));
    assert!(text.contains("Jon A.: message number 69) Tj"));
    assert!(text.contains("(Closed: "));
}

#[tokio::test]
async fn the_transcript_is_refused_when_it_should_be() {
    let sim = Sim::verified().await;
    let (v, conv, _stream) = sim.mchat("Andy").await;
    let other = sim.mvisitor().await;
    assert_eq!(
        transcript(&other, &conv, Some(DEFAULT_ES_DEVELOPER_NAME))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        transcript(&v, &uuid(), Some(DEFAULT_ES_DEVELOPER_NAME))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        transcript(&v, &conv, None).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        transcript(&v, &conv, Some("Chasitor_Bot")).await.status(),
        StatusCode::BAD_REQUEST
    );
    let nobody = MVisitor {
        token: "nope".to_string(),
        ..v.clone()
    };
    assert_eq!(
        transcript(&nobody, &conv, Some(DEFAULT_ES_DEVELOPER_NAME))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = sim
        .settings(
            json!({"esDeveloperName": DEFAULT_ES_DEVELOPER_NAME, "allowTranscriptDownload": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let r = transcript(&v, &conv, Some(DEFAULT_ES_DEVELOPER_NAME)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], 403);
    // New tokens say so.
    let later = sim.mvisitor().await;
    assert_eq!(
        later.answer["context"]["configuration"]["embeddedServiceConfig"]["transcript"],
        json!({"allowTranscriptDownload": false})
    );
}

#[tokio::test]
async fn settings_change_at_run_time_until_reset() {
    let sim = Sim::verified().await;
    let (status, v) = sim
        .settings(json!({"esDeveloperName": "Nope", "tokenLifetimeSeconds": 1}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
    let (status, _) = sim
        .settings(json!({"esDeveloperName": DEFAULT_ES_DEVELOPER_NAME, "tokenLifetimeSeconds": -1}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = sim
        .settings(json!({"esDeveloperName": DEFAULT_ES_DEVELOPER_NAME, "tokenLifetime": 1}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = sim.settings(json!({"tokenLifetimeSeconds": 1})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, v) = sim
        .settings(json!({
            "esDeveloperName": DEFAULT_ES_DEVELOPER_NAME,
            "tokenLifetimeSeconds": 1.5,
            "verifiedTokenLifetimeSeconds": 120,
            "tokenRateLimitPerMinute": 50,
            "allowTranscriptDownload": false,
        }))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["tokenLifetimeSeconds"], 1.5);
    assert_eq!(v["verifiedTokenLifetimeSeconds"], 120.0);
    assert_eq!(v["tokenRateLimitPerMinute"], 50);
    assert_eq!(v["allowTranscriptDownload"], false);
    assert_eq!(sim.ctl_get("/enhanced-chat").await[0], v);
    let verified = sim.vvisitor("erin", "d").await;
    let exp = jwt_claims(&verified.token)["exp"].as_u64().unwrap();
    assert!((now() + 110..=now() + 120).contains(&exp), "exp {exp}");

    let (status, _) = sim.ctl_post("/reset", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let d = &sim.ctl_get("/enhanced-chat").await[0];
    assert_eq!(d["tokenLifetimeSeconds"], 3600.0);
    assert_eq!(d["verifiedTokenLifetimeSeconds"], 21600.0);
    assert_eq!(d["tokenRateLimitPerMinute"], 200);
    assert_eq!(d["allowTranscriptDownload"], true);
}

#[tokio::test]
async fn a_short_anonymous_lifetime_expires_the_token() {
    let sim = Sim::verified().await;
    let (status, _) = sim
        .settings(json!({"esDeveloperName": DEFAULT_ES_DEVELOPER_NAME, "tokenLifetimeSeconds": 1}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let v = sim.mvisitor().await;
    let issued = now();
    let exp = jwt_claims(&v.token)["exp"].as_u64().unwrap();
    assert!((issued..=issued + 1).contains(&exp), "exp {exp}");
    assert_eq!(
        v.call(Method::GET, "/conversation/list", None).await.status,
        StatusCode::OK
    );
    // Polled until refused (at most 10 s); a verified token of the same deployment lives on.
    let verified = sim.vvisitor("frank", "d").await;
    wait_for("the 1 s token to expire", || async {
        let s = v.call(Method::GET, "/conversation/list", None).await.status;
        (s == StatusCode::UNAUTHORIZED).then_some(())
    })
    .await;
    assert_eq!(
        verified
            .call(Method::GET, "/conversation/list", None)
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_control_api_signs_identity_tokens_with_the_test_key() {
    let sim = Sim::miaw().await;
    let mint = |body: Value| {
        let sim = &sim;
        async move {
            let (status, v) = sim.ctl_post("/identity-token", body).await;
            assert_eq!(status, StatusCode::OK, "{v}");
            v["token"].as_str().unwrap().to_string()
        }
    };
    let token = mint(json!({"sub": "grace"})).await;
    let a = sim
        .verified_request(&verified_body(VERIFIED_ES_DEVELOPER_NAME, &token))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    assert_eq!(
        a.json["context"]["endUser"]["subject"],
        "v2/iamessage/AUTH/NA/uid:grace"
    );
    let claims = jwt_claims(&token);
    assert_eq!(claims["iss"], VERIFIED_ISSUER);
    assert_eq!(
        claims["exp"].as_u64().unwrap(),
        claims["iat"].as_u64().unwrap() + 3600
    );
    // The failures a test needs, by the same endpoint.
    let refused_here = |token: String| {
        let sim = &sim;
        async move {
            let a = sim
                .verified_request(&verified_body(VERIFIED_ES_DEVELOPER_NAME, &token))
                .await;
            assert_eq!(a.status, StatusCode::UNAUTHORIZED);
            a.json["message"].as_str().unwrap().to_string()
        }
    };
    let expired = mint(json!({"sub": "g", "expiresInSeconds": -5})).await;
    assert!(refused_here(expired).await.ends_with("expired"));
    let wrong_iss = mint(json!({"sub": "g", "iss": "https://other.example"})).await;
    assert!(refused_here(wrong_iss).await.contains("wrong issuer"));
    let unknown_kid = mint(json!({"sub": "g", "kid": "other"})).await;
    assert!(refused_here(unknown_kid).await.contains("unknown kid"));
    let rs512 = mint(json!({"sub": "g", "alg": "RS512"})).await;
    assert!(refused_here(rs512).await.contains("does not match"));
    let (status, _) = sim
        .ctl_post("/identity-token", json!({"sub": "g", "alg": "HS256"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = sim.ctl_post("/identity-token", json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_console_shows_verified_or_guest() {
    let sim = Sim::miaw().await;
    let page = sim.console_page().await;
    for needle in ["dVerified", "\"Verified: \" + s.verified", "\"Guest\""] {
        assert!(page.contains(needle), "{needle}");
    }
}
