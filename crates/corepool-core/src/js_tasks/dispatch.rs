//! How JS tasks reach JS workers. A JS task is external work in the engine's queue: a worker
//! takes it itself (`take`) with a slot of the pool's `threads` budget (a `Lease`), and keeps
//! that slot to take the next one, so a stream of JS tasks wakes no pool thread. When a pool
//! thread takes one instead (no worker was polling), it hands the task and its own budget slot
//! to an idle worker's `Slot`, waking the worker if it sleeps, and goes back to its work. Either
//! way the worker settles the task itself, through the engine. See README.md.
//! Nothing here knows about N-API: a worker's wake-up is an opaque callback.

use std::any::Any;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::pool::{CancelToken, Engine, ExternalWork, Lease, Output, Started, Taken, TaskError};

/// While a pool thread waits for an idle worker, how often it looks at the task's token.
const TOKEN_POLL: Duration = Duration::from_millis(1);

/// Calls into a worker's event loop (a threadsafe function); never blocks.
pub type Wake = Box<dyn Fn() + Send + Sync>;

/// A queued JS task: which one, and its serialized input.
pub struct JsWork {
  pub dispatcher: Arc<Dispatcher>,
  pub task: u32,
  pub input: Vec<u8>,
}

impl ExternalWork for JsWork {
  fn hand_over(self: Box<Self>, started: Started, lease: Lease) {
    let JsWork { dispatcher, task, input } = *self;
    dispatcher.hand_over(task, input, started, lease);
  }

  fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
    self
  }
}

/// The task a worker holds, from hand-over to its report. Invariant: `started` is taken once,
/// by the worker's report or by whoever sees the worker or the pool go away; that one settles.
struct Running {
  id: u64,
  token: CancelToken,
  since: Instant,
  started: Mutex<Option<Started>>,
}

impl Running {
  fn new(started: Started) -> Arc<Running> {
    Arc::new(Running { id: started.id(), token: started.token(), since: Instant::now(), started: Mutex::new(Some(started)) })
  }

  fn settle(&self, result: Result<Output, TaskError>) {
    let started = lock(&self.started).take();
    if let Some(started) = started {
      started.finish(result);
    }
  }
}

/// What a worker reported for its task.
pub enum Report {
  /// The result: its serialized bytes (`Output::Buffer`), or the value itself when it crosses as
  /// itself (undefined, null, a boolean, a number or a string).
  Value(Output),
  /// A failure with a stable code; for a thrown error the message is its JSON description.
  Failed { code: &'static str, message: String },
}

/// One JS worker's mailbox. Invariant: holds at most one task (`current`).
pub struct Slot {
  pub index: u32,
  state: Mutex<SlotState>,
  /// Mirrors `state.handed.is_some()` for the worker's spin loop, which reads it without the lock.
  has_job: AtomicBool,
  /// A pool thread took this slot from the idle list and is handing it a task: the worker must
  /// not take another from the queue, nor go back on the list. Written under the dispatcher's lock.
  reserved: AtomicBool,
  /// The worker polls the queue between tasks (counted in the engine's pollers).
  polling: AtomicBool,
  /// On the idle list; written under the dispatcher's lock.
  listed: AtomicBool,
}

#[derive(Default)]
struct SlotState {
  /// Handed over by a pool thread, not yet taken by the worker: `(task index, serialized input)`.
  handed: Option<(u32, Vec<u8>)>,
  /// The task the worker holds, from hand-over to report.
  current: Option<Arc<Running>>,
  /// The budget slot of the worker's tasks, kept from one to the next while tasks come.
  lease: Option<Lease>,
  /// The worker's wake-up; `None` after it retired or exited.
  wake: Option<Wake>,
  /// The worker is waiting in its event loop (not spinning): a hand-over must call `wake`.
  sleeping: bool,
  exited: bool,
  exit_code: Option<i32>,
}

/// All JS workers of one pool. Invariant: a slot is in `idle` (and `listed`) only while its
/// worker is attached, not exited, holding no task and no budget slot, and sleeps or is about to. Lock order: the dispatcher's state, then a
/// slot's; neither is held while a task settles or a lease is given back.
pub struct Dispatcher {
  engine: Arc<Engine>,
  state: Mutex<DispatchState>,
  /// Set once by `close`; readable without the lock.
  closing: AtomicBool,
  /// Signalled when a slot becomes idle, a worker fails to start, or the pool closes.
  idle_changed: Condvar,
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

/// Why a task whose worker went away (or whose pool closes) failed.
fn exit_error(token: &CancelToken, closing: bool, code: Option<i32>) -> TaskError {
  match token.check() {
    Err(stopped) => stopped,
    Ok(()) if closing => TaskError::PoolClosed,
    Ok(()) => {
      let code = code.unwrap_or(1);
      TaskError::Failed { code: "ERR_WORKER_EXITED", message: format!("the worker running the task exited with code {code}") }
    }
  }
}

impl Dispatcher {
  /// The dispatcher of `engine`'s JS tasks.
  pub fn new(engine: Arc<Engine>) -> Dispatcher {
    Dispatcher { engine, state: Mutex::new(DispatchState::default()), closing: AtomicBool::new(false), idle_changed: Condvar::new() }
  }

  /// A pool thread took a JS task: it waits for an idle worker and gives it the task with the
  /// pool thread's budget slot. A task cancelled meanwhile, a closing pool or a worker that could
  /// not start settles it here.
  fn hand_over(&self, task: u32, input: Vec<u8>, started: Started, lease: Lease) {
    let running = Running::new(started);
    loop {
      let slot = match self.acquire(&running.token) {
        Ok(slot) => slot,
        Err(error) => {
          drop(lease);
          return running.settle(Err(error));
        }
      };
      let mut state = lock(&slot.state);
      if state.exited {
        continue; // its worker went away after it was taken from the idle list: take another
      }
      state.handed = Some((task, input));
      state.current = Some(running);
      state.lease = Some(lease);
      slot.has_job.store(true, Ordering::Release);
      if state.sleeping {
        state.sleeping = false;
        if let Some(wake) = &state.wake {
          wake();
        }
      }
      return;
    }
  }

  /// A JS task was queued and no worker polls: wakes a sleeping worker to take it from the queue
  /// itself, counted as polling from now, so the engine wakes no pool thread to hand it over.
  /// If the woken worker finds nothing it can take, it stops polling after its spin, and that
  /// starts a runner for what is still queued. False if no worker sleeps.
  pub fn wake_idle(&self) -> bool {
    if self.is_closing() {
      return false;
    }
    // Held to the end: a worker leaves the idle list under this lock before it can exit or
    // retire (`detach`, `retire`), so this one is attached and has its wake-up (the list's
    // invariant) until it counts as polling.
    let mut state = lock(&self.state);
    let Some(slot) = state.idle.pop() else {
      return false;
    };
    slot.listed.store(false, Ordering::Release);
    let mut slot_state = lock(&slot.state);
    self.set_polling(&slot, true);
    if let Some(wake) = &slot_state.wake {
      wake();
    }
    slot_state.sleeping = false;
    true
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
        // Reserved first: a worker that sees itself unlisted then sees the reservation too.
        slot.reserved.store(true, Ordering::Release);
        slot.listed.store(false, Ordering::Release);
        return Ok(slot);
      }
      if !state.start_failures.is_empty() {
        let message = state.start_failures.remove(0);
        return Err(TaskError::Failed { code: "ERR_WORKER_EXITED", message: format!("a JS worker could not start: {message}") });
      }
      state = self.idle_changed.wait_timeout(state, TOKEN_POLL).unwrap_or_else(|e| e.into_inner()).0;
    }
  }

  fn is_closing(&self) -> bool {
    self.closing.load(Ordering::Acquire)
  }

  /// A worker started and is ready for tasks (worker thread). Its thread is scheduled like the
  /// pool threads from now on: a user's JS is pool work too, and at the same nice value a worker
  /// cannot starve the pool threads or the event loop.
  pub fn attach(&self, index: u32, wake: Wake) -> Arc<Slot> {
    self.engine.scheduling().apply_to_this_thread();
    let slot = Arc::new(Slot {
      index,
      state: Mutex::new(SlotState { wake: Some(wake), ..SlotState::default() }),
      has_job: AtomicBool::new(false),
      reserved: AtomicBool::new(false),
      polling: AtomicBool::new(false),
      listed: AtomicBool::new(false),
    });
    let mut state = lock(&self.state);
    state.start_failures.clear();
    state.slots.retain(|known| known.index != index);
    state.slots.push(slot.clone());
    drop(state);
    self.join_idle(&slot);
    slot
  }

  /// The worker finished its task: it settles it, unless the task was already settled because
  /// the pool closed. The worker keeps its budget slot for its next `take`, and counts as polling
  /// from now: the caller may submit the next task before the worker is back in `take`.
  pub fn report(&self, slot: &Arc<Slot>, report: Report) {
    let Some(running) = lock(&slot.state).current.take() else {
      return;
    };
    self.set_polling(slot, true);
    running.settle(match report {
      Report::Value(output) => Ok(output),
      Report::Failed { code, message } => Err(TaskError::Failed { code, message }),
    });
  }

  /// The worker's next task, `(task index, input)`: one a pool thread handed over, else the next
  /// queued task if it is a JS task and the budget has room. Never blocks; the worker calls it
  /// after each task and in its spin loop, and keeps its budget slot while it spins.
  pub fn take(&self, slot: &Arc<Slot>) -> Option<(u32, Vec<u8>)> {
    if let Some(job) = slot.take_handed() {
      self.set_polling(slot, false);
      self.engine.leave_submitter_cpu();
      return Some(job);
    }
    if !slot.polling.load(Ordering::Relaxed) {
      self.set_polling(slot, true);
    }
    if self.engine.queued() == 0 || self.is_closing() {
      return None; // the spin loop's common case: no lock
    }
    let job = self.take_queued(slot)?;
    self.set_polling(slot, false);
    // Whether or not it waited for this task: a worker that shares the event loop's CPU finds its
    // task queued every time, since it runs only once the loop stops polling and sleeps.
    self.engine.leave_submitter_cpu();
    Some(job)
  }

  /// Takes the next queued task if it is a JS task and the budget has room.
  fn take_queued(&self, slot: &Arc<Slot>) -> Option<(u32, Vec<u8>)> {
    let held = lock(&slot.state).lease.take();
    // Only this worker puts its slot on the idle list, so one not listed stays unreserved. A
    // listed one leaves the list only with a task, under the lock that pool threads take it by.
    let taken = if slot.listed.load(Ordering::Acquire) {
      let mut state = lock(&self.state);
      if slot.reserved.load(Ordering::Acquire) {
        return None; // a pool thread is handing it a task
      }
      let taken = self.engine.take_external(held)?;
      state.idle.retain(|idle| !Arc::ptr_eq(idle, slot));
      slot.listed.store(false, Ordering::Release);
      taken
    } else {
      // Unlisted by a pool thread that is handing this worker a task (its next one: taking
      // another here would leave two tasks in one slot, and the one overwritten would settle as
      // aborted), or by `wake_idle`.
      if slot.reserved.load(Ordering::Acquire) {
        return None;
      }
      self.engine.take_external(held)?
    };
    let Taken { started, lease, work } = taken;
    let Ok(work) = work.downcast::<JsWork>() else {
      started.finish(Err(TaskError::Failed { code: "ERR_INTERNAL", message: "the queue held external work of another kind".into() }));
      return None;
    };
    let running = Running::new(started);
    let mut state = lock(&slot.state);
    if state.exited || self.is_closing() {
      // Its worker or the pool is going away, and `detach` or `close` may have looked already.
      let error = exit_error(&running.token, self.is_closing(), state.exit_code);
      drop(state);
      drop(lease);
      running.settle(Err(error));
      return None;
    }
    state.current = Some(running);
    state.lease = Some(lease);
    let JsWork { task, input, .. } = *work;
    Some((task, input))
  }

  /// Puts an attached worker without a task on the idle list (once), where pool threads find it.
  fn join_idle(&self, slot: &Arc<Slot>) {
    let mut state = lock(&self.state);
    let listed = slot.reserved.load(Ordering::Acquire) || slot.listed.load(Ordering::Acquire);
    if listed || self.is_closing() || lock(&slot.state).exited {
      return;
    }
    state.idle.push(slot.clone());
    slot.listed.store(true, Ordering::Release);
    self.idle_changed.notify_one();
  }

  /// Counts the worker among the engine's pollers while it spins between tasks.
  fn set_polling(&self, slot: &Slot, polling: bool) {
    if slot.polling.swap(polling, Ordering::AcqRel) != polling {
      if polling {
        self.engine.start_polling();
      } else {
        self.engine.stop_polling();
      }
    }
  }

  /// The worker stops spinning and waits in its event loop: it gives its budget slot back and
  /// goes on the idle list, where pool threads find it. False if a task arrived meanwhile.
  pub fn sleep(&self, slot: &Arc<Slot>) -> bool {
    // A JS task queued since the worker last looked is its to take with the slot it holds:
    // going to sleep would give the slot back and start a pool thread to hand the task over.
    if lock(&slot.state).lease.is_some() && self.engine.external_next() {
      return false;
    }
    if !slot.sleep() {
      return false;
    }
    let lease = lock(&slot.state).lease.take();
    drop(lease);
    self.join_idle(slot);
    // Last: a task queued before this without a runner gets one now.
    self.set_polling(slot, false);
    true
  }

  /// The worker's thread is ending (its environment's cleanup, or its retirement): it takes no
  /// more tasks, and a task it was running fails. Returns the wake-up for the caller to release.
  /// The slot stays known until the main thread reports the exit (`worker_exited`).
  pub fn detach(&self, slot: &Arc<Slot>) -> Option<Wake> {
    lock(&self.state).idle.retain(|idle| !Arc::ptr_eq(idle, slot));
    slot.listed.store(false, Ordering::Release);
    let mut state = lock(&slot.state);
    state.exited = true;
    let (current, lease, code, wake) = (state.current.take(), state.lease.take(), state.exit_code, state.wake.take());
    drop(state);
    self.set_polling(slot, false);
    drop(lease);
    if let Some(running) = current {
      running.settle(Err(exit_error(&running.token, self.is_closing(), code)));
    }
    wake
  }

  /// An idle worker asks to stop: granted only if no task was handed to it meanwhile.
  pub fn retire(&self, slot: &Arc<Slot>) -> Option<Wake> {
    let mut state = lock(&self.state);
    let position = state.idle.iter().position(|idle| Arc::ptr_eq(idle, slot))?;
    state.idle.remove(position);
    slot.listed.store(false, Ordering::Release);
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
      let running = slot_state.current.as_ref()?;
      (running.id == id).then(|| (slot.index, running.since.elapsed()))
    })
  }

  /// Task `id` was aborted or timed out: its worker's wake-up fires its signal's 'abort' event
  /// (its `signal.aborted` already reads the token).
  pub fn signal(&self, id: u64) {
    let state = lock(&self.state);
    for slot in &state.slots {
      let slot_state = lock(&slot.state);
      if slot_state.current.as_ref().is_some_and(|running| running.id == id && running.token.check().is_err()) {
        if let Some(wake) = &slot_state.wake {
          wake();
        }
        return;
      }
    }
  }

  /// Stops handing out workers; tasks waiting for one, and tasks running on one (the engine
  /// waits for them, and Node may be stopping their workers), settle as `PoolClosed`. Idempotent.
  pub fn close(&self) {
    let mut state = lock(&self.state);
    self.closing.store(true, Ordering::Release);
    for slot in state.idle.drain(..) {
      slot.listed.store(false, Ordering::Release);
    }
    let slots = state.slots.clone();
    self.idle_changed.notify_all();
    drop(state);
    for slot in slots {
      let mut state = lock(&slot.state);
      let (current, lease) = (state.current.take(), state.lease.take());
      drop(state);
      drop(lease);
      if let Some(running) = current {
        running.settle(Err(exit_error(&running.token, true, None)));
      }
    }
  }
}

impl Slot {
  /// The worker takes its task, if a pool thread handed one over: `(task index, input)`.
  fn take_handed(&self) -> Option<(u32, Vec<u8>)> {
    if !self.has_job.load(Ordering::Acquire) {
      return None;
    }
    let mut state = lock(&self.state);
    self.has_job.store(false, Ordering::Release);
    self.reserved.store(false, Ordering::Release);
    state.sleeping = false;
    state.handed.take()
  }

  /// The worker stops spinning and waits in its event loop; false if a task arrived meanwhile.
  fn sleep(&self) -> bool {
    let mut state = lock(&self.state);
    if state.handed.is_some() {
      return false;
    }
    state.sleeping = true;
    true
  }

  /// The running task's reason to stop (`Cancelled` or `TimedOut`): what `signal.aborted` reads.
  pub fn stop_reason(&self) -> Option<TaskError> {
    let state = lock(&self.state);
    state.current.as_ref().and_then(|running| running.token.check().err())
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
  use crate::pool::{Completion, EngineConfig, Priority, ThreadScheduling};
  use std::collections::VecDeque;
  use std::sync::atomic::AtomicUsize;
  use std::sync::mpsc;

  /// An engine and its dispatcher; completions are collected by the test instead of a JS thread.
  struct Harness {
    engine: Arc<Engine>,
    dispatcher: Arc<Dispatcher>,
    woken: mpsc::Receiver<()>,
    /// Completions taken from the outbox and not yet returned: one batch can hold several.
    taken: Mutex<VecDeque<Completion>>,
  }

  impl Harness {
    fn new(threads: usize) -> Harness {
      let (tx, woken) = mpsc::channel();
      let tx = Mutex::new(tx);
      let config = EngineConfig {
        threads,
        spin: Duration::from_micros(20),
        max_queue: usize::MAX,
        task_count: 2,
        scheduling: ThreadScheduling::UNCHANGED,
        record_timings: true,
      };
      let wake = Box::new(move || {
        let _ = tx.lock().unwrap().send(());
      });
      let engine = Engine::new(config, wake).unwrap();
      let dispatcher = Arc::new(Dispatcher::new(engine.clone()));
      Harness { engine, dispatcher, woken, taken: Mutex::new(VecDeque::new()) }
    }

    /// Queues JS task 3 with `input`; returns its id.
    fn submit(&self, input: Vec<u8>) -> u64 {
      let work = Box::new(JsWork { dispatcher: self.dispatcher.clone(), task: 3, input });
      self.engine.submit_external(1, Priority::Normal, None, work, &|| self.dispatcher.wake_idle()).unwrap()
    }

    /// A worker whose wake-ups are counted.
    fn worker(&self, index: u32) -> (Arc<Slot>, Arc<AtomicUsize>) {
      let wakes = Arc::new(AtomicUsize::new(0));
      let counter = wakes.clone();
      let slot = self.dispatcher.attach(
        index,
        Box::new(move || {
          counter.fetch_add(1, Ordering::SeqCst);
        }),
      );
      (slot, wakes)
    }

    fn take_when_there(&self, slot: &Arc<Slot>) -> (u32, Vec<u8>) {
      loop {
        if let Some(job) = self.dispatcher.take(slot) {
          return job;
        }
        std::thread::yield_now();
      }
    }

    fn next_completion(&self) -> Completion {
      loop {
        let mut taken = self.taken.lock().unwrap();
        taken.extend(self.engine.outbox().take_batch());
        if let Some(completion) = taken.pop_front() {
          return completion;
        }
        drop(taken);
        self.woken.recv_timeout(Duration::from_secs(10)).expect("a wake for every batch");
      }
    }
  }

  fn exited(code: i32) -> Result<Output, TaskError> {
    Err(TaskError::Failed { code: "ERR_WORKER_EXITED", message: format!("the worker running the task exited with code {code}") })
  }

  #[test]
  fn a_polling_worker_takes_a_queued_task_itself_and_settles_it() {
    let h = Harness::new(1);
    let (slot, wakes) = h.worker(0);
    assert!(h.dispatcher.take(&slot).is_none(), "nothing queued yet: the worker polls");
    let id = h.submit(vec![1, 2]);
    assert_eq!(h.take_when_there(&slot), (3, vec![1, 2]));
    assert_eq!(h.engine.stats().active, 1);
    h.dispatcher.report(&slot, Report::Value(Output::Buffer(vec![9])));
    let completion = h.next_completion();
    assert_eq!((completion.id, completion.result), (id, Ok(Output::Buffer(vec![9]))));
    assert_eq!(h.engine.stats().active, 0);
    assert_eq!(wakes.load(Ordering::SeqCst), 0, "a polling worker is never woken");
  }

  #[test]
  fn a_submit_wakes_a_sleeping_worker_which_takes_the_task_from_the_queue_itself() {
    let h = Harness::new(1);
    let (slot, wakes) = h.worker(0);
    assert!(h.dispatcher.take(&slot).is_none());
    assert!(h.dispatcher.sleep(&slot));
    let id = h.submit(vec![5]);
    assert_eq!(wakes.load(Ordering::SeqCst), 1, "woken by the submit");
    // Still queued: no pool thread was started to take it and hand it over.
    assert_eq!(h.dispatcher.take(&slot), Some((3, vec![5])));
    h.dispatcher.report(&slot, Report::Failed { code: "ERR_X", message: "m".into() });
    let completion = h.next_completion();
    assert_eq!((completion.id, completion.result), (id, Err(TaskError::Failed { code: "ERR_X", message: "m".into() })));
  }

  #[test]
  fn a_woken_worker_that_sleeps_again_gets_the_task_from_a_pool_thread() {
    let h = Harness::new(1);
    let (slot, wakes) = h.worker(0);
    assert!(h.dispatcher.take(&slot).is_none());
    assert!(h.dispatcher.sleep(&slot));
    let id = h.submit(vec![5]);
    assert_eq!(wakes.load(Ordering::SeqCst), 1);
    // Its spin took nothing (here it never looked): stopping starts a runner for the task.
    assert!(h.dispatcher.sleep(&slot));
    assert_eq!(h.take_when_there(&slot), (3, vec![5]));
    assert_eq!(wakes.load(Ordering::SeqCst), 2, "the pool thread that handed the task over woke it");
    h.dispatcher.report(&slot, Report::Value(Output::Number(1.0)));
    let completion = h.next_completion();
    assert_eq!((completion.id, completion.result), (id, Ok(Output::Number(1.0))));
  }

  #[test]
  fn a_worker_holding_the_budget_slot_takes_a_task_queued_as_it_stops_instead_of_sleeping() {
    let h = Harness::new(1);
    let (slot, wakes) = h.worker(0);
    assert!(h.dispatcher.take(&slot).is_none());
    let first = h.submit(vec![1]);
    assert_eq!(h.take_when_there(&slot), (3, vec![1]));
    h.dispatcher.report(&slot, Report::Value(Output::Undefined));
    assert_eq!(h.next_completion().id, first);
    h.submit(vec![2]); // it polls, with the budget's one slot: nothing else can run the task
    assert!(!h.dispatcher.sleep(&slot), "a queued JS task keeps it awake");
    assert_eq!(h.dispatcher.take(&slot), Some((3, vec![2])));
    assert_eq!(wakes.load(Ordering::SeqCst), 0);
  }

  #[test]
  fn a_polling_worker_that_a_pool_thread_took_off_the_idle_list_takes_no_queued_task() {
    let h = Harness::new(2);
    let (slot, _) = h.worker(0);
    assert!(h.dispatcher.take(&slot).is_none(), "attached and listed as idle, it polls");
    // A pool thread takes it off the idle list, to hand it a task, before the worker looks again.
    let reserved = h.dispatcher.acquire(&CancelToken::default()).unwrap();
    assert!(Arc::ptr_eq(&reserved, &slot));
    h.submit(vec![1]);
    assert!(h.dispatcher.take(&slot).is_none(), "the task being handed over is its next");
    assert_eq!(h.engine.queued(), 1);
  }

  #[test]
  fn a_worker_that_exits_fails_only_its_task_with_its_exit_code() {
    let h = Harness::new(1);
    let (slot, _) = h.worker(4);
    let id = h.submit(vec![]);
    h.take_when_there(&slot);
    slot.set_exit_code(7);
    drop(h.dispatcher.detach(&slot));
    let completion = h.next_completion();
    assert_eq!((completion.id, completion.result), (id, exited(7)));
    assert!(h.dispatcher.take(&slot).is_none() && !slot.is_attached(), "an exited worker takes nothing");
    assert_eq!(h.engine.stats().active, 0);
  }

  #[test]
  fn a_cancelled_task_settles_as_cancelled_even_if_its_worker_returns_a_value() {
    let h = Harness::new(1);
    let (slot, _) = h.worker(0);
    let id = h.submit(vec![]);
    h.take_when_there(&slot);
    h.engine.cancel(id);
    assert_eq!(slot.stop_reason(), Some(TaskError::Cancelled));
    h.dispatcher.report(&slot, Report::Value(Output::Buffer(vec![1])));
    assert_eq!(h.next_completion().result, Err(TaskError::Cancelled));
  }

  #[test]
  fn signal_wakes_only_the_worker_of_a_stopped_task() {
    let h = Harness::new(1);
    let (slot, wakes) = h.worker(0);
    assert!(h.dispatcher.take(&slot).is_none(), "it polls, as a worker does once attached");
    let id = h.submit(vec![]);
    h.take_when_there(&slot);
    h.dispatcher.signal(id);
    assert_eq!(wakes.load(Ordering::SeqCst), 0, "the task was not stopped");
    h.engine.cancel(id);
    h.dispatcher.signal(id);
    assert_eq!(wakes.load(Ordering::SeqCst), 1);
    h.dispatcher.report(&slot, Report::Value(Output::Buffer(vec![])));
    assert_eq!(h.next_completion().result, Err(TaskError::Cancelled));
  }

  #[test]
  fn a_start_failure_fails_one_task_waiting_for_a_worker() {
    let h = Harness::new(1);
    let id = h.submit(vec![]);
    h.dispatcher.worker_exited(9, 1, "bad execArgv".into());
    let completion = h.next_completion();
    assert_eq!(completion.id, id);
    assert!(
      matches!(completion.result, Err(TaskError::Failed { code: "ERR_WORKER_EXITED", ref message }) if message.contains("bad execArgv"))
    );
  }

  #[test]
  fn close_settles_a_running_task_and_one_waiting_for_a_worker() {
    let h = Harness::new(2);
    let (slot, _) = h.worker(0);
    let running = h.submit(vec![]);
    h.take_when_there(&slot);
    let waiting = h.submit(vec![]); // the only worker is busy: a pool thread waits for one
    h.dispatcher.close();
    let mut settled = vec![h.next_completion(), h.next_completion()];
    settled.sort_by_key(|completion| completion.id);
    let settled: Vec<_> = settled.into_iter().map(|completion| (completion.id, completion.result)).collect();
    assert_eq!(settled, vec![(running, Err(TaskError::PoolClosed)), (waiting, Err(TaskError::PoolClosed))]);
    h.dispatcher.report(&slot, Report::Value(Output::Buffer(vec![]))); // too late: nothing settles twice
    assert!(h.taken.lock().unwrap().is_empty() && h.engine.outbox().take_batch().is_empty());
  }

  #[test]
  fn a_worker_holding_a_task_counts_in_the_budget_and_leaves_a_native_task_its_slot() {
    let h = Harness::new(1);
    let (slot, _) = h.worker(0);
    h.submit(vec![]);
    h.take_when_there(&slot);
    let ran = Arc::new(AtomicBool::new(false));
    let flag = ran.clone();
    let native =
      h.engine.submit(0, Priority::Normal, None, Box::new(move |_| Ok(Output::Bool(flag.swap(true, Ordering::SeqCst))))).unwrap();
    // Not a synchronisation: a window in which a pool thread that wrongly took the slot would run it.
    std::thread::sleep(Duration::from_millis(20));
    assert!(!ran.load(Ordering::SeqCst), "the one slot of the budget is the worker's");
    h.dispatcher.report(&slot, Report::Value(Output::Buffer(vec![])));
    h.next_completion();
    assert!(h.dispatcher.take(&slot).is_none(), "a worker never takes a native task");
    let completion = h.next_completion();
    assert_eq!((completion.id, completion.result), (native, Ok(Output::Bool(false))));
  }
}
