//! `bcrypt.hash` and `bcrypt.verify`: bcrypt in the `$2b$` modular crypt format.
//!
//! As in OpenBSD, the `bcrypt` and `bcryptjs` npm packages, a password longer than 72 bytes is
//! truncated to its first 72 bytes.

use base64::engine::general_purpose::NO_PAD;
use base64::engine::GeneralPurpose;
use base64::{alphabet, Engine};
use subtle::ConstantTimeEq;

use super::eksblowfish;
use super::{random_salt, verify_input};
use crate::pool::{Output, TaskError, Work};
use crate::tasks::TaskArgs;

pub const DEFAULT_COST: u64 = 10;
/// Costs are log2 of the rounds: 4 is the format's minimum; 16 takes some seconds of one thread.
pub const MIN_COST: u64 = 4;
pub const MAX_COST: u64 = 16;

/// The characters of bcrypt's own base64 alphabet.
const ALPHABET: &[u8] = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// bcrypt's base64: its alphabet, no padding, canonical trailing bits.
const BASE64: GeneralPurpose = GeneralPurpose::new(&alphabet::BCRYPT, NO_PAD);

/// The 23 bytes a bcrypt string keeps, for `password` truncated to 72 bytes with its NUL.
fn bcrypt_hash(password: &[u8], cost: u32, salt: &[u8; 16]) -> [u8; 23] {
  let mut key = [0u8; 72];
  let len = password.len().min(72);
  key[..len].copy_from_slice(&password[..len]);
  // The terminating NUL counts, unless the password fills all 72 bytes.
  let raw = eksblowfish::bcrypt(cost, salt, &key[..(len + 1).min(72)]);
  raw[..23].try_into().expect("23 of 24 bytes")
}

pub fn prepare_hash(args: &mut TaskArgs) -> Result<Work, TaskError> {
  let cost = args.option_uint("cost", MIN_COST, MAX_COST)?.unwrap_or(DEFAULT_COST) as u32;
  let password = args.input_bytes()?;
  Ok(Box::new(move |token| {
    token.check()?;
    let salt = random_salt::<16>()?;
    let hash = bcrypt_hash(password.as_slice(), cost, &salt);
    token.check()?;
    Ok(Output::String(format!("$2b${cost:02}${}{}", BASE64.encode(salt), BASE64.encode(hash))))
  }))
}

pub fn prepare_verify(args: &mut TaskArgs) -> Result<Work, TaskError> {
  let (password, hash) = verify_input(args)?;
  let (cost, salt, expected) = parse(&hash)?;
  Ok(Box::new(move |token| {
    token.check()?;
    let computed = bcrypt_hash(password.as_slice(), cost, &salt);
    token.check()?;
    Ok(Output::Bool(computed.ct_eq(&expected).into()))
  }))
}

/// The cost, salt and hash of a bcrypt string, after `check_shape`.
fn parse(hash: &str) -> Result<(u32, [u8; 16], [u8; 23]), TaskError> {
  check_shape(hash)?;
  let bytes = hash.as_bytes();
  let cost = u32::from((bytes[4] - b'0') * 10 + (bytes[5] - b'0'));
  let decode = |text: &[u8]| BASE64.decode(text).map_err(|err| TaskError::invalid(format!("input.hash must be a bcrypt hash: {err}")));
  let salt =
    decode(&bytes[7..29])?.try_into().map_err(|_| TaskError::invalid("input.hash must be a bcrypt hash: its salt is not 16 bytes"))?;
  let expected =
    decode(&bytes[29..])?.try_into().map_err(|_| TaskError::invalid("input.hash must be a bcrypt hash: its hash is not 23 bytes"))?;
  Ok((cost, salt, expected))
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

#[cfg(test)]
mod tests {
  use super::*;

  /// Whether `password` matches `hash`, as the verify task decides.
  fn verifies(password: &[u8], hash: &str) -> bool {
    let (cost, salt, expected) = parse(hash).unwrap();
    bcrypt_hash(password, cost, &salt) == expected
  }

  #[test]
  fn openwalls_published_vectors_verify() {
    // From OpenBSD's / Openwall's crypt_blowfish test vectors.
    assert!(verifies(b"U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
    assert!(!verifies(b"U*V", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
    assert!(verifies(b"", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy"));
    assert!(verifies(
      b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are ignored",
      "$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui"
    ));
  }

  #[test]
  fn hashes_equal_the_bcrypt_crates_for_every_password_length() {
    // The crate is an independent implementation: equal strings over lengths around the 72-byte
    // truncation, bytes that are not ASCII, a NUL inside, and several salts and costs.
    for len in [0usize, 1, 2, 3, 4, 5, 16, 70, 71, 72, 73, 100] {
      let password: Vec<u8> = (0..len).map(|i| (i * 37 + len) as u8).collect();
      for (cost, salt) in [(4u32, [0u8; 16]), (5, [0xa5; 16]), (4, *b"0123456789abcdef")] {
        let ours = format!("$2b${cost:02}${}{}", BASE64.encode(salt), BASE64.encode(bcrypt_hash(&password, cost, &salt)));
        let theirs = ::bcrypt::hash_with_salt(&password, cost, salt).unwrap().format_for_version(::bcrypt::Version::TwoB);
        assert_eq!(ours, theirs, "length {len}, cost {cost}");
        assert!(verifies(&password, &theirs));
      }
    }
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
