//! Parser throughput on a real file, robust to a busy machine: reports MB per second of wall
//! time and per second of this thread's CPU time (from /proc/thread-self/schedstat), so other
//! processes competing for the cores do not distort the parser's own figure.
//!
//! Usage: cargo run --release -p snapshot_pipeline --example vtt_throughput -- FILE [ROUNDS]

use std::time::Instant;

use snapshot_pipeline::vtt::{Parser, plain_text_and_voice};

/// Nanoseconds this thread has spent on a CPU (Linux); `None` elsewhere.
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: vtt_throughput FILE [ROUNDS]")?;
    let rounds: u32 = args.next().map_or(Ok(5), |r| r.parse())?;
    let input = std::fs::read(&path)?;
    let mut plain = String::new();
    let (mut cues, mut chars) = (0u64, 0usize);
    for (label, with_plain) in [("cues", false), ("cues+plain", true)] {
        let (cpu0, t0) = (cpu_ns(), Instant::now());
        for _ in 0..rounds {
            let mut parser = Parser::from_slice(&input)?;
            while let Some(cue) = parser.next_cue()? {
                cues += 1;
                if with_plain {
                    let voice = plain_text_and_voice(&cue.text, &mut plain);
                    chars += plain.len() + voice.map_or(0, str::len);
                }
            }
        }
        let wall = t0.elapsed().as_secs_f64();
        let mb = input.len() as f64 * f64::from(rounds) / 1e6;
        let cpu = cpu_ns().zip(cpu0).map(|(b, a)| (b - a) as f64 / 1e9);
        println!(
            "{label:<11} {mb:>8.0} MB  wall {:>7.1} MB/s  cpu {}",
            mb / wall,
            cpu.map_or("n/a".to_owned(), |c| format!("{:.1} MB/s", mb / c)),
        );
    }
    eprintln!("({cues} cues, {chars} plain bytes)");
    Ok(())
}
