//! One epoch thread per engine. It advances the engine's epoch when a run's deadline has come,
//! and only then: every store's epoch callback compares the time with its own deadline, so one
//! increment at the earliest deadline is all the runs in flight need. The thread sleeps until
//! that deadline (or, with no run in flight, until one starts), so runs that end in time cost
//! it no wake-up at all.
//!
//! (It used to tick every millisecond while runs were active: a thousand wake-ups a second on
//! another core, which also drew TLB-shootdown interrupts to it from the guests' page faults:
//! 1.7 per fresh Python run, now 1.0. A deadline is also met to within the thread's wake-up
//! latency rather than to the next tick.)

use std::collections::BTreeSet;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use wasmtime::Engine;

/// The interval between increments while a run is past its deadline and still registered (it
/// is inside a host call, or noticed the first increment before its deadline).
pub(crate) const TICK: Duration = Duration::from_millis(1);

#[derive(Default)]
struct State {
    /// The deadlines of the runs in flight, with a serial number to tell equal ones apart.
    deadlines: BTreeSet<(Instant, u64)>,
    serial: u64,
    /// When the thread will wake by itself (`None`: not before it is notified). A run is
    /// notified to the thread only if its deadline is earlier: runs that come one after another
    /// with the same timeout cost no wake-up (the thread wakes once at a stale deadline, finds
    /// it gone, and sleeps on).
    wakes_at: Option<Instant>,
    stop: bool,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub(crate) struct Ticker {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// Keeps a run's deadline registered while alive.
pub(crate) struct Active<'a> {
    ticker: &'a Ticker,
    key: (Instant, u64),
}

impl Drop for Active<'_> {
    fn drop(&mut self) {
        // The thread may still wake at this deadline; it then finds it gone and sleeps on.
        self.ticker.shared.lock().deadlines.remove(&self.key);
    }
}

impl Ticker {
    pub fn start(engine: Engine) -> std::io::Result<Ticker> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
        });
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("airlock-epoch".into())
            .spawn(move || run(&s, &engine))?;
        Ok(Ticker {
            shared,
            thread: Some(thread),
        })
    }

    /// Registers a run that must be interrupted at `deadline`, for as long as the guard lives.
    pub fn activate(&self, deadline: Instant) -> Active<'_> {
        let mut state = self.shared.lock();
        state.serial += 1;
        let key = (deadline, state.serial);
        state.deadlines.insert(key);
        let sooner = state.wakes_at.is_none_or(|at| deadline < at);
        drop(state);
        if sooner {
            self.shared.wake.notify_one();
        }
        Active { ticker: self, key }
    }
}

fn run(shared: &Shared, engine: &Engine) {
    let mut state = shared.lock();
    loop {
        if state.stop {
            return;
        }
        let now = Instant::now();
        let sleep = match state.deadlines.first() {
            None => None,
            Some(&(deadline, _)) if deadline > now => Some(deadline - now),
            Some(_) => {
                engine.increment_epoch();
                Some(TICK)
            }
        };
        state.wakes_at = sleep.map(|d| now + d);
        state = match sleep {
            None => shared.wake.wait(state).unwrap_or_else(|p| p.into_inner()),
            Some(d) => {
                shared
                    .wake
                    .wait_timeout(state, d)
                    .unwrap_or_else(|p| p.into_inner())
                    .0
            }
        };
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.wake.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
