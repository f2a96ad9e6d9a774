//! Engine tests: every submitted job settles exactly once, whatever happens to it.

use super::*;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::mpsc;

/// An engine whose completions are collected by a test instead of a JS thread.
struct Harness {
  engine: Arc<Engine>,
  woken: mpsc::Receiver<()>,
}

impl Harness {
  fn new(threads: usize, max_queue: usize) -> Harness {
    let (tx, woken) = mpsc::channel();
    let tx = Mutex::new(tx);
    let engine = Engine::new(
      EngineConfig {
        threads,
        spin: Duration::from_micros(20),
        max_queue,
        task_count: 2,
        scheduling: ThreadScheduling::UNCHANGED,
        record_timings: true,
      },
      Box::new(move || {
        let _ = tx.lock().unwrap().send(());
      }),
    )
    .unwrap();
    Harness { engine, woken }
  }

  /// Waits until `count` completions arrived in total and returns them.
  fn collect(&self, count: usize) -> Vec<Completion> {
    let mut all = Vec::new();
    while all.len() < count {
      self.woken.recv_timeout(Duration::from_secs(10)).expect("a wake for every batch");
      all.extend(self.engine.outbox().take_batch());
    }
    all
  }
}

/// A task that reports it started, then waits for a gate, checking its token.
fn gated(started: Arc<AtomicBool>, gate: Arc<AtomicBool>) -> Work {
  Box::new(move |token| {
    started.store(true, Ordering::Release);
    while !gate.load(Ordering::Acquire) {
      token.check()?;
      std::thread::yield_now();
    }
    Ok(Output::Undefined)
  })
}

fn wait_for(flag: &AtomicBool) {
  while !flag.load(Ordering::Acquire) {
    std::thread::yield_now();
  }
}

fn value(n: f64) -> Work {
  Box::new(move |_| Ok(Output::Number(n)))
}

#[test]
fn every_task_settles_exactly_once_with_its_own_result() {
  let h = Harness::new(2, usize::MAX);
  let ids: Vec<u64> = (0..1000).map(|n| h.engine.submit(0, Priority::Normal, None, value(n as f64)).unwrap()).collect();
  let mut done = h.collect(1000);
  done.sort_by_key(|c| c.id);
  assert_eq!(done.len(), 1000);
  for (n, (completion, id)) in done.iter().zip(&ids).enumerate() {
    assert_eq!(completion.id, *id);
    assert_eq!(completion.result, Ok(Output::Number(n as f64)));
  }
  let stats = h.engine.stats();
  assert_eq!(stats.total, CountersSnapshot { submitted: 1000, completed: 1000, failed: 0, cancelled: 0 });
  assert_eq!(stats.per_task[0].submitted, 1000);
}

#[test]
fn tasks_run_on_the_pools_own_named_threads() {
  let h = Harness::new(1, usize::MAX);
  h.engine.submit(0, Priority::Normal, None, Box::new(|_| Ok(Output::String(std::thread::current().name().unwrap_or("").into())))).unwrap();
  assert_eq!(h.collect(1)[0].result, Ok(Output::String("corepool-0".into())));
}

#[test]
fn a_panic_rejects_one_task_and_the_thread_keeps_serving() {
  let h = Harness::new(1, usize::MAX);
  h.engine.submit(0, Priority::Normal, None, Box::new(|_| panic!("kernel exploded"))).unwrap();
  h.engine.submit(1, Priority::Normal, None, value(7.0)).unwrap();
  let mut done = h.collect(2);
  done.sort_by_key(|c| c.id);
  assert_eq!(done[0].result, Err(TaskError::Panicked("kernel exploded".into())));
  assert_eq!(done[1].result, Ok(Output::Number(7.0)));
  let stats = h.engine.stats();
  assert_eq!((stats.per_task[0].failed, stats.per_task[1].completed), (1, 1));
}

#[test]
fn cancelling_a_queued_task_removes_it_so_it_never_runs() {
  let h = Harness::new(1, usize::MAX);
  let (started, gate) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
  let blocker = h.engine.submit(0, Priority::Normal, None, gated(started.clone(), gate.clone())).unwrap();
  wait_for(&started);
  let ran = Arc::new(AtomicBool::new(false));
  let ran_in_task = ran.clone();
  let queued = h
    .engine
    .submit(
      1,
      Priority::Normal,
      None,
      Box::new(move |_| {
        ran_in_task.store(true, Ordering::Release);
        Ok(Output::Undefined)
      }),
    )
    .unwrap();
  assert_eq!(h.engine.cancel(queued), CancelOutcome::Removed);
  assert_eq!(h.engine.cancel(queued), CancelOutcome::Unknown);
  gate.store(true, Ordering::Release);
  let done = h.collect(1);
  assert_eq!(done[0].id, blocker);
  h.engine.shutdown();
  assert!(!ran.load(Ordering::Acquire));
  assert_eq!(h.engine.stats().total, CountersSnapshot { submitted: 2, completed: 1, failed: 0, cancelled: 1 });
}

#[test]
fn cancelling_a_running_task_stops_it_at_its_next_check() {
  let h = Harness::new(1, usize::MAX);
  let (started, gate) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
  let id = h.engine.submit(0, Priority::Normal, None, gated(started.clone(), gate)).unwrap();
  wait_for(&started);
  assert_eq!(h.engine.stats().active, 1);
  assert_eq!(h.engine.cancel(id), CancelOutcome::Signalled);
  let done = h.collect(1);
  assert_eq!(done[0].result, Err(TaskError::Cancelled));
  assert_eq!(h.engine.stats().total.cancelled, 1);
}

#[test]
fn a_timeout_counts_from_the_start_of_the_run() {
  let h = Harness::new(1, usize::MAX);
  let timeout = Duration::from_millis(20);
  let (blocker_started, blocker_gate) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
  h.engine.submit(0, Priority::Normal, None, gated(blocker_started.clone(), blocker_gate.clone())).unwrap();
  wait_for(&blocker_started);
  let (started, gate) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
  let queued_at = Instant::now();
  h.engine.submit(1, Priority::Normal, Some(timeout), gated(started.clone(), gate)).unwrap();
  // The task waits in the queue for longer than its whole timeout...
  while queued_at.elapsed() < timeout * 3 {
    std::thread::yield_now();
  }
  blocker_gate.store(true, Ordering::Release);
  let mut done = h.collect(2);
  done.sort_by_key(|c| c.id);
  // ...and still starts its work, because its clock starts with the run; then the timeout stops it.
  assert!(started.load(Ordering::Acquire), "the task ran although it waited longer than its timeout");
  assert_eq!(done[1].result, Err(TaskError::TimedOut));
  assert_eq!(h.engine.stats().per_task[1].failed, 1);
}

#[test]
fn a_full_queue_refuses_the_task_without_counting_it() {
  let h = Harness::new(1, 1);
  let (started, gate) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
  h.engine.submit(0, Priority::Normal, None, gated(started.clone(), gate.clone())).unwrap();
  wait_for(&started);
  h.engine.submit(0, Priority::Normal, None, value(1.0)).unwrap();
  assert_eq!(h.engine.submit(0, Priority::Normal, None, value(2.0)), Err(SubmitError::QueueFull));
  assert_eq!(h.engine.queued(), 1);
  gate.store(true, Ordering::Release);
  h.collect(2);
  assert_eq!(h.engine.stats().total.submitted, 2);
}

#[test]
fn taking_a_task_from_a_full_queue_wakes_js_though_nothing_settled() {
  let h = Harness::new(2, 1);
  let gate = Arc::new(AtomicBool::new(false));
  let (first, second) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
  h.engine.submit(0, Priority::Normal, None, gated(first.clone(), gate.clone())).unwrap();
  wait_for(&first);
  h.engine.submit(0, Priority::Normal, None, gated(second.clone(), gate.clone())).unwrap();
  wait_for(&second);
  h.woken.recv_timeout(Duration::from_secs(10)).expect("a wake when the queue fell below max_queue");
  assert!(h.engine.outbox().take_batch().is_empty());
  assert!(!h.engine.needs_drain());
  gate.store(true, Ordering::Release);
  assert_eq!(h.collect(2).len(), 2);
}

#[test]
fn queued_tasks_run_in_priority_order() {
  let h = Harness::new(1, usize::MAX);
  let (started, gate) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
  h.engine.submit(0, Priority::Normal, None, gated(started.clone(), gate.clone())).unwrap();
  wait_for(&started);
  let low = h.engine.submit(0, Priority::Low, None, value(0.0)).unwrap();
  let normal = h.engine.submit(0, Priority::Normal, None, value(0.0)).unwrap();
  let high = h.engine.submit(0, Priority::High, None, value(0.0)).unwrap();
  gate.store(true, Ordering::Release);
  let order: Vec<u64> = h.collect(4).iter().skip(1).map(|c| c.id).collect();
  assert_eq!(order, [high, normal, low]);
}

#[test]
fn shutdown_settles_queued_and_running_tasks_and_refuses_new_ones() {
  let h = Harness::new(1, usize::MAX);
  let (started, gate) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
  h.engine.submit(0, Priority::Normal, None, gated(started.clone(), gate)).unwrap();
  wait_for(&started);
  let queued = h.engine.submit(1, Priority::Normal, None, value(1.0)).unwrap();
  assert_eq!(h.engine.shutdown(), vec![queued]);
  assert_eq!(h.engine.shutdown(), Vec::<u64>::new());
  assert_eq!(h.engine.submit(0, Priority::Normal, None, value(1.0)), Err(SubmitError::Closed));
  assert_eq!(h.collect(1)[0].result, Err(TaskError::Cancelled));
  assert_eq!(h.engine.stats().total, CountersSnapshot { submitted: 2, completed: 0, failed: 0, cancelled: 2 });
}

#[test]
fn a_dropped_job_settles_as_pool_closed() {
  let outbox = Arc::new(Outbox::new(1, Box::new(|| {})));
  drop(Job::new(9, 0, JobWork::Pool(value(1.0)), None, outbox.clone()));
  let batch = outbox.take_batch();
  assert_eq!(batch.len(), 1);
  assert_eq!((batch[0].id, &batch[0].result), (9, &Err(TaskError::PoolClosed)));
  assert_eq!(outbox.total.snapshot().cancelled, 1);
}

#[test]
fn a_polling_js_thread_is_not_woken_until_it_stops_polling() {
  let wakes = Arc::new(AtomicUsize::new(0));
  let counter = wakes.clone();
  let outbox = Outbox::new(
    1,
    Box::new(move || {
      counter.fetch_add(1, Ordering::SeqCst);
    }),
  );
  assert!(outbox.take_polled().is_empty());
  outbox.settle(1, 0, Ok(Output::Undefined));
  outbox.settle(2, 0, Ok(Output::Undefined));
  assert_eq!(wakes.load(Ordering::SeqCst), 0);
  assert_eq!(outbox.take_polled().iter().map(|c| c.id).collect::<Vec<_>>(), vec![1, 2]);
  outbox.settle(3, 0, Ok(Output::Undefined));
  assert_eq!(wakes.load(Ordering::SeqCst), 0);
  // The last poll takes what came meanwhile and turns the wake-up back on.
  assert_eq!(outbox.take_batch().iter().map(|c| c.id).collect::<Vec<_>>(), vec![3]);
  outbox.settle(4, 0, Ok(Output::Undefined));
  assert_eq!(wakes.load(Ordering::SeqCst), 1);
}

#[test]
fn parallel_kernels_split_work_across_the_same_pool() {
  use rayon::prelude::*;
  use std::collections::BTreeSet;
  let h = Harness::new(2, usize::MAX);
  h.engine
    .submit(
      0,
      Priority::Normal,
      None,
      Box::new(|_| {
        // Each item waits until a second thread has joined in (or gives up after 10 s, which then
        // fails below): only work stolen by the pool's other thread can end the wait.
        let seen = Mutex::new(BTreeSet::new());
        let deadline = Instant::now() + Duration::from_secs(10);
        (0..64).into_par_iter().for_each(|_| {
          seen.lock().unwrap().insert(std::thread::current().name().unwrap_or("").to_string());
          while seen.lock().unwrap().len() < 2 && Instant::now() < deadline {
            std::thread::yield_now();
          }
        });
        let names = seen.into_inner().unwrap();
        Ok(Output::Array(names.into_iter().map(Output::String).collect()))
      }),
    )
    .unwrap();
  let expected = vec![Output::String("corepool-0".into()), Output::String("corepool-1".into())];
  assert_eq!(h.collect(1)[0].result, Ok(Output::Array(expected)));
}

/// The CPUs the calling thread may run on, as Linux lists them.
fn allowed_cpus() -> String {
  let status = std::fs::read_to_string("/proc/thread-self/status").unwrap();
  status.lines().find_map(|line| line.strip_prefix("Cpus_allowed_list:")).unwrap().trim().to_string()
}

#[test]
#[cfg(target_os = "linux")]
fn a_thread_moved_off_its_cpu_runs_on_another_and_may_still_run_on_every_cpu_it_could() {
  let before = allowed_cpus();
  if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
    eprintln!("skipped: this thread may run on one CPU only ({before})");
    return;
  }
  let cpu = super::current_cpu();
  assert!(super::move_off_cpu(cpu));
  assert_ne!(super::current_cpu(), cpu);
  assert_eq!(allowed_cpus(), before);
  assert!(!super::move_off_cpu(-1));
}

#[test]
#[cfg(target_os = "linux")]
fn a_thread_leaves_its_submitters_cpu_only_for_the_submitters_one_unsettled_task() {
  if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
    eprintln!("skipped: this thread may run on one CPU only ({})", allowed_cpus());
    return;
  }
  let h = Harness::new(1, usize::MAX);
  let (started, gate) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
  h.engine.submit(0, Priority::Normal, None, gated(started.clone(), gate.clone())).unwrap();
  h.engine.submit(0, Priority::Normal, None, value(1.0)).unwrap();
  wait_for(&started);
  let mut moved_at = None;
  h.engine.note_submitter_cpu();
  h.engine.leave_submitter_cpu_since(&mut moved_at);
  assert!(moved_at.is_none(), "two unsettled tasks: the CPUs are busy");
  gate.store(true, Ordering::Release);
  h.collect(2);
  h.engine.submit(0, Priority::Normal, None, value(2.0)).unwrap(); // its one task, unsettled
  let cpu = current_cpu();
  h.engine.note_submitter_cpu();
  h.engine.leave_submitter_cpu_since(&mut moved_at);
  assert!(moved_at.is_some() && current_cpu() != cpu, "it moved off the CPU it submitted from");
  let again = moved_at;
  h.engine.note_submitter_cpu();
  h.engine.leave_submitter_cpu_since(&mut moved_at);
  assert_eq!(moved_at, again, "not again within MOVE_INTERVAL");
  h.collect(1);
}
