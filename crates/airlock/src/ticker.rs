//! One epoch ticker thread per engine. It ticks every millisecond while runs are active and
//! parks when the sandbox is idle, so an idle library costs no wake-ups.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use wasmtime::Engine;

/// The interval between epoch increments.
pub(crate) const TICK: Duration = Duration::from_millis(1);
const LINGER: Duration = Duration::from_millis(100);

struct Shared {
    active: AtomicUsize,
    parked: AtomicBool,
    stop: AtomicBool,
}

pub(crate) struct Ticker {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// Keeps the ticker running while alive.
pub(crate) struct Active<'a>(&'a Ticker);

impl Drop for Active<'_> {
    fn drop(&mut self) {
        self.0.shared.active.fetch_sub(1, SeqCst);
    }
}

impl Ticker {
    pub fn start(engine: Engine) -> std::io::Result<Ticker> {
        let shared = Arc::new(Shared {
            active: AtomicUsize::new(0),
            parked: AtomicBool::new(false),
            stop: AtomicBool::new(false),
        });
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("airlock-epoch".into())
            .spawn(move || {
                let mut idle_since: Option<Instant> = None;
                while !s.stop.load(SeqCst) {
                    if s.active.load(SeqCst) == 0 {
                        let since = *idle_since.get_or_insert_with(Instant::now);
                        if since.elapsed() >= LINGER {
                            // Announce the park, then re-check: `activate` either sees `parked`
                            // and unparks us, or we see its increment and do not park.
                            s.parked.store(true, SeqCst);
                            if s.active.load(SeqCst) == 0 && !s.stop.load(SeqCst) {
                                std::thread::park();
                            }
                            s.parked.store(false, SeqCst);
                            idle_since = None;
                            continue;
                        }
                    } else {
                        idle_since = None;
                    }
                    std::thread::sleep(TICK);
                    engine.increment_epoch();
                }
            })?;
        Ok(Ticker {
            shared,
            thread: Some(thread),
        })
    }

    pub fn activate(&self) -> Active<'_> {
        self.shared.active.fetch_add(1, SeqCst);
        if let Some(t) = self
            .thread
            .as_ref()
            .filter(|_| self.shared.parked.load(SeqCst))
        {
            t.thread().unpark();
        }
        Active(self)
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.shared.stop.store(true, SeqCst);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}
