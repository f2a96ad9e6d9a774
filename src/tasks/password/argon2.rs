//! `argon2.hash` and `argon2.verify`: Argon2 (RFC 9106) in PHC string format.

use ::argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use ::argon2::{Algorithm, Argon2, Params, Version};
use subtle::ConstantTimeEq;

use super::{random_salt, verify_input};
use crate::pool::{Output, TaskError, Work};
use crate::tasks::TaskArgs;

/// Defaults, as in the `argon2` npm package: argon2id, 64 MiB, 3 passes, 4 lanes, 32 bytes.
pub const DEFAULT_TIME_COST: u64 = 3;
pub const DEFAULT_MEMORY_COST: u64 = 65_536;
pub const DEFAULT_PARALLELISM: u64 = 4;
pub const DEFAULT_HASH_LENGTH: u64 = 32;

/// Bounds, for hashing and for the parameters of a hash being verified: at most 1 GiB of memory
/// and 16 passes over it (some seconds of one thread at the extreme).
pub const MAX_TIME_COST: u64 = 16;
pub const MAX_MEMORY_COST: u64 = 1 << 20; // KiB
pub const MAX_PARALLELISM: u64 = 16;
pub const MIN_HASH_LENGTH: u64 = 16;
pub const MAX_HASH_LENGTH: u64 = 64;

/// Bytes of random salt in a new hash.
const SALT_LEN: usize = 16;

pub fn prepare_hash(args: &mut TaskArgs) -> Result<Work, TaskError> {
  let algorithm = match args.option_choice("type", &["argon2id", "argon2i", "argon2d"])? {
    None | Some("argon2id") => Algorithm::Argon2id,
    Some("argon2i") => Algorithm::Argon2i,
    _ => Algorithm::Argon2d,
  };
  let time_cost = args.option_in("timeCost", 1, MAX_TIME_COST)?.unwrap_or(DEFAULT_TIME_COST);
  let parallelism = args.option_in("parallelism", 1, MAX_PARALLELISM)?.unwrap_or(DEFAULT_PARALLELISM);
  // At least 8 KiB per lane, as Argon2 requires.
  let memory_cost = args.option_in("memoryCost", 8 * parallelism, MAX_MEMORY_COST)?.unwrap_or(DEFAULT_MEMORY_COST);
  let hash_length = args.option_in("hashLength", MIN_HASH_LENGTH, MAX_HASH_LENGTH)?.unwrap_or(DEFAULT_HASH_LENGTH);
  let params = Params::new(memory_cost as u32, time_cost as u32, parallelism as u32, Some(hash_length as usize))
    .map_err(|err| TaskError::invalid(format!("options do not make valid argon2 parameters: {err}")))?;
  let password = args.input_bytes()?;
  Ok(Box::new(move |token| {
    token.check()?;
    let salt = SaltString::encode_b64(&random_salt::<SALT_LEN>()?).map_err(failed)?;
    let hash = Argon2::new(algorithm, Version::V0x13, params).hash_password(password.as_slice(), &salt).map_err(failed)?;
    let phc = hash.to_string();
    token.check()?;
    Ok(Output::String(phc))
  }))
}

/// Everything needed to recompute a stored hash, read from its PHC string on the JS thread.
struct Stored {
  algorithm: Algorithm,
  version: Version,
  params: Params,
  salt: Vec<u8>,
  hash: Vec<u8>,
}

pub fn prepare_verify(args: &mut TaskArgs) -> Result<Work, TaskError> {
  let (password, phc) = verify_input(args)?;
  let stored = parse(&phc)?;
  Ok(Box::new(move |token| {
    token.check()?;
    let mut computed = vec![0u8; stored.hash.len()];
    Argon2::new(stored.algorithm, stored.version, stored.params)
      .hash_password_into(password.as_slice(), &stored.salt, &mut computed)
      .map_err(failed)?;
    token.check()?;
    Ok(Output::Bool(computed.ct_eq(&stored.hash).into()))
  }))
}

/// Parses and bounds-checks an argon2 PHC string such as `$argon2id$v=19$m=65536,t=3,p=4$salt$hash`.
fn parse(phc: &str) -> Result<Stored, TaskError> {
  let malformed = |why: &str| TaskError::invalid(format!("input.hash must be an argon2 PHC string: {why}"));
  let parsed = PasswordHash::new(phc).map_err(|err| malformed(&err.to_string()))?;
  let algorithm = Algorithm::try_from(parsed.algorithm).map_err(|_| malformed("the algorithm is not argon2id, argon2i or argon2d"))?;
  let version = match parsed.version {
    None => Version::V0x10,
    Some(v) => Version::try_from(v).map_err(|_| malformed("the version is not 16 or 19"))?,
  };
  let params = Params::try_from(&parsed).map_err(|err| malformed(&err.to_string()))?;
  let out_of_bounds = |name: &str, value: u64, max: u64| {
    TaskError::invalid(format!("input.hash has {name}={value}; corepool verifies {name} up to {max}"))
  };
  if u64::from(params.m_cost()) > MAX_MEMORY_COST {
    return Err(out_of_bounds("m", params.m_cost().into(), MAX_MEMORY_COST));
  }
  if u64::from(params.t_cost()) > MAX_TIME_COST {
    return Err(out_of_bounds("t", params.t_cost().into(), MAX_TIME_COST));
  }
  if u64::from(params.p_cost()) > MAX_PARALLELISM {
    return Err(out_of_bounds("p", params.p_cost().into(), MAX_PARALLELISM));
  }
  let salt = parsed.salt.ok_or_else(|| malformed("it has no salt"))?;
  let mut salt_buf = [0u8; 64];
  let salt = salt.decode_b64(&mut salt_buf).map_err(|err| malformed(&format!("the salt is not base64: {err}")))?.to_vec();
  let hash = parsed.hash.ok_or_else(|| malformed("it has no hash"))?.as_bytes().to_vec();
  if hash.len() as u64 > 1024 {
    return Err(malformed("the hash is longer than 1024 bytes"));
  }
  Ok(Stored { algorithm, version, params, salt, hash })
}

fn failed(err: impl std::fmt::Display) -> TaskError {
  TaskError::Failed { code: "ERR_ARGON2", message: format!("argon2 failed: {err}") }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn the_reference_implementations_argon2id_vector_verifies() {
    // RFC 9106's vectors use a secret, which a PHC string cannot carry; this is the argon2id
    // v=19 vector of the reference implementation's tests (password "password", salt "somesalt").
    let phc = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
    let stored = parse(phc).unwrap();
    let mut computed = vec![0u8; stored.hash.len()];
    Argon2::new(stored.algorithm, stored.version, stored.params).hash_password_into(b"password", &stored.salt, &mut computed).unwrap();
    assert_eq!(computed, stored.hash);
  }

  #[test]
  fn parse_rejects_malformed_strings_and_costs_beyond_the_bounds() {
    for bad in ["", "argon2id", "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ", "$scrypt$ln=4,r=8,p=1$c29tZXNhbHQ$aGFzaA"] {
      assert!(matches!(parse(bad), Err(TaskError::InvalidArg(_))), "{bad}");
    }
    let huge = "$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
    assert_eq!(parse(huge).err(), Some(TaskError::invalid("input.hash has m=4194304; corepool verifies m up to 1048576")));
  }
}
