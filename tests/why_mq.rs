//! The `why-mq` scenario (the book's chapter 1): an order service that calls its SMS and
//! e-mail gateways itself against one that hands the notifications to a topic. The comparison
//! must hold on every seed, the CLI must draw it, and bad `[[services]]`/`[[order_services]]`
//! tables must get clear errors.

use assert_cmd::Command;
use kafkasim::check::orders::Orders;
use kafkasim::cli::run::execute;
use kafkasim::scenario;
use std::path::PathBuf;

fn why_mq() -> kafkasim::scenario::Scenario {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/why-mq.toml");
    scenario::load(&path).expect("why-mq is valid")
}

fn orders_of(seed: u64) -> (Orders, String) {
    let s = why_mq();
    let outcome = execute(&s, seed).expect("runs");
    assert!(outcome.summary.passed, "seed {seed}:\n{}", outcome.summary.to_text());
    (Orders::of(&outcome.trace), outcome.summary.to_text())
}

#[test]
fn the_topic_keeps_orders_fast_while_the_email_gateway_stalls_on_every_seed() {
    for seed in [1, 2, 3] {
        let (o, text) = orders_of(seed);
        let (sync, async_) = (&o.services["shop-sync"], &o.services["shop-async"]);
        assert_eq!((async_.placed, sync.placed), (700, 700), "seed {seed}");
        let p99 = |f: &kafkasim::check::orders::OrderFacts| f.latency(0.99).expect("answered").as_millis();
        assert!(p99(async_) < 100, "seed {seed}: the topic path answers in tens of ms:\n{text}");
        assert!(p99(sync) >= 3000, "seed {seed}: the call path waits out the stall:\n{text}");
        assert!(sync.failed > 0 && async_.failed == 0, "seed {seed}:\n{text}");
        // Even calm orders pay for both calls on the synchronous path.
        let median = |f: &kafkasim::check::orders::OrderFacts| f.latency(0.5).expect("answered").as_millis();
        assert!(median(sync) > median(async_) + 100, "seed {seed}:\n{text}");
        // Every order's e-mail and SMS still go out: through the topic, after the stall.
        for gw in ["service-sms", "service-email"] {
            assert_eq!(o.gateways[gw].distinct, 1400, "seed {seed}, {gw}:\n{text}");
        }
        // A consumer whose call timed out during the stall called again, and the gateway,
        // which had only stalled, sent both: at least once, not exactly once.
        let email = &o.gateways["service-email"];
        assert!(email.sent > email.distinct, "seed {seed}: retried calls resend e-mails:\n{text}");
        let async_email = &o.gateways["service-email"].delays_us["shop-async"];
        assert!(*async_email.last().expect("sent") > 10_000_000, "seed {seed}: e-mails waited in the topic");
    }
}

#[test]
fn the_cli_prints_the_comparison_and_draws_order_latency() {
    let dir = std::env::temp_dir().join(format!("kafkasim-why-mq-{}", std::process::id()));
    let out = Command::cargo_bin("kafkasim")
        .expect("built")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "why-mq", "--out", &dir.display().to_string()])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    for line in
        ["orders shop-async: placed=700 ok=700 failed=0", "orders shop-sync: placed=700", "gateway service-email:"]
    {
        assert!(text.contains(line), "missing `{line}` in:\n{text}");
    }
    for f in ["orders.png", "orders.svg", "orders.csv"] {
        assert!(dir.join(f).is_file(), "{f} not written");
    }
    let csv = std::fs::read_to_string(dir.join("orders.csv")).expect("csv");
    assert_eq!(csv.lines().count(), 1 + 1400, "a row per answered order");
    assert!(csv.lines().any(|l| l.starts_with("shop-sync,") && l.ends_with(",true")), "failed orders are marked");
}

const HEAD: &str = "name = \"x\"\ndescription = \"d\"\nduration = \"10s\"\n[[topics]]\nname = \"n\"\n";

fn error_of(body: &str) -> String {
    let text = format!("{HEAD}{body}");
    match scenario::parse(&text, "bad.toml", std::path::Path::new("bad.toml")) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_application_tables_name_the_place_and_the_reason() {
    let services = "[[services]]\nname = \"sms\"\nservice_time = \"50ms\"\n";
    let e = error_of(&format!("{services}[[order_services]]\nname = \"o\"\nrate_per_s = 1\ncall = [\"fax\"]\n"));
    assert!(e.contains("bad.toml:12:") && e.contains("`fax` is not a service"), "{e}");
    let e = error_of(&format!(
        "{services}[[order_services]]\nname = \"o\"\nrate_per_s = 1\ncall = [\"sms\"]\ntopic = \"n\"\n"
    ));
    assert!(e.contains("bad.toml:13:") && e.contains("not both"), "{e}");
    let e = error_of("[[order_services]]\nname = \"o\"\nrate_per_s = 1\n");
    assert!(e.contains("bad.toml:6:") && e.contains("notifies by"), "{e}");
    let e = error_of("[[consumers]]\nname = \"c\"\ntopics = [\"n\"]\ncall = \"sms\"\n");
    assert!(e.contains("bad.toml:9:") && e.contains("declare it under [[services]]"), "{e}");
    let e = error_of("[[services]]\nname = \"sms\"\nservice_time = \"fast\"\n");
    assert!(e.contains("bad.toml:8:"), "{e}");
    let e = error_of(&format!("{services}[expect]\norders_failed = {{ shop = 0 }}\n"));
    assert!(e.contains("not an order service"), "{e}");
    let e = error_of(&format!("{services}[[services]]\nname = \"sms\"\nservice_time = \"1ms\"\n"));
    assert!(e.contains("used twice"), "{e}");
}
