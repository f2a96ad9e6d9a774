//! `argon2.hash` and `argon2.verify`: Argon2 (RFC 9106) in PHC string format.

use std::cell::RefCell;

use ::argon2::password_hash::PasswordHash;
use ::argon2::{Algorithm, Argon2, Block, Params, Version};
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

/// Each pool thread keeps up to this many 1 KiB blocks (64 MiB, the default memoryCost) of
/// argon2 working memory for its next hash. Reusing resident pages avoids a page fault per 4 KiB
/// on every hash, which otherwise costs more than half the time of a 19 MiB hash and serialises
/// concurrent hashes on the kernel's memory map lock. Larger costs allocate and free each time.
const KEPT_BLOCKS: usize = 65_536;

thread_local! {
  static KEPT: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` over at least `blocks` blocks of memory, reusing this thread's kept memory when the
/// request fits in `KEPT_BLOCKS`. Every block is overwritten by argon2 before it is read.
fn with_memory<R>(blocks: usize, f: impl FnOnce(&mut [Block]) -> R) -> R {
  if blocks > KEPT_BLOCKS {
    return f(&mut vec![Block::default(); blocks]);
  }
  let mut memory = KEPT.with(|kept| std::mem::take(&mut *kept.borrow_mut()));
  if memory.len() < blocks {
    memory.resize(blocks, Block::default());
  }
  let result = f(&mut memory);
  KEPT.with(|kept| *kept.borrow_mut() = memory);
  result
}

/// Argon2 of `password` and `salt` into `out`, in this thread's kept memory when it fits.
fn argon2_into(argon2: &Argon2, params: &Params, password: &[u8], salt: &[u8], out: &mut [u8]) -> Result<(), TaskError> {
  with_memory(params.block_count(), |memory| argon2.hash_password_into_with_memory(password, salt, out, memory)).map_err(failed)
}

/// The PHC string of a hash: `$argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>`, in unpadded base64.
fn phc(algorithm: Algorithm, params: &Params, salt: &[u8], hash: &[u8]) -> String {
  use base64::engine::general_purpose::STANDARD_NO_PAD;
  use base64::Engine;
  format!(
    "${}$v=19$m={},t={},p={}${}${}",
    algorithm.as_str(),
    params.m_cost(),
    params.t_cost(),
    params.p_cost(),
    STANDARD_NO_PAD.encode(salt),
    STANDARD_NO_PAD.encode(hash)
  )
}

pub fn prepare_hash(args: &mut TaskArgs) -> Result<Work, TaskError> {
  let algorithm = match args.option_choice("type", &["argon2id", "argon2i", "argon2d"])? {
    None | Some("argon2id") => Algorithm::Argon2id,
    Some("argon2i") => Algorithm::Argon2i,
    _ => Algorithm::Argon2d,
  };
  let time_cost = args.option_uint("timeCost", 1, MAX_TIME_COST)?.unwrap_or(DEFAULT_TIME_COST);
  let parallelism = args.option_uint("parallelism", 1, MAX_PARALLELISM)?.unwrap_or(DEFAULT_PARALLELISM);
  // At least 8 KiB per lane, as Argon2 requires.
  let memory_cost = args.option_uint("memoryCost", 8 * parallelism, MAX_MEMORY_COST)?.unwrap_or(DEFAULT_MEMORY_COST);
  let hash_length = args.option_uint("hashLength", MIN_HASH_LENGTH, MAX_HASH_LENGTH)?.unwrap_or(DEFAULT_HASH_LENGTH);
  let params = Params::new(memory_cost as u32, time_cost as u32, parallelism as u32, Some(hash_length as usize))
    .map_err(|err| TaskError::invalid(format!("options do not make valid argon2 parameters: {err}")))?;
  let password = args.input_bytes()?;
  Ok(Box::new(move |token| {
    token.check()?;
    let salt = random_salt::<SALT_LEN>()?;
    let mut hash = vec![0u8; hash_length as usize];
    let argon2 = Argon2::new(algorithm, Version::V0x13, params.clone());
    argon2_into(&argon2, &params, password.as_slice(), &salt, &mut hash)?;
    token.check()?;
    Ok(Output::String(phc(algorithm, &params, &salt, &hash)))
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
    let argon2 = Argon2::new(stored.algorithm, stored.version, stored.params.clone());
    argon2_into(&argon2, &stored.params, password.as_slice(), &stored.salt, &mut computed)?;
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
  let out_of_bounds =
    |name: &str, value: u64, max: u64| TaskError::invalid(format!("input.hash has {name}={value}; corepool verifies {name} up to {max}"));
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
  fn a_new_hash_parses_back_and_verifies_in_kept_and_fresh_memory() {
    for m_cost in [64, KEPT_BLOCKS as u32 + 8] {
      let params = Params::new(m_cost, 1, 2, Some(32)).unwrap();
      let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
      let mut hash = [0u8; 32];
      argon2_into(&argon2, &params, b"pw", b"saltsaltsalt", &mut hash).unwrap();
      let text = phc(Algorithm::Argon2id, &params, b"saltsaltsalt", &hash);
      let stored = parse(&text).unwrap();
      assert_eq!((stored.salt.as_slice(), stored.hash.as_slice()), (&b"saltsaltsalt"[..], &hash[..]));
      let mut expected = [0u8; 32];
      argon2.hash_password_into(b"pw", b"saltsaltsalt", &mut expected).unwrap();
      assert_eq!(hash, expected, "m={m_cost}");
    }
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
