'use strict'

// Every error corepool makes: one place that maps codes to Error objects.

const binding = require('./native.js')

/** An Error (or subclass) with a stable `code`. */
function codedError (code, message, Base = Error, options) {
  const error = new Base(message, options)
  error.code = code
  return error
}

/** The AbortError Node's own APIs use: name 'AbortError', code 'ABORT_ERR', `cause` = reason. */
function abortError (cause) {
  const error = new Error('The operation was aborted', { cause })
  error.name = 'AbortError'
  error.code = 'ABORT_ERR'
  return error
}

/** An invalid argument: a TypeError or RangeError whose message names it. */
function invalidArg (message, Base = TypeError) {
  return codedError('ERR_INVALID_ARG', message, Base)
}

/** What a settled task's `code` and message become: the error its promise rejects with. */
function taskError (code, message) {
  return codedError(code, message, code === 'ERR_INVALID_ARG' ? TypeError : Error)
}

/**
 * What a message says it got: `'x'`, `-1`, `1n`, `an array`, `an instance of Map`. The wording
 * is the native side's (crates/corepool-core/src/js/describe.rs), so both languages say the same.
 */
function describe (value) {
  return binding.describe(value)
}

module.exports = { codedError, abortError, invalidArg, taskError, describe }
