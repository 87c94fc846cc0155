//! The background job that `serve` starts: every tick it runs the reminder rules and then
//! sends what is due on the outside channels. It keeps no state of its own — what was sent
//! lives in the database (dedupe keys, delivery rows) — so it survives restarts, and any
//! number of server processes may run it at once without sending anything twice.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::channels::{Channels, DeliveryRun};
use super::reminders::ReminderRun;
use crate::error::AppResult;
use crate::App;

pub use crate::clock::{Clock, ManualClock, SystemClock};

/// What one tick did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TickReport {
    pub reminders: ReminderRun,
    pub deliveries: DeliveryRun,
}

impl App {
    /// One tick of the job at `now_ms`: reminders first, so a reminder written now is
    /// delivered in the same tick.
    pub async fn notification_tick(
        &self,
        channels: &Channels,
        now_ms: i64,
    ) -> AppResult<TickReport> {
        let reminders = self.run_reminders(now_ms).await?;
        let deliveries = self.deliver_pending(channels, now_ms).await?;
        Ok(TickReport {
            reminders,
            deliveries,
        })
    }

    /// Starts the job on the runtime: a tick at once, then every `every`. A failed tick is
    /// logged and the next one tries again. Dropping the handle leaves it running; abort it to
    /// stop.
    pub fn spawn_notification_job(
        &self,
        channels: Channels,
        clock: Arc<dyn Clock>,
        every: Duration,
    ) -> tokio::task::JoinHandle<()> {
        let app = self.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(every);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                match app.notification_tick(&channels, clock.now_ms()).await {
                    Ok(r) if r.reminders.total() > 0 || r.deliveries != DeliveryRun::default() => {
                        tracing::info!(reminders = ?r.reminders, deliveries = ?r.deliveries, "notification job");
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "notification job tick failed"),
                }
            }
        })
    }
}
