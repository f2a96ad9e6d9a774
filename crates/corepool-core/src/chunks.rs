//! Byte inputs as the streaming kernels (hashes, compression) consume them: piece by piece, with
//! a cancellation check before each piece, from memory or from a `{ path }` file that is read
//! only as fast as the kernel consumes it. A file's bytes are never all in memory at once: what
//! a kernel holds of its input is one chunk (`files::CHUNK`).
//!
//! The rule lives here once: a kernel pulls pieces through `for_each_piece` (or, for a decoder
//! that wants `std::io::BufRead`, through `SourceRead`), and `for_each_piece` checks the token
//! before each piece. A source itself checks the token only while it waits for data (a FIFO).

use std::io::{self, BufRead, Read};

use crate::files::FileReader;
use crate::pool::{CancelToken, TaskError};

/// A byte input read in order, like `BufRead`. Invariant: `fill` returns the unconsumed rest of
/// the current chunk, reading the next chunk only when nothing of it is left; an empty slice
/// means the input has ended.
pub trait ChunkSource {
  /// The bytes available now; may wait for a file to deliver more, stopping with the token's
  /// error if it is cancelled meanwhile.
  fn fill(&mut self, token: &CancelToken) -> Result<&[u8], TaskError>;
  /// Marks the first `amount` bytes of the last `fill` as used.
  fn consume(&mut self, amount: usize);
  /// The whole input's length when known before reading (an in-memory input).
  fn exact_len(&self) -> Option<usize>;
  /// A guess at the whole input's length, for sizing an output buffer (0 when unknown).
  fn len_hint(&self) -> usize {
    self.exact_len().unwrap_or(0)
  }
}

/// An in-memory input: every byte is available at once.
impl ChunkSource for &[u8] {
  fn fill(&mut self, _token: &CancelToken) -> Result<&[u8], TaskError> {
    Ok(self)
  }

  fn consume(&mut self, amount: usize) {
    *self = &self[amount..];
  }

  fn exact_len(&self) -> Option<usize> {
    Some(self.len())
  }
}

/// A task's input: its bytes in memory, or a `{ path }` file read as it is consumed.
pub enum Chunks<'a> {
  Memory(&'a [u8]),
  File(FileReader),
}

impl ChunkSource for Chunks<'_> {
  fn fill(&mut self, token: &CancelToken) -> Result<&[u8], TaskError> {
    match self {
      Chunks::Memory(bytes) => bytes.fill(token),
      Chunks::File(file) => file.fill(token),
    }
  }

  fn consume(&mut self, amount: usize) {
    match self {
      Chunks::Memory(bytes) => ChunkSource::consume(bytes, amount),
      Chunks::File(file) => file.consume(amount),
    }
  }

  fn exact_len(&self) -> Option<usize> {
    match self {
      Chunks::Memory(bytes) => bytes.exact_len(),
      Chunks::File(file) => file.exact_len(),
    }
  }

  fn len_hint(&self) -> usize {
    match self {
      Chunks::Memory(bytes) => bytes.len_hint(),
      Chunks::File(file) => file.len_hint(),
    }
  }
}

/// Hands the whole input to `each` in pieces of at most `max` bytes, in order, checking the
/// token before each piece: a kernel picks `max` so that one piece is well under a millisecond
/// of its work.
pub fn for_each_piece(
  source: &mut impl ChunkSource,
  token: &CancelToken,
  max: usize,
  mut each: impl FnMut(&[u8]) -> Result<(), TaskError>,
) -> Result<(), TaskError> {
  loop {
    token.check()?;
    let chunk = source.fill(token)?;
    if chunk.is_empty() {
      return Ok(());
    }
    let piece = chunk.len().min(max);
    each(&chunk[..piece])?;
    source.consume(piece);
  }
}

/// A source as `std::io::BufRead`, for decoders that read through it. A failure of the source
/// (cancelled, a read error, past `maxInputLength`) reaches the decoder as an `io::Error` and
/// is kept in `failure`, so that the task rejects with it rather than with the decoder's view.
pub struct SourceRead<'a, S: ChunkSource> {
  source: &'a mut S,
  token: &'a CancelToken,
  pub failure: Option<TaskError>,
}

impl<'a, S: ChunkSource> SourceRead<'a, S> {
  pub fn new(source: &'a mut S, token: &'a CancelToken) -> Self {
    SourceRead { source, token, failure: None }
  }
}

impl<S: ChunkSource> BufRead for SourceRead<'_, S> {
  fn fill_buf(&mut self) -> io::Result<&[u8]> {
    match self.source.fill(self.token) {
      Ok(chunk) => Ok(chunk),
      Err(error) => {
        let message = error.to_string();
        self.failure = Some(error);
        Err(io::Error::other(message))
      }
    }
  }

  fn consume(&mut self, amount: usize) {
    self.source.consume(amount);
  }
}

impl<S: ChunkSource> Read for SourceRead<'_, S> {
  fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
    let chunk = self.fill_buf()?;
    let n = chunk.len().min(buf.len());
    buf[..n].copy_from_slice(&chunk[..n]);
    BufRead::consume(self, n);
    Ok(n)
  }
}

/// For a streaming kernel's tests.
pub mod testing {
  use super::*;

  /// A source that hands out its bytes a few at a time, in irregular pieces: kernels fed by it
  /// must give the same results as fed the whole slice at once.
  pub struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
    current: usize,
  }

  impl<'a> Trickle<'a> {
    pub fn new(data: &'a [u8]) -> Self {
      Trickle { data, step: 0, current: 0 }
    }
  }

  impl ChunkSource for Trickle<'_> {
    fn fill(&mut self, token: &CancelToken) -> Result<&[u8], TaskError> {
      token.check()?;
      if self.current == 0 {
        // 1, 2, ..., 4099 bytes, then again: crosses every block size a kernel has.
        self.step = self.step % 4099 + 1;
        self.current = self.step.min(self.data.len());
      }
      Ok(&self.data[..self.current])
    }

    fn consume(&mut self, amount: usize) {
      self.data = &self.data[amount..];
      self.current -= amount;
    }

    fn exact_len(&self) -> Option<usize> {
      None
    }
  }
}

#[cfg(test)]
mod tests {
  use super::testing::Trickle;
  use super::*;

  #[test]
  fn pieces_cover_the_input_in_order_and_stop_at_a_cancelled_token() {
    let data: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
    let token = CancelToken::new();
    let mut seen = Vec::new();
    for_each_piece(&mut Trickle::new(&data), &token, 1000, |piece| {
      assert!(piece.len() <= 1000);
      seen.extend_from_slice(piece);
      Ok(())
    })
    .unwrap();
    assert_eq!(seen, data);
    let mut pieces = 0;
    for_each_piece(&mut data.as_slice(), &token, 4096, |_| {
      pieces += 1;
      Ok(())
    })
    .unwrap();
    assert_eq!(pieces, data.len().div_ceil(4096));
    token.cancel();
    assert_eq!(for_each_piece(&mut data.as_slice(), &token, 4096, |_| Ok(())), Err(TaskError::Cancelled));
  }

  #[test]
  fn source_read_reads_everything_and_keeps_the_sources_failure() {
    let data: Vec<u8> = (0..50_000u32).map(|i| (i * 7) as u8).collect();
    let token = CancelToken::new();
    let mut source = Trickle::new(&data);
    let mut out = Vec::new();
    SourceRead::new(&mut source, &token).read_to_end(&mut out).unwrap();
    assert_eq!(out, data);
    token.cancel();
    let mut source = Trickle::new(&data);
    let mut reader = SourceRead::new(&mut source, &token);
    assert!(reader.read_to_end(&mut Vec::new()).is_err());
    assert_eq!(reader.failure, Some(TaskError::Cancelled));
  }
}
