//! The hand-off between a pool thread and a JS worker. A JS task's `Work` runs on a pool thread
//! (so it holds one of the pool's `threads` slots, like a kernel), hands its serialized input to
//! an idle worker's `Slot`, and sleeps until the worker is done with it. The worker settles the
//! task itself, straight into the engine's outbox, and makes itself idle again, so neither the
//! result nor the next task waits for the pool thread to wake. See README.md.
//! Nothing here knows about N-API: a worker's wake-up is an opaque callback.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::pool::{CancelToken, Output, TaskError, ThreadScheduling};

/// How long a pool thread polls for its worker to finish before it sleeps on a condvar: a short
/// JS task ends within this, and a futex round trip costs more than the poll.
const RESULT_SPIN: Duration = Duration::from_micros(30);
/// While waiting, how often a pool thread looks at the task's token (abort, timeout).
const TOKEN_POLL: Duration = Duration::from_millis(1);

/// Calls into a worker's event loop (a threadsafe function); never blocks.
pub type Wake = Box<dyn Fn() + Send + Sync>;
/// Settles a task through the engine's outbox, from whichever thread finishes it.
pub type Deliver = Box<dyn FnOnce(Result<Output, TaskError>) + Send>;

/// One task between its pool thread and its worker. Invariant: `deliver` is taken once, by the
/// worker that reports (it settles the task) or by the pool thread when the worker is gone or
/// the pool closes (the engine settles it); whoever takes it settles the task.
struct Handoff {
  id: Arc<AtomicU64>,
  token: CancelToken,
  started: Instant,
  deliver: Mutex<Option<Deliver>>,
  ended: Mutex<Option<Ended>>,
  ended_changed: Condvar,
  /// Mirrors `ended.is_some()` for the pool thread's spin.
  has_ended: AtomicBool,
}

#[derive(Clone, Copy)]
enum Ended {
  /// The worker reported (and settled the task, unless the pool thread had claimed it).
  Reported,
  /// The worker went away with the task, with this exit code if it announced one.
  Exited(Option<i32>),
}

impl Handoff {
  fn end(&self, how: Ended) {
    let mut ended = lock(&self.ended);
    ended.get_or_insert(how);
    self.has_ended.store(true, Ordering::Release);
    self.ended_changed.notify_one();
  }

  /// The pool thread settles through the engine, unless the worker already settled.
  fn claim(&self, error: TaskError) -> Result<Output, TaskError> {
    match lock(&self.deliver).take() {
      Some(_) => Err(error),
      None => Ok(Output::Delivered),
    }
  }
}

/// What a worker reported for its task.
pub enum Report {
  /// The serialized result.
  Value(Vec<u8>),
  /// A failure with a stable code; for a thrown error the message is its JSON description.
  Failed { code: &'static str, message: String },
}

/// One JS worker's mailbox. Invariant: holds at most one task (`current`).
pub struct Slot {
  pub index: u32,
  state: Mutex<SlotState>,
  /// Mirrors `state.job.is_some()` for the worker's spin loop, which reads it without the lock.
  has_job: AtomicBool,
}

#[derive(Default)]
struct SlotState {
  /// Handed over, not yet taken by the worker: `(task index, serialized input)`.
  job: Option<(u32, Vec<u8>)>,
  /// The task the worker holds, from hand-off to report.
  current: Option<Arc<Handoff>>,
  /// The worker's wake-up; `None` after it retired or exited.
  wake: Option<Wake>,
  /// The worker is waiting in its event loop (not spinning): a hand-off must call `wake`.
  sleeping: bool,
  exited: bool,
  exit_code: Option<i32>,
}

/// All JS workers of one pool. Invariant: a slot is in `idle` only while its worker is attached,
/// not exited and holding no task. Lock order: the dispatcher's state, then a slot's.
pub struct Dispatcher {
  state: Mutex<DispatchState>,
  /// Set once by `close`; readable without the lock.
  closing: AtomicBool,
  /// Signalled when a slot becomes idle, a worker fails to start, or the pool closes.
  idle_changed: Condvar,
  /// The pool threads' scheduling, which each worker's thread takes when it attaches.
  scheduling: ThreadScheduling,
}

#[derive(Default)]
struct DispatchState {
  slots: Vec<Arc<Slot>>,
  /// Idle slots, the most recently idle last: that worker is the likeliest to still be spinning.
  idle: Vec<Arc<Slot>>,
  /// Workers that could not start, not yet reported to a waiting task.
  start_failures: Vec<String>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
  // Every critical section here is panic-free, so a poisoned lock still guards consistent state.
  mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn worker_exited(code: Option<i32>) -> TaskError {
  let code = code.unwrap_or(1);
  TaskError::Failed { code: "ERR_WORKER_EXITED", message: format!("the worker running the task exited with code {code}") }
}

impl Dispatcher {
  pub fn new(scheduling: ThreadScheduling) -> Dispatcher {
    Dispatcher { state: Mutex::new(DispatchState::default()), closing: AtomicBool::new(false), idle_changed: Condvar::new(), scheduling }
  }

  /// Runs one JS task on an idle worker; called by the task's `Work` on a pool thread. `id`
  /// holds the task's id once the engine assigned it (for `running`). Returns
  /// `Output::Delivered` when the worker settled the task through `deliver`.
  pub fn run(&self, id: &Arc<AtomicU64>, task: u32, input: Vec<u8>, token: &CancelToken, deliver: Deliver) -> Result<Output, TaskError> {
    let handoff = Arc::new(Handoff {
      id: id.clone(),
      token: token.clone(),
      started: Instant::now(),
      deliver: Mutex::new(Some(deliver)),
      ended: Mutex::new(None),
      ended_changed: Condvar::new(),
      has_ended: AtomicBool::new(false),
    });
    let slot = loop {
      let slot = self.acquire(token)?;
      let mut state = lock(&slot.state);
      if state.exited {
        continue; // its worker went away after it was taken from the idle list: take another
      }
      state.job = Some((task, input));
      state.current = Some(handoff.clone());
      slot.has_job.store(true, Ordering::Release);
      if state.sleeping {
        state.sleeping = false;
        if let Some(wake) = &state.wake {
          wake();
        }
      }
      drop(state);
      break slot;
    };
    self.wait(&slot, &handoff)
  }

  /// Waits for an idle worker, giving up when the task is cancelled, the pool closes, or a worker
  /// failed to start (that failure becomes this task's).
  fn acquire(&self, token: &CancelToken) -> Result<Arc<Slot>, TaskError> {
    let mut state = lock(&self.state);
    loop {
      if self.is_closing() {
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

  /// Holds the pool thread (the budget) until the worker is done with the task.
  fn wait(&self, slot: &Arc<Slot>, handoff: &Arc<Handoff>) -> Result<Output, TaskError> {
    let spin_until = Instant::now() + RESULT_SPIN;
    while !handoff.has_ended.load(Ordering::Acquire) && Instant::now() < spin_until {
      std::hint::spin_loop();
    }
    let token = &handoff.token;
    let mut abort_sent = false;
    let mut ended = lock(&handoff.ended);
    loop {
      match *ended {
        Some(Ended::Reported) => return Ok(Output::Delivered),
        Some(Ended::Exited(code)) => {
          drop(ended);
          let error = match token.check() {
            Err(stopped) => stopped,
            Ok(()) if self.is_closing() => TaskError::PoolClosed,
            Ok(()) => worker_exited(code),
          };
          return handoff.claim(error);
        }
        None => {}
      }
      let stop = token.check().err().or_else(|| self.is_closing().then_some(TaskError::PoolClosed));
      if let Some(stop) = stop {
        if self.is_closing() {
          // The environment is going away and Node stops the worker itself: don't wait for it.
          drop(ended);
          return handoff.claim(stop);
        }
        if !abort_sent {
          abort_sent = true;
          drop(ended);
          // The worker's `signal` reads the token itself; this fires its 'abort' event.
          let state = lock(&slot.state);
          if state.current.as_ref().is_some_and(|current| Arc::ptr_eq(current, handoff)) {
            if let Some(wake) = &state.wake {
              wake();
            }
          }
          drop(state);
          ended = lock(&handoff.ended);
          continue;
        }
      }
      ended = handoff.ended_changed.wait_timeout(ended, TOKEN_POLL).unwrap_or_else(|e| e.into_inner()).0;
    }
  }

  fn is_closing(&self) -> bool {
    self.closing.load(Ordering::Acquire)
  }

  /// A worker started and is ready for tasks (worker thread). Its thread is scheduled like the
  /// pool threads from now on: a user's JS is pool work too, and at the same nice value a worker
  /// cannot starve the pool thread that hands it its next task.
  pub fn attach(&self, index: u32, wake: Wake) -> Arc<Slot> {
    self.scheduling.apply_to_this_thread();
    let slot =
      Arc::new(Slot { index, state: Mutex::new(SlotState { wake: Some(wake), ..SlotState::default() }), has_job: AtomicBool::new(false) });
    let mut state = lock(&self.state);
    state.start_failures.clear();
    state.slots.retain(|known| known.index != index);
    state.slots.push(slot.clone());
    if !self.is_closing() {
      state.idle.push(slot.clone());
      self.idle_changed.notify_one();
    }
    slot
  }

  /// The worker finished its task: it settles it (unless its pool thread gave up on it) and
  /// takes the next one.
  pub fn report(&self, slot: &Arc<Slot>, report: Report) {
    let Some(handoff) = lock(&slot.state).current.take() else {
      return;
    };
    let deliver = lock(&handoff.deliver).take();
    if let Some(deliver) = deliver {
      // A task told to stop settles as stopped, whatever it returned afterwards.
      let result = handoff.token.check().and(match report {
        Report::Value(bytes) => Ok(Output::Buffer(bytes)),
        Report::Failed { code, message } => Err(TaskError::Failed { code, message }),
      });
      deliver(result);
    }
    handoff.end(Ended::Reported);
    let mut state = lock(&self.state);
    if !self.is_closing() && !lock(&slot.state).exited {
      state.idle.push(slot.clone());
      self.idle_changed.notify_one();
    }
  }

  /// The worker's thread is ending (its environment's cleanup, or its retirement): it takes no
  /// more tasks, and a task it was running fails. Returns the wake-up for the caller to release.
  /// The slot stays known until the main thread reports the exit (`worker_exited`).
  pub fn detach(&self, slot: &Arc<Slot>) -> Option<Wake> {
    lock(&self.state).idle.retain(|idle| !Arc::ptr_eq(idle, slot));
    let mut state = lock(&slot.state);
    state.exited = true;
    if let Some(handoff) = state.current.take() {
      handoff.end(Ended::Exited(state.exit_code));
    }
    state.wake.take()
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
    match state.slots.iter().position(|slot| slot.index == index) {
      Some(position) => {
        let slot = state.slots.remove(position);
        drop(state);
        lock(&slot.state).exit_code.get_or_insert(code);
        drop(self.detach(&slot));
      }
      None => {
        state.start_failures.push(error);
        self.idle_changed.notify_all();
      }
    }
  }

  /// The worker slot running task `id` and for how long: for the main thread's grace timer.
  pub fn running(&self, id: u64) -> Option<(u32, Duration)> {
    let state = lock(&self.state);
    state.slots.iter().find_map(|slot| {
      let slot_state = lock(&slot.state);
      let handoff = slot_state.current.as_ref()?;
      (handoff.id.load(Ordering::Acquire) == id).then(|| (slot.index, handoff.started.elapsed()))
    })
  }

  /// Stops handing out workers; waiting tasks settle as `PoolClosed`. Idempotent.
  pub fn close(&self) {
    let mut state = lock(&self.state);
    self.closing.store(true, Ordering::Release);
    state.idle.clear();
    let slots = state.slots.clone();
    self.idle_changed.notify_all();
    drop(state);
    for slot in slots {
      if let Some(handoff) = &lock(&slot.state).current {
        let _guard = lock(&handoff.ended);
        handoff.ended_changed.notify_all();
      }
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

  /// The worker stops spinning and waits in its event loop; false if a task arrived meanwhile.
  pub fn sleep(&self) -> bool {
    let mut state = lock(&self.state);
    if state.job.is_some() {
      return false;
    }
    state.sleeping = true;
    true
  }

  /// The running task's reason to stop (`Cancelled` or `TimedOut`): what `signal.aborted` reads.
  pub fn stop_reason(&self) -> Option<TaskError> {
    let state = lock(&self.state);
    state.current.as_ref().and_then(|handoff| handoff.token.check().err())
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

  /// A dispatcher that leaves the test threads acting as workers as they are.
  fn dispatcher() -> Arc<Dispatcher> {
    Arc::new(Dispatcher::new(ThreadScheduling::UNCHANGED))
  }

  /// What `run` returned, and what the worker delivered.
  type RunAndDelivered = (Result<Output, TaskError>, Option<Result<Output, TaskError>>);

  /// Runs a task on a thread; returns what `run` returned and what was delivered.
  fn spawn_run(dispatcher: &Arc<Dispatcher>, token: CancelToken) -> thread::JoinHandle<RunAndDelivered> {
    let dispatcher = dispatcher.clone();
    thread::spawn(move || {
      let delivered = Arc::new(Mutex::new(None));
      let sink = delivered.clone();
      let result = dispatcher.run(&Arc::default(), 3, vec![1, 2], &token, Box::new(move |result| *sink.lock().unwrap() = Some(result)));
      let delivered = delivered.lock().unwrap().take();
      (result, delivered)
    })
  }

  fn worker(dispatcher: Arc<Dispatcher>, index: u32, wakes: Arc<AtomicUsize>) -> Arc<Slot> {
    dispatcher.attach(
      index,
      Box::new(move || {
        wakes.fetch_add(1, Ordering::SeqCst);
      }),
    )
  }

  fn take_when_handed(slot: &Arc<Slot>) -> (u32, Vec<u8>) {
    loop {
      if let Some(job) = slot.take() {
        return job;
      }
      thread::yield_now();
    }
  }

  #[test]
  fn the_worker_delivers_the_result_and_is_idle_again_at_once() {
    let dispatcher = dispatcher();
    let slot = worker(dispatcher.clone(), 0, Arc::default());
    let runner = spawn_run(&dispatcher, CancelToken::new());
    let (task, input) = take_when_handed(&slot);
    assert_eq!(task, 3);
    dispatcher.report(&slot, Report::Value(input.iter().map(|b| b + 1).collect()));
    assert_eq!(runner.join().unwrap(), (Ok(Output::Delivered), Some(Ok(Output::Buffer(vec![2, 3])))));
    assert!(dispatcher.retire(&slot).is_some(), "the slot is idle again");
  }

  #[test]
  fn a_sleeping_worker_is_woken_once_per_hand_off() {
    let dispatcher = dispatcher();
    let wakes = Arc::new(AtomicUsize::new(0));
    let slot = worker(dispatcher.clone(), 0, wakes.clone());
    assert!(slot.sleep());
    let runner = spawn_run(&dispatcher, CancelToken::new());
    while wakes.load(Ordering::SeqCst) == 0 {
      thread::yield_now();
    }
    take_when_handed(&slot);
    dispatcher.report(&slot, Report::Failed { code: "ERR_X", message: "m".into() });
    let failed = Err(TaskError::Failed { code: "ERR_X", message: "m".into() });
    assert_eq!(runner.join().unwrap(), (Ok(Output::Delivered), Some(failed)));
    assert_eq!(wakes.load(Ordering::SeqCst), 1);
  }

  #[test]
  fn a_worker_that_exits_fails_only_its_task_with_its_exit_code() {
    let dispatcher = dispatcher();
    let slot = worker(dispatcher.clone(), 4, Arc::default());
    let runner = spawn_run(&dispatcher, CancelToken::new());
    take_when_handed(&slot);
    slot.set_exit_code(7);
    drop(dispatcher.detach(&slot));
    assert_eq!(runner.join().unwrap(), (Err(worker_exited(Some(7))), None), "the engine settles it, not the worker");
    assert!(dispatcher.retire(&slot).is_none(), "an exited slot is never idle again");
  }

  #[test]
  fn a_cancelled_task_settles_as_cancelled_even_if_its_worker_returns_a_value() {
    let dispatcher = dispatcher();
    let slot = worker(dispatcher.clone(), 0, Arc::default());
    let token = CancelToken::new();
    let runner = spawn_run(&dispatcher, token.clone());
    take_when_handed(&slot);
    token.cancel();
    assert_eq!(slot.stop_reason(), Some(TaskError::Cancelled));
    dispatcher.report(&slot, Report::Value(vec![1]));
    assert_eq!(runner.join().unwrap(), (Ok(Output::Delivered), Some(Err(TaskError::Cancelled))));
  }

  #[test]
  fn a_start_failure_fails_one_waiting_task() {
    let dispatcher = dispatcher();
    let runner = spawn_run(&dispatcher, CancelToken::new());
    dispatcher.worker_exited(9, 1, "bad execArgv".into());
    let (result, delivered) = runner.join().unwrap();
    assert!(matches!(result, Err(TaskError::Failed { code: "ERR_WORKER_EXITED", ref message }) if message.contains("bad execArgv")));
    assert!(delivered.is_none());
  }

  #[test]
  fn close_releases_a_task_waiting_for_a_worker_and_one_running() {
    let dispatcher = dispatcher();
    let slot = worker(dispatcher.clone(), 0, Arc::default());
    let running = spawn_run(&dispatcher, CancelToken::new());
    take_when_handed(&slot);
    let waiting = spawn_run(&dispatcher, CancelToken::new());
    dispatcher.close();
    assert_eq!(waiting.join().unwrap(), (Err(TaskError::PoolClosed), None));
    assert_eq!(running.join().unwrap(), (Err(TaskError::PoolClosed), None));
    dispatcher.report(&slot, Report::Value(vec![]));
  }
}
