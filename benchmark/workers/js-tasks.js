'use strict'
// The one task module every pool in benchmark/js-tasks.js runs: named exports, plain JS.

const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2))

exports.noop = () => undefined
exports.fib = (n) => fib(n)
/** Returns an object of the same shape, so that a structured clone goes each way. */
exports.object = (value) => ({ ...value, seen: true })
exports.byteLength = (buffer) => buffer.byteLength
