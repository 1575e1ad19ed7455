//! 200 concurrent chats, each with an open long poll, served without errors; 200 concurrent
//! Enhanced Chat visitors, each with an open event stream.

mod common;

use chasitor_sim::{SimConfig, DEFAULT_BUTTON_ID};
use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const CHATS: usize = 200;

/// One load test at a time: their memory figures are of the same process.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_chats_with_open_long_polls() {
    let _serial = SERIAL.lock().await;
    let rss_start = vm_rss_kb();
    let sim = Sim::start(SimConfig {
        // Long enough that every poll is really held while the others arrive.
        hold: Duration::from_secs(20),
        ..SimConfig::default()
    })
    .await;
    let started = Instant::now();

    // 200 visitors start their chats at once.
    let mut joins = Vec::new();
    for _ in 0..CHATS {
        let mut v = sim.visitor().await;
        joins.push(tokio::spawn(async move {
            // Without queue updates: 200 chats moving up the queue would add ~20,000 QueueUpdates.
            let mut body = v.init_body(DEFAULT_BUTTON_ID);
            body["receiveQueueUpdates"] = json!(false);
            let (status, _) = v.post("/Chasitor/ChasitorInit", Some(body)).await;
            assert_eq!(status, StatusCode::OK);
            v.poll_for("ChatRequestSuccess").await;
            v
        }));
    }
    let mut visitors = Vec::new();
    for j in joins {
        visitors.push(j.await.expect("visitor task"));
    }

    // Every visitor opens its long poll and keeps polling until the agent says hello.
    let mut polls = Vec::new();
    for mut v in visitors {
        polls.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            loop {
                let p = v.poll().await;
                match p.status {
                    StatusCode::OK => {
                        let types = p.types();
                        let done = types.iter().any(|t| t == "ChatMessage");
                        seen.extend(types);
                        if done {
                            return (v, seen);
                        }
                    }
                    StatusCode::NO_CONTENT => {}
                    other => panic!("poll failed: {other} {}", p.body),
                }
            }
        }));
    }
    let open = wait_for("200 open polls", || async {
        let sessions = sim.ctl_get("/sessions").await;
        let open: u64 = sessions
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["openPolls"].as_u64().unwrap())
            .sum();
        (open == CHATS as u64).then_some(open)
    })
    .await;
    let rss_held = vm_rss_kb();
    println!(
        "{open} long polls held open at once after {:?}",
        started.elapsed()
    );

    // Agents accept every chat and greet the visitor: each held poll answers.
    let sessions = sim.ctl_get("/sessions").await;
    for s in sessions.as_array().unwrap() {
        let id = s["id"].as_str().unwrap();
        sim.agent(id, "accept", json!({"agentName": "Andy L."}))
            .await;
        sim.agent(id, "message", json!({"text": "Hello"})).await;
    }
    let mut visitors = Vec::new();
    for p in polls {
        let (v, seen) = p.await.expect("poll task");
        let wanted: Vec<&str> = seen
            .iter()
            .map(String::as_str)
            .filter(|t| *t != "QueueUpdate")
            .collect();
        assert_eq!(wanted, ["ChatEstablished", "ChatMessage"]);
        visitors.push(v);
    }

    // Each visitor answers and ends, concurrently.
    let mut ends = Vec::new();
    for mut v in visitors {
        ends.push(tokio::spawn(async move {
            assert_eq!(v.message("Thanks").await, StatusCode::OK);
            let end = json!({"type": "ChatEndReason", "reason": "client"});
            assert_eq!(
                v.post("/Chasitor/ChatEnd", Some(end)).await.0,
                StatusCode::OK
            );
        }));
    }
    for e in ends {
        e.await.expect("end task");
    }

    let sessions = sim.ctl_get("/sessions").await;
    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), CHATS);
    for s in sessions {
        assert_eq!(s["state"], "ended");
        assert_eq!(s["maxOpenPolls"], 1, "one poll at a time");
        let types: Vec<&str> = s["received"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["type"].as_str().unwrap())
            .collect();
        assert_eq!(types, ["ChasitorInit", "ChatMessage", "ChatEnd"]);
    }
    let log = sim.requests().await;
    let errors = log
        .iter()
        .filter(|r| r["status"].as_u64().unwrap() >= 400 || r["status"] == 0)
        .count();
    assert_eq!(errors, 0, "no request failed");
    let rss_end = vm_rss_kb();
    println!(
        "memory (VmRSS of the test process, simulator + 200 clients in-process): \
         start {} kB, with 200 held polls {} kB, end {} kB; {} chat requests in {:?}",
        rss_start.unwrap_or(0),
        rss_held.unwrap_or(0),
        rss_end.unwrap_or(0),
        log.len(),
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_enhanced_chat_visitors_with_open_streams() {
    let _serial = SERIAL.lock().await;
    let rss_start = vm_rss_kb();
    // The demo deployment as configured (its rate limit too), keep-alives every second.
    let sim = Sim::start(SimConfig {
        keepalive: Duration::from_secs(1),
        ..SimConfig::default()
    })
    .await;
    let started = Instant::now();

    // 200 visitors get a token, start a conversation and open their stream, at once.
    let mut joins = Vec::new();
    for _ in 0..CHATS {
        let v = sim.mvisitor().await;
        joins.push(tokio::spawn(async move {
            let conv = v.create().await;
            let stream = v.stream(Some("0")).await;
            (v, conv, stream)
        }));
    }
    let mut visitors = Vec::new();
    for j in joins {
        visitors.push(j.await.expect("visitor task"));
    }
    let open = wait_for("200 open streams", || async {
        let sessions = sim.ctl_get("/sessions").await;
        let open: u64 = sessions
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["openStreams"].as_u64().unwrap())
            .sum();
        (open == CHATS as u64).then_some(open)
    })
    .await;
    let rss_held = vm_rss_kb();
    println!(
        "{open} Enhanced Chat streams open at once after {:?}",
        started.elapsed()
    );

    // Each visitor waits on its stream for the agent's hello, answers, sees its echo, and
    // closes the conversation.
    let mut tasks = Vec::new();
    for (v, conv, mut stream) in visitors {
        tasks.push(tokio::spawn(async move {
            let mut names = Vec::new();
            loop {
                let e = stream.next().await.expect("stream open");
                assert_eq!(e.data["conversationId"], conv.as_str());
                // The queue position moves as the ones ahead are accepted.
                if e.event != "CONVERSATION_QUEUE_POSITION" {
                    names.push(e.event.clone());
                }
                if e.event == "CONVERSATION_MESSAGE" {
                    break;
                }
            }
            assert_eq!(
                names,
                [
                    "CONVERSATION_SESSION_STATUS_CHANGED",
                    "CONVERSATION_ROUTING_RESULT",
                    "CONVERSATION_ROUTING_WORK_RESULT",
                    "CONVERSATION_ROUTING_WORK_RESULT",
                    "CONVERSATION_PARTICIPANT_CHANGED",
                    "CONVERSATION_SESSION_STATUS_CHANGED",
                    "CONVERSATION_MESSAGE"
                ]
            );
            let (a, id) = v.say(&conv, "Thanks").await;
            assert_eq!(a.status, StatusCode::ACCEPTED);
            let echo = stream.expect("CONVERSATION_MESSAGE").await;
            assert_eq!(echo.data["conversationEntry"]["identifier"], id.as_str());
            let path = format!("/conversation/{conv}?esDeveloperName=Chasitor_Demo");
            let a = v.call(reqwest::Method::DELETE, &path, None).await;
            assert_eq!(a.status, StatusCode::NO_CONTENT);
            // The session ends by the end user, the agent leaves, the work closes, the close.
            stream.expect_all(SESSION_ENDED).await;
            let close = stream.expect("CONVERSATION_CLOSE_CONVERSATION").await;
            assert_eq!(close.id_num(), echo.id_num() + 4);
        }));
    }
    let sessions = sim.ctl_get("/sessions").await;
    for s in sessions.as_array().unwrap() {
        let id = s["id"].as_str().unwrap();
        sim.agent(id, "accept", json!({"agentName": "Andy L."}))
            .await;
        sim.agent(id, "message", json!({"text": "Hello"})).await;
    }
    for t in tasks {
        t.await.expect("visitor task");
    }

    let sessions = sim.ctl_get("/sessions").await;
    let sessions: &Vec<Value> = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), CHATS);
    for s in sessions {
        assert_eq!(s["api"], "miaw");
        assert_eq!(s["state"], "ended");
        assert_eq!(s["maxOpenStreams"], 1, "one stream per visitor");
        let types: Vec<&str> = s["received"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["type"].as_str().unwrap())
            .collect();
        assert_eq!(
            types,
            ["CreateConversation", "Message", "CloseConversation"]
        );
    }
    let log = sim.requests().await;
    let errors: Vec<&Value> = log
        .iter()
        .filter(|r| r["status"].as_u64().unwrap() >= 400 || r["status"] == 0)
        .collect();
    assert!(errors.is_empty(), "no request failed: {errors:?}");
    let rss_end = vm_rss_kb();
    println!(
        "memory (VmRSS of the test process, simulator + 200 clients in-process): \
         start {} kB, with 200 open streams {} kB, end {} kB; {} Enhanced Chat requests in {:?}",
        rss_start.unwrap_or(0),
        rss_held.unwrap_or(0),
        rss_end.unwrap_or(0),
        log.len(),
        started.elapsed()
    );
}
