//! `chasitor-sim`: run the LiveAgent and Enhanced Chat simulator.

use chasitor_sim::{load_config, SimConfig};
use clap::Parser;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// A LiveAgent (Salesforce Chat REST API) and Enhanced Chat (Messaging for In-App and Web)
/// server simulator with an agent console and fault injection.
#[derive(Parser, Debug)]
#[command(name = "chasitor-sim", version)]
struct Args {
    /// TCP port to listen on.
    #[arg(long, default_value_t = 8470)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Answer CORS preflights for the X-LIVEAGENT-* headers from this origin only
    /// (e.g. http://localhost:8080). Off by default, like the real server. Also added to the
    /// allowed origins of the Enhanced Chat API.
    #[arg(long, value_name = "ORIGIN")]
    cors_origin: Option<String>,
    /// Serve the files of DIR at / (e.g. the widget's trunk dist/), so a page can reach
    /// /chat/rest on its own origin.
    #[arg(long, value_name = "DIR")]
    static_dir: Option<PathBuf>,
    /// How long a System/Messages long poll is held before 204 (fractions allowed).
    #[arg(long, value_name = "N", default_value_t = 30.0)]
    hold_seconds: f64,
    /// A session with no poll for this long ends; later requests get 403.
    #[arg(long, value_name = "N", default_value_t = 60.0)]
    idle_timeout_seconds: f64,
    /// JSON file with orgs, deployments, buttons and Enhanced Chat deployments (see
    /// sim/README.md).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Print one line per request to stdout.
    #[arg(long)]
    log: bool,
    /// Send clientPollTimeout as a string ("40") instead of a number.
    #[arg(long)]
    poll_timeout_as_string: bool,
    /// The pingRate Visitor/Settings announces: how often a page re-checks availability.
    #[arg(long, value_name = "N", default_value_t = 50.0)]
    ping_rate_seconds: f64,
    /// How often an idle Enhanced Chat event stream gets a keep-alive comment.
    #[arg(long, value_name = "N", default_value_t = 15.0)]
    keepalive_seconds: f64,
}

fn seconds(name: &str, v: f64) -> Result<Duration, String> {
    if v.is_finite() && v > 0.0 && v < 1e9 {
        Ok(Duration::from_secs_f64(v))
    } else {
        Err(format!("--{name} must be a positive number of seconds"))
    }
}

async fn run(args: Args) -> Result<(), String> {
    let mut cfg = SimConfig {
        hold: seconds("hold-seconds", args.hold_seconds)?,
        idle_timeout: seconds("idle-timeout-seconds", args.idle_timeout_seconds)?,
        cors_origin: args.cors_origin,
        static_dir: args.static_dir,
        log: args.log,
        client_poll_timeout_as_string: args.poll_timeout_as_string,
        ping_rate: seconds("ping-rate-seconds", args.ping_rate_seconds)?,
        keepalive: seconds("keepalive-seconds", args.keepalive_seconds)?,
        ..SimConfig::default()
    };
    if let Some(dir) = &cfg.static_dir {
        if !dir.is_dir() {
            return Err(format!("--static-dir {}: not a directory", dir.display()));
        }
    }
    if let Some(path) = &args.config {
        let file = load_config(path)?;
        cfg.orgs = file.orgs;
        cfg.miaw = file.enhanced_chat;
    }
    let addr = SocketAddr::new(args.bind, args.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let shown = match args.bind {
        IpAddr::V4(v4) if v4.is_unspecified() => SocketAddr::from(([127, 0, 0, 1], args.port)),
        _ => addr,
    };
    let base = format!("http://{shown}");
    println!("chasitor-sim listening on {addr}");
    println!("  chat API:      {base}/chat/rest");
    println!("  control API:   {base}/_sim   (GET {base}/_sim/config)");
    println!("  enhanced chat: {base}/iamessage/api/v2   (stream {base}/eventrouter/v1/sse)");
    println!("  agent console: {base}/agent");
    if let Some(dir) = &cfg.static_dir {
        println!("  static files:  {base}/   (from {})", dir.display());
    }
    if let Some(origin) = &cfg.cors_origin {
        println!("  CORS allowed for origin {origin}");
    }
    for org in &cfg.orgs {
        println!(
            "  org {}  deployments {}",
            org.id,
            org.deployments.join(", ")
        );
        for b in &org.buttons {
            println!(
                "    button {} {}",
                b.id,
                if b.available { "available" } else { "offline" }
            );
        }
    }
    for d in &cfg.miaw {
        println!(
            "  enhanced chat org {}  esDeveloperName {}  origins {}",
            d.org_id,
            d.es_developer_name,
            d.allowed_origins.join(", ")
        );
        if let Some(uv) = &d.user_verification {
            let kids: Vec<&str> = uv.keys.iter().map(|k| k.kid.as_str()).collect();
            println!(
                "    verified users: issuer {}  keys {}",
                uv.issuer,
                kids.join(", ")
            );
        }
    }
    println!(
        "  long poll hold {:?}, idle timeout {:?}",
        cfg.hold, cfg.idle_timeout
    );
    chasitor_sim::serve(cfg, listener)
        .await
        .map_err(|e| e.to_string())
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if let Err(e) = run(args).await {
        eprintln!("chasitor-sim: {e}");
        std::process::exit(2);
    }
}
