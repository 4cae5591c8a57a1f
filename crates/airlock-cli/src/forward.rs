//! Live forwarding of a guest's output (and `--trace` lines) to airlock's own stdout and stderr,
//! from a thread of its own.
//!
//! Writing them from the guest's host call would let a reader that stops reading (a full pipe)
//! hold the guest inside that call, where its wall-clock timeout cannot stop it. Here the guest
//! only queues the bytes: what is queued is bounded by the output limit per stream (the capture
//! pipe forwards only what it keeps), and trace lines by a budget of their own. One thread and
//! one queue keep the order in which stdout, stderr and trace lines were written.

use std::io::Write;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};

/// Where forwarded bytes go.
#[derive(Clone, Copy)]
pub enum Target {
    Stdout,
    Stderr,
}

enum Message {
    Bytes(Target, Vec<u8>),
    /// A `--trace` line, for stderr.
    Trace(String),
    /// Everything queued before it has been written: answer.
    Drained(SyncSender<()>),
}

static QUEUE: OnceLock<Sender<Message>> = OnceLock::new();

fn queue() -> &'static Sender<Message> {
    QUEUE.get_or_init(|| {
        let (tx, rx) = channel();
        std::thread::spawn(move || forward(rx));
        tx
    })
}

fn forward(rx: Receiver<Message>) {
    // Closed or failing streams must not stop the guest: errors are ignored.
    for m in rx {
        match m {
            Message::Bytes(Target::Stdout, b) => {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(&b).and_then(|()| out.flush());
            }
            Message::Bytes(Target::Stderr, b) => {
                let _ = std::io::stderr().lock().write_all(&b);
            }
            Message::Trace(line) => {
                let _ = std::io::stderr().lock().write_all(line.as_bytes());
                TRACE_QUEUED.fetch_sub(line.len(), Ordering::Relaxed);
            }
            Message::Drained(ack) => {
                let _ = ack.send(());
            }
        }
    }
}

/// Queues bytes for `target`.
pub fn send(target: Target, bytes: Vec<u8>) {
    let _ = queue().send(Message::Bytes(target, bytes));
}

/// Bytes of trace lines queued and not yet written.
static TRACE_QUEUED: AtomicUsize = AtomicUsize::new(0);
/// Trace lines not queued since the last one that was.
static TRACE_SKIPPED: AtomicUsize = AtomicUsize::new(0);
/// The most bytes of trace lines queued at once: a guest making host calls while stderr is not
/// read would otherwise queue every line.
const TRACE_BUDGET: usize = 8 << 20;

/// Queues a `--trace` line (with its newline), unless stderr is that far behind; then it is
/// counted, and the next line queued says how many were not shown.
pub fn trace(line: String) {
    if TRACE_QUEUED.load(Ordering::Relaxed) + line.len() > TRACE_BUDGET {
        TRACE_SKIPPED.fetch_add(1, Ordering::Relaxed);
        return;
    }
    skipped_note();
    TRACE_QUEUED.fetch_add(line.len(), Ordering::Relaxed);
    let _ = queue().send(Message::Trace(line));
}

/// Queues a line saying how many trace lines were not queued, if any were not.
fn skipped_note() {
    let skipped = TRACE_SKIPPED.swap(0, Ordering::Relaxed);
    if skipped > 0 {
        let note = format!("airlock-trace: {skipped} calls not shown: stderr fell behind\n");
        TRACE_QUEUED.fetch_add(note.len(), Ordering::Relaxed);
        let _ = queue().send(Message::Trace(note));
    }
}

/// Waits until everything queued so far is written (before airlock writes anything of its own).
pub fn drain() {
    let Some(queue) = QUEUE.get() else { return };
    skipped_note();
    let (ack, done) = sync_channel(1);
    if queue.send(Message::Drained(ack)).is_ok() {
        let _ = done.recv();
    }
}

/// A sink for a guest stream that queues what it is given.
pub struct Sink(pub Target);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        send(self.0, buf.to_vec());
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Drains the queue ([`drain`]) when dropped: held by a command while it runs a guest, so that
/// whatever it returns, the guest's output is written before airlock's own messages, and the
/// report is written whatever the reader of the output does.
pub struct DrainOnDrop;

impl Drop for DrainOnDrop {
    fn drop(&mut self) {
        drain();
    }
}
