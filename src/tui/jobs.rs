//! The one shape of work off the draw loop (loading, judging, training, the closed loop): a job
//! is started with a piece of work that reports typed events through a [`Reporter`] (progress,
//! then its result) and looks at its cancel flag; the app turns each job's events into its one
//! message enum. Given a sink (the app's channel) the work runs on a thread of its own; without
//! one (tests) it runs here and its events come back, in order, for the caller to apply.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Where a job's events go; `false` back means nobody listens any more.
pub type Sink<E> = Box<dyn FnMut(E) -> bool + Send>;

/// What a job's work reports through; shared by its threads.
pub struct Reporter<E> {
    sink: Mutex<Sink<E>>,
    cancel: Arc<AtomicBool>,
}

impl<E> Reporter<E> {
    /// Reports one event; `false` when nobody listens any more (the work may stop).
    pub fn send(&self, e: E) -> bool {
        match self.sink.lock() {
            Ok(mut sink) => sink(e),
            Err(_) => false,
        }
    }

    /// Whether the job was asked to stop.
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// The cancel flag itself, for work that polls it (the trainer).
    pub fn cancel_flag(&self) -> &AtomicBool {
        &self.cancel
    }
}

/// A started job: what cancels it.
#[derive(Debug, Clone, Default)]
pub struct Job {
    cancel: Arc<AtomicBool>,
}

impl Job {
    /// Asks the work to stop at its next check.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

/// Starts `work`: on a thread reporting to `sink`, or, without a sink, here, returning its
/// events in the order it reported them.
pub fn start<E: Send + 'static>(
    work: impl FnOnce(&Reporter<E>) + Send + 'static,
    sink: Option<Sink<E>>,
) -> (Job, Vec<E>) {
    let job = Job::default();
    match sink {
        Some(sink) => {
            let r = Reporter {
                sink: Mutex::new(sink),
                cancel: job.cancel.clone(),
            };
            std::thread::spawn(move || work(&r));
            (job, Vec::new())
        }
        None => {
            let events = Arc::new(Mutex::new(Vec::new()));
            let into = events.clone();
            let r = Reporter {
                sink: Mutex::new(Box::new(move |e| {
                    into.lock().map(|mut v| v.push(e)).is_ok()
                })),
                cancel: job.cancel.clone(),
            };
            work(&r);
            drop(r);
            let events = Arc::try_unwrap(events)
                .ok()
                .and_then(|m| m.into_inner().ok())
                .unwrap_or_default();
            (job, events)
        }
    }
}

/// A sink that wraps each event into the app's message and sends it down `tx`.
pub fn sink_to<E: 'static, M: Send + 'static>(
    tx: &std::sync::mpsc::Sender<M>,
    wrap: fn(E) -> M,
) -> Sink<E> {
    let tx = tx.clone();
    Box::new(move |e| tx.send(wrap(e)).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_work_gives_its_events_in_order_and_sees_its_cancel_flag() {
        let (job, events) = start(
            |r: &Reporter<usize>| {
                for i in 0..3 {
                    r.send(i);
                }
                r.send(usize::from(r.cancelled()));
            },
            None,
        );
        assert_eq!(events, vec![0, 1, 2, 0]);
        job.cancel();
        assert!(job.cancel.load(Ordering::Relaxed));
    }

    #[test]
    fn threaded_work_reports_through_the_sink() {
        let (tx, rx) = std::sync::mpsc::channel();
        let (_job, events) = start(
            |r: &Reporter<u8>| {
                r.send(7);
            },
            Some(sink_to(&tx, |e: u8| u32::from(e) + 1)),
        );
        assert!(events.is_empty());
        assert_eq!(rx.recv().unwrap(), 8);
    }
}
