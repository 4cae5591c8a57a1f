//! Deterministic runs: virtual clocks and seeded randomness, so that two runs of the same
//! guest and input give identical event lists.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use wasmtime_wasi::{HostMonotonicClock, HostWallClock};

/// The wall-clock instant virtual time starts at: 2024-01-01T00:00:00Z.
pub const VIRTUAL_EPOCH_SECS: u64 = 1_704_067_200;
/// How far virtual time advances on every clock read.
pub const VIRTUAL_STEP: Duration = Duration::from_millis(1);

/// Virtual time shared by both clocks of a run, in nanoseconds since its start.
#[derive(Clone, Default)]
pub(crate) struct VirtualTime(Arc<AtomicU64>);

impl VirtualTime {
    /// Reads the time and advances it by one step.
    fn tick(&self) -> u64 {
        self.0
            .fetch_add(VIRTUAL_STEP.as_nanos() as u64, Ordering::Relaxed)
    }

    /// Reads the time without advancing it (for event timestamps).
    pub fn peek_us(&self) -> u64 {
        self.0.load(Ordering::Relaxed) / 1000
    }
}

pub(crate) struct VirtualWall(pub VirtualTime);
pub(crate) struct VirtualMonotonic(pub VirtualTime);

impl HostWallClock for VirtualWall {
    fn resolution(&self) -> Duration {
        VIRTUAL_STEP
    }
    fn now(&self) -> Duration {
        Duration::from_secs(VIRTUAL_EPOCH_SECS) + Duration::from_nanos(self.0.tick())
    }
}

impl HostMonotonicClock for VirtualMonotonic {
    fn resolution(&self) -> u64 {
        VIRTUAL_STEP.as_nanos() as u64
    }
    fn now(&self) -> u64 {
        self.0.tick()
    }
}

/// 64 KiB of pseudo-random bytes derived from the seed (XXH3 in counter mode). The WASI random
/// source cycles through them.
pub(crate) fn random_bytes(seed: u64, stream: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 * 1024);
    let mut counter = 0u64;
    while out.len() < 64 * 1024 {
        let mut block = [0u8; 24];
        block[..8].copy_from_slice(&seed.to_le_bytes());
        block[8..16].copy_from_slice(&stream.to_le_bytes());
        block[16..].copy_from_slice(&counter.to_le_bytes());
        out.extend_from_slice(&xxhash_rust::xxh3::xxh3_128(&block).to_le_bytes());
        counter += 1;
    }
    out
}
