//! An addon built on corepool-core: a Levenshtein distance matrix, run on corepool's pool.
//!
//! `pool.exec('levenshtein', { left, right })` resolves with a Uint32Array of
//! `left.length * right.length` edit distances, row by row: `distances[i * right.length + j]`
//! is the distance from `left[i]` to `right[j]`, counted in Unicode code points.

use corepool_core::kernel::*;
use rayon::prelude::*;

const TASKS: &[TaskDef] = &[
  // { left: string[], right: string[] } -> Uint32Array; options.maxCells bounds the result
  TaskDef::new("levenshtein", prepare_levenshtein).with_options(&["maxCells"]),
  // a message -> panics with it: a kernel with a bug
  TaskDef::new("demo.panic", prepare_panic),
];
corepool_core::register_tasks!(TASKS);

/// Strings per side, and code points per string: bounds that keep one task's input in memory.
const MAX_STRINGS: u32 = 1 << 20;
const MAX_LENGTH: usize = 1 << 16;
/// Default bound of `left.length * right.length`, the result's length (64 MiB of u32).
const DEFAULT_MAX_CELLS: f64 = (1u64 << 24) as f64;
/// Dynamic-programming cells between two looks at the token: about a millisecond of work.
const CELLS_PER_CHECK: usize = 1 << 20;

/// JS thread: reads `{ left, right }` and `options.maxCells`, and validates them.
fn prepare_levenshtein(args: &mut TaskArgs) -> Result<Work, TaskError> {
  let left = args.input_field("left", "{ left: string[], right: string[] }")?;
  let right = args.input_field("right", "{ left: string[], right: string[] }")?;
  let left = code_points(args.strings(left, "input.left", MAX_STRINGS)?)?;
  let right = code_points(args.strings(right, "input.right", MAX_STRINGS)?)?;
  let max_cells = args.option_number("maxCells", 1.0, u32::MAX as f64)?.unwrap_or(DEFAULT_MAX_CELLS);
  let cells = left.len() as f64 * right.len() as f64;
  if cells > max_cells {
    // A code of the kernel's own: a stable name JS can branch on.
    return Err(TaskError::Failed {
      code: "ERR_MATRIX_TOO_LARGE",
      message: format!("the matrix would have {cells} cells, more than options.maxCells ({max_cells})"),
    });
  }
  // Pool thread: rows in parallel on the pool's own threads; each checks the token as it goes.
  Ok(Box::new(move |token| {
    let mut distances = vec![0u32; left.len() * right.len()];
    if !right.is_empty() {
      distances.par_chunks_mut(right.len()).zip(&left).try_for_each(|(row, a)| fill_row(row, a, &right, token))?;
    }
    Ok(Output::Uint32Array(distances))
  }))
}

fn code_points(strings: Vec<String>) -> Result<Vec<Vec<char>>, TaskError> {
  strings
    .into_iter()
    .map(|s| {
      let chars: Vec<char> = s.chars().collect();
      match chars.len() <= MAX_LENGTH {
        true => Ok(chars),
        false => Err(TaskError::invalid(format!("every string must have at most {MAX_LENGTH} code points, got {}", chars.len()))),
      }
    })
    .collect()
}

/// One row of the matrix: the distances from `a` to every string of `right`.
fn fill_row(row: &mut [u32], a: &[char], right: &[Vec<char>], token: &CancelToken) -> Result<(), TaskError> {
  let mut scratch = Vec::new();
  let mut since_check = 0;
  for (cell, b) in row.iter_mut().zip(right) {
    since_check += (a.len() + 1) * (b.len() + 1);
    if since_check >= CELLS_PER_CHECK {
      token.check()?; // an abort, a timeout or a destroy stops the task here
      since_check = 0;
    }
    *cell = distance(a, b, &mut scratch);
  }
  Ok(())
}

/// Wagner-Fischer in one row (`scratch`, reused across calls), without bounds checks in the
/// inner loop: `row[j]` holds the distance from the prefix of `a` done so far to `b[..j]`.
fn distance(a: &[char], b: &[char], row: &mut Vec<u32>) -> u32 {
  row.clear();
  row.extend(0..=b.len() as u32);
  for (i, ca) in a.iter().enumerate() {
    let mut diagonal = row[0];
    let mut left = i as u32 + 1;
    row[0] = left;
    for (cb, cell) in b.iter().zip(&mut row[1..]) {
      let up = *cell;
      left = (diagonal + (ca != cb) as u32).min(up + 1).min(left + 1);
      *cell = left;
      diagonal = up;
    }
  }
  row[b.len()]
}

/// A kernel with a bug, to show that a panic rejects one promise with `ERR_TASK_PANICKED` and
/// that the thread goes on serving.
fn prepare_panic(args: &mut TaskArgs) -> Result<Work, TaskError> {
  let message = args.string(args.input, "input")?;
  Ok(Box::new(move |_token| panic!("{message}")))
}

#[cfg(test)]
mod tests {
  use super::*;

  fn lev(a: &str, b: &str) -> u32 {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    distance(&a, &b, &mut Vec::new())
  }

  #[test]
  fn distances_match_known_pairs() {
    assert_eq!(lev("kitten", "sitting"), 3);
    assert_eq!(lev("flaw", "lawn"), 2);
    assert_eq!(lev("", "abc"), 3);
    assert_eq!(lev("abc", ""), 3);
    assert_eq!(lev("same", "same"), 0);
    assert_eq!(lev("naïve", "naive"), 1);
  }

  #[test]
  fn a_cancelled_token_stops_a_row() {
    let token = CancelToken::new();
    token.cancel();
    let long: Vec<char> = "x".repeat(2000).chars().collect();
    let right = vec![long.clone(); 4];
    let mut row = vec![0; 4];
    assert_eq!(fill_row(&mut row, &long, &right, &token), Err(TaskError::Cancelled));
  }
}
