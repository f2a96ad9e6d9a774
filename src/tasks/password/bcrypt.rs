//! `bcrypt.hash` and `bcrypt.verify`: bcrypt in the `$2b$` modular crypt format.
//!
//! As in OpenBSD, the `bcrypt` and `bcryptjs` npm packages, a password longer than 72 bytes is
//! truncated to its first 72 bytes.

use super::{random_salt, verify_input};
use crate::pool::{Output, TaskError, Work};
use crate::tasks::TaskArgs;

pub const DEFAULT_COST: u64 = 10;
/// Costs are log2 of the rounds: 4 is the format's minimum; 16 takes some seconds of one thread.
pub const MIN_COST: u64 = 4;
pub const MAX_COST: u64 = 16;

/// The characters of bcrypt's own base64 alphabet.
const ALPHABET: &[u8] = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

pub fn prepare_hash(args: &mut TaskArgs) -> Result<Work, TaskError> {
  let cost = args.option_uint("cost", MIN_COST, MAX_COST)?.unwrap_or(DEFAULT_COST) as u32;
  let password = args.input_bytes()?;
  Ok(Box::new(move |token| {
    token.check()?;
    let parts = ::bcrypt::hash_with_salt(password.as_slice(), cost, random_salt::<16>()?).map_err(failed)?;
    token.check()?;
    Ok(Output::String(parts.format_for_version(::bcrypt::Version::TwoB)))
  }))
}

pub fn prepare_verify(args: &mut TaskArgs) -> Result<Work, TaskError> {
  let (password, hash) = verify_input(args)?;
  check_shape(&hash)?;
  Ok(Box::new(move |token| {
    token.check()?;
    // Compares the recomputed hash with `subtle::ConstantTimeEq`.
    let matches =
      ::bcrypt::verify(password.as_slice(), &hash).map_err(|err| TaskError::invalid(format!("input.hash must be a bcrypt hash: {err}")))?;
    token.check()?;
    Ok(Output::Bool(matches))
  }))
}

/// Checks `$2a$`, `$2b$` or `$2y$`, a two-digit cost within bounds, then 53 characters of
/// bcrypt's base64 (22 of salt, 31 of hash).
fn check_shape(hash: &str) -> Result<(), TaskError> {
  let malformed = |why: &str| TaskError::invalid(format!("input.hash must be a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters): {why}"));
  let bytes = hash.as_bytes();
  if bytes.len() != 60 {
    return Err(malformed(&format!("it has {} characters", hash.chars().count())));
  }
  if !(bytes.starts_with(b"$2a$") || bytes.starts_with(b"$2b$") || bytes.starts_with(b"$2y$")) {
    return Err(malformed("the prefix is not $2a$, $2b$ or $2y$"));
  }
  if !(bytes[4].is_ascii_digit() && bytes[5].is_ascii_digit() && bytes[6] == b'$') {
    return Err(malformed("the cost is not two digits followed by $"));
  }
  let cost = u64::from((bytes[4] - b'0') * 10 + (bytes[5] - b'0'));
  if !(MIN_COST..=MAX_COST).contains(&cost) {
    return Err(TaskError::invalid(format!("input.hash has cost {cost}; corepool verifies costs from {MIN_COST} to {MAX_COST}")));
  }
  if !bytes[7..].iter().all(|b| ALPHABET.contains(b)) {
    return Err(malformed("the salt and hash are not in bcrypt's base64 alphabet"));
  }
  Ok(())
}

fn failed(err: impl std::fmt::Display) -> TaskError {
  TaskError::Failed { code: "ERR_BCRYPT", message: format!("bcrypt failed: {err}") }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn openwalls_published_vector_verifies() {
    // From OpenBSD's / Openwall's crypt_blowfish test vectors.
    let hash = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
    check_shape(hash).unwrap();
    assert!(::bcrypt::verify("U*U", hash).unwrap());
    assert!(!::bcrypt::verify("U*V", hash).unwrap());
  }

  #[test]
  fn check_shape_rejects_other_formats_and_costs_beyond_the_bounds() {
    let good = "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
    check_shape(good).unwrap();
    for bad in ["", &good[..59], &good.replace("$2b$", "$2x$"), &good.replace("$05$", "$5$$"), &good.replace('E', "!")] {
      assert!(matches!(check_shape(bad), Err(TaskError::InvalidArg(_))), "{bad}");
    }
    assert_eq!(
      check_shape(&good.replace("$05$", "$31$")),
      Err(TaskError::invalid("input.hash has cost 31; corepool verifies costs from 4 to 16"))
    );
  }
}
