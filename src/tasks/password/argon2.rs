//! `argon2.hash` and `argon2.verify`: Argon2 (RFC 9106) in PHC string format.
//!
//! The hash runs on argon2-rust, the backend of @node-rs/argon2 (2.2): a port of the reference
//! implementation whose block fill picks AVX-512, AVX2, SSE2 or NEON at run time and whose memory
//! is an mmap'd arena with transparent huge pages. RustCrypto's `argon2` crate, which corepool
//! used before, fills blocks with portable code and was 0.64-0.76x as fast here; it still parses
//! the PHC strings handed to `argon2.verify` (its messages say what is wrong with one).

use std::cell::RefCell;

use ::argon2::password_hash::PasswordHash;
use argon2_rust::params::{Memory, TagLen};
use argon2_rust::{Algorithm, Argon2, Hasher, Params, Version};
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

/// Each pool thread keeps the arena of its last hash, up to this many 1 KiB blocks (64 MiB, the
/// default memoryCost), for its next one: reusing resident pages saves the page faults of a
/// fresh mapping, which cost a large part of a 19 MiB hash and serialise concurrent hashes on
/// the kernel's memory map lock. Larger costs map and unmap their memory each time.
const KEPT_BLOCKS: u32 = 65_536;

thread_local! {
  static KEPT: RefCell<Option<Hasher>> = const { RefCell::new(None) };
}

/// The cost parameters of one hash. Lanes are filled one after another on the calling pool
/// thread (`threads(1)`): the pool's threads are the parallelism, so a hash never spawns more.
fn params(memory_kib: u64, passes: u64, lanes: u64, tag_len: u64) -> Result<Params, argon2_rust::Error> {
  Params::builder()
    .memory(Memory::kib(memory_kib))
    .passes(passes as u32)
    .lanes(lanes as u32)
    .threads(1)
    .tag_len(TagLen::bytes(tag_len))
    .build()
}

/// Argon2 of `password`, `salt` and associated data `ad` into `out`, in this thread's kept
/// arena when the memory cost fits in `KEPT_BLOCKS`.
fn argon2_into(argon2: Argon2, password: &[u8], salt: &[u8], ad: &[u8], out: &mut [u8]) -> Result<(), TaskError> {
  if argon2.params().memory_blocks() > KEPT_BLOCKS {
    return argon2.hash_into_with_ad(password, salt, &[], ad, out).map_err(failed);
  }
  KEPT
    .with(|kept| {
      let mut kept = kept.borrow_mut();
      let hasher = kept.get_or_insert_with(|| argon2.hasher());
      hasher.set_argon2(argon2);
      hasher.hash_into_with_ad(password, salt, &[], ad, out)
    })
    .map_err(failed)
}

/// The PHC string of a hash: `$argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>`, in unpadded base64.
fn phc(argon2: &Argon2, salt: &[u8], hash: &[u8]) -> String {
  use base64::engine::general_purpose::STANDARD_NO_PAD;
  use base64::Engine;
  let params = argon2.params();
  format!(
    "${}$v=19$m={},t={},p={}${}${}",
    argon2.algorithm().as_str(),
    params.memory_kib(),
    params.passes(),
    params.lanes(),
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
  let params = params(memory_cost, time_cost, parallelism, hash_length)
    .map_err(|err| TaskError::invalid(format!("options do not make valid argon2 parameters: {err}")))?;
  let argon2 = Argon2::new(algorithm, Version::V0x13, params);
  let password = args.input_bytes()?;
  Ok(Box::new(move |token| {
    token.check()?;
    let salt = random_salt::<SALT_LEN>()?;
    let mut hash = vec![0u8; hash_length as usize];
    argon2_into(argon2, password.as_slice(), &salt, &[], &mut hash)?;
    token.check()?;
    Ok(Output::String(phc(&argon2, &salt, &hash)))
  }))
}

/// Everything needed to recompute a stored hash, read from its PHC string on the JS thread.
struct Stored {
  argon2: Argon2,
  /// Associated data (the PHC `data=` parameter), empty when absent.
  ad: Vec<u8>,
  salt: Vec<u8>,
  hash: Vec<u8>,
}

pub fn prepare_verify(args: &mut TaskArgs) -> Result<Work, TaskError> {
  let (password, phc) = verify_input(args)?;
  let stored = parse(&phc)?;
  Ok(Box::new(move |token| {
    token.check()?;
    let mut computed = vec![0u8; stored.hash.len()];
    argon2_into(stored.argon2, password.as_slice(), &stored.salt, &stored.ad, &mut computed)?;
    token.check()?;
    Ok(Output::Bool(computed.ct_eq(&stored.hash).into()))
  }))
}

/// Parses and bounds-checks an argon2 PHC string such as `$argon2id$v=19$m=65536,t=3,p=4$salt$hash`.
fn parse(phc: &str) -> Result<Stored, TaskError> {
  let malformed = |why: &str| TaskError::invalid(format!("input.hash must be an argon2 PHC string: {why}"));
  let parsed = PasswordHash::new(phc).map_err(|err| malformed(&err.to_string()))?;
  let algorithm = match parsed.algorithm.as_str() {
    "argon2id" => Algorithm::Argon2id,
    "argon2i" => Algorithm::Argon2i,
    "argon2d" => Algorithm::Argon2d,
    _ => return Err(malformed("the algorithm is not argon2id, argon2i or argon2d")),
  };
  let version = Version::from_u32(parsed.version.unwrap_or(0x10)).ok_or_else(|| malformed("the version is not 16 or 19"))?;
  let stored = ::argon2::Params::try_from(&parsed).map_err(|err| malformed(&err.to_string()))?;
  let out_of_bounds =
    |name: &str, value: u64, max: u64| TaskError::invalid(format!("input.hash has {name}={value}; corepool verifies {name} up to {max}"));
  let (m_cost, t_cost, p_cost) = (u64::from(stored.m_cost()), u64::from(stored.t_cost()), u64::from(stored.p_cost()));
  if m_cost > MAX_MEMORY_COST {
    return Err(out_of_bounds("m", m_cost, MAX_MEMORY_COST));
  }
  if t_cost > MAX_TIME_COST {
    return Err(out_of_bounds("t", t_cost, MAX_TIME_COST));
  }
  if p_cost > MAX_PARALLELISM {
    return Err(out_of_bounds("p", p_cost, MAX_PARALLELISM));
  }
  let salt = parsed.salt.ok_or_else(|| malformed("it has no salt"))?;
  let mut salt_buf = [0u8; 64];
  let salt = salt.decode_b64(&mut salt_buf).map_err(|err| malformed(&format!("the salt is not base64: {err}")))?.to_vec();
  let hash = parsed.hash.ok_or_else(|| malformed("it has no hash"))?.as_bytes().to_vec();
  if hash.len() as u64 > 1024 {
    return Err(malformed("the hash is longer than 1024 bytes"));
  }
  let params = params(m_cost, t_cost, p_cost, hash.len() as u64).map_err(|err| malformed(&err.to_string()))?;
  Ok(Stored { argon2: Argon2::new(algorithm, version, params), ad: stored.data().to_vec(), salt, hash })
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
    argon2_into(stored.argon2, b"password", &stored.salt, &stored.ad, &mut computed).unwrap();
    assert_eq!(computed, stored.hash);
  }

  #[test]
  fn kept_and_fresh_memory_give_rustcryptos_hash_and_parse_back() {
    // RustCrypto's argon2 is an independent implementation: agreeing with it on every type,
    // with several lanes, in kept and in fresh memory, pins the lane layout and the arena reuse.
    for (algorithm, reference) in [
      (Algorithm::Argon2id, ::argon2::Algorithm::Argon2id),
      (Algorithm::Argon2i, ::argon2::Algorithm::Argon2i),
      (Algorithm::Argon2d, ::argon2::Algorithm::Argon2d),
    ] {
      for m_cost in [64, u64::from(KEPT_BLOCKS) + 8, 64] {
        let argon2 = Argon2::new(algorithm, Version::V0x13, params(m_cost, 1, 2, 32).unwrap());
        let mut hash = [0u8; 32];
        argon2_into(argon2, b"pw", b"saltsaltsalt", &[], &mut hash).unwrap();
        let mut expected = [0u8; 32];
        let params = ::argon2::Params::new(m_cost as u32, 1, 2, Some(32)).unwrap();
        ::argon2::Argon2::new(reference, ::argon2::Version::V0x13, params)
          .hash_password_into(b"pw", b"saltsaltsalt", &mut expected)
          .unwrap();
        assert_eq!(hash, expected, "{algorithm:?} m={m_cost}");
        let stored = parse(&phc(&argon2, b"saltsaltsalt", &hash)).unwrap();
        assert_eq!((stored.argon2, stored.salt.as_slice(), stored.hash.as_slice()), (argon2, &b"saltsaltsalt"[..], &hash[..]));
      }
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
