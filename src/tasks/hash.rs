//! Hashes of byte inputs: cryptographic digests, HMACs, and fast non-cryptographic checksums.
//!
//! Every task takes `input` as bytes (Buffer, TypedArray, DataView, ArrayBuffer or a UTF-8
//! string) and returns the digest as `options.encoding` says: lowercase hex (default), base64 or
//! a Buffer. Integer results (xxh*, crc*) are written in their canonical big-endian byte order,
//! so hex reads like the number itself: crc32("123456789") is "cbf43926".
//!
//! Every hash here is incremental: a `{ path }` input is hashed as it is read, one chunk at a
//! time (`crate::chunks`), so memory holds one chunk of it, never the whole file.

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};
use sha3::Sha3_256;
use xxhash_rust::{xxh3, xxh64};

use super::{TaskArgs, TaskDef};
use crate::chunks::{for_each_piece, ChunkSource};
use crate::pool::{CancelToken, Output, TaskError, Work};

pub const TASKS: &[TaskDef] = &[
  TaskDef { name: "md5", options: &["encoding", "maxInputLength"], prepare: prepare_digest::<Md5> },
  TaskDef { name: "sha1", options: &["encoding", "maxInputLength"], prepare: prepare_digest::<Sha1> },
  TaskDef { name: "sha256", options: &["encoding", "maxInputLength"], prepare: prepare_digest::<Sha256> },
  TaskDef { name: "sha384", options: &["encoding", "maxInputLength"], prepare: prepare_digest::<Sha384> },
  TaskDef { name: "sha512", options: &["encoding", "maxInputLength"], prepare: prepare_digest::<Sha512> },
  TaskDef { name: "sha3-256", options: &["encoding", "maxInputLength"], prepare: prepare_digest::<Sha3_256> },
  TaskDef { name: "blake3", options: &["encoding", "maxInputLength"], prepare: prepare_blake3 },
  TaskDef { name: "xxh64", options: &["encoding", "seed", "maxInputLength"], prepare: prepare_checksum::<Xxh64> },
  TaskDef { name: "xxh3", options: &["encoding", "seed", "maxInputLength"], prepare: prepare_checksum::<Xxh3> },
  TaskDef { name: "xxh3-128", options: &["encoding", "seed", "maxInputLength"], prepare: prepare_checksum::<Xxh3_128> },
  TaskDef { name: "crc32", options: &["encoding", "maxInputLength"], prepare: prepare_checksum::<Crc32> },
  TaskDef { name: "crc32c", options: &["encoding", "maxInputLength"], prepare: prepare_checksum::<Crc32c> },
  TaskDef { name: "hmac-sha256", options: &["encoding", "key", "maxInputLength"], prepare: prepare_hmac::<Hmac<Sha256>> },
  TaskDef { name: "hmac-sha512", options: &["encoding", "key", "maxInputLength"], prepare: prepare_hmac::<Hmac<Sha512>> },
];

/// Bytes hashed between cancellation checks: well under a millisecond.
const PIECE: usize = 256 * 1024;

/// From this input size on, blake3 hashes with rayon on the pool's own threads.
pub const BLAKE3_PARALLEL_MIN: usize = 128 * 1024;
/// Bytes blake3 hashes in parallel between cancellation checks.
const BLAKE3_PIECE: usize = 1024 * 1024;

/// Largest `options.seed` for xxh64 / xxh3: the largest integer a JS number holds exactly.
pub const SEED_MAX: u64 = (1 << 53) - 1;

/// How a digest is returned: `options.encoding`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
  Hex,
  Base64,
  Buffer,
}

impl Encoding {
  pub fn from_options(args: &TaskArgs) -> Result<Encoding, TaskError> {
    Ok(match args.option_choice("encoding", &["hex", "base64", "buffer"])? {
      None | Some("hex") => Encoding::Hex,
      Some("base64") => Encoding::Base64,
      _ => Encoding::Buffer,
    })
  }

  pub fn encode(self, digest: Vec<u8>) -> Output {
    match self {
      Encoding::Hex => Output::String(hex(&digest)),
      Encoding::Base64 => Output::String(base64(&digest)),
      Encoding::Buffer => Output::Buffer(digest),
    }
  }
}

fn prepare_digest<D: Digest + 'static>(args: &mut TaskArgs) -> Result<Work, TaskError> {
  let encoding = Encoding::from_options(args)?;
  let data = args.input_bytes_or_file()?;
  Ok(Box::new(move |token| Ok(encoding.encode(digest::<D>(data.chunks(), token)?))))
}

fn prepare_blake3(args: &mut TaskArgs) -> Result<Work, TaskError> {
  let encoding = Encoding::from_options(args)?;
  let data = args.input_bytes_or_file()?;
  Ok(Box::new(move |token| Ok(encoding.encode(blake3(data.chunks(), token)?.to_vec()))))
}

/// A non-cryptographic checksum family: its digest as big-endian bytes, and whether it takes
/// `options.seed`.
trait Checksum {
  const SEEDED: bool;
  fn sum(data: impl ChunkSource, seed: u64, token: &CancelToken) -> Result<Vec<u8>, TaskError>;
}

macro_rules! checksum {
  ($name:ident, seeded: $seeded:expr, |$data:ident, $seed:ident, $token:ident| $sum:expr) => {
    struct $name;
    impl Checksum for $name {
      const SEEDED: bool = $seeded;
      fn sum($data: impl ChunkSource, $seed: u64, $token: &CancelToken) -> Result<Vec<u8>, TaskError> {
        Ok($sum?.to_be_bytes().to_vec())
      }
    }
  };
}

checksum!(Xxh64, seeded: true, |data, seed, token| xxh64(data, seed, token));
checksum!(Xxh3, seeded: true, |data, seed, token| xxh3_64(data, seed, token));
checksum!(Xxh3_128, seeded: true, |data, seed, token| xxh3_128(data, seed, token));
checksum!(Crc32, seeded: false, |data, _seed, token| crc32(data, token));
checksum!(Crc32c, seeded: false, |data, _seed, token| crc32c(data, token));

/// The one prepare of the xxh and crc families: `options.encoding`, `options.seed` where the
/// family has one, and the input.
fn prepare_checksum<C: Checksum>(args: &mut TaskArgs) -> Result<Work, TaskError> {
  let encoding = Encoding::from_options(args)?;
  let seed = if C::SEEDED { args.option_uint("seed", 0, SEED_MAX)?.unwrap_or(0) } else { 0 };
  let data = args.input_bytes_or_file()?;
  Ok(Box::new(move |token| Ok(encoding.encode(C::sum(data.chunks(), seed, token)?))))
}

/// HMAC with `options.key` (bytes or string, required; any length, empty included, as in Node).
fn prepare_hmac<M: Mac + KeyInit + 'static>(args: &mut TaskArgs) -> Result<Work, TaskError> {
  let encoding = Encoding::from_options(args)?;
  let Some(key) = args.option_bytes("key")? else {
    return Err(TaskError::invalid("options.key must be a Buffer, TypedArray, DataView, ArrayBuffer or string, got undefined"));
  };
  let data = args.input_bytes_or_file()?;
  Ok(Box::new(move |token| Ok(encoding.encode(hmac::<M>(key.as_slice(), data.chunks(), token)?))))
}

/// The MAC `M` (an `Hmac<D>`) of `data` under `key`, fed in chunks with a cancellation check
/// between them.
pub fn hmac<M: Mac + KeyInit>(key: &[u8], data: impl ChunkSource, token: &CancelToken) -> Result<Vec<u8>, TaskError> {
  let mut mac = <M as KeyInit>::new_from_slice(key).expect("HMAC takes a key of any length");
  feed(data, token, |chunk| mac.update(chunk))?;
  Ok(mac.finalize().into_bytes().to_vec())
}

/// BLAKE3 (32-byte output); large pieces are split across the current rayon pool.
pub fn blake3(mut data: impl ChunkSource, token: &CancelToken) -> Result<[u8; 32], TaskError> {
  let mut hasher = blake3::Hasher::new();
  for_each_piece(&mut data, token, BLAKE3_PIECE, |piece| {
    if piece.len() < BLAKE3_PARALLEL_MIN {
      hasher.update(piece);
    } else {
      hasher.update_rayon(piece);
    }
    Ok(())
  })?;
  Ok(*hasher.finalize().as_bytes())
}

pub fn xxh64(data: impl ChunkSource, seed: u64, token: &CancelToken) -> Result<u64, TaskError> {
  let mut hasher = xxh64::Xxh64::new(seed);
  feed(data, token, |chunk| hasher.update(chunk))?;
  Ok(hasher.digest())
}

pub fn xxh3_64(data: impl ChunkSource, seed: u64, token: &CancelToken) -> Result<u64, TaskError> {
  let mut hasher = xxh3::Xxh3::with_seed(seed);
  feed(data, token, |chunk| hasher.update(chunk))?;
  Ok(hasher.digest())
}

pub fn xxh3_128(data: impl ChunkSource, seed: u64, token: &CancelToken) -> Result<u128, TaskError> {
  let mut hasher = xxh3::Xxh3::with_seed(seed);
  feed(data, token, |chunk| hasher.update(chunk))?;
  Ok(hasher.digest128())
}

/// CRC-32 (ISO-HDLC, as in zlib, gzip and PNG).
pub fn crc32(data: impl ChunkSource, token: &CancelToken) -> Result<u32, TaskError> {
  let mut hasher = crc32fast::Hasher::new();
  feed(data, token, |chunk| hasher.update(chunk))?;
  Ok(hasher.finalize())
}

/// CRC-32C (Castagnoli, as in iSCSI, ext4 and SCTP).
pub fn crc32c(data: impl ChunkSource, token: &CancelToken) -> Result<u32, TaskError> {
  let mut crc = 0;
  feed(data, token, |chunk| crc = crc32c::crc32c_append(crc, chunk))?;
  Ok(crc)
}

/// Hands `data` to `update` in pieces of at most `PIECE` bytes, checking the token before each.
fn feed(mut data: impl ChunkSource, token: &CancelToken, mut update: impl FnMut(&[u8])) -> Result<(), TaskError> {
  for_each_piece(&mut data, token, PIECE, |piece| {
    update(piece);
    Ok(())
  })
}

/// Any RustCrypto digest over `data`, fed in chunks with a cancellation check between them.
pub fn digest<D: Digest>(data: impl ChunkSource, token: &CancelToken) -> Result<Vec<u8>, TaskError> {
  let mut hasher = D::new();
  feed(data, token, |chunk| hasher.update(chunk))?;
  Ok(hasher.finalize().to_vec())
}

pub fn hex(bytes: &[u8]) -> String {
  const DIGITS: &[u8; 16] = b"0123456789abcdef";
  let mut out = String::with_capacity(bytes.len() * 2);
  for byte in bytes {
    out.push(DIGITS[(byte >> 4) as usize] as char);
    out.push(DIGITS[(byte & 15) as usize] as char);
  }
  out
}

pub fn base64(bytes: &[u8]) -> String {
  use base64::Engine;
  base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn sha256_matches_the_fips_test_vectors() {
    let token = CancelToken::new();
    assert_eq!(hex(&digest::<Sha256>(&b"abc"[..], &token).unwrap()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_eq!(hex(&digest::<Sha256>(&b""[..], &token).unwrap()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    let million_a = vec![b'a'; 1_000_000];
    assert_eq!(
      hex(&digest::<Sha256>(million_a.as_slice(), &token).unwrap()),
      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
    );
  }

  fn token() -> CancelToken {
    CancelToken::new()
  }

  #[test]
  fn md5_sha1_sha384_sha512_and_sha3_match_published_abc_vectors() {
    let t = token();
    assert_eq!(hex(&digest::<Md5>(&b"abc"[..], &t).unwrap()), "900150983cd24fb0d6963f7d28e17f72");
    assert_eq!(hex(&digest::<Sha1>(&b"abc"[..], &t).unwrap()), "a9993e364706816aba3e25717850c26c9cd0d89d");
    assert_eq!(
      hex(&digest::<Sha384>(&b"abc"[..], &t).unwrap()),
      "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"
    );
    assert_eq!(
      hex(&digest::<Sha512>(&b"abc"[..], &t).unwrap()),
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
    );
    assert_eq!(hex(&digest::<Sha3_256>(&b"abc"[..], &t).unwrap()), "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
  }

  #[test]
  fn blake3_matches_the_reference_vectors_serially_and_in_parallel() {
    // The official test_vectors.json input: bytes 0, 1, ..., 250, 0, 1, ... of the given length.
    let input = |len: usize| (0..len).map(|i| (i % 251) as u8).collect::<Vec<u8>>();
    let t = token();
    assert_eq!(hex(&blake3(input(0).as_slice(), &t).unwrap()), "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262");
    assert_eq!(hex(&blake3(input(1).as_slice(), &t).unwrap()), "2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213");
    assert_eq!(hex(&blake3(input(1024).as_slice(), &t).unwrap()), "42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7");
    // 3 MiB + 1 crosses the parallel threshold and the chunk size; compare with one serial update.
    let big = input(3 * 1024 * 1024 + 1);
    assert_eq!(blake3(big.as_slice(), &t).unwrap(), *blake3::hash(&big).as_bytes());
  }

  #[test]
  fn xxhash_matches_the_reference_vectors_in_canonical_order() {
    let t = token();
    assert_eq!(xxh64(&b""[..], 0, &t).unwrap(), 0xef46db3751d8e999);
    assert_eq!(xxh64(&b"abc"[..], 0, &t).unwrap(), 0x44bc2cf5ad770999);
    assert_eq!(xxh3_64(&b""[..], 0, &t).unwrap(), 0x2d06800538d394c2);
    assert_eq!(xxh3_128(&b""[..], 0, &t).unwrap(), 0x99aa06d3014798d86001c324468d497f);
    let long = vec![7u8; PIECE * 2 + 3];
    assert_eq!(xxh64(long.as_slice(), 42, &t).unwrap(), xxhash_rust::xxh64::xxh64(&long, 42));
    assert_eq!(xxh3_64(long.as_slice(), 42, &t).unwrap(), xxhash_rust::xxh3::xxh3_64_with_seed(&long, 42));
    assert_eq!(xxh3_128(long.as_slice(), 42, &t).unwrap(), xxhash_rust::xxh3::xxh3_128_with_seed(&long, 42));
    assert_eq!(hex(&0xef46db3751d8e999u64.to_be_bytes()), "ef46db3751d8e999");
  }

  #[test]
  fn crc32_and_crc32c_match_the_check_values() {
    let t = token();
    assert_eq!(crc32(&b"123456789"[..], &t).unwrap(), 0xcbf43926);
    assert_eq!(crc32c(&b"123456789"[..], &t).unwrap(), 0xe3069283);
    let long = vec![0xa5u8; PIECE * 3 + 17];
    assert_eq!(crc32(long.as_slice(), &t).unwrap(), crc32fast::hash(&long));
    assert_eq!(crc32c(long.as_slice(), &t).unwrap(), crc32c::crc32c(&long));
  }

  #[test]
  fn hmac_matches_rfc_4231_test_case_2() {
    let t = token();
    assert_eq!(
      hex(&hmac::<Hmac<Sha256>>(b"Jefe", &b"what do ya want for nothing?"[..], &t).unwrap()),
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    assert_eq!(
      hex(&hmac::<Hmac<Sha512>>(b"Jefe", &b"what do ya want for nothing?"[..], &t).unwrap()),
      "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
    );
  }

  #[test]
  fn a_cancelled_token_stops_every_hash() {
    let t = token();
    t.cancel();
    let data = vec![0u8; 1 << 20];
    assert_eq!(digest::<Md5>(data.as_slice(), &t), Err(TaskError::Cancelled));
    assert_eq!(blake3(data.as_slice(), &t), Err(TaskError::Cancelled));
    assert_eq!(xxh64(data.as_slice(), 0, &t), Err(TaskError::Cancelled));
    assert_eq!(xxh3_64(data.as_slice(), 0, &t), Err(TaskError::Cancelled));
    assert_eq!(xxh3_128(data.as_slice(), 0, &t), Err(TaskError::Cancelled));
    assert_eq!(crc32(data.as_slice(), &t), Err(TaskError::Cancelled));
    assert_eq!(crc32c(data.as_slice(), &t), Err(TaskError::Cancelled));
    assert_eq!(hmac::<Hmac<Sha256>>(b"k", data.as_slice(), &t), Err(TaskError::Cancelled));
  }

  #[test]
  fn every_hash_fed_in_irregular_pieces_equals_the_hash_of_the_whole_input() {
    use crate::chunks::testing::Trickle;
    let t = token();
    let data: Vec<u8> = (0..(3 * 1024 * 1024 + 5) as u32).map(|i| (i % 251) as u8).collect();
    let whole = data.as_slice();
    assert_eq!(digest::<Sha256>(Trickle::new(whole), &t), digest::<Sha256>(whole, &t));
    assert_eq!(digest::<Sha3_256>(Trickle::new(whole), &t), digest::<Sha3_256>(whole, &t));
    assert_eq!(blake3(Trickle::new(whole), &t).unwrap(), *blake3::hash(whole).as_bytes());
    assert_eq!(xxh64(Trickle::new(whole), 7, &t).unwrap(), xxhash_rust::xxh64::xxh64(whole, 7));
    assert_eq!(xxh3_64(Trickle::new(whole), 7, &t).unwrap(), xxhash_rust::xxh3::xxh3_64_with_seed(whole, 7));
    assert_eq!(xxh3_128(Trickle::new(whole), 7, &t).unwrap(), xxhash_rust::xxh3::xxh3_128_with_seed(whole, 7));
    assert_eq!(crc32(Trickle::new(whole), &t).unwrap(), crc32fast::hash(whole));
    assert_eq!(crc32c(Trickle::new(whole), &t).unwrap(), crc32c::crc32c(whole));
    assert_eq!(hmac::<Hmac<Sha512>>(b"key", Trickle::new(whole), &t), hmac::<Hmac<Sha512>>(b"key", whole, &t));
  }

  #[test]
  fn base64_pads_like_node() {
    assert_eq!(base64(b"ab"), "YWI=");
  }
}
