//! Compression and decompression of byte inputs: gzip, zlib (deflate), raw deflate, brotli, zstd.
//!
//! Compressors feed the input in `INPUT_CHUNK` pieces and check the token between them.
//! Decompressors pull `OUTPUT_CHUNK` pieces into a `BoundedSink`, which refuses to grow past
//! `options.maxOutputLength`, so a zip bomb stops at the limit instead of exhausting memory.
//! Both directions stream their input (`crate::chunks`): a `{ path }` input is read as it is
//! consumed, so memory holds one chunk of it plus the output, never the whole file.

use std::io::{self, Read, Write};

use super::{TaskArgs, TaskDef};
use crate::chunks::{for_each_piece, ChunkSource, SourceRead};
use crate::pool::{CancelToken, Output, TaskError, Work};

pub const TASKS: &[TaskDef] = &[
  TaskDef { name: "gzip", options: &["level", "maxInputLength"], prepare: |args| prepare_compress(args, Format::Gzip) },
  TaskDef { name: "gunzip", options: &["maxOutputLength", "maxInputLength"], prepare: |args| prepare_decompress(args, Format::Gzip) },
  TaskDef { name: "deflate", options: &["level", "maxInputLength"], prepare: |args| prepare_compress(args, Format::Zlib) },
  TaskDef { name: "inflate", options: &["maxOutputLength", "maxInputLength"], prepare: |args| prepare_decompress(args, Format::Zlib) },
  TaskDef { name: "deflateRaw", options: &["level", "maxInputLength"], prepare: |args| prepare_compress(args, Format::Raw) },
  TaskDef { name: "inflateRaw", options: &["maxOutputLength", "maxInputLength"], prepare: |args| prepare_decompress(args, Format::Raw) },
  TaskDef { name: "brotliCompress", options: &["level", "maxInputLength"], prepare: |args| prepare_compress(args, Format::Brotli) },
  TaskDef {
    name: "brotliDecompress",
    options: &["maxOutputLength", "maxInputLength"],
    prepare: |args| prepare_decompress(args, Format::Brotli),
  },
  TaskDef { name: "zstdCompress", options: &["level", "maxInputLength"], prepare: |args| prepare_compress(args, Format::Zstd) },
  TaskDef {
    name: "zstdDecompress",
    options: &["maxOutputLength", "maxInputLength"],
    prepare: |args| prepare_decompress(args, Format::Zstd),
  },
];

/// Input bytes handed to a compressor between cancellation checks.
const INPUT_CHUNK: usize = 8 * 1024;
/// Output bytes pulled from a decompressor between cancellation checks.
const OUTPUT_CHUNK: usize = 64 * 1024;

/// The most output a compressor reserves before it has produced any: a file's length is only a guess.
const MAX_INITIAL_OUTPUT: usize = 64 * 1024 * 1024;

/// Default `options.maxOutputLength` for decompression: 256 MiB.
pub const DEFAULT_MAX_OUTPUT: u64 = 256 * 1024 * 1024;
/// Largest `options.maxOutputLength`: 4 GiB, Node 20's largest Buffer.
pub const MAX_OUTPUT_LIMIT: u64 = 1 << 32;

/// Brotli's window (lgwin) as Node uses it by default.
const BROTLI_WINDOW: u32 = 22;
/// Smallest zstd window the decoder always accepts (8 MiB, enough for streamed level-19 frames).
const ZSTD_MIN_WINDOW_LOG: u32 = 23;

/// The error codes decompression rejects with, besides ERR_OUTPUT_TOO_LARGE.
pub const CORRUPT: &str = "ERR_CORRUPT_DATA";
pub const TRUNCATED: &str = "ERR_TRUNCATED_DATA";

/// A compressed format, with its `options.level` range and default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
  Gzip,
  Zlib,
  Raw,
  Brotli,
  Zstd,
}

impl Format {
  /// `(min, max, default)` of `options.level`; defaults are node:zlib's.
  pub fn levels(self) -> (i64, i64, i64) {
    match self {
      Format::Gzip | Format::Zlib | Format::Raw => (0, 9, 6),
      Format::Brotli => (0, 11, 11),
      Format::Zstd => (zstd::zstd_safe::min_c_level() as i64, zstd::zstd_safe::max_c_level() as i64, 3),
    }
  }
}

fn prepare_compress(args: &mut TaskArgs, format: Format) -> Result<Work, TaskError> {
  let (min, max, default) = format.levels();
  let level = args.option_int("level", min, max)?.unwrap_or(default);
  let data = args.input_bytes_or_file()?;
  Ok(Box::new(move |token| compress(format, level, data.chunks(), token).map(Output::Buffer)))
}

fn prepare_decompress(args: &mut TaskArgs, format: Format) -> Result<Work, TaskError> {
  let limit = args.option_uint("maxOutputLength", 1, MAX_OUTPUT_LIMIT)?.unwrap_or(DEFAULT_MAX_OUTPUT);
  let data = args.input_bytes_or_file()?;
  Ok(Box::new(move |token| decompress(format, data.chunks(), limit as usize, token).map(Output::Buffer)))
}

/// Compresses `data` at `level` (already validated against `format.levels()`).
pub fn compress(format: Format, level: i64, mut data: impl ChunkSource, token: &CancelToken) -> Result<Vec<u8>, TaskError> {
  use super::deflate::{Encoder, Wrapper};
  let out = Vec::with_capacity(data.len_hint().min(MAX_INITIAL_OUTPUT) / 4 + 64);
  let data = &mut data;
  let result = match format {
    Format::Gzip => feed(Encoder::new(out, Wrapper::Gzip, level as u32), data, token)?.finish(),
    Format::Zlib => feed(Encoder::new(out, Wrapper::Zlib, level as u32), data, token)?.finish(),
    Format::Raw => feed(Encoder::new(out, Wrapper::Raw, level as u32), data, token)?.finish(),
    Format::Brotli => {
      let params =
        brotli::enc::BrotliEncoderParams { quality: level as i32, lgwin: BROTLI_WINDOW as i32, lgblock: 16, ..Default::default() };
      let writer = brotli::CompressorWriter::with_params(out, OUTPUT_CHUNK, &params);
      // Writing into a Vec cannot fail, so `into_inner` (which finishes the stream) loses nothing.
      Ok(feed(writer, data, token)?.into_inner())
    }
    Format::Zstd => {
      let mut encoder = zstd::stream::write::Encoder::new(out, level as i32).map_err(internal)?;
      encoder.include_checksum(true).map_err(internal)?;
      encoder.set_pledged_src_size(data.exact_len().map(|len| len as u64)).map_err(internal)?;
      feed(encoder, data, token)?.finish()
    }
  };
  result.map_err(internal)
}

/// Writes `data` into `writer` in pieces, checking the token before each.
fn feed<W: Write>(mut writer: W, data: &mut impl ChunkSource, token: &CancelToken) -> Result<W, TaskError> {
  for_each_piece(data, token, INPUT_CHUNK, |piece| writer.write_all(piece).map_err(internal))?;
  token.check()?;
  Ok(writer)
}

/// A compressor failing while writing into memory is a bug, not bad input.
fn internal(err: io::Error) -> TaskError {
  TaskError::Failed { code: "ERR_COMPRESSION_FAILED", message: format!("compression failed: {err}") }
}

/// Decompresses `data`, rejecting with `OutputTooLarge` once the output would pass `limit` bytes.
/// Gzip input may hold several members (decompressed one after another, like `gunzip`), and
/// anything after a member must be another member; bytes after the end of a zlib, raw deflate or
/// brotli stream are ignored, as node:zlib does.
pub fn decompress(format: Format, mut data: impl ChunkSource, limit: usize, token: &CancelToken) -> Result<Vec<u8>, TaskError> {
  if data.fill(token)?.is_empty() {
    return Err(TaskError::Failed { code: TRUNCATED, message: "the compressed input is empty".into() });
  }
  let sink = BoundedSink::new(limit, data.len_hint());
  let mut input = SourceRead::new(&mut data, token);
  let result = match format {
    Format::Gzip => sink.drain(flate2::bufread::MultiGzDecoder::new(&mut input), token),
    Format::Zlib => sink.drain(flate2::bufread::ZlibDecoder::new(&mut input), token),
    Format::Raw => sink.drain(flate2::bufread::DeflateDecoder::new(&mut input), token),
    Format::Brotli => sink.drain_brotli(&mut input, token),
    Format::Zstd => {
      let mut decoder = zstd::stream::read::Decoder::with_buffer(&mut input).map_err(internal)?;
      decoder.window_log_max(zstd_window_log(limit)).map_err(internal)?;
      sink.drain(decoder, token)
    }
  };
  // A failure to read the input (cancelled, past maxInputLength, an I/O error) is the task's
  // error, not the decoder's complaint about the bytes it did not get.
  result.map_err(|error| input.failure.take().unwrap_or(error))
}

/// The largest zstd window the decoder accepts: big enough for `limit` bytes of output (a frame
/// never needs a window larger than its content), and never below 8 MiB.
fn zstd_window_log(limit: usize) -> u32 {
  let needed = usize::BITS - limit.saturating_sub(1).leading_zeros();
  needed.clamp(ZSTD_MIN_WINDOW_LOG, 31)
}

/// Decompressed output that never holds, nor reserves, more than `limit` bytes.
struct BoundedSink {
  out: Vec<u8>,
  limit: usize,
}

impl BoundedSink {
  fn new(limit: usize, input_len: usize) -> BoundedSink {
    let initial = input_len.saturating_mul(4).clamp(OUTPUT_CHUNK, 16 * 1024 * 1024).min(limit);
    BoundedSink { out: Vec::with_capacity(initial), limit }
  }

  /// Reads `reader` to its end in `OUTPUT_CHUNK` pieces, checking the token before each.
  fn drain<R: Read>(mut self, mut reader: R, token: &CancelToken) -> Result<Vec<u8>, TaskError> {
    let mut chunk = vec![0u8; OUTPUT_CHUNK];
    loop {
      token.check()?;
      let n = match reader.read(&mut chunk) {
        Ok(n) => n,
        Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
        Err(err) => return Err(decode_error(err)),
      };
      if n == 0 {
        break;
      }
      self.push(&chunk[..n])?;
    }
    Ok(self.finish())
  }

  /// Brotli through its stream API, which (unlike its `Read` adapter) tells an early end of the
  /// input apart from corrupt input.
  fn drain_brotli(mut self, mut reader: impl io::BufRead, token: &CancelToken) -> Result<Vec<u8>, TaskError> {
    use brotli::enc::StandardAlloc;
    use brotli::{BrotliDecompressStream, BrotliResult, BrotliState};
    let mut state = BrotliState::new(StandardAlloc::default(), StandardAlloc::default(), StandardAlloc::default());
    let mut chunk = vec![0u8; OUTPUT_CHUNK];
    let mut total_out = 0usize;
    loop {
      token.check()?;
      let input = reader.fill_buf().map_err(decode_error)?;
      let ended = input.is_empty();
      let (mut available_in, mut input_offset) = (input.len(), 0usize);
      let (mut available_out, mut output_offset) = (chunk.len(), 0usize);
      let result = BrotliDecompressStream(
        &mut available_in,
        &mut input_offset,
        input,
        &mut available_out,
        &mut output_offset,
        &mut chunk,
        &mut total_out,
        &mut state,
      );
      reader.consume(input_offset);
      self.push(&chunk[..output_offset])?;
      match result {
        BrotliResult::NeedsMoreOutput => continue,
        BrotliResult::ResultSuccess => return Ok(self.finish()),
        BrotliResult::NeedsMoreInput if !ended => continue,
        BrotliResult::NeedsMoreInput => return Err(decode_error(io::ErrorKind::UnexpectedEof.into())),
        BrotliResult::ResultFailure => return Err(decode_error(io::Error::other("invalid brotli stream"))),
      }
    }
  }

  fn finish(self) -> Vec<u8> {
    let mut out = self.out;
    if out.capacity() - out.len() > out.len() / 8 {
      out.shrink_to_fit();
    }
    out
  }

  fn push(&mut self, bytes: &[u8]) -> Result<(), TaskError> {
    let len = self.out.len() + bytes.len();
    if len > self.limit {
      return Err(TaskError::OutputTooLarge(format!(
        "the decompressed output is larger than options.maxOutputLength ({} bytes)",
        self.limit
      )));
    }
    if len > self.out.capacity() {
      // Grow geometrically, but never reserve past the limit.
      let target = (self.out.capacity() * 2).min(self.limit).max(len);
      self.out.reserve_exact(target - self.out.len());
    }
    self.out.extend_from_slice(bytes);
    Ok(())
  }
}

/// A decoder's complaint about its input: an early end, or anything else as corrupt.
fn decode_error(err: io::Error) -> TaskError {
  if err.kind() == io::ErrorKind::UnexpectedEof {
    TaskError::Failed { code: TRUNCATED, message: "the compressed input ends before the end of its stream".into() }
  } else {
    TaskError::Failed { code: CORRUPT, message: format!("the compressed input is corrupt: {err}") }
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  const ALL: [Format; 5] = [Format::Gzip, Format::Zlib, Format::Raw, Format::Brotli, Format::Zstd];

  fn token() -> CancelToken {
    CancelToken::new()
  }

  fn text(len: usize) -> Vec<u8> {
    let words = ["pool", "thread", "rayon", "node", "promise", "kernel", "buffer", "zlib"];
    let mut state = 12345u32;
    let mut out = Vec::with_capacity(len + 16);
    while out.len() < len {
      state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
      out.extend_from_slice(words[(state >> 16) as usize % words.len()].as_bytes());
      out.push(b' ');
    }
    out.truncate(len);
    out
  }

  #[test]
  fn every_format_round_trips_at_every_level_end() {
    let data = text(200_000);
    for format in ALL {
      let (min, max, default) = format.levels();
      let min = min.max(-5);
      for level in [min, default, max.min(19)] {
        let packed = compress(format, level, data.as_slice(), &token()).unwrap();
        if level > 0 {
          assert!(packed.len() < data.len() / 2, "{format:?} level {level} compresses text");
        }
        assert_eq!(decompress(format, packed.as_slice(), data.len(), &token()).unwrap(), data, "{format:?} level {level}");
      }
    }
  }

  #[test]
  fn empty_input_round_trips() {
    for format in ALL {
      let packed = compress(format, format.levels().2, &b""[..], &token()).unwrap();
      assert_eq!(decompress(format, packed.as_slice(), 1, &token()).unwrap(), b"", "{format:?}");
    }
  }

  #[test]
  fn output_one_byte_over_the_limit_is_refused() {
    let data = vec![7u8; 100_000];
    for format in ALL {
      let packed = compress(format, format.levels().2, data.as_slice(), &token()).unwrap();
      assert_eq!(decompress(format, packed.as_slice(), 100_000, &token()).unwrap().len(), 100_000);
      let err = decompress(format, packed.as_slice(), 99_999, &token()).unwrap_err();
      assert_eq!(err.code(), "ERR_OUTPUT_TOO_LARGE", "{format:?}");
    }
  }

  #[test]
  fn truncated_and_corrupt_input_have_their_own_codes() {
    let data = text(50_000);
    for format in ALL {
      let packed = compress(format, format.levels().2, data.as_slice(), &token()).unwrap();
      let cut = &packed[..packed.len() / 2];
      assert_eq!(decompress(format, cut, 1 << 20, &token()).unwrap_err().code(), TRUNCATED, "{format:?} truncated");
      assert_eq!(decompress(format, &b""[..], 1 << 20, &token()).unwrap_err().code(), TRUNCATED, "{format:?} empty");
    }
    let garbage = [0xffu8; 64];
    for format in ALL {
      assert_eq!(decompress(format, garbage.as_slice(), 1 << 20, &token()).unwrap_err().code(), CORRUPT, "{format:?} garbage");
    }
  }

  #[test]
  fn every_format_streams_in_irregular_pieces_both_ways() {
    use crate::chunks::testing::Trickle;
    let data = text(300_000);
    for format in ALL {
      let level = format.levels().2.min(9);
      let packed = compress(format, level, Trickle::new(&data), &token()).unwrap();
      assert_eq!(decompress(format, packed.as_slice(), data.len(), &token()).unwrap(), data, "{format:?} compressed in pieces");
      let whole = compress(format, level, data.as_slice(), &token()).unwrap();
      assert_eq!(decompress(format, Trickle::new(&whole), data.len(), &token()).unwrap(), data, "{format:?} decompressed in pieces");
      let cut = &whole[..whole.len() - 1];
      assert_eq!(decompress(format, Trickle::new(cut), data.len(), &token()).unwrap_err().code(), TRUNCATED, "{format:?} cut");
    }
  }

  #[test]
  fn the_zstd_window_follows_the_limit() {
    assert_eq!(zstd_window_log(1), ZSTD_MIN_WINDOW_LOG);
    assert_eq!(zstd_window_log(DEFAULT_MAX_OUTPUT as usize), 28);
    assert_eq!(zstd_window_log(DEFAULT_MAX_OUTPUT as usize + 1), 29);
    assert_eq!(zstd_window_log(usize::MAX), 31);
  }

  #[test]
  fn a_cancelled_token_stops_both_directions() {
    let data = text(100_000);
    let packed = compress(Format::Gzip, 6, data.as_slice(), &token()).unwrap();
    let cancelled = token();
    cancelled.cancel();
    for format in ALL {
      assert_eq!(compress(format, 1, data.as_slice(), &cancelled), Err(TaskError::Cancelled));
    }
    assert_eq!(decompress(Format::Gzip, packed.as_slice(), 1 << 20, &cancelled), Err(TaskError::Cancelled));
  }
}
