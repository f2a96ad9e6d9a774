'use strict'
// The same work as corepool's kernels, in JS, for piscina to run in its worker threads.
const crypto = require('node:crypto')

const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2))

module.exports = function run ({ task, input }) {
  switch (task) {
    case 'noop': return undefined
    case 'fib': return fib(input)
    case 'sha256': return crypto.createHash('sha256').update(input).digest('hex')
    default: throw new Error(`unknown task ${task}`)
  }
}
