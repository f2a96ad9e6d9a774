'use strict'

// The stress run uses corepool's test kernels ('test.panic', ...): opt in before loading it.
process.env.COREPOOL_TEST_TASKS = '1'
// One worker of the worker_threads case: with corepool, a pool mid-task; in the control, the
// same shape of work in plain JS. Either way it says "started" and is terminated.
const { parentPort, workerData } = require('node:worker_threads')

if (workerData.mode === 'corepool') {
  const { Pool } = require('..')
  const pool = new Pool({ threads: 2 })
  pool.exec('fib', 10 + (workerData.index % 5)).then(() => {
    pool.exec('sqrtSum', 2 ** 40).catch(() => {})
    pool.exec('sha256', new Uint8Array(new SharedArrayBuffer(16 << 20)).fill(workerData.index)).catch(() => {})
    parentPort.postMessage('started')
  })
} else {
  const buffer = new Uint8Array(new SharedArrayBuffer(16 << 20)).fill(workerData.index)
  parentPort.postMessage('started')
  let sum = buffer[0]
  for (;;) sum += Math.sqrt(sum)
}
