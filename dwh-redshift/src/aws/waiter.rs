//! Waiting for AWS to finish something (a cluster becoming available or
//! going away) with exponential backoff and a deadline.
//!
//! The loop is independent of AWS and of real time: it takes a poll function
//! and a [`Clock`], so its timing is unit-tested with a fake clock.

use std::future::Future;
use std::time::{Duration, Instant};

/// What one poll saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Poll<T> {
    Ready(T),
    /// Not yet; the status is shown as progress and in a timeout error.
    Pending(String),
}

/// Delays between polls: `initial`, doubling up to `max`, until `timeout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
    pub timeout: Duration,
}

impl Backoff {
    /// Cluster create/delete take minutes: poll at 5 s, then up to every 30 s.
    pub fn cluster(timeout: Duration) -> Backoff {
        Backoff {
            initial: Duration::from_secs(5),
            max: Duration::from_secs(30),
            timeout,
        }
    }
}

/// Elapsed time and sleeping, injectable for tests.
pub trait Clock {
    fn elapsed(&self) -> Duration;
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()>;
}

/// The real clock: tokio's sleep, measured from construction.
pub struct TokioClock(Instant);

impl TokioClock {
    pub fn start() -> TokioClock {
        TokioClock(Instant::now())
    }
}

impl Clock for TokioClock {
    fn elapsed(&self) -> Duration {
        self.0.elapsed()
    }

    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> {
        tokio::time::sleep(duration)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WaitError<E> {
    #[error("still `{last_status}` after {waited:?}")]
    TimedOut {
        waited: Duration,
        last_status: String,
    },
    #[error(transparent)]
    Failed(E),
}

/// Polls until `poll` is ready, an error, or the timeout passes. The last
/// poll happens at the deadline, so a resource that gets ready during the
/// final sleep is not reported as timed out. `progress` sees each pending
/// status with the time waited so far.
pub async fn wait_for<T, E, F, Fut>(
    clock: &impl Clock,
    backoff: Backoff,
    mut poll: F,
    mut progress: impl FnMut(&str, Duration),
) -> Result<T, WaitError<E>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Poll<T>, E>>,
{
    let start = clock.elapsed();
    let mut delay = backoff.initial;
    loop {
        let status = match poll().await.map_err(WaitError::Failed)? {
            Poll::Ready(value) => return Ok(value),
            Poll::Pending(status) => status,
        };
        let waited = clock.elapsed().saturating_sub(start);
        progress(&status, waited);
        if waited >= backoff.timeout {
            return Err(WaitError::TimedOut {
                waited,
                last_status: status,
            });
        }
        clock.sleep(delay.min(backoff.timeout - waited)).await;
        delay = (delay * 2).min(backoff.max);
    }
}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};

    use super::*;

    /// Time passes only when the waiter sleeps; every sleep is recorded.
    #[derive(Default)]
    struct FakeClock {
        now: Cell<Duration>,
        sleeps: RefCell<Vec<u64>>,
    }

    impl Clock for FakeClock {
        fn elapsed(&self) -> Duration {
            self.now.get()
        }

        fn sleep(&self, duration: Duration) -> impl Future<Output = ()> {
            self.now.set(self.now.get() + duration);
            self.sleeps.borrow_mut().push(duration.as_secs());
            std::future::ready(())
        }
    }

    fn backoff(timeout: u64) -> Backoff {
        Backoff {
            initial: Duration::from_secs(5),
            max: Duration::from_secs(30),
            timeout: Duration::from_secs(timeout),
        }
    }

    /// A poll that is pending `n` times, then ready with the poll count.
    fn ready_after(n: usize) -> impl FnMut() -> std::future::Ready<Result<Poll<usize>, String>> {
        let mut polls = 0;
        move || {
            polls += 1;
            std::future::ready(Ok(if polls > n {
                Poll::Ready(polls)
            } else {
                Poll::Pending(format!("creating ({polls})"))
            }))
        }
    }

    fn block_on<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn ready_at_once_does_not_sleep() {
        let clock = FakeClock::default();
        let polls = block_on(wait_for(&clock, backoff(600), ready_after(0), |_, _| {})).unwrap();
        assert_eq!(polls, 1);
        assert!(clock.sleeps.borrow().is_empty());
    }

    #[test]
    fn backs_off_exponentially_up_to_the_cap() {
        let clock = FakeClock::default();
        let mut seen = Vec::new();
        let polls = block_on(wait_for(&clock, backoff(600), ready_after(6), |s, w| {
            seen.push((s.to_owned(), w.as_secs()))
        }))
        .unwrap();
        assert_eq!(polls, 7);
        assert_eq!(*clock.sleeps.borrow(), [5, 10, 20, 30, 30, 30]);
        assert_eq!(seen[0], ("creating (1)".to_owned(), 0));
        assert_eq!(seen[5], ("creating (6)".to_owned(), 95));
    }

    #[test]
    fn times_out_with_the_last_status_and_never_oversleeps() {
        let clock = FakeClock::default();
        let err = block_on(wait_for(&clock, backoff(60), ready_after(100), |_, _| {})).unwrap_err();
        match err {
            WaitError::TimedOut {
                waited,
                last_status,
            } => {
                assert_eq!(waited, Duration::from_secs(60));
                assert_eq!(last_status, "creating (5)");
            }
            WaitError::Failed(e) => panic!("unexpected failure {e}"),
        }
        // 5 + 10 + 20 = 35, then the last sleep is cut to the deadline.
        assert_eq!(*clock.sleeps.borrow(), [5, 10, 20, 25]);
    }

    #[test]
    fn ready_at_the_deadline_is_not_a_timeout() {
        let clock = FakeClock::default();
        // Polls at 0, 5, 15, 35 and 60 (the deadline): the fifth is ready.
        let polls = block_on(wait_for(&clock, backoff(60), ready_after(4), |_, _| {})).unwrap();
        assert_eq!(polls, 5);
        assert_eq!(clock.elapsed(), Duration::from_secs(60));
    }

    #[test]
    fn a_poll_error_stops_waiting() {
        let clock = FakeClock::default();
        let mut polls = 0;
        let err = block_on(wait_for(
            &clock,
            backoff(600),
            || {
                polls += 1;
                std::future::ready(if polls < 3 {
                    Ok(Poll::<()>::Pending("deleting".into()))
                } else {
                    Err("ClusterNotFound")
                })
            },
            |_, _| {},
        ))
        .unwrap_err();
        assert!(matches!(err, WaitError::Failed("ClusterNotFound")));
        assert_eq!(*clock.sleeps.borrow(), [5, 10]);
    }
}
