//! A deflate encoder (gzip, zlib or raw) that compresses as node:zlib does at each level.
//!
//! The backend is zlib-rs, whose level table is zlib-ng's: level 1 is `deflate_quick`, levels 3
//! to 6 are `deflate_medium`. Both trade ratio for speed, and on repetitive text they made
//! output 1.5 to 2.2 times larger than node:zlib's (whose zlib keeps madler zlib's table:
//! `deflate_fast` for 1 to 3, lazy `deflate_slow` for 4 to 9). So each level runs zlib-rs's
//! algorithm of that family, tuned to zlib's parameters for the level: the same matches are
//! searched for as in node:zlib, with zlib-rs's faster hashing and match loops.
//!
//! zlib-rs's Rust API has no `deflateTune`; its internal API (pinned to one version in
//! Cargo.toml, since it is not covered by semver) has, over a C-layout `z_stream`.

use std::io::{self, Write};

use zlib_rs::c_api::z_stream;
use zlib_rs::deflate::{self as zdeflate, DeflateConfig, DeflateStream};
use zlib_rs::{DeflateFlush, ReturnCode};

/// The framing around the deflate stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wrapper {
  /// RFC 1952, as `zlib.gzip`.
  Gzip,
  /// RFC 1950, as `zlib.deflate`.
  Zlib,
  /// No header or trailer, as `zlib.deflateRaw`.
  Raw,
}

/// zlib's `configuration_table` (deflate.c), which node:zlib uses: for levels 1 to 9,
/// `(good_length, max_lazy, nice_length, max_chain)`.
const ZLIB_TUNING: [(usize, usize, usize, usize); 9] = [
  (4, 4, 8, 4),
  (4, 5, 16, 8),
  (4, 6, 32, 32),
  (4, 4, 16, 16),
  (8, 16, 32, 32),
  (8, 16, 128, 128),
  (8, 32, 128, 256),
  (32, 128, 258, 1024),
  (32, 258, 258, 4096),
];

/// The zlib-rs level whose algorithm is zlib's at `level`: 2 is zlib-rs's `deflate_fast`, 7 to
/// 9 its `deflate_slow` (9 with zlib's rolling hash, as zlib's 9 is itself).
fn backend_level(level: u32) -> i32 {
  match level {
    0 => 0,
    1..=3 => 2,
    4..=7 => 7,
    _ => level as i32,
  }
}

/// Output bytes produced between writes to the underlying writer.
const OUT_CHUNK: usize = 32 * 1024;

/// A deflate stream writing its compressed bytes into `W`. Call `finish` to end the stream.
/// Invariant: `stream` was initialised by `zdeflate::init` and is ended exactly once, on drop.
pub struct Encoder<W: Write> {
  // Boxed so that the stream's address, which zlib-rs's state may record, never changes.
  stream: Box<z_stream>,
  /// `None` only once `finish` has taken it.
  out: Option<W>,
  chunk: Vec<u8>,
}

impl<W: Write> Encoder<W> {
  /// An encoder at `level` (0 to 9, node:zlib's meaning), with node:zlib's defaults otherwise:
  /// a 32 KiB window, memLevel 8, the default strategy.
  pub fn new(out: W, wrapper: Wrapper, level: u32) -> Encoder<W> {
    assert!(level <= 9, "deflate level {level} is out of 0..=9");
    let window_bits = match wrapper {
      Wrapper::Gzip => 15 + 16,
      Wrapper::Zlib => 15,
      Wrapper::Raw => -15,
    };
    let mut stream = Box::new(z_stream::default());
    let config = DeflateConfig { level: backend_level(level), window_bits, ..DeflateConfig::default() };
    // Fails only for invalid parameters (all are valid here) or when allocation fails, which
    // Rust's allocator turns into an abort anyway.
    assert_eq!(zdeflate::init(&mut stream, config), ReturnCode::Ok, "deflate init");
    let mut encoder = Encoder { stream, out: Some(out), chunk: vec![0; OUT_CHUNK] };
    if level > 0 {
      let (good, lazy, nice, chain) = ZLIB_TUNING[level as usize - 1];
      zdeflate::tune(encoder.deflate_stream(), good, lazy, nice, chain);
    }
    encoder
  }

  fn deflate_stream(&mut self) -> &mut DeflateStream<'static> {
    // SAFETY: `self.stream` was initialised by `zdeflate::init` (so its allocator and state are
    // set) and is not ended before drop; the returned borrow is tied to `&mut self`, so no other
    // reference to the stream exists while it lives.
    unsafe { DeflateStream::from_stream_mut(&mut *self.stream) }.expect("an initialised deflate stream")
  }

  /// Compresses `input` with `flush`, writing every byte produced to `out`. Returns when the
  /// input is consumed and the output drained (or, for `Finish`, when the stream has ended).
  fn run(&mut self, input: &[u8], flush: DeflateFlush) -> io::Result<()> {
    let mut input = input;
    loop {
      self.stream.next_in = input.as_ptr();
      self.stream.avail_in = input.len().min(u32::MAX as usize) as u32;
      self.stream.next_out = self.chunk.as_mut_ptr();
      self.stream.avail_out = self.chunk.len() as u32;
      let code = zdeflate::deflate(self.deflate_stream(), flush);
      let consumed = input.len().min(u32::MAX as usize) - self.stream.avail_in as usize;
      let produced = self.chunk.len() - self.stream.avail_out as usize;
      // Leave no pointer into `input` or `chunk` behind.
      self.stream.next_in = std::ptr::null();
      self.stream.avail_in = 0;
      self.stream.next_out = std::ptr::null_mut();
      self.stream.avail_out = 0;
      input = &input[consumed..];
      self.out.as_mut().expect("an unfinished encoder").write_all(&self.chunk[..produced])?;
      match code {
        ReturnCode::StreamEnd => return Ok(()),
        // Output space ran out: drain and go on. Otherwise all input is in.
        ReturnCode::Ok | ReturnCode::BufError if produced == self.chunk.len() || !input.is_empty() => continue,
        ReturnCode::Ok | ReturnCode::BufError if flush != DeflateFlush::Finish => return Ok(()),
        ReturnCode::Ok | ReturnCode::BufError => continue,
        other => return Err(io::Error::other(format!("deflate failed: {other:?}"))),
      }
    }
  }

  /// Ends the stream (trailer included) and returns the writer.
  pub fn finish(mut self) -> io::Result<W> {
    self.run(&[], DeflateFlush::Finish)?;
    let mut out = self.out.take().expect("an unfinished encoder");
    out.flush()?;
    Ok(out)
  }
}

impl<W: Write> Write for Encoder<W> {
  fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
    self.run(buf, DeflateFlush::NoFlush)?;
    Ok(buf.len())
  }

  /// Writes out what has been compressed so far, without a flush point in the stream (which
  /// would cost ratio); the rest comes with `finish`.
  fn flush(&mut self) -> io::Result<()> {
    self.out.as_mut().map_or(Ok(()), |out| out.flush())
  }
}

impl<W: Write> Drop for Encoder<W> {
  fn drop(&mut self) {
    // Frees the stream's state and window; a stream ended early is simply discarded.
    let _ = zdeflate::end(self.deflate_stream());
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  /// Compresses `data` written in `piece`-byte writes.
  fn encode(wrapper: Wrapper, level: u32, data: &[u8], piece: usize) -> Vec<u8> {
    let mut encoder = Encoder::new(Vec::new(), wrapper, level);
    for chunk in data.chunks(piece.max(1)) {
      encoder.write_all(chunk).unwrap();
    }
    encoder.finish().unwrap()
  }

  fn inflate(wrapper: Wrapper, packed: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    match wrapper {
      Wrapper::Gzip => flate2::read::GzDecoder::new(packed).read_to_end(&mut out),
      Wrapper::Zlib => flate2::read::ZlibDecoder::new(packed).read_to_end(&mut out),
      Wrapper::Raw => flate2::read::DeflateDecoder::new(packed).read_to_end(&mut out),
    }
    .unwrap();
    out
  }

  #[test]
  fn every_level_and_wrapper_round_trips_whatever_the_write_sizes() {
    let text: Vec<u8> = (0..20_000u32).flat_map(|i| format!("{} fox {} ", i % 97, i % 13).into_bytes()).collect();
    for wrapper in [Wrapper::Gzip, Wrapper::Zlib, Wrapper::Raw] {
      for level in 0..=9 {
        let whole = encode(wrapper, level, &text, text.len());
        assert!(inflate(wrapper, &whole) == text, "{wrapper:?} {level}");
        for piece in [8 * 1024, 1] {
          let pieces = encode(wrapper, level, &text, piece);
          if level == 0 {
            // Stored blocks end where writes end, as in zlib.
            assert!(inflate(wrapper, &pieces) == text, "{wrapper:?} {level} in {piece}-byte writes");
          } else {
            // Compressed, write sizes never change the output: no flush point is inserted.
            assert!(pieces == whole, "{wrapper:?} {level} in {piece}-byte writes");
          }
        }
      }
      assert_eq!(inflate(wrapper, &encode(wrapper, 6, b"", 1)), b"");
    }
  }

  #[test]
  fn an_unfinished_encoder_is_dropped_cleanly() {
    let mut encoder = Encoder::new(Vec::new(), Wrapper::Gzip, 6);
    encoder.write_all(&[7u8; 100_000]).unwrap();
    drop(encoder);
  }
}
