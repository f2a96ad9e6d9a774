'use strict'

// One consumer process for benchmark/bullmq.js. argv: <mode> <redis port> <queue> <jobs>.
// mode 'inline': fib in JS in the processor, on the event loop;
// mode 'sandboxed': BullMQ's worker-thread processor (useWorkerThreads), concurrency = cores;
// mode 'corepool': createConsumer on a Pool (threads = cores), the native fib kernel;
// mode 'corepool-nice0': the same with niceIncrement 0 (the default before 19).
// Once <jobs> jobs completed prints { jobsPerSec, eldP99Ms } as JSON and exits: jobs/s counts
// from the first completion to the last (process and thread start-up excluded); the event-loop
// delay is sampled over the same span.

const path = require('node:path')
const { monitorEventLoopDelay, performance } = require('node:perf_hooks')
const { Worker } = require('bullmq')
const { Pool, availableCores } = require('..')
const { createConsumer } = require('../bullmq.js')
const { fib } = require('./workers/bullmq-fib.js')

const [mode, port, queue, jobs] = process.argv.slice(2)
const connection = { host: '127.0.0.1', port: Number(port) }
const cores = availableCores()

let worker
let pool = null
if (mode === 'inline') {
  worker = new Worker(queue, async (job) => fib(job.data), { connection, concurrency: 1 })
} else if (mode === 'sandboxed') {
  worker = new Worker(queue, path.join(__dirname, 'workers', 'bullmq-fib.js'), { connection, concurrency: cores, useWorkerThreads: true })
} else if (mode === 'corepool' || mode === 'corepool-nice0') {
  pool = new Pool({ threads: cores, ...(mode === 'corepool-nice0' && { niceIncrement: 0 }) })
  worker = createConsumer(pool, queue, { connection }).worker
} else {
  throw new Error(`unknown mode ${mode}`)
}

const delay = monitorEventLoopDelay({ resolution: 1 })
let done = 0
let first = 0
worker.on('completed', async () => {
  done++
  if (done === 1) { first = performance.now(); delay.enable() }
  if (done < Number(jobs)) return
  const elapsed = (performance.now() - first) / 1000
  delay.disable()
  const result = { jobsPerSec: (done - 1) / elapsed, eldP99Ms: delay.percentile(99) / 1e6 }
  await worker.close()
  if (pool !== null) await pool.close()
  process.stdout.write(JSON.stringify(result) + '\n')
  process.exit(0)
})
worker.on('failed', (job, error) => { console.error(`job ${job?.id} failed: ${error.message}`); process.exit(1) })
