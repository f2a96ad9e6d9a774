'use strict'

// Every error corepool makes: one place that maps codes to Error objects.

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
  switch (code) {
    case 'ERR_INVALID_ARG':
      return codedError(code, message, TypeError)
    case 'ERR_TASK_TIMEOUT':
    case 'ERR_TASK_PANICKED':
    case 'ERR_OUTPUT_TOO_LARGE':
    default:
      return codedError(code, message)
  }
}

/** A short description of a value for messages: `got 'x'`, `got -1`, `got an object`. */
function describe (value) {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  switch (typeof value) {
    case 'string': return `'${value.length > 40 ? value.slice(0, 40) + '...' : value}'`
    case 'number': case 'boolean': case 'undefined': return String(value)
    case 'bigint': return `${value}n`
    case 'function': return 'a function'
    default: return `an instance of ${value.constructor?.name ?? 'Object'}`
  }
}

module.exports = { codedError, abortError, invalidArg, taskError, describe }
