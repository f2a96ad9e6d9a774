'use strict'

// The stress run uses corepool's test kernels ('test.panic', ...): opt in before loading it.
process.env.COREPOOL_TEST_TASKS = '1'
// The workload stress/valgrind.sh runs under valgrind: a few hundred mixed tasks (results,
// aborts, timeouts, panics, execMany, { path } and copied inputs), close, destroy, and a
// worker_threads worker with its own pool terminated mid-task.
const { Worker, isMainThread, parentPort } = require('node:worker_threads')
const { Pool } = require('..')

async function main () {
  const pool = new Pool({ threads: 2 })
  const all = []
  for (let i = 0; i < 300; i++) {
    const controller = new AbortController()
    switch (i % 8) {
      case 0: all.push(pool.exec('fib', 18)); break
      case 1: all.push(pool.exec('sha256', Buffer.alloc(4096, i))); break
      case 2: all.push(pool.exec('gzip', 'text '.repeat(100))); break
      case 3: all.push(pool.exec('sort', new Float64Array(512).map(Math.random))); break
      case 4: all.push(pool.exec('test.panic', 'boom')); break
      case 5: all.push(pool.exec('fib', 30, { signal: controller.signal })); controller.abort(); break
      case 6: all.push(pool.exec('sqrtSum', 2 ** 30, { timeout: 1 })); break
      case 7: all.push(pool.execMany('xxh3', ['a', 'b', { path: __filename }])); break
    }
  }
  const results = await Promise.allSettled(all)
  await pool.close()
  const other = new Pool({ threads: 1 })
  other.exec('sqrtSum', 2 ** 36).catch(() => {})
  await other.destroy()

  const worker = new Worker(__filename)
  await new Promise((resolve) => worker.once('message', resolve))
  await worker.terminate()
  console.log(`settled ${results.length}: ${results.filter((r) => r.status === 'fulfilled').length} fulfilled`)
}

if (isMainThread) {
  main()
} else {
  const pool = new Pool({ threads: 2 })
  pool.exec('fib', 10).then(() => {
    pool.exec('sqrtSum', 2 ** 40).catch(() => {})
    parentPort.postMessage('started')
  })
}
