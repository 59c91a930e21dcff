//! The report of a run: every row of the results file in one table, printed and written as
//! Markdown (`results.md`) and JSON (`results.json`) beside the file.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Value, json};

use crate::results::Row;

/// The order rows are shown in; others follow in the order they were written.
const ORDER: [&str; 14] = [
    "edge-native",
    "edge-worker",
    "edge-worker-size",
    "ingest-http",
    "ingest-stream",
    "stats-promoter",
    "stats-advertiser",
    "postback-to-stats",
    "postback-to-webhook",
    "webhook-deliveries",
    "edge-native-memory",
    "control-plane-memory",
    "fraud-ranges-lookup",
    "fraud-ranges-memory",
];

fn number(x: f64) -> String {
    if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

fn figure(f: &crate::results::Figure, metric: &str) -> String {
    let mut text = format!("{} {}", number(f.value), metric);
    let mut extras = Vec::new();
    for key in ["p50_ms", "p99_ms", "half_load_p99_ms"] {
        if let Some(v) = f.extra.get(key).and_then(Value::as_f64) {
            let label = match key {
                "half_load_p99_ms" => "p99 at half load",
                _ => key.trim_end_matches("_ms"),
            };
            if !metric.contains(&format!("({label})")) {
                extras.push(format!("{label} {} ms", number(v)));
            }
        }
    }
    if !extras.is_empty() {
        let _ = write!(text, " ({})", extras.join(", "));
    }
    format!("{}: {text}", f.name)
}

fn machine() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    json!({
        "cpu": model,
        "cores": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "memory_gib": (mem_gib * 10.0).round() / 10.0,
        "kernel": kernel.trim(),
    })
}

/// Prints the table and writes `results.md` and `results.json` beside `out`.
pub fn run(out: &Path, title: &str) -> Result<(), String> {
    let text =
        std::fs::read_to_string(out).map_err(|e| format!("reading {}: {e}", out.display()))?;
    let mut rows: Vec<Row> = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        rows.push(
            serde_json::from_str(line)
                .map_err(|e| format!("{} line {}: {e}", out.display(), i + 1))?,
        );
    }
    rows.sort_by_key(|r| {
        ORDER
            .iter()
            .position(|id| *id == r.id)
            .unwrap_or(ORDER.len())
    });
    let m = machine();
    let machine_line = format!(
        "{}, {} cores, {} GiB RAM, Linux {}",
        m["cpu"].as_str().unwrap_or(""),
        m["cores"],
        m["memory_gib"],
        m["kernel"].as_str().unwrap_or("")
    );
    let mut md = String::new();
    let _ = writeln!(md, "Machine: {machine_line}.");
    if !title.is_empty() {
        let _ = writeln!(md, "Run: {title}.");
    }
    let _ = writeln!(md);
    let _ = writeln!(md, "| Row | Measured | Baseline | Ratio | Target | Met |");
    let _ = writeln!(md, "| --- | --- | --- | --- | --- | --- |");
    for r in &rows {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} |",
            r.title,
            figure(&r.subject, &r.metric),
            r.baseline
                .as_ref()
                .map_or("–".to_owned(), |b| figure(b, &r.metric)),
            r.ratio.map_or("–".to_owned(), |x| format!("{x:.2}×")),
            r.target,
            if r.met { "yes" } else { "**no**" }
        );
    }
    let _ = writeln!(md, "\nHow each row was measured:\n");
    for r in &rows {
        let _ = write!(md, "- **{}**: {}.", r.title, r.how.trim_end_matches('.'));
        if let Some(notes) = &r.notes {
            let _ = write!(md, " {}.", notes.trim_end_matches('.'));
        }
        let _ = writeln!(md);
    }
    let dir = out.parent().unwrap_or(Path::new("."));
    std::fs::write(dir.join("results.md"), &md).map_err(|e| e.to_string())?;
    let json = json!({"title": title, "machine": m, "rows": rows});
    std::fs::write(
        dir.join("results.json"),
        serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    println!("{md}");
    let missed: Vec<&str> = rows
        .iter()
        .filter(|r| !r.met)
        .map(|r| r.title.as_str())
        .collect();
    println!(
        "{} rows, {} targets met{}; written to {} and {}",
        rows.len(),
        rows.len() - missed.len(),
        if missed.is_empty() {
            String::new()
        } else {
            format!(" (missed: {})", missed.join(", "))
        },
        dir.join("results.md").display(),
        dir.join("results.json").display()
    );
    Ok(())
}
