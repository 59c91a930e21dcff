//! The fuzz campaign: the corpus in `edge/core/tests/corpus/` replayed, then mutated (bit
//! flips, byte insertions and deletions, splices of two entries, a doubled stretch) and fed
//! to the token decoder, the postback parameter parser and the whole core (redirects fill
//! the offer's URL macros with the mutated sub-IDs). No input may panic; every answer is a
//! well-formed response, never a 500; a token that verifies is the one canonical spelling of
//! its link.
//!
//! `cargo fuzz` needs a nightly compiler, which this project does not use; this is the
//! stable stand-in: no coverage feedback, but the same corpus every run and as many
//! mutations as time allows. `AFFTOK_FUZZ_SECS` (default 0: the corpus and 2,000 mutations
//! a target) bounds a run in time; scripts/test gives it 20 s. `AFFTOK_FUZZ_SEED` replays a
//! run (the seed is printed). An input that breaks something is printed escaped, ready to
//! be added to the corpus.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use afftok_edge_core::{Method, Request};
use afftok_shared::link;
use afftok_shared::postback::{self, BodyFormat};
use serde_json::json;

use crate::fake::{Fake, token};

/// splitmix64: enough randomness for mutations, and replayable from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bytes that matter to the parsers, favoured by insertions.
const INTERESTING: &[u8] = b"%&=?{}[]\",:\\+-._/#\0\xff\xc3\xa9 0123456789aAzZ";

fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..=rng.below(4) {
        match rng.below(6) {
            0 if !out.is_empty() => {
                let at = rng.below(out.len());
                out[at] ^= 1 << rng.below(8);
            }
            1 => {
                let at = rng.below(out.len() + 1);
                let byte = if rng.below(2) == 0 {
                    INTERESTING[rng.below(INTERESTING.len())]
                } else {
                    rng.next() as u8
                };
                out.insert(at, byte);
            }
            2 if !out.is_empty() => {
                let at = rng.below(out.len());
                let len = (rng.below(8) + 1).min(out.len() - at);
                out.drain(at..at + len);
            }
            3 if !other.is_empty() => {
                let cut = rng.below(out.len() + 1);
                let from = rng.below(other.len());
                out.truncate(cut);
                out.extend_from_slice(&other[from..]);
            }
            4 if !out.is_empty() => {
                let at = rng.below(out.len());
                let len = (rng.below(16) + 1).min(out.len() - at);
                let stretch = out[at..at + len].to_vec();
                out.splice(at..at, stretch);
            }
            _ if !out.is_empty() => {
                let at = rng.below(out.len());
                out[at] = INTERESTING[rng.below(INTERESTING.len())];
            }
            _ => out.push(rng.next() as u8),
        }
    }
    out.truncate(4096);
    out
}

/// The corpus file `name`: its lines, comments and blank lines left out, escapes read.
fn corpus(name: &str) -> Vec<Vec<u8>> {
    let path = format!("{}/tests/corpus/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let valid = token(1, 1, 1, 0);
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| unescape(&l.replace("{token}", &valid)))
        .collect()
}

fn unescape(line: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1)) {
            (b'\\', Some(b'n')) => (out.push(b'\n'), i += 2).1,
            (b'\\', Some(b'r')) => (out.push(b'\r'), i += 2).1,
            (b'\\', Some(b't')) => (out.push(b'\t'), i += 2).1,
            (b'\\', Some(b'\\')) => (out.push(b'\\'), i += 2).1,
            (b'\\', Some(b'x')) => {
                let hex = bytes
                    .get(i + 2..i + 4)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => (out.push(b), i += 4).1,
                    None => (out.push(b'\\'), i += 1).1,
                }
            }
            (b, _) => (out.push(b), i += 1).1,
        }
    }
    out
}

/// `input` escaped as a corpus line.
fn escape(input: &[u8]) -> String {
    input
        .iter()
        .map(|&b| match b {
            b'\n' => "\\n".to_owned(),
            b'\r' => "\\r".to_owned(),
            b'\t' => "\\t".to_owned(),
            b'\\' => "\\\\".to_owned(),
            0x20..0x7f => (b as char).to_string(),
            _ => format!("\\x{b:02x}"),
        })
        .collect()
}

/// The token decoder: no panic; a token that verifies is its link's canonical spelling.
fn token_target(input: &[u8]) {
    let keyset = afftok_shared::vectors::link_keyset();
    let text = String::from_utf8_lossy(input);
    let _ = link::decode(&text);
    if let Ok(found) = keyset.verify(&text, 0) {
        assert_eq!(
            keyset.sign(&found).ok().as_deref(),
            Some(&*text),
            "not canonical"
        );
    }
}

/// A request line: "METHOD PATH?QUERY" and an optional " |BODY".
fn request_target(fake: &Fake, input: &[u8]) {
    let (head, body) = match input.windows(2).position(|w| w == b" |") {
        Some(at) => (&input[..at], &input[at + 2..]),
        None => (input, &[][..]),
    };
    let head = String::from_utf8_lossy(head);
    let (method, target) = head.split_once(' ').unwrap_or(("GET", &head));
    let method = match method {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        "POST" => Method::Post,
        "OPTIONS" => Method::Options,
        _ => Method::Other,
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let json = body.first() == Some(&b'{');
    // The parser alone, both ways a body comes.
    let format = if json {
        BodyFormat::Json
    } else {
        BodyFormat::Form
    };
    let _ = postback::parse(query, Some((format, body)));
    let _ = postback::parse(query, None);
    let resp = fake.run(&Request {
        method,
        path,
        query,
        user_agent: Some("Mozilla/5.0 (iPhone) Safari/604.1"),
        referer: None,
        content_type: Some(if json {
            "application/json"
        } else {
            "application/x-www-form-urlencoded"
        }),
        origin: None,
        body,
        body_too_large: false,
    });
    assert!(
        (200..600).contains(&resp.status) && resp.status != 500,
        "status {}",
        resp.status
    );
    for (name, value) in resp.headers() {
        assert!(
            value
                .bytes()
                .all(|b| b == b'\t' || (0x20..0x7f).contains(&b)),
            "header {name} is not printable: {value:?}"
        );
    }
}

fn fake() -> Fake {
    let fake = Fake::new();
    fake.put_offer(
        1,
        json!({"status": "active", "url": "https://a.example/?c={click_id}&s1={sub1}&s2={sub2}&s3={sub3}&s5={sub5}&co={country}&{", "advertiser_id": 5}),
    );
    fake.put_postback_key("k", json!({"advertiser_id": 5}));
    fake.put_postback_key(
        "pk",
        json!({"advertiser_id": 5, "kind": "publishable", "origins": ["https://shop.example"]}),
    );
    fake
}

/// Runs `target` on every corpus entry and then on mutations until the time or count is
/// spent; fails with the escaped input that broke it.
fn campaign(name: &str, seeds: &[Vec<u8>], mut target: impl FnMut(&[u8])) {
    let secs: u64 = std::env::var("AFFTOK_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let seed: u64 = std::env::var("AFFTOK_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        });
    let mut rng = Rng(seed);
    let mut run = |input: &[u8]| {
        if catch_unwind(AssertUnwindSafe(|| target(input))).is_err() {
            panic!(
                "{name}: this input breaks it (AFFTOK_FUZZ_SEED={seed}); add it to the corpus:\n{}",
                escape(input)
            );
        }
    };
    for s in seeds {
        run(s);
    }
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut done = 0u64;
    while done < 2_000 || Instant::now() < deadline {
        let a = &seeds[rng.below(seeds.len())];
        let b = &seeds[rng.below(seeds.len())];
        run(&mutate(&mut rng, a, b));
        done += 1;
    }
    eprintln!(
        "{name}: {} corpus entries and {done} mutations (seed {seed})",
        seeds.len()
    );
}

#[test]
fn the_token_decoder_survives_the_campaign() {
    campaign("tokens", &corpus("tokens.txt"), token_target);
}

#[test]
fn requests_survive_the_campaign() {
    let fake = fake();
    campaign("requests", &corpus("requests.txt"), |input| {
        request_target(&fake, input);
    });
}

#[test]
fn corpus_lines_read_back_as_written() {
    let input = b"a\\b\n\xff\x00 z".to_vec();
    assert_eq!(unescape(&escape(&input)), input);
    assert_eq!(unescape("%\\x4"), b"%\\x4".to_vec());
}
