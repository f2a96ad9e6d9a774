//! The pool's run queue: three priority levels with aging, so that low-priority work never starves.

use std::collections::VecDeque;

/// A task's priority, from `options.priority`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Priority {
  High = 0,
  Normal = 1,
  Low = 2,
}

/// How many priority levels there are: one queue each.
const LEVELS: usize = 3;

/// How many times a waiting level may be passed over before its oldest entry is served anyway.
pub const AGING_LIMIT: u32 = 4;

/// FIFO within a level; across levels, the highest non-empty level wins unless a lower one has
/// been passed over `AGING_LIMIT` times, in which case that lower level is served next.
pub struct PriorityQueue<T> {
  levels: [VecDeque<T>; LEVELS],
  /// How often each level's head has been passed over since that level was last served.
  passed_over: [u32; LEVELS],
}

impl<T> Default for PriorityQueue<T> {
  fn default() -> Self {
    PriorityQueue { levels: Default::default(), passed_over: [0; LEVELS] }
  }
}

impl<T> PriorityQueue<T> {
  pub fn len(&self) -> usize {
    self.levels.iter().map(VecDeque::len).sum()
  }

  pub fn push(&mut self, priority: Priority, item: T) {
    self.levels[priority as usize].push_back(item);
  }

  pub fn pop(&mut self) -> Option<T> {
    let chosen = self.next_level()?;
    for level in 0..LEVELS {
      if level == chosen || self.levels[level].is_empty() {
        self.passed_over[level] = 0;
      } else if level > chosen {
        self.passed_over[level] += 1;
      }
    }
    self.levels[chosen].pop_front()
  }

  /// The entry that `pop` would return.
  pub fn peek(&self) -> Option<&T> {
    self.levels[self.next_level()?].front()
  }

  fn next_level(&self) -> Option<usize> {
    // The lowest level that has aged out goes first, so that the oldest starved work is served.
    let aged = (0..LEVELS).rev().find(|&level| self.passed_over[level] >= AGING_LIMIT && !self.levels[level].is_empty());
    aged.or_else(|| (0..LEVELS).find(|&level| !self.levels[level].is_empty()))
  }

  /// Removes and returns the first entry that matches, wherever it waits.
  pub fn remove_where(&mut self, mut matches: impl FnMut(&T) -> bool) -> Option<T> {
    self.levels.iter_mut().find_map(|level| {
      let index = level.iter().position(&mut matches)?;
      level.remove(index)
    })
  }

  /// Empties the queue, oldest and highest first.
  pub fn drain_all(&mut self) -> Vec<T> {
    self.passed_over = [0; LEVELS];
    self.levels.iter_mut().flat_map(|level| level.drain(..)).collect()
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn higher_priority_is_served_first_and_fifo_within_a_level() {
    let mut queue = PriorityQueue::default();
    queue.push(Priority::Low, "low");
    queue.push(Priority::Normal, "normal-1");
    queue.push(Priority::High, "high");
    queue.push(Priority::Normal, "normal-2");
    let order: Vec<_> = std::iter::from_fn(|| queue.pop()).collect();
    assert_eq!(order, ["high", "normal-1", "normal-2", "low"]);
  }

  #[test]
  fn a_low_task_is_served_after_at_most_aging_limit_high_ones() {
    let mut queue = PriorityQueue::default();
    queue.push(Priority::Low, 0);
    for n in 1..=20 {
      queue.push(Priority::High, n);
    }
    let order: Vec<_> = std::iter::from_fn(|| queue.pop()).collect();
    let low_at = order.iter().position(|&n| n == 0).unwrap();
    assert_eq!(low_at, AGING_LIMIT as usize);
    assert_eq!(order.len(), 21);
  }

  #[test]
  fn peek_shows_what_pop_returns_next_aging_included() {
    let mut queue = PriorityQueue::default();
    queue.push(Priority::Low, 0);
    for n in 1..=20 {
      queue.push(Priority::High, n);
    }
    while let Some(&next) = queue.peek() {
      assert_eq!(queue.pop(), Some(next));
    }
    assert_eq!(queue.len(), 0);
  }

  #[test]
  fn a_steady_stream_of_high_work_never_starves_low_work() {
    let mut queue = PriorityQueue::default();
    for n in 0..3 {
      queue.push(Priority::Low, 100 + n);
    }
    let mut served_low = 0;
    for n in 0..40 {
      queue.push(Priority::High, n);
      queue.push(Priority::High, n);
      if queue.pop().unwrap() >= 100 {
        served_low += 1;
      }
    }
    assert_eq!(served_low, 3);
  }

  #[test]
  fn remove_where_takes_one_entry_from_any_level() {
    let mut queue = PriorityQueue::default();
    queue.push(Priority::Normal, 1);
    queue.push(Priority::Low, 2);
    assert_eq!(queue.remove_where(|&n| n == 2), Some(2));
    assert_eq!(queue.remove_where(|&n| n == 2), None);
    assert_eq!(queue.len(), 1);
  }
}
