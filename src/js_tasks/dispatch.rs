//! The hand-off between a pool thread and a JS worker. A JS task's `Work` runs on a pool thread
//! (so it holds one of the pool's `threads` slots, like a kernel), hands its serialized input to
//! an idle worker's `Slot`, and waits until that worker reports a result or exits. See README.md.
//! Nothing here knows about N-API: a worker's wake-up is an opaque callback.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::pool::{CancelToken, Output, TaskError};

/// How long a pool thread polls for its worker's result before it sleeps on the slot's condvar:
/// a short JS task answers within this, and a futex round trip costs more than the poll.
const RESULT_SPIN: Duration = Duration::from_micros(30);
/// While waiting, how often a pool thread looks at the task's token (abort, timeout).
const TOKEN_POLL: Duration = Duration::from_millis(1);

/// Calls into a worker's event loop (a threadsafe function); never blocks.
pub type Wake = Box<dyn Fn() + Send + Sync>;

/// What a worker reported for its task.
pub enum Report {
  /// The serialized result.
  Value(Vec<u8>),
  /// A failure with a stable code; for a thrown error the message is its JSON description.
  Failed { code: &'static str, message: String },
}

/// One JS worker's mailbox. Invariant: holds at most one task; the pool thread that put it there
/// is the only one that reads its result, and returns the slot to the idle list afterwards.
pub struct Slot {
  pub index: u32,
  state: Mutex<SlotState>,
  /// Signalled when a result is reported or the worker exits.
  done: Condvar,
  /// Mirrors `state.job.is_some()` for the worker's spin loop, which reads it without the lock.
  has_job: AtomicBool,
  /// Mirrors `state.report.is_some() || state.exited` for the pool thread's spin.
  finished: AtomicBool,
}

#[derive(Default)]
struct SlotState {
  /// Handed over, not yet taken by the worker: `(task index, serialized input)`.
  job: Option<(u32, Vec<u8>)>,
  /// The running task's id, token and start time (kept until its report is read).
  running: Option<(Arc<AtomicU64>, CancelToken, Instant)>,
  report: Option<Report>,
  /// The worker's wake-up; `None` before it attached and after it retired or exited.
  wake: Option<Wake>,
  /// The worker is waiting in its event loop (not spinning): a hand-off must call `wake`.
  sleeping: bool,
  exited: bool,
  exit_code: Option<i32>,
}

/// All JS workers of one pool. Invariant: a slot is in `idle` only while attached, not exited and
/// holding no task.
pub struct Dispatcher {
  state: Mutex<DispatchState>,
  /// Signalled when a slot becomes idle, a worker fails to start, or the pool closes.
  idle_changed: Condvar,
}

#[derive(Default)]
struct DispatchState {
  slots: Vec<Arc<Slot>>,
  /// Idle slots, the most recently idle last: that worker is the likeliest to still be spinning.
  idle: Vec<Arc<Slot>>,
  /// Workers that exited before they attached, not yet reported to a waiting task.
  start_failures: Vec<String>,
  closing: bool,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
  // Every critical section here is panic-free, so a poisoned lock still guards consistent state.
  mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn worker_exited(code: Option<i32>) -> TaskError {
  let code = code.unwrap_or(1);
  TaskError::Failed { code: "ERR_WORKER_EXITED", message: format!("the worker running the task exited with code {code}") }
}

impl Default for Dispatcher {
  fn default() -> Self {
    Dispatcher { state: Mutex::new(DispatchState::default()), idle_changed: Condvar::new() }
  }
}

impl Dispatcher {
  /// Runs one JS task on an idle worker; called by the task's `Work` on a pool thread.
  /// `id` holds the task's id once the engine assigned it (for `running`).
  pub fn run(&self, id: &Arc<AtomicU64>, task: u32, input: Vec<u8>, token: &CancelToken) -> Result<Output, TaskError> {
    let slot = self.acquire(token)?;
    {
      let mut state = lock(&slot.state);
      state.job = Some((task, input));
      state.running = Some((id.clone(), token.clone(), Instant::now()));
      slot.has_job.store(true, Ordering::Release);
      if state.sleeping {
        state.sleeping = false;
        if let Some(wake) = &state.wake {
          wake();
        }
      }
    }
    let (result, reusable) = self.wait_for_report(&slot, token);
    if reusable {
      self.release(slot);
    }
    result
  }

  /// Waits for an idle worker, giving up when the task is cancelled, the pool closes, or a worker
  /// failed to start (that failure becomes this task's).
  fn acquire(&self, token: &CancelToken) -> Result<Arc<Slot>, TaskError> {
    let mut state = lock(&self.state);
    loop {
      if state.closing {
        return Err(TaskError::PoolClosed);
      }
      token.check()?;
      if let Some(slot) = state.idle.pop() {
        return Ok(slot);
      }
      if !state.start_failures.is_empty() {
        let message = state.start_failures.remove(0);
        return Err(TaskError::Failed { code: "ERR_WORKER_EXITED", message: format!("a JS worker could not start: {message}") });
      }
      state = self.idle_changed.wait_timeout(state, TOKEN_POLL).unwrap_or_else(|e| e.into_inner()).0;
    }
  }

  /// Waits until the worker reports or exits; also says whether the slot can take another task.
  fn wait_for_report(&self, slot: &Arc<Slot>, token: &CancelToken) -> (Result<Output, TaskError>, bool) {
    let spin_until = Instant::now() + RESULT_SPIN;
    while !slot.finished.load(Ordering::Acquire) && Instant::now() < spin_until {
      std::hint::spin_loop();
    }
    let mut abort_sent = false;
    let mut state = lock(&slot.state);
    loop {
      if let Some(report) = state.report.take() {
        state.running = None;
        slot.finished.store(false, Ordering::Release);
        drop(state);
        // A task told to stop settles as stopped, whatever it returned afterwards.
        let result = token.check().and(match report {
          Report::Value(bytes) => Ok(Output::Buffer(bytes)),
          Report::Failed { code, message } => Err(TaskError::Failed { code, message }),
        });
        return (result, true);
      }
      if state.exited {
        state.running = None;
        let error = match token.check() {
          Err(stopped) => stopped,
          _ if self.is_closing() => TaskError::PoolClosed,
          _ => worker_exited(state.exit_code),
        };
        return (Err(error), false);
      }
      let stop = token.check().err().or_else(|| self.is_closing().then_some(TaskError::PoolClosed));
      if let Some(stop) = stop {
        if !abort_sent {
          abort_sent = true;
          // The worker's `signal` reads the token itself; this fires its 'abort' event.
          if let Some(wake) = &state.wake {
            wake();
          }
        }
        if self.is_closing() {
          // The environment is going away and Node stops the worker itself: don't wait for it.
          return (Err(stop), false);
        }
      }
      state = slot.done.wait_timeout(state, TOKEN_POLL).unwrap_or_else(|e| e.into_inner()).0;
    }
  }

  fn release(&self, slot: Arc<Slot>) {
    let mut state = lock(&self.state);
    if !lock(&slot.state).exited && !state.closing {
      state.idle.push(slot);
      self.idle_changed.notify_one();
    }
  }

  fn is_closing(&self) -> bool {
    lock(&self.state).closing
  }

  /// A worker started and is ready for tasks (worker thread).
  pub fn attach(&self, index: u32, wake: Wake) -> Arc<Slot> {
    let slot = Arc::new(Slot {
      index,
      state: Mutex::new(SlotState { wake: Some(wake), ..SlotState::default() }),
      done: Condvar::new(),
      has_job: AtomicBool::new(false),
      finished: AtomicBool::new(false),
    });
    let mut state = lock(&self.state);
    state.start_failures.clear();
    state.slots.retain(|known| known.index != index);
    state.slots.push(slot.clone());
    if !state.closing {
      state.idle.push(slot.clone());
      self.idle_changed.notify_one();
    }
    slot
  }

  /// The worker's thread is ending (its environment's cleanup, or its retirement): it takes no
  /// more tasks, and a task it was running fails. Returns the wake-up for the caller to release.
  /// The slot stays known until the main thread reports the exit (`worker_exited`).
  pub fn detach(&self, slot: &Arc<Slot>) -> Option<Wake> {
    lock(&self.state).idle.retain(|idle| !Arc::ptr_eq(idle, slot));
    let mut slot_state = lock(&slot.state);
    slot_state.exited = true;
    slot.finished.store(true, Ordering::Release);
    slot.done.notify_all();
    slot_state.wake.take()
  }

  /// An idle worker asks to stop: granted only if no task was handed to it meanwhile.
  pub fn retire(&self, slot: &Arc<Slot>) -> Option<Wake> {
    let mut state = lock(&self.state);
    let position = state.idle.iter().position(|idle| Arc::ptr_eq(idle, slot))?;
    state.idle.remove(position);
    drop(state);
    self.detach(slot)
  }

  /// The main thread saw a worker exit. If it never attached, one waiting task fails with `error`.
  pub fn worker_exited(&self, index: u32, code: i32, error: String) {
    let mut state = lock(&self.state);
    match state.slots.iter().find(|slot| slot.index == index).cloned() {
      Some(slot) => {
        state.slots.retain(|known| known.index != index);
        drop(state);
        let mut slot_state = lock(&slot.state);
        slot_state.exit_code.get_or_insert(code);
        drop(slot_state);
        drop(self.detach(&slot));
      }
      None => {
        state.start_failures.push(error);
        self.idle_changed.notify_all();
      }
    }
  }

  /// The id of the task that worker slot `index` runs and for how long, for the main thread's
  /// grace timer; `None` when it runs nothing.
  pub fn running(&self, id: u64) -> Option<(u32, Duration)> {
    let state = lock(&self.state);
    state.slots.iter().find_map(|slot| {
      let slot_state = lock(&slot.state);
      match &slot_state.running {
        Some((running, _, started)) if running.load(Ordering::Acquire) == id && !slot_state.exited => {
          Some((slot.index, started.elapsed()))
        }
        _ => None,
      }
    })
  }

  /// Stops handing out workers; waiting tasks settle as `PoolClosed`. Idempotent.
  pub fn close(&self) {
    let mut state = lock(&self.state);
    state.closing = true;
    state.idle.clear();
    let slots = state.slots.clone();
    self.idle_changed.notify_all();
    drop(state);
    for slot in slots {
      let _guard = lock(&slot.state);
      slot.done.notify_all();
    }
  }
}

impl Slot {
  /// The worker takes its task, if one was handed over: `(task index, input)`.
  pub fn take(&self) -> Option<(u32, Vec<u8>)> {
    if !self.has_job.load(Ordering::Acquire) {
      return None;
    }
    let mut state = lock(&self.state);
    self.has_job.store(false, Ordering::Release);
    state.sleeping = false;
    state.job.take()
  }

  /// The worker finished its task.
  pub fn report(&self, report: Report) {
    let mut state = lock(&self.state);
    if state.running.is_some() && state.report.is_none() {
      state.report = Some(report);
      self.finished.store(true, Ordering::Release);
      self.done.notify_one();
    }
  }

  /// The worker stops spinning and waits in its event loop; false if a task arrived meanwhile.
  pub fn sleep(&self) -> bool {
    let mut state = lock(&self.state);
    if state.job.is_some() {
      return false;
    }
    state.sleeping = true;
    true
  }

  /// Whether the running task was aborted or ran past its timeout: what `signal.aborted` reads.
  pub fn aborted(&self) -> bool {
    let state = lock(&self.state);
    matches!(&state.running, Some((_, token, _)) if token.check().is_err())
  }

  /// The running task's reason to stop: `Cancelled` or `TimedOut`.
  pub fn stop_reason(&self) -> Option<TaskError> {
    let state = lock(&self.state);
    state.running.as_ref().and_then(|(_, token, _)| token.check().err())
  }

  /// The exit code a worker announced from its `process.on('exit')`.
  pub fn set_exit_code(&self, code: i32) {
    lock(&self.state).exit_code = Some(code);
  }

  pub fn is_attached(&self) -> bool {
    !lock(&self.state).exited
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::sync::atomic::AtomicUsize;
  use std::thread;

  fn worker(dispatcher: Arc<Dispatcher>, index: u32, wakes: Arc<AtomicUsize>) -> Arc<Slot> {
    dispatcher.attach(index, Box::new(move || {
      wakes.fetch_add(1, Ordering::SeqCst);
    }))
  }

  #[test]
  fn a_task_runs_on_an_idle_worker_and_its_result_comes_back() {
    let dispatcher = Arc::new(Dispatcher::default());
    let slot = worker(dispatcher.clone(), 0, Arc::default());
    let echo = thread::spawn({
      let slot = slot.clone();
      move || loop {
        if let Some((task, input)) = slot.take() {
          assert_eq!(task, 3);
          slot.report(Report::Value(input.iter().map(|b| b + 1).collect()));
          return;
        }
        thread::yield_now();
      }
    });
    let result = dispatcher.run(&Arc::default(), 3, vec![1, 2], &CancelToken::new());
    echo.join().unwrap();
    assert_eq!(result, Ok(Output::Buffer(vec![2, 3])));
    assert!(dispatcher.retire(&slot).is_some(), "the slot is idle again");
  }

  #[test]
  fn a_sleeping_worker_is_woken_once_per_hand_off() {
    let dispatcher = Arc::new(Dispatcher::default());
    let wakes = Arc::new(AtomicUsize::new(0));
    let slot = worker(dispatcher.clone(), 0, wakes.clone());
    assert!(slot.sleep());
    let runner = thread::spawn({
      let dispatcher = dispatcher.clone();
      move || dispatcher.run(&Arc::default(), 0, vec![], &CancelToken::new())
    });
    while wakes.load(Ordering::SeqCst) == 0 {
      thread::yield_now();
    }
    assert!(slot.take().is_some());
    slot.report(Report::Failed { code: "ERR_X", message: "m".into() });
    assert_eq!(runner.join().unwrap(), Err(TaskError::Failed { code: "ERR_X", message: "m".into() }));
    assert_eq!(wakes.load(Ordering::SeqCst), 1);
  }

  #[test]
  fn a_worker_that_exits_fails_only_its_task_with_its_exit_code() {
    let dispatcher = Arc::new(Dispatcher::default());
    let slot = worker(dispatcher.clone(), 4, Arc::default());
    let runner = thread::spawn({
      let dispatcher = dispatcher.clone();
      move || dispatcher.run(&Arc::default(), 0, vec![], &CancelToken::new())
    });
    while slot.take().is_none() {
      thread::yield_now();
    }
    slot.set_exit_code(7);
    drop(dispatcher.detach(&slot));
    assert_eq!(runner.join().unwrap(), Err(worker_exited(Some(7))));
    assert!(dispatcher.retire(&slot).is_none(), "an exited slot is never idle again");
  }

  #[test]
  fn a_cancelled_task_settles_as_cancelled_even_if_its_worker_returns_a_value() {
    let dispatcher = Arc::new(Dispatcher::default());
    let slot = worker(dispatcher.clone(), 0, Arc::default());
    let token = CancelToken::new();
    let runner = thread::spawn({
      let (dispatcher, token) = (dispatcher.clone(), token.clone());
      move || dispatcher.run(&Arc::default(), 0, vec![], &token)
    });
    while slot.take().is_none() {
      thread::yield_now();
    }
    token.cancel();
    assert!(slot.aborted());
    slot.report(Report::Value(vec![1]));
    assert_eq!(runner.join().unwrap(), Err(TaskError::Cancelled));
  }

  #[test]
  fn a_start_failure_fails_one_waiting_task() {
    let dispatcher = Arc::new(Dispatcher::default());
    let runner = thread::spawn({
      let dispatcher = dispatcher.clone();
      move || dispatcher.run(&Arc::default(), 0, vec![], &CancelToken::new())
    });
    dispatcher.worker_exited(9, 1, "bad execArgv".into());
    let result = runner.join().unwrap();
    assert!(matches!(result, Err(TaskError::Failed { code: "ERR_WORKER_EXITED", ref message }) if message.contains("bad execArgv")));
  }

  #[test]
  fn close_releases_a_task_waiting_for_a_worker() {
    let dispatcher = Arc::new(Dispatcher::default());
    let runner = thread::spawn({
      let dispatcher = dispatcher.clone();
      move || dispatcher.run(&Arc::default(), 0, vec![], &CancelToken::new())
    });
    dispatcher.close();
    assert_eq!(runner.join().unwrap(), Err(TaskError::PoolClosed));
  }
}
