//! 200 concurrent chats, each with an open long poll, served without errors.

mod common;

use chasitor_sim::{SimConfig, DEFAULT_BUTTON_ID};
use common::*;
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};

const CHATS: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_chats_with_open_long_polls() {
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
