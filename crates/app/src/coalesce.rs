//! Read coalescing (合并读取): concurrent requests that each need one row by key hand their
//! keys to one task, which reads whatever keys are waiting in one go (`WHERE key IN (…)`)
//! and answers each. A burst of sign-ups with 10,000 different tokens and volunteers then
//! costs a few statements per *group* of requests instead of several per request — on
//! SQLite every statement is a round trip to a worker thread, and that was most of the CPU.
//!
//! Freshness is what a direct read gives: a key is read after it was asked for, never from
//! an earlier answer (no caching here). While one read runs, the next group gathers.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use tokio::sync::{mpsc, oneshot};
use zhiyuan_store::{Store, StoreResult};

/// Most keys read in one go; more wait for the next read.
const MAX_KEYS: usize = 256;
/// Keys waiting before callers wait to queue (back-pressure).
const QUEUE_DEPTH: usize = 4096;

/// What a loader returns: the found keys' values (keys not found are simply missing).
pub(crate) type Loaded<K, V> = Pin<Box<dyn Future<Output = StoreResult<HashMap<K, V>>> + Send>>;

/// Reads many keys at once.
pub(crate) type Loader<K, V> = fn(Arc<dyn Store>, Vec<K>) -> Loaded<K, V>;

struct Ask<K, V> {
    key: K,
    reply: oneshot::Sender<StoreResult<Option<V>>>,
}

/// One reading task per kind of key, started on first use in the caller's runtime; it stops
/// when the owner (and so the queue's sender) is dropped.
pub(crate) struct Coalescer<K, V> {
    queue: OnceLock<mpsc::Sender<Ask<K, V>>>,
    load: Loader<K, V>,
}

impl<K, V> Coalescer<K, V>
where
    K: Clone + Eq + Hash + Send + Sync + 'static,
    V: Clone + Send + 'static,
{
    pub(crate) fn new(load: Loader<K, V>) -> Self {
        Coalescer {
            queue: OnceLock::new(),
            load,
        }
    }

    /// The value of `key` as read after this call began, read together with whatever other
    /// keys are asked for meanwhile.
    pub(crate) async fn get(&self, store: &Arc<dyn Store>, key: K) -> StoreResult<Option<V>> {
        let load = self.load;
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
            tokio::spawn(serve(store.clone(), rx, load));
            tx
        });
        let (reply, answer) = oneshot::channel();
        let asked = queue
            .send(Ask {
                key: key.clone(),
                reply,
            })
            .await;
        if asked.is_ok() {
            if let Ok(result) = answer.await {
                return result;
            }
        }
        // The reading task is gone (its runtime ended): read this key alone.
        Ok(load(store.clone(), vec![key.clone()]).await?.remove(&key))
    }
}

async fn serve<K, V>(store: Arc<dyn Store>, mut rx: mpsc::Receiver<Ask<K, V>>, load: Loader<K, V>)
where
    K: Clone + Eq + Hash + Send + Sync + 'static,
    V: Clone + Send + 'static,
{
    let mut asks = Vec::with_capacity(MAX_KEYS);
    while rx.recv_many(&mut asks, MAX_KEYS).await > 0 {
        let mut seen = HashSet::with_capacity(asks.len());
        let keys: Vec<K> = asks
            .iter()
            .filter(|a| seen.insert(&a.key))
            .map(|a| a.key.clone())
            .collect();
        match load(store.clone(), keys).await {
            Ok(found) => {
                for a in asks.drain(..) {
                    let _ = a.reply.send(Ok(found.get(&a.key).cloned()));
                }
            }
            Err(e) => {
                // Each key alone, so one key's failure is only its own.
                tracing::warn!(error = %e, n = asks.len(), "coalesced read failed; reading one by one");
                for a in asks.drain(..) {
                    let one = load(store.clone(), vec![a.key.clone()]).await;
                    let _ = a.reply.send(one.map(|mut m| m.remove(&a.key)));
                }
            }
        }
    }
}
