//! What every pool thread shares: its name, its scheduling policy and priority, and how a kernel's panic
//! becomes its task's rejection instead of the process's end.

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::{Output, TaskError};

/// Pool threads are named `corepool-<index>`, which the panic hook below recognises.
const NAME_PREFIX: &str = "corepool-";

/// The highest (least favoured) nice value Linux has.
const MAX_NICE: i32 = 19;

pub fn name(index: usize) -> String {
  format!("{NAME_PREFIX}{index}")
}

/// The one panic catcher: runs a kernel, and turns its panic into `TaskError::Panicked` with the
/// panic's message.
pub fn catch_panic(work: impl FnOnce() -> Result<Output, TaskError>) -> Result<Output, TaskError> {
  catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|payload| Err(TaskError::Panicked(panic_message(payload.as_ref()))))
}

/// A kernel's panic reaches JS as the task's rejection (`ERR_TASK_PANICKED` with its message),
/// so the default hook's report on stderr would only be noise in a server's logs. Panics on
/// every other thread still go to the hook that was installed before.
pub fn quiet_panics_on_pool_threads() {
  static INSTALL: std::sync::Once = std::sync::Once::new();
  INSTALL.call_once(|| {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
      let on_pool_thread = std::thread::current().name().is_some_and(|name| name.starts_with(NAME_PREFIX));
      if !on_pool_thread {
        previous(info);
      }
    }));
  });
}

/// The Linux scheduling policy of pool threads, against the process's other threads (the event
/// loop's, libuv's) and other processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchedulingPolicy {
  /// SCHED_OTHER: a pool thread competes like any thread, weighted by its nice value.
  Normal,
  /// SCHED_BATCH: as Normal, but a waking pool thread never preempts a running thread.
  Batch,
  /// SCHED_IDLE: a pool thread runs only on CPU time that no normal thread wants, and any waking
  /// normal thread preempts it at once.
  Idle,
}

/// How a pool's threads are scheduled: every thread that runs its tasks (its own, and the JS
/// workers') gets the same, so no task outranks another or the event loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadScheduling {
  pub policy: SchedulingPolicy,
  pub nice_increment: i32,
}

impl ThreadScheduling {
  /// Leaves threads as they are: no policy change, no nice increment.
  pub const UNCHANGED: ThreadScheduling = ThreadScheduling { policy: SchedulingPolicy::Normal, nice_increment: 0 };

  /// Fixes the scheduling against the calling thread: the nice value `nice_increment` above
  /// this thread's. A thread that applies it then gets the same nice value whichever thread
  /// spawned it, so the launcher that spawns most pool threads can run at their priority.
  pub fn fixed_here(self) -> PoolScheduling {
    PoolScheduling {
      policy: self.policy,
      nice: (self.nice_increment > 0).then(|| (this_thread_nice() + self.nice_increment).min(MAX_NICE)),
    }
  }
}

/// A pool's scheduling, fixed when the pool was made (`ThreadScheduling::fixed_here`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolScheduling {
  policy: SchedulingPolicy,
  /// The nice value every thread that runs the pool's tasks gets; None leaves it as it is.
  nice: Option<i32>,
}

impl PoolScheduling {
  /// Applies the policy and the nice value to the calling thread (Linux only; a failure leaves
  /// the thread as it was, which is safe).
  pub fn apply_to_this_thread(self) {
    set_policy(self.policy);
    if let Some(nice) = self.nice {
      set_this_thread_nice(nice);
    }
  }
}

fn set_policy(policy: SchedulingPolicy) {
  #[cfg(target_os = "linux")]
  {
    let policy = match policy {
      SchedulingPolicy::Normal => return,
      SchedulingPolicy::Batch => libc::SCHED_BATCH,
      SchedulingPolicy::Idle => libc::SCHED_IDLE,
    };
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: pid 0 is the calling thread; `param` is a live sched_param, which both policies
    // require to hold priority 0.
    unsafe { libc::sched_setscheduler(0, policy, &param) };
  }
  #[cfg(not(target_os = "linux"))]
  let _ = policy;
}

/// The calling thread's nice value (0 where threads have none).
fn this_thread_nice() -> i32 {
  #[cfg(target_os = "linux")]
  {
    // SAFETY: plain syscalls on the calling thread: gettid has no preconditions, and
    // getpriority(PRIO_PROCESS, tid) reads that thread's nice value.
    unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::syscall(libc::SYS_gettid) as libc::id_t) }
  }
  #[cfg(not(target_os = "linux"))]
  0
}

fn set_this_thread_nice(nice: i32) {
  #[cfg(target_os = "linux")]
  // SAFETY: plain syscalls on the calling thread: gettid has no preconditions, and
  // setpriority(PRIO_PROCESS, tid) only changes that thread's nice value.
  unsafe {
    libc::setpriority(libc::PRIO_PROCESS, libc::syscall(libc::SYS_gettid) as libc::id_t, nice);
  }
  #[cfg(not(target_os = "linux"))]
  let _ = nice;
}

/// The CPU the calling thread runs on, or -1 where that cannot be known.
pub fn current_cpu() -> i32 {
  #[cfg(target_os = "linux")]
  {
    // SAFETY: sched_getcpu has no preconditions.
    unsafe { libc::sched_getcpu() }
  }
  #[cfg(not(target_os = "linux"))]
  -1
}

/// Moves the calling thread from `cpu` to another CPU it may run on, and leaves the CPUs it may
/// run on as they were. The scheduler places a woken thread on its previous CPU or the waker's,
/// so two threads that wake each other can end up sharing one CPU while another stays idle, and
/// stay so. False if it did not move (it is not on `cpu`, or may run on no other CPU).
pub fn move_off_cpu(cpu: i32) -> bool {
  #[cfg(target_os = "linux")]
  {
    let Ok(cpu) = usize::try_from(cpu) else { return false };
    let size = std::mem::size_of::<libc::cpu_set_t>();
    // SAFETY: cpu_set_t is plain bits, and all-zero is the empty set.
    let mut allowed: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: pid 0 is the calling thread; it writes at most `size` bytes into `allowed`.
    if unsafe { libc::sched_getaffinity(0, size, &mut allowed) } != 0 {
      return false;
    }
    // SAFETY: the CPU_* helpers read or write bit `cpu` of a set, which is bounds-checked first.
    let movable = cpu < libc::CPU_SETSIZE as usize && unsafe { libc::CPU_ISSET(cpu, &allowed) && libc::CPU_COUNT(&allowed) > 1 };
    if !movable || current_cpu() != cpu as i32 {
      return false;
    }
    let mut elsewhere = allowed;
    // SAFETY: as above; `cpu` < CPU_SETSIZE.
    unsafe { libc::CPU_CLR(cpu, &mut elsewhere) };
    // SAFETY: pid 0 is the calling thread, and both sets are live. The first call returns once the
    // thread runs on a CPU of `elsewhere`; the second allows `cpu` again without moving it back.
    unsafe {
      if libc::sched_setaffinity(0, size, &elsewhere) != 0 {
        return false;
      }
      libc::sched_setaffinity(0, size, &allowed);
    }
    true
  }
  #[cfg(not(target_os = "linux"))]
  {
    let _ = cpu;
    false
  }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
  if let Some(message) = payload.downcast_ref::<&str>() {
    message.to_string()
  } else if let Some(message) = payload.downcast_ref::<String>() {
    message.clone()
  } else {
    "the task panicked with a non-string payload".to_string()
  }
}
