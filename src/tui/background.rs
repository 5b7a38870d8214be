//! One shape for work off the draw loop: a job reports its events through a sink. Given the
//! app's channel it runs on a thread of its own; without one (tests) it runs here, and its
//! events come back in order for the caller to apply.

/// Where a job's events go; `false` back means nobody listens any more.
pub type Sink<E> = Box<dyn FnMut(E) -> bool + Send>;

/// Runs `work` on a thread that reports to `sink` (and returns nothing), or, without a sink,
/// here, returning its events.
pub fn run<E: 'static>(
    work: impl FnOnce(&mut dyn FnMut(E) -> bool) + Send + 'static,
    sink: Option<Sink<E>>,
) -> Vec<E> {
    match sink {
        Some(mut sink) => {
            std::thread::spawn(move || work(&mut *sink));
            Vec::new()
        }
        None => {
            let mut events = Vec::new();
            work(&mut |e| {
                events.push(e);
                true
            });
            events
        }
    }
}
