//! The Train screen's settings form: its fields, their values as typed, and typing a value
//! (checked as it is typed by the one check of training settings).

use crate::train::worker::{Preset, TrainConfig};
use crate::tui::component::Effect;

use super::TrainScreen;

/// One setting on the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Model,
    Epochs,
    Batch,
    Group,
    Temperature,
    Lr,
    Warmup,
    Holdout,
    QueryLen,
    PassageLen,
    MaxSteps,
    Weights,
    Out,
}

pub const FIELDS: [Field; 13] = [
    Field::Model,
    Field::Epochs,
    Field::Batch,
    Field::Group,
    Field::Temperature,
    Field::Lr,
    Field::Warmup,
    Field::Holdout,
    Field::QueryLen,
    Field::PassageLen,
    Field::MaxSteps,
    Field::Weights,
    Field::Out,
];

impl Field {
    pub fn label(self) -> &'static str {
        match self {
            Field::Model => "model",
            Field::Epochs => "epochs",
            Field::Batch => "batch",
            Field::Group => "group G",
            Field::Temperature => "temperature τ",
            Field::Lr => "learning rate",
            Field::Warmup => "warmup share",
            Field::Holdout => "held-out runs",
            Field::QueryLen => "query tokens",
            Field::PassageLen => "passage tokens",
            Field::MaxSteps => "stop after steps",
            Field::Weights => "intensity weights",
            Field::Out => "save to",
        }
    }
}

/// The Train screen's preset: its fields start at these settings, and `auto` takes its rates.
pub const PRESET: Preset = Preset::Quick;

/// The form's values as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub values: Vec<String>,
}

impl Form {
    pub(super) fn new(out: &str) -> Form {
        let c = TrainConfig::preset(PRESET);
        let values = FIELDS
            .iter()
            .map(|f| match f {
                Field::Model | Field::Lr => "auto".to_string(),
                Field::Epochs => c.epochs.to_string(),
                Field::Batch => c.batch.to_string(),
                Field::Group => c.group.to_string(),
                Field::Temperature => c.temperature.to_string(),
                Field::Warmup => c.warmup.to_string(),
                Field::Holdout => c.holdout.to_string(),
                Field::QueryLen => c.query_max_len.to_string(),
                Field::PassageLen => c.passage_max_len.to_string(),
                Field::MaxSteps => c.max_steps.map_or("all".into(), |m| m.to_string()),
                Field::Weights => if c.weighted { "on" } else { "off" }.to_string(),
                Field::Out => out.to_string(),
            })
            .collect();
        Form { values }
    }

    pub fn get(&self, f: Field) -> &str {
        FIELDS
            .iter()
            .position(|x| *x == f)
            .and_then(|i| self.values.get(i))
            .map(String::as_str)
            .unwrap_or_default()
    }

    /// Sets field `f` to `value`.
    pub fn set(&mut self, f: Field, value: &str) {
        if let Some(i) = FIELDS.iter().position(|x| *x == f) {
            self.values[i] = value.to_string();
        }
    }

    /// The settings, or which field is wrong.
    pub fn config(&self) -> Result<TrainConfig, String> {
        fn num<T: std::str::FromStr>(form: &Form, f: Field) -> Result<T, String> {
            form.get(f)
                .trim()
                .parse()
                .map_err(|_| format!("{}: `{}` is not a number", f.label(), form.get(f)))
        }
        let auto = |f: Field| matches!(self.get(f).trim(), "auto" | "all" | "");
        Ok(TrainConfig {
            epochs: num(self, Field::Epochs)?,
            batch: num(self, Field::Batch)?,
            group: num(self, Field::Group)?,
            temperature: num(self, Field::Temperature)?,
            lr: if auto(Field::Lr) {
                None
            } else {
                Some(num(self, Field::Lr)?)
            },
            warmup: num(self, Field::Warmup)?,
            holdout: num(self, Field::Holdout)?,
            query_max_len: num(self, Field::QueryLen)?,
            passage_max_len: num(self, Field::PassageLen)?,
            max_steps: if auto(Field::MaxSteps) {
                None
            } else {
                Some(num(self, Field::MaxSteps)?)
            },
            weighted: !matches!(self.get(Field::Weights).trim(), "off" | "no" | "false"),
            ..TrainConfig::preset(PRESET)
        })
    }
}

impl TrainScreen {
    /// Sets a field of the form (as if typed).
    pub fn set_setting(&mut self, f: Field, value: &str) {
        self.form.set(f, value);
    }

    /// Whether the value being typed would make valid settings: `Err` names the field and why.
    pub fn check_edit(&self) -> Result<(), String> {
        let Some(buf) = &self.editing else {
            return Ok(());
        };
        let mut form = self.form.clone();
        if let Some(slot) = form.values.get_mut(self.field) {
            *slot = buf.clone();
        }
        form.config()?.validate().map_err(|e| e.to_string())
    }
}

impl TrainScreen {
    /// A key while a value is typed.
    pub fn edit_key(&mut self, k: crossterm::event::KeyEvent) {
        use crossterm::event::{KeyCode, KeyModifiers};
        if self.editing.is_none() {
            return;
        }
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        if k.code == KeyCode::Enter
            && let Err(e) = self.check_edit()
        {
            // A value that does not parse stays in the editor, with the reason.
            self.state = e;
            return;
        }
        let Some(buf) = self.editing.as_mut() else {
            return;
        };
        match k.code {
            KeyCode::Enter => {
                let v = std::mem::take(buf);
                self.editing = None;
                if let Some(slot) = self.form.values.get_mut(self.field) {
                    *slot = v;
                }
                self.state = "settings changed".into();
            }
            KeyCode::Esc => self.editing = None,
            KeyCode::Char('c') if ctrl => self.editing = None,
            _ => crate::tui::keymap::edit_line(buf, k),
        }
    }

    /// Enter on a field: toggles weights, else starts typing a new value.
    pub(super) fn enter(&mut self) -> Effect {
        if self.running {
            return Effect::Status("settings are fixed while training runs".into());
        }
        match FIELDS.get(self.field) {
            Some(Field::Weights) => {
                let v = &mut self.form.values[self.field];
                *v = if v == "on" { "off" } else { "on" }.into();
            }
            Some(_) => self.editing = Some(self.form.values[self.field].clone()),
            None => {}
        }
        Effect::None
    }
}
