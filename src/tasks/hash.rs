//! Hashes of byte inputs.

use sha2::{Digest, Sha256};

use super::{TaskArgs, TaskDef};
use crate::pool::{CancelToken, Output, TaskError, Work};

pub const TASKS: &[TaskDef] = &[TaskDef { name: "sha256", prepare: prepare_sha256 }];

/// Bytes hashed between cancellation checks: well under a millisecond.
const CHUNK: usize = 256 * 1024;

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

fn prepare_sha256(args: &mut TaskArgs) -> Result<Work, TaskError> {
  let encoding = Encoding::from_options(args)?;
  let data = args.input_bytes()?;
  Ok(Box::new(move |token| Ok(encoding.encode(digest::<Sha256>(data.as_slice(), token)?))))
}

/// Any RustCrypto digest over `data`, fed in chunks with a cancellation check between them.
pub fn digest<D: Digest>(data: &[u8], token: &CancelToken) -> Result<Vec<u8>, TaskError> {
  let mut hasher = D::new();
  for chunk in data.chunks(CHUNK) {
    token.check()?;
    hasher.update(chunk);
  }
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
    assert_eq!(hex(&digest::<Sha256>(b"abc", &token).unwrap()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_eq!(hex(&digest::<Sha256>(b"", &token).unwrap()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    let million_a = vec![b'a'; 1_000_000];
    assert_eq!(hex(&digest::<Sha256>(&million_a, &token).unwrap()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  }

  #[test]
  fn base64_pads_like_node() {
    assert_eq!(base64(b"ab"), "YWI=");
  }
}
