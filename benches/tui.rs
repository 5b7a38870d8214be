//! The terminal app at scale: time to the first frame, time until every generated run is loaded
//! and browsable, the time to draw each screen, and peak memory against the input size.
//!
//! `cargo bench --bench tui` (shares the generated runs of `--bench ingest`: 1 GiB, ~11.8k runs).
#![allow(clippy::unwrap_used)]

use std::sync::mpsc;
use std::time::Instant;

use lrat::tui::app::{App, Msg};
use lrat::tui::loader::LoadEvent;
use lrat::tui::theme::Theme;
use lrat::tui::{self, OpenOptions};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

mod common;

fn draw_ms(app: &App, term: &mut Terminal<TestBackend>, theme: &Theme, n: usize) -> (f64, f64) {
    let mut total = 0.0;
    let mut worst: f64 = 0.0;
    for _ in 0..n {
        let t = Instant::now();
        term.draw(|f| tui::draw(f, app, theme)).unwrap();
        let ms = t.elapsed().as_secs_f64() * 1e3;
        total += ms;
        worst = worst.max(ms);
    }
    (total / n as f64, worst)
}

fn key(app: &mut App, c: char) {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let code = if c == '\n' {
        KeyCode::Enter
    } else {
        KeyCode::Char(c)
    };
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn main() {
    let mb = common::size_mb();
    let dir = common::data_dir("runs");
    let (files, _) = common::generate(&dir, mb << 20);
    let input: u64 = std::fs::read_dir(&files)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    let theme = Theme { color: true };
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let opts = OpenOptions {
        runs: vec![files.clone()],
        labels: Some(dir.join("bench-labels")),
        ..OpenOptions::default()
    };

    let t = Instant::now();
    let mut app = tui::prepare(&opts).unwrap();
    term.draw(|f| tui::draw(f, &app, &theme)).unwrap();
    let first = t.elapsed().as_secs_f64();

    let (tx, rx) = mpsc::channel();
    tui::spawn_loader(&opts, tx);
    // As the app's loop does: take a message and every one queued behind it, then recompute
    // (the list shows the runs in as they arrive).
    'load: for msg in rx.iter() {
        let mut done = matches!(msg, Msg::Load(LoadEvent::Done));
        app.update(msg);
        while !done && let Ok(m) = rx.try_recv() {
            done = matches!(m, Msg::Load(LoadEvent::Done));
            app.update(m);
        }
        app.settle();
        if done {
            break 'load;
        }
    }
    let loaded = t.elapsed().as_secs_f64();
    // The run index is brought up to date after the runs are read (the first open builds it,
    // a re-open reads only what changed); the frames below are timed once it is.
    for msg in rx.iter() {
        let done = matches!(
            msg,
            Msg::Load(LoadEvent::RunIndex(_) | LoadEvent::RunIndexFailed(_))
        );
        app.update(msg);
        if done {
            break;
        }
    }
    let indexed = t.elapsed().as_secs_f64();

    println!(
        "tui benchmark: {} runs, {:.0} MB of input, 120×40",
        app.runs().len(),
        input as f64 / 1e6
    );
    println!("first frame           {:>8.1} ms", first * 1e3);
    println!(
        "all runs browsable    {:>8.2} s  ({} pairs)",
        loaded,
        app.derived().total_pairs
    );
    println!("run index up to date  {indexed:>8.2} s");
    println!("{:<22}{:>10}{:>10}", "frame", "mean ms", "max ms");
    let (m, w) = draw_ms(&app, &mut term, &theme, 50);
    println!("{:<22}{m:>10.2}{w:>10.2}", "Runs");
    // Opening a run reads it back whole from its file (the app keeps runs as shells).
    let t_open = Instant::now();
    key(&mut app, '\n');
    let open_ms = t_open.elapsed().as_secs_f64() * 1e3;
    let (m, w) = draw_ms(&app, &mut term, &theme, 50);
    println!("{:<22}{m:>10.2}{w:>10.2}", "Run");
    println!("opening a run          {open_ms:>8.2} ms");
    key(&mut app, '2');
    let (m, w) = draw_ms(&app, &mut term, &theme, 50);
    println!("{:<22}{m:>10.2}{w:>10.2}", "Pairs");
    key(&mut app, '3');
    let (m, w) = draw_ms(&app, &mut term, &theme, 50);
    println!("{:<22}{m:>10.2}{w:>10.2}", "Stats");
    let t = Instant::now();
    key(&mut app, '2');
    key(&mut app, 'r');
    println!(
        "label + recompute     {:>8.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let peak = lrat::sys::peak_rss_mb().unwrap_or(f64::NAN);
    println!(
        "peak RSS              {peak:>8.0} MB ({:.2}× the input)",
        peak * 1e6 / input as f64
    );
    let _ = std::fs::remove_dir_all(dir.join("bench-labels"));
}
