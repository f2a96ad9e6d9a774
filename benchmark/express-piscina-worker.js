'use strict'

// piscina's worker for benchmark/express.js: the same two kernels, in JS/node:crypto.

const crypto = require('node:crypto')

function fib (n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) }

module.exports = ({ task, input }) => {
  if (task === 'sha256') return crypto.createHash('sha256').update(input).digest('hex')
  return fib(input)
}
