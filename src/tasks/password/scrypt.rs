//! `scrypt`: the scrypt key derivation (RFC 7914), equal to `crypto.scrypt` for the same
//! password, salt, N, r, p and key length.

use ::scrypt::Params;

use crate::pool::{TaskError, Work};
use crate::tasks::hash::Encoding;
use crate::tasks::TaskArgs;

/// Defaults, as in `crypto.scrypt`: N = 16384, r = 8, p = 1; keylen 64 (Node requires it).
pub const DEFAULT_N: u64 = 16_384;
pub const DEFAULT_R: u64 = 8;
pub const DEFAULT_P: u64 = 1;
pub const DEFAULT_KEYLEN: u64 = 64;
/// Memory `128 * N * r` may use at most `options.maxmem`: 32 MiB by default, as in Node.
pub const DEFAULT_MAXMEM: u64 = 32 << 20;
pub const MAX_MAXMEM: u64 = 1 << 30;
pub const MAX_N: u64 = 1 << 24;
pub const MAX_R: u64 = 32;
pub const MAX_P: u64 = 16;
pub const MAX_KEYLEN: u64 = 1024;

pub fn prepare(args: &mut TaskArgs) -> Result<Work, TaskError> {
  let encoding = Encoding::from_options(args)?;
  let n = args.option_uint("N", 2, MAX_N)?.unwrap_or(DEFAULT_N);
  if !n.is_power_of_two() {
    return Err(TaskError::invalid(format!("options.N must be a power of 2 from 2 to {MAX_N}, got {n}")));
  }
  let r = args.option_uint("r", 1, MAX_R)?.unwrap_or(DEFAULT_R);
  let p = args.option_uint("p", 1, MAX_P)?.unwrap_or(DEFAULT_P);
  let keylen = args.option_uint("keylen", 1, MAX_KEYLEN)?.unwrap_or(DEFAULT_KEYLEN);
  let maxmem = args.option_uint("maxmem", 1, MAX_MAXMEM)?.unwrap_or(DEFAULT_MAXMEM);
  let memory = 128 * n * r;
  if memory > maxmem {
    return Err(TaskError::invalid(format!(
      "options.N and options.r need 128 * N * r = {memory} bytes, more than options.maxmem = {maxmem}"
    )));
  }
  // `len` only matters for the PHC format, which this task does not produce.
  let params = Params::new(n.trailing_zeros() as u8, r as u32, p as u32, Params::RECOMMENDED_LEN)
    .map_err(|err| TaskError::invalid(format!("options.N, options.r and options.p do not make valid scrypt parameters: {err}")))?;
  let Some(salt) = args.option_bytes("salt")? else {
    return Err(TaskError::invalid("options.salt must be a Buffer, TypedArray, DataView, ArrayBuffer or string, got undefined"));
  };
  let password = args.input_bytes()?;
  Ok(Box::new(move |token| {
    token.check()?;
    let mut key = vec![0u8; keylen as usize];
    ::scrypt::scrypt(password.as_slice(), salt.as_slice(), &params, &mut key)
      .map_err(|err| TaskError::Failed { code: "ERR_SCRYPT", message: format!("scrypt failed: {err}") })?;
    token.check()?;
    Ok(encoding.encode(key))
  }))
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn rfc_7914_vector_2_matches() {
    let params = Params::new(10, 8, 16, Params::RECOMMENDED_LEN).unwrap();
    let mut key = [0u8; 64];
    ::scrypt::scrypt(b"password", b"NaCl", &params, &mut key).unwrap();
    assert_eq!(
      crate::tasks::hash::hex(&key),
      "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"
    );
  }
}
