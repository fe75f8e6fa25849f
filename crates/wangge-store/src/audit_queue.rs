//! The background audit writer every served store uses ([`crate::Pool`], and the PostgreSQL
//! store's `PgBackend`): audit lines go through a channel to a thread that writes whatever has
//! queued up in one transaction, so an audited request never waits for a writer connection.
//! Only how a batch is written differs per store; it is the closure [`AuditQueue::start`] takes.

use crate::pool::AuditEntry;
use crate::sqlite::StoreError;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// Writes a batch of audit lines in one transaction.
type WriteBatch = Arc<dyn Fn(&[AuditEntry]) -> Result<(), StoreError> + Send + Sync>;

enum AuditMsg {
    Row(AuditEntry),
    /// Answered once every row queued before it is written.
    Flush(mpsc::Sender<()>),
}

/// A queue of audit lines and the thread that writes them (see the module documentation).
/// Dropping it writes what is queued and ends the thread.
pub struct AuditQueue {
    write: WriteBatch,
    sender: Mutex<Option<mpsc::Sender<AuditMsg>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl AuditQueue {
    /// Starts the writer thread; `write` writes one batch. Without the thread (the system refused
    /// one), lines are written directly as they come.
    pub fn start(write: impl Fn(&[AuditEntry]) -> Result<(), StoreError> + Send + Sync + 'static) -> AuditQueue {
        let write: WriteBatch = Arc::new(write);
        let (tx, rx) = mpsc::channel();
        let for_thread = write.clone();
        let thread = std::thread::Builder::new().name("wangge-audit".into()).spawn(move || writer(&*for_thread, &rx));
        let (sender, thread) = match thread {
            Ok(t) => (Some(tx), Some(t)),
            Err(e) => {
                tracing::warn!("no background audit writer: {e}");
                (None, None)
            }
        };
        AuditQueue { write, sender: Mutex::new(sender), thread: Mutex::new(thread) }
    }

    /// Queues one line; it is written soon, without the caller waiting for it.
    pub fn push(&self, entry: AuditEntry) {
        let sent = lock(&self.sender).as_ref().is_some_and(|a| a.send(AuditMsg::Row(entry.clone())).is_ok());
        if !sent {
            // No writer thread, or the store began closing: write it directly rather than lose it.
            if let Err(e) = (self.write)(std::slice::from_ref(&entry)) {
                tracing::error!("audit log: line not written: {e}");
            }
        }
    }

    /// Waits until every line queued so far is written.
    pub fn flush(&self) {
        let (tx, rx) = mpsc::channel();
        let sent = lock(&self.sender).as_ref().is_some_and(|a| a.send(AuditMsg::Flush(tx)).is_ok());
        if sent {
            let _ = rx.recv();
        }
    }
}

impl Drop for AuditQueue {
    fn drop(&mut self) {
        // Closing the channel ends the writer once it has written what is queued.
        lock(&self.sender).take();
        if let Some(t) = lock(&self.thread).take() {
            let _ = t.join();
        }
    }
}

/// Writes queued lines: whatever has queued up is written in one transaction.
fn writer(write: &(dyn Fn(&[AuditEntry]) -> Result<(), StoreError> + Send + Sync), rx: &mpsc::Receiver<AuditMsg>) {
    while let Ok(first) = rx.recv() {
        let mut rows = Vec::new();
        let mut flushes = Vec::new();
        for msg in std::iter::once(first).chain(rx.try_iter()) {
            match msg {
                AuditMsg::Row(r) => rows.push(r),
                AuditMsg::Flush(done) => flushes.push(done),
            }
        }
        if !rows.is_empty()
            && let Err(e) = write(&rows)
        {
            // The request was answered already; the failure is logged for the operator.
            tracing::error!("audit log: {} line(s) not written: {e}", rows.len());
        }
        for done in flushes {
            let _ = done.send(());
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
