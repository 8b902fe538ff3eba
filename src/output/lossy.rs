//! A writer that never makes its caller wait: text goes through a bounded queue to a thread
//! of its own that writes it out, and when the reader is too slow (or never reads: a pipe
//! nobody drains) the queue fills and further text is dropped and counted instead of
//! blocking. For logs of a long-running loop (`serve`), where a stalled write would stall
//! the service itself.
use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Pieces of text (log events) the queue holds before it drops: about 1 MB of log lines.
pub const QUEUE: usize = 4096;

/// How long [`Lossy::finish`] waits for the writer when it makes no progress at all: then the
/// reader is taken to be gone for good and what is left is given up.
const STUCK: Duration = Duration::from_millis(300);
/// The longest [`Lossy::finish`] waits, progress or not.
const PATIENCE: Duration = Duration::from_secs(5);

/// The sending end: [`Lossy::put`] hands over text without ever blocking.
pub struct Lossy {
    tx: Option<SyncSender<Vec<u8>>>,
    sent: u64,
    dropped: u64,
    written: Arc<AtomicU64>,
    done: Receiver<io::Result<()>>,
}

/// How the writing ended.
#[derive(Debug)]
pub struct Finished {
    /// Pieces dropped because the queue was full.
    pub dropped: u64,
    /// Pieces queued but never written: the writer was stuck (or had failed) at the end.
    pub unwritten: u64,
    /// The writer's error (a closed pipe, ...), if it had one.
    pub error: Option<io::Error>,
}

impl Lossy {
    /// Starts the writer thread over `w`.
    pub fn spawn<W: Write + Send + 'static>(w: W) -> Lossy {
        Lossy::with_capacity(w, QUEUE)
    }

    pub fn with_capacity<W: Write + Send + 'static>(w: W, capacity: usize) -> Lossy {
        let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(capacity);
        let (done_tx, done) = mpsc::channel();
        let written = Arc::new(AtomicU64::new(0));
        let count = Arc::clone(&written);
        std::thread::spawn(move || {
            let _ = done_tx.send(write_all(w, &rx, &count));
        });
        Lossy {
            tx: Some(tx),
            sent: 0,
            dropped: 0,
            written,
            done,
        }
    }

    /// Queues `text`, or drops it (counted) when the queue is full. An error means the writer
    /// has stopped (its error comes with [`Lossy::finish`]): nothing more will be written.
    pub fn put(&mut self, text: Vec<u8>) -> io::Result<()> {
        let Some(tx) = &self.tx else {
            return Err(io::Error::other("the writer has stopped"));
        };
        match tx.try_send(text) {
            Ok(()) => {
                self.sent += 1;
                Ok(())
            }
            Err(TrySendError::Full(_)) => {
                self.dropped += 1;
                Ok(())
            }
            Err(TrySendError::Disconnected(_)) => {
                self.tx = None;
                Err(io::Error::other("the writer has stopped"))
            }
        }
    }

    /// Pieces dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Closes the queue and waits for the writer to write what is queued, as long as it makes
    /// progress (at most a few seconds); a writer stuck on a reader that never reads is left
    /// behind, and what it still held is counted as unwritten.
    pub fn finish(mut self) -> Finished {
        self.tx = None;
        let start = Instant::now();
        let mut seen = self.written.load(Ordering::Relaxed);
        let mut last_progress = Instant::now();
        let error = loop {
            match self.done.recv_timeout(Duration::from_millis(20)) {
                Ok(r) => break r.err(),
                Err(RecvTimeoutError::Disconnected) => break None,
                Err(RecvTimeoutError::Timeout) => {
                    let now = self.written.load(Ordering::Relaxed);
                    if now != seen {
                        seen = now;
                        last_progress = Instant::now();
                    }
                    if last_progress.elapsed() >= STUCK || start.elapsed() >= PATIENCE {
                        break None;
                    }
                }
            }
        };
        Finished {
            dropped: self.dropped,
            unwritten: self
                .sent
                .saturating_sub(self.written.load(Ordering::Relaxed)),
            error,
        }
    }
}

/// The writer thread: takes what is queued, writes it in batches, flushes after each.
fn write_all<W: Write>(w: W, rx: &Receiver<Vec<u8>>, written: &AtomicU64) -> io::Result<()> {
    let mut w = io::BufWriter::with_capacity(64 * 1024, w);
    while let Ok(first) = rx.recv() {
        let mut n = 1;
        w.write_all(&first)?;
        while let Ok(more) = rx.try_recv() {
            w.write_all(&more)?;
            n += 1;
            if w.buffer().len() >= 32 * 1024 {
                break;
            }
        }
        w.flush()?;
        written.fetch_add(n, Ordering::Relaxed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Condvar, Mutex};

    /// A writer that blocks until released, like a pipe nobody reads.
    #[derive(Clone)]
    struct Gate(Arc<(Mutex<bool>, Condvar)>, Arc<Mutex<Vec<u8>>>);

    impl Write for Gate {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            let (open, cv) = &*self.0;
            let mut g = open.lock().unwrap();
            while !*g {
                g = cv.wait(g).unwrap();
            }
            self.1.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_stuck_reader_drops_and_counts_and_finish_does_not_wait_for_it() {
        let gate = Gate(Arc::default(), Arc::default());
        let mut l = Lossy::with_capacity(gate.clone(), 4);
        l.put(b"line 0\n".to_vec()).unwrap();
        // The writer takes it and blocks writing it out.
        std::thread::sleep(Duration::from_millis(50));
        let t = Instant::now();
        for i in 1..100 {
            l.put(format!("line {i}\n").into_bytes()).unwrap();
        }
        assert!(
            t.elapsed() < Duration::from_millis(100),
            "{:?}",
            t.elapsed()
        );
        // The queue holds 4: the other 95 were dropped.
        assert_eq!(l.dropped(), 95);
        let f = l.finish();
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
        assert_eq!(f.dropped + f.unwritten, 100, "{f:?}");
        assert!(f.error.is_none());
        // Released, the writer would go on: nothing is waiting for it any more.
        *gate.0 .0.lock().unwrap() = true;
        gate.0 .1.notify_all();
    }

    #[test]
    fn a_reader_that_keeps_up_gets_everything_in_order() {
        let gate = Gate(Arc::new((Mutex::new(true), Condvar::new())), Arc::default());
        let mut l = Lossy::spawn(gate.clone());
        let mut want = Vec::new();
        for i in 0..1000 {
            let s = format!("line {i}\n");
            want.extend_from_slice(s.as_bytes());
            l.put(s.into_bytes()).unwrap();
        }
        let f = l.finish();
        assert_eq!((f.dropped, f.unwritten), (0, 0));
        assert_eq!(*gate.1.lock().unwrap(), want);
    }

    #[test]
    fn a_write_error_stops_the_writer_and_comes_back_from_finish() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut l = Lossy::spawn(Broken);
        let _ = l.put(b"a\n".to_vec());
        let f = l.finish();
        assert_eq!(f.error.map(|e| e.kind()), Some(io::ErrorKind::BrokenPipe));
    }
}
