//! Agent runs: the data model and a reader per format.

mod atif;
pub mod atif_write;
mod chat;
mod chat_wire;
pub mod convert;
pub mod detect;
pub mod identity;
pub(crate) mod lenient;
pub mod load;
mod lrat;
pub mod model;
mod native;
pub mod questions;
mod responses;
mod search_r1;
pub mod skeleton;
mod tagged;
pub mod tools;

pub use load::{Loaded, ReadOptions, load, load_file};
pub use model::{Answer, Browse, Format, Hit, Meta, Other, Run, Search, Source, Step, StepKind};
pub use questions::Questions;
pub use skeleton::Skeleton;
pub use tools::ToolNames;
