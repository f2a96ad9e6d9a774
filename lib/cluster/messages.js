'use strict'

// The IPC protocol between the primary and its workers: every message is an object tagged
// `{ corepool: <kind> }`; each side dispatches through a table keyed by kind.

const TAG = 'corepool'

/** Builds a tagged message. */
function message (kind, body) {
  return { [TAG]: kind, ...body }
}

/**
 * Calls `table[kind](msg, ...extra)` for a corepool message; ignores anything else (the user's own
 * IPC traffic). Returns true when the message was ours.
 */
function dispatch (table, msg, ...extra) {
  if (msg === null || typeof msg !== 'object' || typeof msg[TAG] !== 'string') return false
  const handler = table[msg[TAG]]
  if (handler === undefined) return false
  handler(msg, ...extra)
  return true
}

/** The environment variable that tells a forked process it is one of our workers. */
const ENV_SLOT = 'COREPOOL_CLUSTER_SLOT'
const ENV_CONFIG = 'COREPOOL_CLUSTER_CONFIG'

module.exports = { message, dispatch, ENV_SLOT, ENV_CONFIG }
