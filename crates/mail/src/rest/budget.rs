//! A per-account request budget: the provider's quota as a sliding window of cost units,
//! a cap on concurrent requests, a pause the provider asked for (`Retry-After`), and
//! priorities so interactive work (opening a message, sending) goes ahead of backfill.
//!
//! Backfill may fill the window only up to `limit - reserve`; the reserve is kept for
//! interactive requests, which also jump the queue while the window is full. Time is
//! tokio's, so tests run it paused and never wait for real.

use std::collections::VecDeque;
use std::time::Duration;
use tokio::sync::{Mutex, Notify, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Who is waiting for the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    /// Filling the mailbox in the background.
    Backfill,
    /// The user is waiting (open a message, send, a mail action).
    Interactive,
}

/// The provider's documented limits for one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetLimits {
    /// Cost units per window (Gmail quota units; 1 per request for Graph).
    pub units: u32,
    pub window: Duration,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Units backfill leaves free for interactive requests.
    pub reserve: u32,
}

impl BudgetLimits {
    /// Gmail: 6,000 quota units per minute per user per project — the limit of Google
    /// Cloud projects created since 1 May 2026 (Gmail API "Usage limits"); projects that
    /// used the API before keep 15,000 ([`gmail_units`](Self::gmail_units)).
    pub const GMAIL: BudgetLimits = BudgetLimits {
        units: 6_000,
        window: Duration::from_secs(60),
        concurrency: 10,
        reserve: 300,
    };
    /// Gmail with another per-user limit (units per minute), e.g. 15,000 for a project
    /// that kept the pre-2026 quota.
    pub fn gmail_units(units_per_minute: u32) -> BudgetLimits {
        BudgetLimits {
            units: units_per_minute.max(100),
            reserve: (units_per_minute / 20).max(5),
            ..BudgetLimits::GMAIL
        }
    }

    /// Outlook on Graph: 10,000 requests per 10 minutes and 4 concurrent requests per app
    /// per mailbox (Graph service-specific throttling limits).
    pub const GRAPH: BudgetLimits = BudgetLimits {
        units: 10_000,
        window: Duration::from_secs(600),
        concurrency: 4,
        reserve: 100,
    };
}

#[derive(Debug, Default)]
struct Window {
    /// (when, units) of every admitted request still inside the window, oldest first.
    spent: VecDeque<(Instant, u32)>,
    total: u32,
    paused_until: Option<Instant>,
    interactive_waiting: usize,
}

impl Window {
    fn expire(&mut self, now: Instant, window: Duration) {
        while let Some(&(at, units)) = self.spent.front() {
            if at + window > now {
                break;
            }
            self.spent.pop_front();
            self.total -= units;
        }
    }

    /// When `needed` more units fit under `cap` (given nothing new is admitted).
    fn fits_at(&self, needed: u32, cap: u32, window: Duration) -> Option<Instant> {
        let mut total = self.total;
        for &(at, units) in &self.spent {
            if total + needed <= cap {
                break;
            }
            total -= units;
            if total + needed <= cap {
                return Some(at + window);
            }
        }
        None
    }
}

/// One account's budget, shared by every request of the account.
#[derive(Debug)]
pub struct Budget {
    limits: BudgetLimits,
    window: Mutex<Window>,
    changed: Notify,
    slots: std::sync::Arc<Semaphore>,
}

/// An admitted request: holds one concurrency slot until dropped.
#[derive(Debug)]
pub struct Admission {
    _slot: OwnedSemaphorePermit,
}

impl Budget {
    pub fn new(limits: BudgetLimits) -> Self {
        Self {
            limits,
            window: Mutex::new(Window::default()),
            changed: Notify::new(),
            slots: std::sync::Arc::new(Semaphore::new(limits.concurrency.max(1))),
        }
    }

    pub fn limits(&self) -> BudgetLimits {
        self.limits
    }

    /// Waits until a request costing `units` may go: no pause in force, a free
    /// concurrency slot, and room in the window (backfill: room beside the reserve and no
    /// interactive request waiting).
    pub async fn admit(&self, units: u32, priority: Priority) -> Admission {
        let interactive = priority == Priority::Interactive;
        if interactive {
            self.window.lock().await.interactive_waiting += 1;
        }
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let wait = {
                let mut w = self.window.lock().await;
                let now = Instant::now();
                w.expire(now, self.limits.window);
                let cap = if interactive {
                    self.limits.units
                } else {
                    self.limits.units.saturating_sub(self.limits.reserve).max(1)
                };
                // A request dearer than the whole window still goes, alone.
                let units = units.min(cap);
                if let Some(until) = w.paused_until.filter(|u| *u > now) {
                    Some(until)
                } else if !interactive && w.interactive_waiting > 0 {
                    None // the interactive requests go first
                } else if w.total + units <= cap {
                    w.spent.push_back((now, units));
                    w.total += units;
                    if interactive {
                        w.interactive_waiting -= 1;
                    }
                    break;
                } else {
                    w.fits_at(units, cap, self.limits.window)
                }
            };
            match wait {
                Some(at) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = &mut notified => {}
                    }
                }
                None => notified.await,
            }
        }
        self.changed.notify_waiters();
        // The quota is spent; now a free slot (first come, first served).
        let slot = self
            .slots
            .clone()
            .acquire_owned()
            .await
            .expect("the budget never closes its semaphore");
        Admission { _slot: slot }
    }

    /// The provider asked us to wait until `until` (a 429's `Retry-After`): nothing of
    /// this account is admitted before then.
    pub async fn pause_until(&self, until: Instant) {
        let mut w = self.window.lock().await;
        if w.paused_until.is_none_or(|p| p < until) {
            w.paused_until = Some(until);
        }
        drop(w);
        self.changed.notify_waiters();
    }

    /// When a pause the provider asked for ends, if one is in force.
    pub async fn paused_until(&self) -> Option<Instant> {
        let w = self.window.lock().await;
        w.paused_until.filter(|u| *u > Instant::now())
    }

    /// Units spent inside the current window.
    pub async fn spent(&self) -> u32 {
        let mut w = self.window.lock().await;
        w.expire(Instant::now(), self.limits.window);
        w.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn limits(units: u32, reserve: u32, concurrency: usize) -> BudgetLimits {
        BudgetLimits {
            units,
            window: Duration::from_secs(60),
            concurrency,
            reserve,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_window_admits_its_units_then_waits_for_the_oldest_to_expire() {
        let budget = Budget::new(limits(10, 0, 10));
        let start = Instant::now();
        for _ in 0..2 {
            drop(budget.admit(5, Priority::Backfill).await);
        }
        assert_eq!(Instant::now(), start, "10 units fit at once");
        drop(budget.admit(5, Priority::Backfill).await);
        assert_eq!(Instant::now() - start, Duration::from_secs(60));
        assert_eq!(budget.spent().await, 5);
    }

    #[tokio::test(start_paused = true)]
    async fn backfill_leaves_the_reserve_to_interactive_requests() {
        let budget = Budget::new(limits(10, 5, 10));
        let start = Instant::now();
        drop(budget.admit(5, Priority::Backfill).await);
        // Backfill's cap is 5: the reserve is left...
        drop(budget.admit(5, Priority::Interactive).await);
        assert_eq!(
            Instant::now(),
            start,
            "an interactive request uses the reserve at once"
        );
        // ...and the next backfill waits for the window.
        drop(budget.admit(1, Priority::Backfill).await);
        assert_eq!(Instant::now() - start, Duration::from_secs(60));
    }

    #[tokio::test(start_paused = true)]
    async fn interactive_requests_go_ahead_of_waiting_backfill() {
        let budget = Arc::new(Budget::new(limits(10, 0, 10)));
        drop(budget.admit(10, Priority::Backfill).await);
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for (name, priority) in [
            ("backfill", Priority::Backfill),
            ("interactive", Priority::Interactive),
        ] {
            let (budget, order) = (budget.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                let _a = budget.admit(10, priority).await;
                order.lock().await.push(name);
            }));
            tokio::task::yield_now().await;
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(*order.lock().await, vec!["interactive", "backfill"]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_everything_until_it_ends() {
        let budget = Budget::new(limits(100, 0, 10));
        let start = Instant::now();
        budget.pause_until(start + Duration::from_secs(7)).await;
        assert!(budget.paused_until().await.is_some());
        drop(budget.admit(1, Priority::Interactive).await);
        assert_eq!(Instant::now() - start, Duration::from_secs(7));
        assert!(budget.paused_until().await.is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn no_more_than_the_concurrency_cap_run_at_once() {
        let budget = Arc::new(Budget::new(limits(1000, 0, 2)));
        let running = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let peak = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..6 {
            let (budget, running, peak) = (budget.clone(), running.clone(), peak.clone());
            tasks.push(tokio::spawn(async move {
                let _a = budget.admit(1, Priority::Backfill).await;
                let now = running.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                peak.fetch_max(now, std::sync::atomic::Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(10)).await;
                running.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(peak.load(std::sync::atomic::Ordering::SeqCst), 2);
    }
}
