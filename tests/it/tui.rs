//! The terminal app driven by keys and drawn into ratatui's TestBackend: open a run, step
//! through it, override a verdict, undo, search and jump, at 120×40 and 80×24.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use lrat::run::{self, ReadOptions};
use lrat::tui::app::{App, Msg};
use lrat::tui::loader::LoadEvent;
use lrat::tui::screens::Screen;
use lrat::tui::screens::train::Field;
use lrat::tui::theme::Theme;
use lrat::tui::{self, OpenOptions};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

pub(crate) fn app(dir: &std::path::Path) -> App {
    let opts = OpenOptions {
        runs: vec![dir.to_path_buf()],
        ..OpenOptions::default()
    };
    let mut app = tui::prepare(&opts).unwrap();
    let loaded = run::load(&[dir.join("runs")], &ReadOptions::default()).unwrap();
    app.update(Msg::Load(LoadEvent::Loaded {
        runs: loaded.runs,
        errors: loaded.errors,
        files_done: 8,
        files: 8,
    }));
    app.update(Msg::Load(LoadEvent::Done));
    app
}

pub(crate) fn keys(app: &mut App, keys: &str) {
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\t' => KeyCode::Tab,
            '\u{1b}' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }
}

pub(crate) fn screen(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    let theme = Theme { color: false };
    t.draw(|f| tui::draw(f, app, &theme)).unwrap();
    let buf = t.backend().buffer().clone();
    let mut s = String::new();
    for y in 0..h {
        for x in 0..w {
            s.push_str(buf[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

#[test]
fn open_a_run_override_a_verdict_and_undo() {
    let ws = crate::sample_copy();
    let mut a = app(ws.path());
    let s = screen(&a, 120, 40);
    assert!(s.contains("8 runs · 14 pairs"), "{s}");
    assert!(s.contains("Which novelist, writing as Piet Holm"), "{s}");
    // s2 is the second row; open it and go to its first browse (step 2, the wading bird).
    keys(&mut a, "j\njj");
    assert_eq!(a.screen(), Screen::Run);
    let s = screen(&a, 120, 40);
    assert!(s.contains("run s2"), "{s}");
    assert!(s.contains("verdict relevant (default)"), "{s}");
    assert!(s.contains("w = "), "{s}");
    keys(&mut a, "r");
    let s = screen(&a, 120, 40);
    assert!(s.contains("verdict not relevant (human)"), "{s}");
    assert!(
        s.contains("8 runs · 13 pairs"),
        "the pair count follows the label: {s}"
    );
    assert!(s.contains("saved to"), "{s}");
    // Written through: a second reader sees it now.
    let text = std::fs::read_to_string(ws.path().join(".lrat/labels.jsonl")).unwrap();
    assert!(text.contains("\"run_id\":\"s2\",\"step\":2"), "{text}");
    keys(&mut a, "u");
    let s = screen(&a, 120, 40);
    assert!(s.contains("verdict relevant (default)"), "{s}");
    assert!(s.contains("14 pairs"), "{s}");
    // The browse names its document's title; the judge's words say why it decided.
    assert!(s.contains("1017 · Grey Heron (bird)"), "{s}");
    keys(&mut a, "Jh");
    let s = screen(&a, 120, 40);
    assert!(s.contains("verdict not relevant (judge)"), "{s}");
    // The other runs' browses now have no verdict: the status says they are left out.
    assert!(
        a.status()
            .contains("12 browses without a verdict are left out until judged"),
        "{}",
        a.status()
    );
    assert!(
        s.contains("the heuristic judge says: the reasoning rejects the page"),
        "{s}"
    );
    // A browse whose search returned other results lists them as its pair's negatives.
    keys(&mut a, "\u{1b}k\njjj");
    let s = screen(&a, 120, 40);
    assert!(
        s.contains("negatives, were it a pair: 1020 (Salt Roads) · 1021"),
        "{s}"
    );
    insta::assert_snapshot!("run_browse_negatives", s);
}

#[test]
fn negatives_are_labelled_from_the_search_detail() {
    let ws = crate::sample_copy();
    let mut a = app(ws.path());
    // s1: step 1 is the first search; Tab to its hits; the second (the footballer) is unbrowsed.
    keys(&mut a, "\nj\tjx");
    let s = screen(&a, 120, 40);
    assert!(s.contains("⊘ excluded (human)"), "{s}");
    keys(&mut a, "R");
    let s = screen(&a, 120, 40);
    assert!(s.contains("★ actually relevant (human)"), "{s}");
    // A browsed hit (rank 3, Mira Castellane) is not a negative.
    keys(&mut a, "jx");
    assert!(a.status().contains("was browsed"), "{}", a.status());
}

#[test]
fn search_jumps_between_matches_and_small_terminals_render() {
    let ws = crate::sample_copy();
    let mut a = app(ws.path());
    // n walks the matches in the Runs list's order (here sorted by outcome), not the files'.
    keys(&mut a, "s/born\n");
    let order = a.screens().runs.order.clone();
    assert!(
        order.windows(2).any(|w| w[0] > w[1]),
        "the list is not in file order: {order:?}"
    );
    let places: Vec<usize> = a
        .matches()
        .found()
        .iter()
        .map(|(r, _)| order.iter().position(|o| o == r).unwrap())
        .collect();
    assert!(places.len() >= 8, "{places:?}");
    assert!(places.windows(2).all(|w| w[0] <= w[1]), "{places:?}");
    keys(&mut a, "\u{1b}1s".repeat(8).as_str());
    keys(&mut a, "/wading bird\n");
    assert_eq!(a.screen(), Screen::Run);
    assert!(a.matches().found().len() >= 2, "{:?}", a.matches().found());
    let first = (a.current_run(), a.screens().run.step);
    keys(&mut a, "n");
    assert_ne!((a.current_run(), a.screens().run.step), first);
    keys(&mut a, "N");
    assert_eq!((a.current_run(), a.screens().run.step), first);
    let s = screen(&a, 80, 24);
    assert!(s.contains("wading bird"), "{s}");
    keys(&mut a, "?");
    let s = screen(&a, 80, 24);
    assert!(
        s.contains("undo the last label change"),
        "the help comes from the keymap: {s}"
    );
    keys(&mut a, "\u{1b}\u{1b}q");
    assert!(a.quitting());
}

#[test]
fn control_keys_in_a_prompt_edit_rather_than_type() {
    let ws = crate::sample_copy();
    let mut a = app(ws.path());
    let ctrl = |a: &mut App, c: char| {
        a.update(Msg::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::CONTROL,
        )))
    };
    keys(&mut a, "/no such words");
    ctrl(&mut a, 'w');
    ctrl(&mut a, 'u');
    keys(&mut a, "wading bird");
    ctrl(&mut a, 'x');
    keys(&mut a, "\n");
    assert_eq!(a.matches().query(), "wading bird");
    assert!(!a.matches().found().is_empty());
    // Ctrl-C leaves the prompt without searching, and types nothing.
    keys(&mut a, "/other");
    ctrl(&mut a, 'c');
    assert_eq!(a.matches().query(), "wading bird");
}

#[test]
fn control_sequences_in_runs_are_shown_inert() {
    let ws = crate::sample_copy();
    let p = ws.path().join("runs/s1.json");
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replace("Two candidates", "\\u001b[31mTwo candidates");
    std::fs::write(&p, text).unwrap();
    let mut a = app(ws.path());
    keys(&mut a, "\njj");
    let s = screen(&a, 120, 40);
    assert!(s.contains("␛[31mTwo candidates"), "{s}");
    assert!(!s.contains('\u{1b}'));
}

#[test]
fn pairs_screen_bulk_labels_and_mode_switch() {
    let ws = crate::sample_copy();
    let mut a = app(ws.path());
    keys(&mut a, "2");
    let s = screen(&a, 120, 40);
    assert!(s.contains("pairs 14 shown of 14 · paper mode"), "{s}");
    assert!(s.contains("Mira Castellane"), "{s}");
    // Reject the first pair shown, then every pair of the `rejected` filter back to accepted.
    keys(&mut a, "r");
    assert_eq!(a.derived().total_pairs, 13);
    let s = screen(&a, 120, 40);
    assert!(
        s.contains("not relevant (human)") && s.contains("dropped"),
        "{s}"
    );
    keys(&mut a, "ff");
    assert_eq!(a.screens().pairs.filter.name(), "not relevant");
    assert_eq!(a.screens().pairs.order.len(), 1);
    keys(&mut a, "A");
    assert_eq!(
        a.derived().total_pairs,
        13,
        "nothing happens before the answer"
    );
    keys(&mut a, "y");
    assert_eq!(a.derived().total_pairs, 14);
    assert!(
        a.status().contains("1 browse marked relevant"),
        "{}",
        a.status()
    );
    // Reference mode emits rejected browses too, with their own negatives and β.
    keys(&mut a, "f");
    assert_eq!(a.screens().pairs.filter.name(), "unjudged (no verdict)");
    assert!(
        a.screens().pairs.order.is_empty(),
        "without a judge nothing is unjudged"
    );
    keys(&mut a, "fff");
    assert_eq!(a.screens().pairs.filter.name(), "relevant");
    // A bulk action asks first; n leaves everything as it was.
    keys(&mut a, "D");
    insta::assert_snapshot!("confirm_bulk_reject_80x24", screen(&a, 80, 24));
    keys(&mut a, "jn");
    assert_eq!(a.derived().total_pairs, 14);
    assert!(
        a.confirm().is_none() && a.status().contains("cancelled"),
        "{}",
        a.status()
    );
    keys(&mut a, "Dy");
    assert_eq!(
        a.derived().total_pairs,
        0,
        "every pair rejected in paper mode"
    );
    // One u undoes the whole bulk action, Ctrl-r redoes it.
    keys(&mut a, "u");
    assert_eq!(a.derived().total_pairs, 14, "{}", a.status());
    assert!(
        a.status().contains("a change of 14 labels"),
        "{}",
        a.status()
    );
    a.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('r'),
        KeyModifiers::CONTROL,
    )));
    assert_eq!(a.derived().total_pairs, 0, "{}", a.status());
    assert!(
        a.status().starts_with("redid a change of 14 labels"),
        "{}",
        a.status()
    );
    // The labels survive a restart, and undo there still takes the bulk change back whole.
    drop(a);
    let mut a = app(ws.path());
    assert_eq!(a.derived().total_pairs, 0);
    keys(&mut a, "2u");
    assert_eq!(a.derived().total_pairs, 14, "{}", a.status());
    keys(&mut a, "1");
    a.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('r'),
        KeyModifiers::CONTROL,
    )));
    assert_eq!(a.derived().total_pairs, 0);
    keys(&mut a, "2f");
    assert_eq!(a.screens().pairs.filter.name(), "relevant");
    keys(&mut a, "m");
    let s = screen(&a, 120, 40);
    assert!(s.contains("reference mode"), "{s}");
    assert!(
        a.derived().total_pairs > 0,
        "reference mode keeps rejected browses as pairs"
    );
    // Enter opens the pair's browse in its run; Esc comes back to the pairs.
    keys(&mut a, "f");
    assert_eq!(
        a.screens().pairs.order.len(),
        a.derived().candidates_len(),
        "every pair is rejected now"
    );
    keys(&mut a, "g\n");
    assert_eq!(a.screen(), Screen::Run);
    let s = screen(&a, 120, 40);
    assert!(s.contains("[3] browse"), "{s}");
    keys(&mut a, "\u{1b}");
    assert_eq!(a.screen(), Screen::Pairs);
}

#[test]
fn stats_screen_judge_and_export() {
    let ws = crate::sample_copy();
    let mut a = app(ws.path());
    keys(&mut a, "3");
    let s = screen(&a, 120, 40);
    for part in [
        "Table 1",
        "Fig. 4a P(next step | this step)",
        "Fig. 4c browsed rank",
        "Fig. 4d post-browse length",
        "weights w",
    ] {
        assert!(s.contains(part), "{part}: {s}");
    }
    let s = screen(&a, 80, 24);
    assert!(s.contains("Table 1"), "{s}");
    // The judge runs inline without a message channel; its verdicts are kept beside the labels.
    keys(&mut a, "J");
    assert!(
        screen(&a, 120, 40).contains("h  the heuristic judge"),
        "J asks which judge"
    );
    keys(&mut a, "h");
    assert!(
        a.status().contains("judged 14 browses") && a.status().contains("with the heuristic judge"),
        "{}",
        a.status()
    );
    assert!(ws.path().join(".lrat/verdicts.jsonl").exists());
    assert!(
        a.derived().total_pairs < 14,
        "the heuristic rejects some browses: {}",
        a.derived().total_pairs
    );
    keys(&mut a, "e");
    assert!(a.status().contains("exported"), "{}", a.status());
    let n = std::fs::read_to_string(ws.path().join(".lrat/pairs.jsonl"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(n, a.derived().total_pairs);
}

#[test]
fn evidence_corpus_texts_and_agreement() {
    let ws = crate::sample_copy();
    let mut a = app(ws.path());
    let (ix, errors) = lrat::corpus::open_or_build(&ws.path().join("corpus.jsonl")).unwrap();
    assert!(errors.is_empty());
    a.update(Msg::Load(LoadEvent::Corpus(Box::new(ix))));
    // s1's first search returns its evidence documents; its first browse reads one.
    keys(&mut a, "\nj");
    let s = screen(&a, 120, 40);
    assert!(s.contains("[evidence]"), "{s}");
    keys(&mut a, "jj");
    let s = screen(&a, 120, 40);
    assert!(
        s.contains("(from the corpus)") && s.contains("[evidence]"),
        "{s}"
    );
    // The judge and a human disagree once.
    keys(&mut a, "Jh");
    keys(&mut a, "r3");
    let s = screen(&a, 120, 40);
    assert!(s.contains("n 1  accuracy 0.000"), "{s}");
    assert!(s.contains("evidence") && s.contains("not evidence"), "{s}");
}

/// Whole screens as snapshots, with the temporary folder's path written as `<ws>`.
#[test]
fn every_screen_at_two_sizes() {
    let ws = crate::sample_copy();
    let root = ws.path().display().to_string();
    let mut a = app(ws.path());
    let shot = |a: &App, w: u16, h: u16| screen(a, w, h).replace(&root, "<ws>");
    let check = |a: &App, name: &str| {
        insta::assert_snapshot!(format!("{name}_120x40"), shot(a, 120, 40));
        insta::assert_snapshot!(format!("{name}_80x24"), shot(a, 80, 24));
    };
    a.say("ready");
    check(&a, "runs");
    keys(&mut a, "j\njj");
    check(&a, "run_browse");
    keys(&mut a, "k\t");
    check(&a, "run_search");
    keys(&mut a, "2");
    check(&a, "pairs");
    keys(&mut a, "3");
    check(&a, "stats");
    keys(&mut a, "?");
    check(&a, "help");
}

/// Runs and Pairs count "unjudged" alike: nothing before any judge spoke; judging one run says
/// first what it does to the other runs' pairs, offers judging all, and then both screens show
/// the other runs' browses as unjudged.
#[test]
fn unjudged_browses_counted_alike_and_judging_one_run_says_what_it_does() {
    let ws = crate::sample_copy();
    let mut a = app(ws.path());
    keys(&mut a, "fffff");
    assert_eq!(a.screens().runs.filter.name(), "with unjudged browses");
    assert_eq!(
        a.screens().runs.order.len(),
        0,
        "no judge has spoken: every browse counts"
    );
    keys(&mut a, "f2fff");
    assert_eq!(a.screens().pairs.filter.name(), "unjudged (no verdict)");
    assert_eq!(a.screens().pairs.order.len(), 0);
    // Judge only the open run: the dialog says what happens to the other runs' pairs.
    keys(&mut a, "1\nJ");
    let s = screen(&a, 120, 40);
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("Judging one run gives the other 7 runs'")
            && flat.contains("leave the pairs until judged"),
        "{s}"
    );
    assert!(flat.contains("H the heuristic judge on all 8 runs"), "{s}");
    keys(&mut a, "h");
    let unjudged = a.derived().mined.counts().unjudged;
    assert!(unjudged > 0);
    let runs_unjudged: usize = a.derived().rows.iter().map(|r| r.unjudged).sum();
    assert_eq!(runs_unjudged, unjudged, "Runs counts what Pairs leaves out");
    keys(&mut a, "\u{1b}2");
    assert_eq!(a.screens().pairs.filter.name(), "unjudged (no verdict)");
    assert_eq!(
        a.screens().pairs.order.len(),
        unjudged,
        "Pairs lists the same browses"
    );
    // Judging all from a run's screen settles every browse.
    keys(&mut a, "1\nJH");
    assert_eq!(a.derived().mined.counts().unjudged, 0, "{}", a.status());
    keys(&mut a, "\u{1b}fffff");
    assert_eq!(a.screens().runs.filter.name(), "with unjudged browses");
    assert_eq!(
        a.screens().runs.order.len(),
        0,
        "the judge settled every browse"
    );
}

#[test]
fn data_in_a_read_only_place_still_opens() {
    let ws = crate::sample_copy();
    // A file where the labels folder should be: it cannot be created.
    std::fs::write(ws.path().join(".lrat"), "not a folder").unwrap();
    let mut a = app(ws.path());
    assert!(a.journal().is_none());
    let s = screen(&a, 120, 40);
    assert!(s.contains("labels unavailable"), "{s}");
    keys(&mut a, "\njjjr");
    assert!(a.status().contains("nothing was written"), "{}", a.status());
}

fn metrics(r10: f64, mrr: f64, evidence: bool) -> lrat::train::eval::Metrics {
    lrat::train::eval::Metrics {
        recall_1: mrr * 0.8,
        recall_5: (r10 * 0.9).min(1.0),
        recall_10: r10,
        mrr_10: mrr,
        ndcg_10: (mrr + r10) / 2.0,
        queries: 14,
        evidence: evidence.then_some(lrat::train::eval::Evidence {
            recall_10: r10 / 2.0,
            recall_100: r10 / 1.5,
            mrr_10: mrr,
            ndcg_10: mrr / 2.0,
            questions: 3,
        }),
    }
}

#[test]
fn train_screen_draws_a_scripted_run() {
    use lrat::train::worker::TrainEvent;
    let ws = crate::sample_copy();
    let mut a = app(ws.path());
    keys(&mut a, "t");
    assert_eq!(a.screen(), Screen::Train);
    a.set_train_setting(Field::Out, "runs/.lrat/model");
    let mut script = vec![
        TrainEvent::Started {
            model: "scratch".into(),
            pooling: "mean (a scratch model)".into(),
            chunk: 64,
            note: Some("no pretrained model found: training a small BERT from scratch".into()),
            examples: 120,
            train_examples: 106,
            held_out_runs: 3,
            held_out_queries: 14,
            eval_docs: 1500,
            total_steps: 40,
            first_step: 0,
            lr: 3e-4,
        },
        TrainEvent::Eval {
            step: 0,
            system: lrat::train::eval::System::Bm25,
            metrics: metrics(0.9, 0.55, true),
        },
        TrainEvent::Eval {
            step: 0,
            system: lrat::train::eval::System::Base,
            metrics: metrics(0.3, 0.2, true),
        },
    ];
    for step in 1..=24usize {
        let s = step as f64;
        script.push(TrainEvent::Step {
            step,
            epoch: 1,
            loss: 3.0 / (1.0 + s / 6.0) + if step % 3 == 0 { 0.2 } else { 0.0 },
            lr: 3e-4 * s.min(4.0) / 4.0,
            grad_norm: 1.0,
            examples_per_s: 20.0,
            elapsed_s: s * 0.8,
        });
        if step % 8 == 0 {
            script.push(TrainEvent::Eval {
                step,
                system: lrat::train::eval::System::Model,
                metrics: metrics(0.3 + s / 60.0, 0.2 + s / 80.0, true),
            });
        }
    }
    for e in script {
        a.update(Msg::Train(e));
    }
    assert_eq!(a.train().progress.step, 24);
    assert_eq!(a.train().eta_s().map(|s| s.round()), Some(13.0));
    insta::assert_snapshot!("train_running", screen(&a, 120, 40));
    a.update(Msg::Train(TrainEvent::Done {
        step: 24,
        cancelled: true,
        path: "runs/.lrat/model".into(),
    }));
    let s = screen(&a, 80, 24);
    assert!(s.contains("stopped after 24 steps"), "{s}");
    assert_eq!(a.train().eta_s(), None, "no ETA once stopped");
    insta::assert_snapshot!("train_stopped_small", s);
}

#[test]
fn train_screen_edits_settings_and_trains() {
    let ws = crate::sample_copy();
    let mut a = app(ws.path());
    keys(&mut a, "t");
    let set = |a: &mut App, field: lrat::tui::screens::train::Field, value: &str| {
        let i = lrat::tui::screens::train::FIELDS
            .iter()
            .position(|f| *f == field)
            .unwrap();
        keys(a, "g");
        for _ in 0..i {
            keys(a, "j");
        }
        keys(a, "\n");
        for _ in 0..40 {
            a.update(Msg::Key(KeyEvent::new(
                KeyCode::Backspace,
                KeyModifiers::NONE,
            )));
        }
        keys(a, value);
        keys(a, "\n");
    };
    use lrat::tui::screens::train::Field;
    set(&mut a, Field::Epochs, "x");
    assert!(
        a.train().state.contains("epochs: `x` is not a number"),
        "{}",
        a.train().state
    );
    keys(&mut a, "S");
    assert!(
        a.train().progress.loss.is_empty(),
        "a bad form does not start"
    );
    for (f, v) in [
        (Field::Model, "scratch"),
        (Field::Epochs, "1"),
        (Field::Batch, "4"),
        (Field::Group, "2"),
        (Field::QueryLen, "16"),
        (Field::PassageLen, "32"),
        (Field::Holdout, "0.25"),
    ] {
        set(&mut a, f, v);
    }
    keys(&mut a, "G\n");
    assert_eq!(a.train().form.get(Field::Out), a.train().form.values[12]);
    keys(&mut a, "\u{1b}");
    keys(&mut a, "t");
    // Weights toggle with Enter.
    let wi = lrat::tui::screens::train::FIELDS
        .iter()
        .position(|f| *f == Field::Weights)
        .unwrap();
    keys(&mut a, "g");
    for _ in 0..wi {
        keys(&mut a, "j");
    }
    keys(&mut a, "\n");
    assert_eq!(a.train().form.get(Field::Weights), "off");
    keys(&mut a, "\n");
    assert_eq!(a.train().form.get(Field::Weights), "on");
    keys(&mut a, "L");
    assert!(a.status().contains("train a model first"), "{}", a.status());
    // No channel in tests: the job runs inline and its events are applied in order.
    keys(&mut a, "S");
    assert!(
        a.train().state.starts_with("done after"),
        "{}",
        a.train().state
    );
    assert!(!a.train().progress.loss.is_empty());
    assert!(
        a.train().progress.bm25.is_some()
            && a.train().progress.base.is_some()
            && a.train().progress.trained().is_some()
    );
    // Each start trains into a new folder under the one the form names.
    let out = a.train().out.clone().unwrap();
    assert_eq!(
        out.parent(),
        Some(std::path::Path::new(a.train().form.get(Field::Out)))
    );
    assert!(out.join("model.safetensors").is_file());
    assert!(out.join("metrics.jsonl").is_file());
    // This workspace was not written by lrat synth: there is no agent to re-run.
    keys(&mut a, "L");
    assert!(
        a.status().contains("open a workspace it wrote"),
        "{}",
        a.status()
    );
    assert!(a.train().closed_loop.is_empty() && a.train().loop_state.is_none());
    assert_ne!(
        lrat::tui::screens::train::new_run_dir(out.parent().unwrap()),
        out,
        "the next start gets another folder"
    );
    assert_eq!(lrat::sys::utc_stamp(0), "19700101-000000");
    assert_eq!(lrat::sys::utc_stamp(951_782_400), "20000229-000000");
    assert_eq!(lrat::sys::utc_stamp(1_700_000_000), "20231114-221320");
}

/// On a simulated workspace, `L` after training re-runs the questions training held out in the
/// simulated agent, with BM25 and with the trained model, and the screen shows the agent's
/// figures for each.
#[test]
fn train_screen_closes_the_loop_on_a_simulated_workspace() {
    use lrat::tui::screens::train::Field;
    let ws = tempfile::tempdir().unwrap();
    lrat::synth::generate(ws.path(), 16, 300, 5, &lrat::synth::Knobs::default()).unwrap();
    let mut a = app(ws.path());
    keys(&mut a, "t");
    for (f, v) in [
        (Field::Model, "scratch"),
        (Field::Epochs, "1"),
        (Field::Batch, "4"),
        (Field::Group, "2"),
        (Field::QueryLen, "16"),
        (Field::PassageLen, "32"),
        (Field::Holdout, "0.25"),
    ] {
        a.set_train_setting(f, v);
    }
    keys(&mut a, "L");
    assert!(a.status().contains("train a model first"), "{}", a.status());
    keys(&mut a, "S");
    assert!(
        a.train().state.starts_with("done after"),
        "{}",
        a.train().state
    );
    let out = a.train().out.clone().unwrap();
    keys(&mut a, "L");
    assert!(!a.train().loop_running, "{:?}", a.train().loop_state);
    let names: Vec<&str> = a
        .train()
        .closed_loop
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["BM25", "trained"],
        "{:?} {}",
        a.train().loop_state,
        a.status()
    );
    let held = lrat::train::worker::TrainerState::read(&out)
        .unwrap()
        .unwrap()
        .held_out_runs
        .len();
    assert!(held > 0);
    for f in &a.train().closed_loop {
        assert_eq!(f.runs, held, "{f:?}");
        assert!(f.evidence_recall.is_some(), "{f:?}");
    }
    assert_eq!(a.train().closed_loop[0].retriever.as_deref(), Some("bm25"));
    let dense = a.train().closed_loop[1].retriever.as_deref().unwrap();
    assert!(dense.starts_with("dense"), "{dense}");
    assert!(out.join("closed-loop/trained/runs").is_dir());
    let shown = screen(&a, 120, 40);
    assert!(
        shown.contains("Closed loop") && shown.contains("evidence recall"),
        "{shown}"
    );
}

/// In the detail pane, Home/End and PgDn scroll the detail (never past its end) and leave the
/// timeline where it is; a filter change keeps the open run selected when it is still shown.
#[test]
fn detail_scrolling_stays_in_the_detail_and_in_bounds() {
    let ws = crate::sample_copy();
    let mut a = app(ws.path());
    // What drawing at 80×12 sets.
    a.resize(80, 12);
    keys(&mut a, "\n");
    // The first browse: its detail holds the page, longer than the pane.
    let ri = a.current_run().unwrap();
    let browse = a.runs()[ri]
        .steps
        .iter()
        .position(|s| matches!(s.kind, lrat::run::StepKind::Browse(_)))
        .unwrap();
    keys(&mut a, &"j".repeat(browse));
    keys(&mut a, "\t");
    let step = a.screens().run.step;
    let press =
        |a: &mut App, code: KeyCode| a.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    press(&mut a, KeyCode::End);
    let max = a.screens().run.detail_scroll;
    assert!(max > 0, "this step's detail is longer than the pane");
    press(&mut a, KeyCode::Home);
    for _ in 0..50 {
        press(&mut a, KeyCode::PageDown);
    }
    assert_eq!(a.screens().run.detail_scroll, max, "PgDn stops at the end");
    press(&mut a, KeyCode::Home);
    assert_eq!(
        (a.screens().run.detail_scroll, a.screens().run.step),
        (0, step),
        "Home scrolls the detail only"
    );
    press(&mut a, KeyCode::End);
    assert_eq!(
        (a.screens().run.detail_scroll, a.screens().run.step),
        (max, step),
        "End scrolls the detail only"
    );
    // Back to the list: the filter keeps the selected run when it still shows it.
    keys(&mut a, "\u{1b}j");
    let chosen = a.current_run();
    keys(&mut a, "f");
    if a.screens().runs.order.contains(&chosen.unwrap()) {
        assert_eq!(a.current_run(), chosen);
    }
}

/// The help scrolls and is whole at 80×24: its last key and closing note can be brought into
/// view; other keys do not close it; Esc does.
#[test]
fn help_scrolls_to_its_end_at_80x24() {
    let ws = crate::sample_copy();
    let mut a = app(ws.path());
    a.resize(80, 24);
    keys(&mut a, "?");
    let top = screen(&a, 80, 24);
    let last_key = lrat::tui::keymap::BINDINGS.last().unwrap().help;
    assert!(!top.contains("? or Esc closes."), "{top}");
    keys(&mut a, "x");
    assert_eq!(a.screen(), Screen::Help, "x does not close the help");
    keys(&mut a, "G");
    let end = screen(&a, 80, 24);
    assert!(end.contains("? or Esc closes."), "{end}");
    assert!(end.contains(last_key), "{end}");
    insta::assert_snapshot!("help_80x24_scrolled", end);
    // `/` searches the keys: only those whose key or words match, as typed and once entered.
    keys(&mut a, "/undo");
    let typing = screen(&a, 80, 24);
    assert!(typing.contains("keys match “undo”"), "{typing}");
    keys(&mut a, "\n");
    let found = screen(&a, 80, 24);
    assert!(found.contains("u           undo"), "{found}");
    assert!(!found.contains("next row or step"), "{found}");
    insta::assert_snapshot!("help_search_80x24", found);
    keys(&mut a, "/zzzz\n");
    assert!(screen(&a, 80, 24).contains("no key matches “zzzz”"));
    // Esc clears the search first, then closes.
    keys(&mut a, "\u{1b}");
    assert_eq!(a.screen(), Screen::Help);
    assert!(screen(&a, 80, 24).contains("next row or step"));
    keys(&mut a, "\u{1b}");
    assert_ne!(a.screen(), Screen::Help);
}

/// The Run screen as a labelling desk: the header, run correctness and a note written from the
/// keyboard (both surviving a restart, the note shown in the Runs list), and `]` to the next
/// browse no human has reviewed.
#[test]
fn run_header_correctness_note_and_next_unreviewed() {
    let ws = crate::sample_copy();
    let mut a = app(ws.path());
    keys(&mut a, "\n");
    assert_eq!(a.screen(), Screen::Run);
    insta::assert_snapshot!("run_header_120x40", screen(&a, 120, 40));
    let ri = a.current_run().unwrap();
    let id = a.runs()[ri].id.clone();
    let before = a.derived().rows[ri].outcome;
    keys(&mut a, "c");
    assert_eq!(
        a.derived().rows[ri].outcome.name(),
        "correct",
        "{}",
        a.status()
    );
    assert_eq!(a.derived().rows[ri].source.name(), "human");
    keys(&mut a, "c");
    assert_eq!(a.derived().rows[ri].outcome.name(), "incorrect");
    keys(&mut a, ":odd answer format\n");
    assert_eq!(
        a.derived().rows[ri].note.as_deref(),
        Some("odd answer format"),
        "{}",
        a.status()
    );
    let s = screen(&a, 120, 40);
    assert!(
        s.contains("note odd answer format") && s.contains("incorrect (human)"),
        "{s}"
    );
    // `]` goes to a browse without a human verdict; labelling it moves `]` on.
    keys(&mut a, "]");
    let first = (a.current_run().unwrap(), a.screens().run.step);
    assert!(matches!(
        a.runs()[first.0].steps[first.1].kind,
        lrat::run::StepKind::Browse(_)
    ));
    keys(&mut a, "a]");
    assert_ne!(
        (a.current_run().unwrap(), a.screens().run.step),
        first,
        "{}",
        a.status()
    );
    // After a restart: the correctness and the note are still there, and listed.
    drop(a);
    let a = app(ws.path());
    let ri = a.runs().iter().position(|r| r.id == id).unwrap();
    assert_eq!(a.derived().rows[ri].outcome.name(), "incorrect");
    assert_ne!(before.name(), "human");
    let s = screen(&a, 120, 40);
    assert!(s.contains("✎ odd answer format"), "{s}");
}

/// `q` while training runs asks first, then stops the training, waits for its checkpoint and
/// quits; `n` keeps everything running.
#[test]
fn quitting_while_training_asks_then_stops_cleanly() {
    let ws = crate::sample_copy();
    let mut a = app(ws.path());
    keys(&mut a, "t");
    a.update(Msg::Train(lrat::train::worker::TrainEvent::Started {
        model: "scratch".into(),
        note: None,
        pooling: "mean".into(),
        chunk: 8,
        examples: 10,
        train_examples: 8,
        held_out_runs: 1,
        held_out_queries: 2,
        eval_docs: 20,
        total_steps: 5,
        first_step: 0,
        lr: 1e-4,
    }));
    keys(&mut a, "q");
    assert!(!a.quitting());
    assert!(a.confirm().is_some());
    let s = screen(&a, 80, 24);
    assert!(s.contains("Training is running"), "{s}");
    keys(&mut a, "n");
    assert!(!a.quitting() && a.confirm().is_none() && a.train().running);
    keys(&mut a, "qy");
    assert!(!a.quitting(), "it waits for the worker to stop");
    assert!(a.quitting_when_stopped());
    a.update(Msg::Train(lrat::train::worker::TrainEvent::Done {
        step: 3,
        cancelled: true,
        path: ws.path().join("m"),
    }));
    assert!(a.quitting());
}

/// Train settings are checked as they are typed, shown whole on the bottom line while edited,
/// and a value that does not parse is not taken.
#[test]
fn train_form_checks_values_as_typed() {
    let ws = crate::sample_copy();
    let mut a = app(ws.path());
    keys(&mut a, "tjj\n");
    assert_eq!(a.train().editing.as_deref(), Some("16"));
    keys(&mut a, "x");
    let s = screen(&a, 80, 24);
    let last = s.lines().last().unwrap();
    assert!(last.contains("batch: 16x") && last.contains("✗"), "{last}");
    keys(&mut a, "\n");
    assert!(
        a.train().editing.is_some(),
        "an invalid value stays in the editor"
    );
    assert_eq!(a.train().form.values[2], "16");
    a.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('u'),
        KeyModifiers::CONTROL,
    )));
    keys(&mut a, "0");
    assert!(a.train().check_edit().unwrap_err().contains("at least 1"));
    a.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('u'),
        KeyModifiers::CONTROL,
    )));
    keys(&mut a, "8\n");
    assert!(a.train().editing.is_none());
    assert_eq!(a.train().form.values[2], "8");
    // A long value is shown whole while it is typed, though the form's column is narrow.
    keys(&mut a, "gg\n");
    a.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('u'),
        KeyModifiers::CONTROL,
    )));
    keys(&mut a, "/models/a-rather-long/folder/name/all-MiniLM-L6-v2");
    let s = screen(&a, 120, 40);
    assert!(
        s.lines()
            .last()
            .unwrap()
            .contains("model: /models/a-rather-long/folder/name/all-MiniLM-L6-v2"),
        "{s}"
    );
    keys(&mut a, "\u{1b}");
    assert_eq!(
        a.train().form.values[0],
        "auto",
        "Esc leaves the value as it was"
    );
}

/// The browsed-rank chart has a bar for every rank up to the deepest browsed, empty ones too.
#[test]
fn rank_chart_keeps_empty_ranks() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("runs")).unwrap();
    let hits: Vec<serde_json::Value> = (1..=5)
        .map(|i| serde_json::json!({"docid": format!("d{i}"), "title": format!("T{i}"), "snippet": "s"}))
        .collect();
    let run = serde_json::json!({"run_id": "x", "question": "q?", "steps": [
        {"type": "search", "query": "q", "hits": hits},
        {"type": "browse", "docid": "d1", "text": "page one"},
        {"type": "reasoning", "text": "useful"},
        {"type": "browse", "docid": "d5", "text": "page five"},
        {"type": "reasoning", "text": "also useful"},
        {"type": "answer", "text": "a"}]});
    std::fs::write(dir.path().join("runs/x.jsonl"), format!("{run}\n")).unwrap();
    let mut a = app(dir.path());
    keys(&mut a, "3");
    let s = screen(&a, 120, 40);
    // One line a rank, 1 to 5, the empty ones bare; the count beside each bar.
    for (r, bar) in [(1, "█ 1"), (2, "│ 0"), (3, "│ 0"), (4, "│ 0"), (5, "█ 1")] {
        assert!(
            s.lines()
                .any(|l| l.contains(&format!("   {r} │")) && l.contains(bar)),
            "rank {r}: {s}"
        );
    }
}

/// The mouse wheel moves in the Run screen's pane under the pointer, not the focused one, and
/// leaves the focus where it was.
#[test]
fn mouse_wheel_scrolls_the_pane_under_the_pointer() {
    use crossterm::event::{MouseEvent, MouseEventKind};
    use lrat::tui::screens::run::Pane;
    let ws = crate::sample_copy();
    let mut a = app(ws.path());
    a.resize(100, 25);
    keys(&mut a, "\n");
    let wheel = |a: &mut App, down: bool, column: u16| {
        let kind = if down {
            MouseEventKind::ScrollDown
        } else {
            MouseEventKind::ScrollUp
        };
        a.update(Msg::Mouse(MouseEvent {
            kind,
            column,
            row: 10,
            modifiers: KeyModifiers::NONE,
        }))
    };
    assert_eq!(
        (a.screens().run.pane, a.screens().run.step),
        (Pane::Timeline, 0)
    );
    // Over the detail pane (right of 38 % of 100 columns) with the timeline focused: the detail
    // scrolls, the step stays.
    for _ in 0..3 {
        wheel(&mut a, true, 70);
    }
    assert_eq!(
        (a.screens().run.pane, a.screens().run.step),
        (Pane::Timeline, 0)
    );
    assert!(
        a.screens().run.detail_scroll > 0 || a.screens().run.hit > 0,
        "the detail moved"
    );
    // Over the timeline: the next steps.
    wheel(&mut a, true, 10);
    wheel(&mut a, true, 10);
    assert_eq!(
        (a.screens().run.pane, a.screens().run.step),
        (Pane::Timeline, 2)
    );
    wheel(&mut a, false, 37);
    assert_eq!(a.screens().run.step, 1);
    // With the detail focused, the wheel over the timeline still moves the timeline.
    keys(&mut a, "\t");
    wheel(&mut a, true, 5);
    assert_eq!(
        (a.screens().run.pane, a.screens().run.step),
        (Pane::Detail, 2)
    );
}

/// `J` then `l`: the LLM judge from the app against a loopback server. A browse whose every
/// attempt fails stays pending (no verdict, counted in the status), `J` then `p` retries only
/// it, the verdicts land in `.lrat/verdicts.jsonl`, and a restart reads them back.
#[test]
fn llm_judge_from_the_app_with_pending_and_retry() {
    use crate::server::{Reply, Server};
    use lrat::tui::screens::judge::LlmSettings;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    // A judge that judges nothing (every attempt fails) changes no pair and writes nothing.
    {
        let down = Server::start(|_, _| Reply::Status(503, "down".into()));
        let ws = crate::sample_copy();
        let mut a = app(ws.path());
        let mut cfg = lrat::config::Config::load_from(std::path::Path::new("/nonexistent"))
            .unwrap()
            .judge;
        (cfg.url, cfg.attempts, cfg.backoff_ms, cfg.backoff_max_ms) = (down.url.clone(), 1, 1, 1);
        a.set_llm_judge(LlmSettings { cfg, cache: None });
        keys(&mut a, "Jl");
        assert_eq!(a.derived().total_pairs, 14, "{}", a.status());
        assert!(a.verdicts().is_none());
        assert!(a.status().contains("judged no browses") && a.status().contains("14 pending"));
        // Why: the server's answer, not only a count.
        assert!(a.status().contains("503"), "{}", a.status());
        assert!(!ws.path().join(".lrat/verdicts.jsonl").exists());
    }
    let failing = Arc::new(AtomicBool::new(true));
    let f = failing.clone();
    // One request at a time: the first browse's two attempts fail while `failing` is set.
    let server = Server::start(move |n, _| {
        if n < 2 && f.load(Ordering::SeqCst) {
            Reply::Status(503, "busy".into())
        } else if n % 3 == 0 {
            Reply::Content("NOT_RELEVANT".into())
        } else {
            Reply::Content("RELEVANT".into())
        }
    });
    let ws = crate::sample_copy();
    let mut a = app(ws.path());
    let mut cfg = lrat::config::Config::load_from(std::path::Path::new("/nonexistent"))
        .unwrap()
        .judge;
    cfg.url = server.url.clone();
    cfg.model = "judge-test".into();
    cfg.concurrency = 1;
    cfg.attempts = 2;
    cfg.backoff_ms = 1;
    cfg.backoff_max_ms = 2;
    a.set_llm_judge(LlmSettings { cfg, cache: None });

    keys(&mut a, "J");
    let s = screen(&a, 120, 40);
    assert!(
        s.contains("l  the LLM judge: judge-test at") && s.contains("http://127.0.0.1:"),
        "{s}"
    );
    assert!(!s.contains("left pending"), "nothing pending yet: {s}");
    keys(&mut a, "l");
    assert!(a.confirm().is_none());
    assert!(
        a.status().contains("judged 13 browses") && a.status().contains("1 pending"),
        "{}",
        a.status()
    );
    assert_eq!(a.judging().pending().len(), 1);
    assert_eq!(
        server.count(),
        15,
        "2 attempts for the failing browse, 1 for the rest"
    );
    let verdicts = ws.path().join(".lrat/verdicts.jsonl");
    let lines = |p: &std::path::Path| std::fs::read_to_string(p).unwrap().lines().count();
    assert_eq!(lines(&verdicts), 13);
    let text = std::fs::read_to_string(&verdicts).unwrap();
    assert!(
        text.contains("\"judge-test\""),
        "the model is recorded: {text}"
    );

    failing.store(false, Ordering::SeqCst);
    keys(&mut a, "J");
    assert!(
        screen(&a, 120, 40).contains("p  the LLM judge on the 1 browses it left pending"),
        "the dialog offers the retry"
    );
    keys(&mut a, "p");
    assert_eq!(server.count(), 16, "only the pending browse is asked again");
    assert!(a.judging().pending().is_empty());
    assert!(a.status().contains("judged 1 browses"), "{}", a.status());
    assert_eq!(lines(&verdicts), 14);

    // Esc leaves without judging; a restart reads every verdict back.
    keys(&mut a, "J\u{1b}");
    assert_eq!(server.count(), 16);
    let b = app(ws.path());
    let judged: usize = b.verdicts().unwrap().0.values().map(|m| m.len()).sum();
    assert_eq!(judged, 14);
    // With the judge's words: the model and its reply, shown in the browse's detail.
    let r = b.reasons().get("s1", 3).expect("a reason for s1:3");
    assert_eq!((r.judge.name(), r.model.as_str()), ("llm", "judge-test"));
}

/// Writes a training folder as the trainer would: `metrics.jsonl` and `trainer_state.json`.
fn past_run(dir: &std::path::Path, lr: f64, steps: usize, mrr_end: f64, end: Option<bool>) {
    use lrat::train::worker::{TrainConfig, TrainEvent};
    std::fs::create_dir_all(dir).unwrap();
    let mut events = vec![
        TrainEvent::Started {
            model: "/models/all-MiniLM-L6-v2/model".into(),
            pooling: "mean".into(),
            chunk: 64,
            note: None,
            examples: 115,
            train_examples: 101,
            held_out_runs: 3,
            held_out_queries: 14,
            eval_docs: 1500,
            total_steps: 14,
            first_step: 0,
            lr,
        },
        TrainEvent::Eval {
            step: 0,
            system: lrat::train::eval::System::Bm25,
            metrics: metrics(0.9, 0.55, true),
        },
        TrainEvent::Eval {
            step: 0,
            system: lrat::train::eval::System::Base,
            metrics: metrics(0.9, 0.6, true),
        },
    ];
    for step in 1..=steps {
        events.push(TrainEvent::Step {
            step,
            epoch: 1,
            loss: 1.0 / step as f64,
            lr,
            grad_norm: 1.0,
            examples_per_s: 5.0,
            elapsed_s: step as f64 * 3.0,
        });
        if step % 2 == 0 {
            let m = 0.6 + (mrr_end - 0.6) * step as f64 / steps as f64;
            events.push(TrainEvent::Eval {
                step,
                system: lrat::train::eval::System::Model,
                metrics: metrics(0.93, m, true),
            });
        }
    }
    if let Some(cancelled) = end {
        events.push(TrainEvent::Done {
            step: steps,
            cancelled,
            path: dir.to_path_buf(),
        });
    }
    let mut text: String = events
        .iter()
        .map(|e| serde_json::to_string(e).unwrap() + "\n")
        .collect();
    if end.is_none() {
        // A torn last line, as a killed process leaves it.
        text.push_str("{\"event\":\"step\",\"ste");
    }
    std::fs::write(dir.join("metrics.jsonl"), text).unwrap();
    let config = TrainConfig {
        lr: Some(lr),
        ..TrainConfig::preset(lrat::train::worker::Preset::Quick)
    };
    let state = serde_json::json!({"step": steps, "config": config});
    std::fs::write(dir.join("trainer_state.json"), state.to_string()).unwrap();
}

/// `H` on the Train screen: earlier runs from their folders with settings and final figures
/// side by side (a torn log line named, not fatal), `o` overlays a run's curve with a legend,
/// `H` closes.
#[test]
fn train_history_compares_earlier_runs_and_overlays_their_curves() {
    let ws = crate::sample_copy();
    let root = ws.path().display().to_string();
    let base = ws.path().join(".lrat/runs");
    past_run(&base.join("20261120-101500"), 2e-5, 14, 0.83, Some(false));
    past_run(&base.join("20261121-090000"), 1e-6, 6, 0.61, Some(true));
    past_run(&base.join("20261122-170000"), 5e-5, 4, 0.70, None);
    std::fs::create_dir_all(base.join("not-a-run")).unwrap();
    let mut a = app(ws.path());
    keys(&mut a, "t");
    a.set_train_setting(Field::Out, &base.display().to_string());
    keys(&mut a, "H");
    let h = a.train().history.as_ref().unwrap();
    assert_eq!(h.runs.len(), 3, "folders without a log are not runs");
    assert_eq!(h.selected, 2, "the newest is selected");
    assert!(
        a.status().contains("3 earlier training runs")
            && a.status().contains("1 unreadable lines")
            && a.status().contains("20261122-170000/metrics.jsonl:"),
        "{}",
        a.status()
    );
    assert_eq!(h.runs[0].progress.trained().unwrap().mrr_10, 0.83);
    keys(&mut a, "kk");
    keys(&mut a, "o");
    // The field is cut to its pane: write it without the temporary folder for the snapshot.
    a.set_train_setting(Field::Out, "<ws>/.lrat/runs");
    let s = screen(&a, 120, 40).replace(&root, "<ws>");
    assert!(s.contains("MRR@10 20261120-101500"), "legend: {s}");
    insta::assert_snapshot!("train_history", s);
    // At 80×24 the history keeps whole cells: run, steps, how it ended, loss, MRR@10.
    let small = screen(&a, 80, 24).replace(&root, "<ws>");
    assert!(small.contains("20261120-101500 14/14"), "{small}");
    assert!(small.contains("done"), "{small}");
    assert!(small.contains("0.830"), "{small}");
    keys(&mut a, "o");
    assert!(a.train().history.as_ref().unwrap().overlaid.is_empty());
    keys(&mut a, "H");
    assert!(a.train().history.is_none());
    assert!(screen(&a, 120, 40).contains("Base vs trained vs BM25"));
}

/// One statistics computation: every Table 1 row the Stats screen shows has the figures
/// `lrat stats` prints for the same runs, and so do the length quantiles of Fig. 4d.
#[test]
fn stats_screen_and_lrat_stats_print_the_same_figures() {
    let ws = crate::sample_copy();
    let (code, cli, err) = crate::lrat_env(&["stats", ws.path().to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{err}");
    let mut a = app(ws.path());
    keys(&mut a, "3");
    let s = screen(&a, 120, 40);
    let cells = |line: &str, label: &str| -> Vec<String> {
        line.split('│')
            .find(|part| part.trim_start().starts_with(label))
            .map(|part| {
                part.trim_start()[label.len()..]
                    .split_whitespace()
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let labels = [
        "runs",
        "searches / run",
        "browses / run",
        "steps / run",
        "browse / search",
        "failed searches",
        "failed browses",
    ];
    for label in labels {
        let want = cells(cli.lines().find(|l| l.starts_with(label)).unwrap(), label);
        let got = cells(
            s.lines()
                .find(|l| l.contains(&format!("│{label} ")))
                .unwrap_or_else(|| panic!("{label}: {s}")),
            label,
        );
        assert_eq!(got, want, "{label}");
    }
    // Fig. 4a's heat map carries the four transition probabilities, all runs first.
    for label in ["P(browse | search)", "P(search | browse)"] {
        let want = cells(cli.lines().find(|l| l.starts_with(label)).unwrap(), label);
        assert!(
            want.iter().all(|p| s.contains(p.as_str())),
            "{label}: {want:?} {s}"
        );
    }
    // The length quantiles: `lrat stats`'s p10 … p90 of all runs are on the box plot's row.
    let q = |label: &str| {
        cells(
            cli.lines().find(|l| l.starts_with(label)).unwrap(),
            label.trim(),
        )[0]
        .clone()
    };
    let row = s.lines().find(|l| l.contains("│all ")).unwrap();
    for v in [
        q("  p10"),
        q("  p25"),
        q("  median"),
        q("  p75"),
        q("  p90"),
    ] {
        assert!(row.contains(&format!(" {v} ")), "{v}: {row}");
    }
}

/// A status message belongs to its screen: moving to another screen clears it, and a move that
/// has something to say says it.
#[test]
fn status_messages_do_not_follow_to_other_screens() {
    let ws = crate::sample_copy();
    let mut a = app(ws.path());
    keys(&mut a, "2s");
    assert!(a.status().contains("pairs sorted by"), "{}", a.status());
    keys(&mut a, "1");
    assert_eq!(a.status(), "");
    assert!(!screen(&a, 120, 40).contains("pairs sorted by"));
    keys(&mut a, "s");
    assert!(a.status().contains("sorted by"), "{}", a.status());
    keys(&mut a, "S");
    assert!(a.status().contains("Train screen"), "{}", a.status());
}

/// Starting training with no pairs says so and leaves no run folder behind.
#[test]
fn training_with_no_pairs_says_so_and_writes_nothing() {
    let ws = crate::sample_copy();
    let mut a = app(ws.path());
    keys(&mut a, "2Dy");
    assert_eq!(a.derived().total_pairs, 0);
    keys(&mut a, "4S");
    assert_eq!(a.train().state, "no pairs to train on");
    assert!(!a.train().running);
    assert!(!ws.path().join(".lrat/runs").exists());
}

/// Feeds the loader's messages for `opts` into a prepared app, as the terminal loop does.
pub(crate) fn load_with(opts: &OpenOptions) -> App {
    let mut app = tui::prepare(opts).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    tui::spawn_loader(opts, tx);
    for msg in rx.iter() {
        let done = matches!(msg, Msg::Load(LoadEvent::Done));
        app.update(msg);
        if done {
            break;
        }
    }
    app
}

/// A questions file the app cannot read is shown like a rejected run file, never dropped.
#[test]
fn a_questions_file_that_cannot_be_read_is_shown() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs");
    std::fs::create_dir(&runs).unwrap();
    std::fs::copy(
        crate::fixture("runs/numbered.jsonl"),
        runs.join("numbered.jsonl"),
    )
    .unwrap();
    let q = dir.path().join("questions.json");
    std::fs::write(&q, "[{\"query_id\": \"n1\", \"query\": \"Which number").unwrap();
    let a = load_with(&OpenOptions {
        runs: vec![runs.clone()],
        questions: Some(q),
        labels: Some(dir.path().join(".lrat")),
        ..OpenOptions::default()
    });
    let s = screen(&a, 120, 40);
    assert!(s.contains("1 rejected"), "{s}");
    assert!(s.contains("questions.json:1"), "{s}");
    // The whole message, wrapped, even at 80 columns: nothing cut at the terminal's width.
    let s = screen(&a, 80, 24);
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("EOF while parsing a string); 2 runs have no question"),
        "{s}"
    );
    // The same runs with a JSON-object questions file get their questions.
    let q = dir.path().join("questions_object.json");
    std::fs::write(&q, r#"{"n2": "Which number is eight, in words?"}"#).unwrap();
    let a = load_with(&OpenOptions {
        runs: vec![runs],
        questions: Some(q),
        labels: Some(dir.path().join(".lrat")),
        ..OpenOptions::default()
    });
    let s = screen(&a, 120, 40);
    assert!(s.contains("0 rejected") || !s.contains("rejected"), "{s}");
}

/// Three retrievers' files over the same questions (ids "0", "1" in each): each run is known by
/// its file, the list says which file a row is from, a label on one run stays on that run, and
/// qrels still flag evidence by the question's id.
#[test]
fn runs_sharing_ids_across_files_are_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs");
    std::fs::create_dir(&runs).unwrap();
    let text = std::fs::read_to_string(crate::fixture("runs/numbered.jsonl"))
        .unwrap()
        .replace("\"n1\"", "\"0\"")
        .replace("\"n2\"", "\"1\"");
    for name in ["bm25", "qwen", "e5"] {
        std::fs::write(runs.join(format!("{name}.jsonl")), &text).unwrap();
    }
    std::fs::write(dir.path().join("qrels.txt"), "0 Q0 8 1\n").unwrap();
    let mut a = load_with(&OpenOptions {
        runs: vec![dir.path().to_path_buf()],
        ..OpenOptions::default()
    });
    let ids: Vec<&str> = a.runs().iter().map(|r| r.id.as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["bm25/0", "bm25/1", "e5/0", "e5/1", "qwen/0", "qwen/1"]
    );
    let s = screen(&a, 120, 40);
    // Each question is in three run sets (⇄3: C compares them).
    assert!(s.contains("│run       file"), "{s}");
    assert!(s.contains("⇄3 bm25/0 bm25:1"), "{s}");
    assert!(s.contains("⇄3 qwen/1 qwen:2"), "{s}");
    // Open bm25/0 and mark its browse not relevant: only that run's pair goes.
    assert_eq!(a.derived().total_pairs, 6);
    keys(&mut a, "\nj");
    let s = screen(&a, 120, 40);
    assert!(s.contains("run bm25/0"), "{s}");
    assert!(
        s.contains("[evidence]"),
        "qrels are joined by the question's id: {s}"
    );
    keys(&mut a, "r");
    assert_eq!(a.derived().total_pairs, 5);
    let labels = std::fs::read_to_string(dir.path().join(".lrat/labels.jsonl")).unwrap();
    assert!(labels.contains("\"run_id\":\"bm25/0\""), "{labels}");
    drop(a);
    // One of the files opened alone knows its runs as `0`, `1`: the app says that labels
    // were written for them with the other files open, rather than showing none silently.
    let alone = load_with(&OpenOptions {
        runs: vec![runs.join("bm25.jsonl")],
        labels: Some(dir.path().join(".lrat")),
        ..OpenOptions::default()
    });
    assert_eq!(alone.runs()[0].id, "0");
    assert!(
        alone
            .status()
            .contains("labels for 1 run(s) known by their file (bm25/0…)"),
        "{}",
        alone.status()
    );
    // The CLI reads the same identities and says why.
    let pairs = dir.path().join("pairs.jsonl");
    let (code, _, err) = crate::lrat_env(
        &[
            "mine",
            dir.path().to_str().unwrap(),
            "--out",
            pairs.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let out = std::fs::read_to_string(&pairs).unwrap();
    let out_before = out.clone();
    assert_eq!(out.lines().count(), 5, "{out}");
    assert!(
        out.contains("\"run_id\":\"qwen/0\"") && !out.contains("\"run_id\":\"bm25/0\""),
        "{out}"
    );
    assert!(
        err.contains("run id `0` is shared by 3 runs; each is known by where it came from: bm25/0, e5/0, qwen/0"),
        "{err}"
    );
    // inspect names the runs an ambiguous id could mean.
    let (code, _, err) = crate::lrat_env(&["inspect", runs.to_str().unwrap(), "--run", "1"], &[]);
    assert_ne!(code, 0);
    assert!(err.contains("name one of bm25/1, e5/1, qwen/1"), "{err}");
    let (code, out, err) =
        crate::lrat_env(&["inspect", runs.to_str().unwrap(), "--run", "qwen/1"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("number eight"), "{out}");
    // mine with every input rejected leaves an earlier output as it was.
    std::fs::write(dir.path().join("bad.json"), "{\"query_id\": ").unwrap();
    let (code, _, err) = crate::lrat_env(
        &[
            "mine",
            dir.path().join("bad.json").to_str().unwrap(),
            "--out",
            pairs.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 1);
    assert!(err.contains("was not written"), "{err}");
    assert_eq!(std::fs::read_to_string(&pairs).unwrap(), out_before);
}

/// A BrowseComp-length question is wrapped in the Run header: three lines and how to see the
/// rest, and `v` shows all of it (at 80×24 too).
#[test]
fn a_long_question_is_readable_whole() {
    let ws = crate::sample_copy();
    let a = app(ws.path());
    let long = "A brig was launched in the 1840s by a shipwright whose yard stood on an island \
                that later gave its name to a lighthouse; the lighthouse's first keeper wrote a \
                logbook that was published a century later by a historian who also wrote about \
                the harbour's dredging. The historian's publisher was founded in a town whose \
                church burned in a year when a comet was seen. In what year was the birthplace \
                of the master of the brig's builder founded, and what is the final word here? \
                Zanzibarine.";
    let mut runs = (**a.runs()).clone();
    runs[0].question = Some(long.to_string());
    let mut a = tui::prepare(&OpenOptions {
        runs: vec![ws.path().to_path_buf()],
        ..OpenOptions::default()
    })
    .unwrap();
    a.update(Msg::Load(LoadEvent::runs(runs, Vec::new())));
    a.update(Msg::Load(LoadEvent::Done));
    keys(&mut a, "\n");
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let s = screen(&a, 80, 24);
    assert!(s.contains("Q A brig was launched in the 1840s"), "{s}");
    assert!(s.contains("more lines: v shows the whole question"), "{s}");
    assert!(!s.contains("Zanzibarine"), "{s}");
    keys(&mut a, "v");
    let s = screen(&a, 80, 24);
    assert!(
        flat(&s).contains("what is the final word here? Zanzibarine."),
        "{s}"
    );
    let s = screen(&a, 120, 40);
    assert!(flat(&s).contains("Zanzibarine."), "{s}");
    assert!(
        a.status().contains("whole question and note shown"),
        "{}",
        a.status()
    );
    keys(&mut a, "v");
    assert!(!screen(&a, 80, 24).contains("Zanzibarine"));
    assert!(a.status().contains("folded"), "{}", a.status());
}

/// `lrat mine` on a workspace reads the verdicts the app's judge kept beside the labels, as the
/// app does, and says so: the same pairs on both sides.
#[test]
fn mine_reads_the_verdicts_the_app_kept() {
    let ws = crate::sample_copy();
    let mut a = app(ws.path());
    keys(&mut a, "Jh");
    assert!(
        ws.path().join(".lrat/verdicts.jsonl").exists(),
        "{}",
        a.status()
    );
    let app_pairs = a.derived().total_pairs;
    drop(a);
    let out = ws.path().join("pairs.jsonl");
    let (code, _, err) = crate::lrat_env(
        &[
            "mine",
            ws.path().to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("kept beside the labels"), "{err}");
    let rows = std::fs::read_to_string(&out).unwrap();
    assert_eq!(rows.lines().count(), app_pairs, "{err}");
}

/// A second app on the same labels says at once that its labels are read-only, before any
/// label is refused.
#[test]
fn a_second_instance_says_its_labels_are_read_only() {
    let ws = crate::sample_copy();
    let first = app(ws.path());
    let second = app(ws.path());
    assert!(first.journal().unwrap().read_only().is_none());
    assert!(
        second.status().contains("labels read-only"),
        "{}",
        second.status()
    );
    let flat = screen(&second, 80, 24)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(flat.contains("labels read-only"), "{flat}");
}

/// A search's unbrowsed hits are called negatives only when a pair mined from that search uses
/// them: a later search whose results no pair uses says so.
#[test]
fn hits_are_negatives_only_when_a_pair_uses_them() {
    let ws = crate::sample_copy();
    let mut a = app(ws.path());
    keys(&mut a, "jjj\n");
    assert!(screen(&a, 120, 40).contains("run s4"));
    keys(&mut a, "j");
    let s = screen(&a, 120, 40);
    assert!(
        s.contains("1003 Jorun Pell  ○ unbrowsed: a negative of the pair from [2]"),
        "{s}"
    );
    keys(&mut a, "jjj");
    let s = screen(&a, 120, 40);
    assert!(s.contains("[4] search"), "{s}");
    assert!(s.contains("○ unbrowsed: no pair uses it"), "{s}");
    assert!(!s.contains("a negative of"), "{s}");
}

/// Files whose runs sort in another order than the files: the list opens on its first row, and
/// Runs and Pairs both order ids naturally (r2 before r10).
#[test]
fn a_folder_opens_at_the_top_and_ids_sort_naturally() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs");
    std::fs::create_dir(&runs).unwrap();
    let text = std::fs::read_to_string(crate::fixture("runs/numbered.jsonl")).unwrap();
    let first = text.lines().next().unwrap();
    for f in 0..12 {
        // File 00 holds run r11, file 11 holds run r0.
        let line = first.replace("\"n1\"", &format!("\"r{}\"", 11 - f));
        std::fs::write(runs.join(format!("{f:02}.json")), line).unwrap();
    }
    let a = load_with(&OpenOptions {
        runs: vec![runs],
        labels: Some(dir.path().join(".lrat")),
        ..OpenOptions::default()
    });
    assert_eq!(a.screens().runs.selected, 0);
    assert_eq!(a.runs()[a.current_run().unwrap()].id, "r0");
    let ids: Vec<&str> = a
        .screens()
        .pairs
        .order
        .iter()
        .map(|&i| {
            a.derived()
                .candidate(i)
                .unwrap()
                .candidate
                .pair
                .run_id
                .as_str()
        })
        .collect();
    assert_eq!(&ids[..4], ["r0", "r1", "r2", "r3"], "{ids:?}");
    assert_eq!(ids.last(), Some(&"r11"));
}

#[test]
fn the_selected_hit_stays_in_view_in_a_short_terminal() {
    let ws = crate::sample_copy();
    let mut a = app(ws.path());
    keys(&mut a, "\n");
    let ri = a.current_run().unwrap();
    let (pos, hits) = a.runs()[ri]
        .steps
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match &s.kind {
            lrat::run::StepKind::Search(x) => Some((i, x.hits.len())),
            _ => None,
        })
        .max_by_key(|x| x.1)
        .unwrap();
    assert!(hits >= 5, "{hits}");
    a.resize(80, 24);
    keys(&mut a, &"j".repeat(pos));
    keys(&mut a, "\t");
    for n in 1..hits {
        keys(&mut a, "j");
        let s = screen(&a, 80, 24);
        assert!(
            s.contains(&format!("▶{:>2}.", n + 1)),
            "hit {} not in view:\n{s}",
            n + 1
        );
    }
    for n in (0..hits - 1).rev() {
        keys(&mut a, "k");
        let s = screen(&a, 80, 24);
        assert!(
            s.contains(&format!("▶{:>2}.", n + 1)),
            "hit {} not in view:\n{s}",
            n + 1
        );
    }
}

#[test]
fn stats_at_80x24_keeps_table_1_and_every_box_plot() {
    let dir = tempfile::tempdir().unwrap();
    crate::copy_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_trajectories"),
        dir.path(),
    );
    let mut a = load_with(&OpenOptions {
        runs: vec![dir.path().to_path_buf()],
        ..OpenOptions::default()
    });
    a.resize(80, 24);
    keys(&mut a, "3");
    let s = screen(&a, 80, 24);
    for row in [
        "P(browse | search)",
        "P(search | search)",
        "P(search | browse)",
        "P(browse | browse)",
        "not relevant",
        "not evidence",
        "judge vs human",
    ] {
        assert!(s.contains(row), "{row} is cut:\n{s}");
    }
    assert!(s.contains("no failed calls"), "{s}");
}

/// The app keeps runs as shells (steps dropped once read, their skeleton kept) and reads a run
/// back whole when it is shown, judged or exported: the run shown has its document, and the
/// export from shells is byte for byte what `lrat mine` writes from the files.
#[test]
fn shells_are_read_back_for_the_run_shown_and_the_export() {
    let ws = tempfile::tempdir().unwrap();
    // Runs without a corpus: document texts come from the runs themselves.
    crate::copy_dir(&crate::fixture("workspace/runs"), &ws.path().join("runs"));
    let mut a = load_with(&OpenOptions {
        runs: vec![ws.path().to_path_buf()],
        ..OpenOptions::default()
    });
    let light = |a: &App| a.runs().iter().all(run::Run::is_shell);
    assert!(light(&a), "the loader keeps runs as shells");
    // Open s3 and go to its browse of 1002: its document is there.
    let s3 = a.runs().iter().position(|r| r.id == "s3").unwrap();
    keys(&mut a, &"j".repeat(s3));
    keys(&mut a, "\n");
    for _ in 0..6 {
        let s = screen(&a, 120, 40);
        if s.contains("archive of Quellin papers") {
            break;
        }
        keys(&mut a, "j");
    }
    let s = screen(&a, 120, 40);
    assert!(
        s.contains("archive of Quellin papers"),
        "the document, read back: {s}"
    );
    // Leaving it makes it a shell again.
    keys(&mut a, "\u{1b}");
    assert!(light(&a));
    // The export from shells equals lrat mine on the files.
    keys(&mut a, "e");
    let exported = std::fs::read(ws.path().join(".lrat/pairs.jsonl")).unwrap();
    let out = ws.path().join("mined.jsonl");
    let (rc, _, err) = crate::lrat_env(
        &[
            "mine",
            ws.path().to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(rc, 0, "{err}");
    assert_eq!(exported, std::fs::read(&out).unwrap());
}
