//! Password hashing: argon2 and bcrypt (hash to a self-describing string, verify to a boolean)
//! and scrypt (a key derivation with caller-chosen parameters, like `crypto.scrypt`).
//!
//! Every cost parameter has an upper bound, checked on the JS thread before any work is queued,
//! so that neither a caller's options nor a stored hash can tie a thread up for minutes. The
//! hash functions themselves cannot be interrupted: each task checks its cancellation token
//! before it starts and after it ends, so a timeout fires at the end of a running hash.

mod argon2;
mod bcrypt;
mod eksblowfish;
mod scrypt;

use super::{TaskArgs, TaskDef};
use crate::js::Bytes;
use crate::pool::TaskError;

pub const TASKS: &[TaskDef] = &[
  TaskDef { name: "argon2.hash", options: &["type", "timeCost", "memoryCost", "parallelism", "hashLength"], prepare: argon2::prepare_hash },
  TaskDef { name: "argon2.verify", options: &[], prepare: argon2::prepare_verify },
  TaskDef { name: "bcrypt.hash", options: &["cost"], prepare: bcrypt::prepare_hash },
  TaskDef { name: "bcrypt.verify", options: &[], prepare: bcrypt::prepare_verify },
  TaskDef { name: "scrypt", options: &["encoding", "salt", "N", "r", "p", "keylen", "maxmem"], prepare: scrypt::prepare },
];

/// How messages describe the input of a verify task.
const VERIFY_SHAPE: &str = "{ password, hash }";

/// The input of a verify task: `{ password, hash }`, password as bytes or a string, hash a string.
fn verify_input(args: &mut TaskArgs) -> Result<(Bytes, String), TaskError> {
  let password = args.input_field("password", VERIFY_SHAPE)?;
  let hash = args.input_field("hash", VERIFY_SHAPE)?;
  let password = args.bytes(password, "input.password")?;
  let hash = args.string(hash, "input.hash")?;
  Ok((password, hash))
}

/// A fresh random salt from the operating system's CSPRNG.
fn random_salt<const N: usize>() -> Result<[u8; N], TaskError> {
  let mut salt = [0u8; N];
  getrandom::getrandom(&mut salt)
    .map_err(|err| TaskError::Failed { code: "ERR_RANDOM_UNAVAILABLE", message: format!("the system's random source failed: {err}") })?;
  Ok(salt)
}
