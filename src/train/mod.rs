//! Training the retriever: a trainable BERT bi-encoder in candle, the weighted contrastive loss,
//! AdamW, evaluation, checkpoints and a worker thread that reports by events.

pub mod alloc;
pub mod bert;
pub mod checkpoint;
pub mod data;
pub mod encoder;
pub mod eval;
pub mod fused;
pub mod gradcache;
pub mod history;
pub mod loss;
pub mod optim;
pub mod progress;
pub mod resolve;
pub mod scratch;
pub mod source;
pub mod worker;
