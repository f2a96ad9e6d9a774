'use strict'

// The stress run uses corepool's test kernels ('test.panic', ...): opt in before loading it.
process.env.COREPOOL_TEST_TASKS = '1'
// One way for a process to end while its pool has work in flight (or none, for 'idle').
const { Pool } = require('..')

const kind = process.argv[2]
const pool = new Pool({ threads: 2 })
// First, at high priority: it runs at once, and the work below is queued or running by then.
const ready = pool.exec('fib', 1, { priority: 'high' })
if (kind !== 'idle') {
  const big = new Uint8Array(new SharedArrayBuffer(4 * 1024 * 1024)).fill(7)
  for (let i = 0; i < 16; i++) {
    pool.exec('sha256', big).catch(() => {})
    pool.exec('sqrtSum', 2 ** 34).catch(() => {})
  }
}
ready.then(() => {
  process.stdout.write('ready\n')
  if (kind === 'exit') process.exit(0)
  if (kind === 'throw') throw new Error('thrown with work in flight')
  // 'sigterm': the parent sends SIGTERM now; 'idle': nothing keeps the process alive.
  if (kind === 'sigterm') setInterval(() => {}, 1000)
})
