//! The client and the whole AI run against the loopback Messages API: every failure mode the
//! issue lists, the retry and timeout behaviour, and the 11-section document end to end.
//! Nothing here leaves 127.0.0.1.

use std::sync::Arc;
use std::time::{Duration, Instant};

use snapshot_ai::client::{Client, MessagesRequest};
use snapshot_ai::document::{NOT_DISCUSSED, SECTIONS};
use snapshot_ai::generate::{dry_run, generate};
use snapshot_ai::loopback::{Behaviour, LoopbackServer, Script};
use snapshot_ai::telemetry::{CallPhase, Telemetry};
use snapshot_ai::{AiConfig, AiError, ApiKey, ErrorClass};
use snapshot_pipeline::nlp::{ActionItem, Entity, EntityLabel};
use snapshot_pipeline::snapshot::{Snapshot, SpeakerStats, Summary, TranscriptEntry};

const KEY: &str = "sk-ant-test-SECRETSECRETSECRET-k9z7";

fn config(server: &LoopbackServer) -> AiConfig {
    AiConfig {
        api_key: Some(ApiKey::new(KEY)),
        base_url: server.base_url(),
        model: "claude-loopback".into(),
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(2),
        max_retries: 3,
        backoff_base: Duration::from_millis(10),
        backoff_max: Duration::from_millis(40),
        ..AiConfig::default()
    }
}

fn client(cfg: AiConfig) -> Client {
    Client::new(cfg, Arc::new(Telemetry::new())).expect("valid config")
}

fn request(cfg: &AiConfig) -> MessagesRequest {
    MessagesRequest::new(
        cfg,
        "system".into(),
        "<section key=\"background\">x</section>".into(),
    )
}

fn speaker(name: &str, share: f64) -> SpeakerStats {
    SpeakerStats {
        name: name.into(),
        utterances: 3,
        words: 40,
        talk_seconds: share * 100.0,
        talk_share: share,
    }
}

fn entity(text: &str, label: EntityLabel) -> Entity {
    Entity {
        text: text.into(),
        label,
        count: 2,
        first_seconds: 5.0,
    }
}

/// A small meeting as the pipeline would hand it over.
fn meeting(turns: usize) -> Snapshot {
    let lines = [
        (
            "Dana Whitfield",
            "Welcome, this is the kickoff for the Harbor Freight Logistics rollout.",
        ),
        (
            "Luis Ortega",
            "Thanks. Our dispatchers re-key every order by hand, it costs us two days a week.",
        ),
        (
            "Dana Whitfield",
            "We'll start with RouteWise on March 3rd and go live in Denver by April 14th.",
        ),
        (
            "Luis Ortega",
            "Can the reports be exported to our <ERP> & finance team?",
        ),
    ];
    let transcript = (0..turns)
        .map(|i| {
            let (who, text) = lines[i % lines.len()];
            TranscriptEntry {
                speaker: Some(who.into()),
                start: i as f64 * 12.0,
                end: i as f64 * 12.0 + 10.0,
                text: text.into(),
            }
        })
        .collect();
    Snapshot {
        summary: Summary {
            schema_version: "1.0.0".into(),
            title: "Harbor Kickoff".into(),
            meeting_date: Some("March 3rd".into()),
            speakers: vec![speaker("Dana Whitfield", 0.6), speaker("Luis Ortega", 0.4)],
            entities: vec![
                entity("Harbor Freight Logistics", EntityLabel::Org),
                entity("Denver", EntityLabel::Gpe),
                entity("RouteWise", EntityLabel::Product),
                entity("March 3rd", EntityLabel::Date),
                entity("April 14th", EntityLabel::Date),
            ],
            action_items: vec![ActionItem {
                owner: Some("Dana Whitfield".into()),
                text: "We'll start with RouteWise on March 3rd.".into(),
                seconds: 24.0,
            }],
            ..Summary::default()
        },
        transcript,
    }
}

#[test]
fn success_sends_the_messages_api_shape_and_reads_usage() {
    let server = LoopbackServer::start(Script::ok()).expect("server");
    let cfg = config(&server);
    let c = client(cfg.clone());
    let reply = c
        .send("section:background", CallPhase::Section, &request(&cfg))
        .expect("ok");
    assert_eq!(reply.text, "{}");
    assert!(reply.input_tokens > 0);
    assert_eq!(reply.stop_reason.as_deref(), Some("end_turn"));
    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/v1/messages");
    assert_eq!(seen[0].api_key.as_deref(), Some(KEY));
    assert_eq!(seen[0].anthropic_version.as_deref(), Some("2023-06-01"));
    assert_eq!(seen[0].content_type.as_deref(), Some("application/json"));
    let body = seen[0].body.as_ref().expect("a Messages request");
    assert_eq!(body.model, "claude-loopback");
    assert_eq!(body.max_tokens, cfg.max_tokens);
    assert_eq!(body.messages[0].role, "user");
    let t = c.telemetry().snapshot(0.0);
    assert_eq!((t.calls, t.retries, t.failed_calls), (1, 0, 0));
    assert_eq!(t.records[0].input_tokens, reply.input_tokens);
}

#[test]
fn rate_limit_waits_for_retry_after_then_succeeds() {
    let server = LoopbackServer::start(Script::then_ok([Behaviour::RateLimited {
        retry_after_seconds: 0.4,
    }]))
    .expect("server");
    let cfg = config(&server);
    let c = client(cfg.clone());
    let start = Instant::now();
    c.send("s", CallPhase::Section, &request(&cfg))
        .expect("ok after retry");
    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    let gap = seen[1].arrived - seen[0].arrived;
    assert!(gap >= Duration::from_millis(400), "retried after {gap:?}");
    assert!(start.elapsed() >= Duration::from_millis(400));
    let t = c.telemetry().snapshot(0.0);
    assert_eq!(t.retries, 1);
    assert_eq!(t.records[0].attempt_errors, vec![ErrorClass::RateLimited]);
    assert!(t.records[0].backoff_seconds >= 0.4);
    assert!(t.records[0].ok());
}

#[test]
fn overload_and_server_errors_are_retried_with_backoff() {
    let server = LoopbackServer::start(Script::then_ok([
        Behaviour::Overloaded,
        Behaviour::ServerError,
        Behaviour::Overloaded,
    ]))
    .expect("server");
    let cfg = config(&server);
    let c = client(cfg.clone());
    c.send("s", CallPhase::Section, &request(&cfg))
        .expect("fourth attempt succeeds");
    let t = c.telemetry().snapshot(0.0);
    assert_eq!(t.records[0].attempts, 4);
    assert_eq!(
        t.records[0].attempt_errors,
        vec![
            ErrorClass::Overloaded,
            ErrorClass::Server,
            ErrorClass::Overloaded
        ]
    );
    // Full jitter: each wait is at most min(40 ms, 10 ms · 2^n).
    assert!(t.records[0].backoff_seconds <= 0.010 + 0.020 + 0.040 + 1e-9);
}

#[test]
fn retries_are_bounded() {
    let server = LoopbackServer::start(Script::always(Behaviour::Overloaded)).expect("server");
    let cfg = config(&server);
    let c = client(cfg.clone());
    let err = c
        .send("section:results", CallPhase::Section, &request(&cfg))
        .expect_err("never succeeds");
    match &err {
        AiError::RetriesExhausted {
            attempts, class, ..
        } => {
            assert_eq!(*attempts, 4);
            assert_eq!(*class, ErrorClass::Overloaded);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(server.requests().len(), 4);
    assert!(err.to_string().contains("section:results"), "{err}");
    let t = c.telemetry().snapshot(0.0);
    assert_eq!(t.failed_calls, 1);
    assert_eq!(t.records[0].error_class, Some(ErrorClass::Overloaded));
}

#[test]
fn retry_after_longer_than_allowed_gives_up_at_once() {
    let server = LoopbackServer::start(Script::always(Behaviour::RateLimited {
        retry_after_seconds: 600.0,
    }))
    .expect("server");
    let cfg = config(&server);
    let c = client(cfg.clone());
    let start = Instant::now();
    let err = c
        .send("s", CallPhase::Section, &request(&cfg))
        .expect_err("too long");
    assert!(matches!(err, AiError::RetryAfterTooLong { .. }), "{err:?}");
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn unauthorized_is_not_retried_and_never_shows_the_key() {
    let server = LoopbackServer::start(Script::always(Behaviour::Unauthorized)).expect("server");
    let cfg = config(&server);
    let c = client(cfg.clone());
    let err = c
        .send("s", CallPhase::Section, &request(&cfg))
        .expect_err("401");
    assert!(
        matches!(err, AiError::Unauthorized { status: 401, .. }),
        "{err:?}"
    );
    let text = format!("{err} {err:?}");
    assert!(!text.contains("SECRET"), "{text}");
    assert!(text.contains("ANTHROPIC_API_KEY"), "{text}");
    assert!(text.contains("sk-…k9z7"), "{text}");
    assert_eq!(server.requests().len(), 1);
    assert_eq!(
        c.telemetry().snapshot(0.0).records[0].error_class,
        Some(ErrorClass::Auth)
    );
}

#[test]
fn malformed_json_is_a_typed_error() {
    let server = LoopbackServer::start(Script::always(Behaviour::Malformed)).expect("server");
    let cfg = config(&server);
    let c = client(cfg.clone());
    let err = c
        .send("s", CallPhase::Section, &request(&cfg))
        .expect_err("bad body");
    assert!(matches!(err, AiError::Malformed { .. }), "{err:?}");
    assert_eq!(err.class(), Some(ErrorClass::Malformed));
    assert_eq!(server.requests().len(), 1);
    let t = c.telemetry().snapshot(0.0);
    assert_eq!(t.records[0].attempt_errors, vec![ErrorClass::Malformed]);
    assert_eq!(t.records[0].error_class, Some(ErrorClass::Malformed));
}

#[test]
fn slow_replies_time_out_and_count_as_timeouts() {
    let server = LoopbackServer::start(Script::always(Behaviour::Slow(Duration::from_secs(5))))
        .expect("server");
    let cfg = AiConfig {
        request_timeout: Duration::from_millis(300),
        max_retries: 1,
        ..config(&server)
    };
    let c = client(cfg.clone());
    let start = Instant::now();
    let err = c
        .send("s", CallPhase::Section, &request(&cfg))
        .expect_err("times out");
    let spent = start.elapsed();
    assert!(
        matches!(
            err,
            AiError::RetriesExhausted {
                class: ErrorClass::Timeout,
                attempts: 2,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(spent >= Duration::from_millis(600), "{spent:?}");
    assert!(
        spent < Duration::from_secs(3),
        "timeout did not fire: {spent:?}"
    );
    let t = c.telemetry().snapshot(0.0);
    assert_eq!(
        t.records[0].attempt_errors,
        vec![ErrorClass::Timeout, ErrorClass::Timeout]
    );
}

#[test]
fn nothing_listening_is_a_connect_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let cfg = AiConfig {
        api_key: Some(ApiKey::new(KEY)),
        base_url: format!("http://127.0.0.1:{port}"),
        max_retries: 1,
        backoff_base: Duration::from_millis(1),
        ..AiConfig::default()
    };
    let c = client(cfg.clone());
    let err = c
        .send("s", CallPhase::Section, &request(&cfg))
        .expect_err("refused");
    assert!(
        matches!(
            err,
            AiError::RetriesExhausted {
                class: ErrorClass::Connect,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn no_key_fails_before_any_request() {
    let err = Client::new(AiConfig::default(), Arc::new(Telemetry::new())).expect_err("no key");
    assert!(matches!(err, AiError::MissingApiKey));
    assert!(err.to_string().contains("ANTHROPIC_API_KEY"));
}

#[test]
fn eleven_sections_end_to_end() {
    let server = LoopbackServer::start(Script::ok()).expect("server");
    let c = client(config(&server));
    let outcome = generate(&c, &meeting(8)).expect("document");
    let doc = &outcome.document;
    assert_eq!(doc.sections.len(), 11);
    let keys: Vec<&str> = doc.sections.iter().map(|s| s.key.as_str()).collect();
    let expected: Vec<&str> = SECTIONS.iter().map(|s| s.key).collect();
    assert_eq!(keys, expected);
    let field = |section: &str, key: &str| {
        doc.sections
            .iter()
            .find(|s| s.key == section)
            .and_then(|s| s.fields.iter().find(|f| f.key == key))
            .map(|f| f.value.clone())
            .expect("field exists")
    };
    // From the local analysis, through the prompt and the answer, into the document.
    assert_eq!(
        field("customer_information", "company_name"),
        "Harbor Freight Logistics"
    );
    assert_eq!(field("engagement", "start_date"), "March 3rd");
    // What the answer left out says so.
    assert_eq!(field("financial_impact", "roi"), NOT_DISCUSSED);
    assert_eq!(field("results", "customer_quote"), NOT_DISCUSSED);
    assert!(field("executive_summary", "summary").contains("Harbor Kickoff"));
    // 10 sections + the summary, written after them.
    let seen = server.requests();
    assert_eq!(seen.len(), 11);
    let last = seen.last().and_then(|r| r.body.as_ref()).expect("body");
    assert!(last.messages[0].content.contains("<sections>"));
    for r in &seen[..10] {
        let user = r.body.as_ref().expect("body").system_text();
        assert!(
            user.contains("Harbor Freight Logistics"),
            "structured context in every prompt"
        );
        assert!(
            user.contains("[00:00:12] Luis Ortega: Thanks."),
            "transcript in every prompt"
        );
    }
    assert_eq!(outcome.telemetry.calls, 11);
    assert_eq!(doc.generation.map_chunks, 0);
    assert!(doc.generation.input_tokens > 0);
}

#[test]
fn long_transcripts_are_map_reduced_under_the_budget() {
    let server = LoopbackServer::start(Script::ok()).expect("server");
    let cfg = AiConfig {
        context_budget_tokens: 3_000,
        ..config(&server)
    };
    let c = client(cfg.clone());
    let snapshot = meeting(400);
    let outcome = generate(&c, &snapshot).expect("document");
    let chunks = outcome.document.generation.map_chunks;
    assert!(chunks >= 2, "{chunks} chunks");
    let seen = server.requests();
    let maps = seen
        .iter()
        .filter(|r| {
            r.body
                .as_ref()
                .is_some_and(|b| b.messages[0].content.contains("<task>map"))
        })
        .count();
    assert!(maps >= chunks, "{maps} map calls for {chunks} chunks");
    for r in &seen {
        let body = r.body.as_ref().expect("body");
        let estimate = body.estimate_input_tokens(&cfg);
        assert!(estimate <= cfg.context_budget_tokens, "{estimate} tokens");
    }
    // The sections read notes, not the transcript.
    let section = seen
        .iter()
        .filter_map(|r| r.body.as_ref())
        .find(|b| {
            b.messages[0]
                .content
                .contains("<section key=\"background\">")
        })
        .expect("background asked");
    assert!(section.system_text().contains("Loopback stand-in notes"));
    assert_eq!(outcome.document.sections.len(), 11);
}

#[test]
fn the_shared_material_is_cached_once_and_read_nine_times() {
    let latency = Duration::from_millis(100);
    let server = LoopbackServer::start(Script::ok().with_latency(latency)).expect("server");
    let c = client(AiConfig {
        concurrency: 4,
        ..config(&server)
    });
    let outcome = generate(&c, &meeting(60)).expect("document");
    let sections: Vec<_> = outcome
        .telemetry
        .records
        .iter()
        .filter(|r| r.phase == CallPhase::Section)
        .collect();
    assert_eq!(sections.len(), 10);
    let writers = sections.iter().filter(|r| r.cache_write_tokens > 0).count();
    let readers = sections.iter().filter(|r| r.cache_read_tokens > 0).count();
    assert_eq!((writers, readers), (1, 9));
    // The writer went alone: the next request came only after its answer.
    let seen = server.requests();
    assert!(seen[1].arrived - seen[0].arrived >= latency);
    let generation = &outcome.document.generation;
    assert_eq!(
        generation.cache_read_tokens,
        9 * generation.cache_write_tokens
    );

    // Without the cache, nothing is marked cacheable.
    let server = LoopbackServer::start(Script::ok()).expect("server");
    let c = client(AiConfig {
        prompt_cache: false,
        ..config(&server)
    });
    let outcome = generate(&c, &meeting(60)).expect("document");
    assert_eq!(
        outcome.telemetry.cache_read_tokens + outcome.telemetry.cache_write_tokens,
        0
    );
    assert!(server.requests().iter().all(|r| {
        r.body
            .as_ref()
            .is_some_and(|b| b.system.iter().all(|s| s.cache_control.is_none()))
    }));
}

#[test]
fn short_material_is_not_marked_cacheable() {
    // Under the API's 1024-token minimum a cache write would not happen, so no section waits.
    let server = LoopbackServer::start(Script::ok()).expect("server");
    let outcome = generate(&client(config(&server)), &meeting(2)).expect("document");
    assert_eq!(outcome.telemetry.cache_write_tokens, 0);
    assert!(server.requests().iter().all(|r| {
        r.body
            .as_ref()
            .is_some_and(|b| b.system.iter().all(|s| s.cache_control.is_none()))
    }));
}

#[test]
fn sections_run_in_parallel_up_to_the_limit() {
    let latency = Duration::from_millis(200);
    let serial = {
        let server = LoopbackServer::start(Script::ok().with_latency(latency)).expect("server");
        let c = client(AiConfig {
            concurrency: 1,
            ..config(&server)
        });
        let t = Instant::now();
        generate(&c, &meeting(4)).expect("document");
        assert_eq!(server.peak_in_flight(), 1);
        t.elapsed()
    };
    let parallel = {
        let server = LoopbackServer::start(Script::ok().with_latency(latency)).expect("server");
        let c = client(AiConfig {
            concurrency: 4,
            ..config(&server)
        });
        let t = Instant::now();
        generate(&c, &meeting(4)).expect("document");
        assert_eq!(server.peak_in_flight(), 4);
        t.elapsed()
    };
    // 11 calls: serially ≥ 11 × 200 ms; four at a time (material too short to cache) the ten
    // sections take 3 rounds, then the summary.
    assert!(serial >= latency * 11, "{serial:?}");
    assert!(
        parallel < serial / 2,
        "parallel {parallel:?} vs serial {serial:?}"
    );
}

#[test]
fn a_fatal_failure_stops_the_remaining_calls() {
    let server = LoopbackServer::start(Script::always(Behaviour::Unauthorized)).expect("server");
    let c = client(AiConfig {
        concurrency: 1,
        ..config(&server)
    });
    let err = generate(&c, &meeting(4)).expect_err("401");
    assert!(matches!(err, AiError::Unauthorized { .. }), "{err:?}");
    assert_eq!(server.requests().len(), 1, "queued sections were not sent");
}

#[test]
fn unusable_model_answers_are_typed_errors() {
    let server = LoopbackServer::start(
        Script::ok().with_responder(Arc::new(|_req: &MessagesRequest| "Sorry, no.".to_string())),
    )
    .expect("server");
    let c = client(config(&server));
    let err = generate(&c, &meeting(4)).expect_err("not JSON");
    assert!(matches!(err, AiError::ModelOutput { .. }), "{err:?}");
    assert!(err.to_string().contains("section:"), "{err}");
}

#[test]
fn dry_run_plans_every_request_without_network() {
    let cfg = AiConfig {
        api_key: Some(ApiKey::new(KEY)),
        ..AiConfig::default()
    };
    let plan = dry_run(&cfg, &meeting(6));
    assert_eq!(plan.requests.len(), 11);
    assert_eq!(plan.map_chunks, 0);
    assert!(plan.estimated_input_tokens > 0);
    // Only the summary waits for earlier replies when the transcript fits.
    let waiting: Vec<&str> = plan
        .requests
        .iter()
        .filter(|r| r.input_tokens_upper_bound > r.estimated_input_tokens)
        .map(|r| r.label.as_str())
        .collect();
    assert_eq!(waiting, vec!["summary:executive_summary"]);
    let text = plan.to_text();
    assert!(text.contains("x-api-key: sk-…k9z7"), "{text}");
    assert!(!text.contains("SECRET"));
    assert!(text.contains("https://api.anthropic.com/v1/messages"));
    assert!(text.contains("=== section:customer_information"));

    let long = dry_run(
        &AiConfig {
            context_budget_tokens: 3_000,
            ..cfg.clone()
        },
        &meeting(400),
    );
    assert!(long.map_chunks >= 2);
    assert_eq!(long.requests.len(), long.map_chunks + 11);
    let no_key = dry_run(&AiConfig::default(), &meeting(2)).to_text();
    assert!(no_key.contains("(not set: ANTHROPIC_API_KEY)"));
}

/// The example in docs/ stays what the code produces: the bundled example transcript through
/// the real pipeline, then the AI stage against the loopback API. Regenerate with
/// `UPDATE_AI_EXAMPLE=1 cargo test -p snapshot_ai --test api docs_example`.
#[test]
fn docs_example_is_current() {
    use snapshot_pipeline::pipeline::{self, Config, SourceInfo};
    let input = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/northwind_kickoff.vtt"
    ))
    .expect("example transcript");
    let info = SourceInfo {
        path: "examples/northwind_kickoff.vtt".into(),
        title: "Northwind Kickoff".into(),
    };
    let snapshot =
        pipeline::snapshot(input.as_slice(), &info, &Config::default()).expect("pipeline");
    let server = LoopbackServer::start(Script::ok()).expect("server");
    let outcome = generate(&client(config(&server)), &snapshot).expect("document");
    let mut body = Vec::new();
    snapshot_ai::render::render(
        &outcome.document,
        snapshot_ai::render::AiFormat::Markdown,
        &mut body,
    )
    .expect("renders");
    let text = format!(
        "<!-- Generated end to end against the loopback Messages API stand-in (crates/ai/src/loopback.rs), \
         not a real model: the stand-in fills only fields the local analysis in the prompt backs (company, place, \
         products, dates, team, plans, open questions) and leaves the rest out, so the renderer writes \"Not discussed\". \
         Input: examples/northwind_kickoff.vtt through the pipeline. \
         Regenerate: UPDATE_AI_EXAMPLE=1 cargo test -p snapshot_ai --test api docs_example -->\n\n{}",
        String::from_utf8(body).expect("utf-8")
    );
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/ai_snapshot_example.md"
    );
    if std::env::var_os("UPDATE_AI_EXAMPLE").is_some() {
        std::fs::write(path, &text).expect("write example");
    }
    let current = std::fs::read_to_string(path).unwrap_or_default();
    assert_eq!(
        current, text,
        "docs/ai_snapshot_example.md is stale; regenerate it (see above)"
    );
}

#[test]
fn https_is_spoken_and_a_tls_failure_is_a_connect_error() {
    // A loopback listener that answers a TLS ClientHello with plain text: the handshake fails,
    // which proves TLS is compiled in and classifies as a (retryable) connection failure.
    use std::io::Write as _;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let answer = std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
        }
    });
    let cfg = AiConfig {
        api_key: Some(ApiKey::new(KEY)),
        base_url: format!("https://127.0.0.1:{port}"),
        max_retries: 0,
        request_timeout: Duration::from_secs(5),
        ..AiConfig::default()
    };
    let c = client(cfg.clone());
    let err = c
        .send("s", CallPhase::Section, &request(&cfg))
        .expect_err("not TLS");
    answer.join().expect("listener thread");
    assert!(
        matches!(
            err,
            AiError::RetriesExhausted {
                class: ErrorClass::Connect,
                attempts: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.to_string().contains("SECRET"));
}
