'use strict'

// BullMQ's sandboxed processor for benchmark/bullmq.js: fib(job.data) in JavaScript, run by
// BullMQ in one of its worker threads (useWorkerThreads: true).

function fib (n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) }

module.exports = async (job) => fib(job.data)
module.exports.fib = fib
