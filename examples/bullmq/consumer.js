'use strict'

// One "machine" of a queue fleet: a cluster of processes on this machine's cores (runCluster),
// each consuming the 'passwords' queue on its own pool. Run it on as many machines as you like,
// all pointing at the same Redis.
//
//   REDIS_HOST=127.0.0.1 REDIS_PORT=6379 node examples/bullmq/consumer.js
//
// SIGTERM (or Ctrl-C) stops it gracefully: fetching stops, running hashes get SHUTDOWN_TIMEOUT ms
// to finish, the rest go back to the queue for another machine, then the pools close.

const { runCluster } = require('corepool/cluster')
const { createConsumer } = require('corepool/bullmq')

const connection = { host: process.env.REDIS_HOST ?? '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379) }

runCluster({ killTimeout: 10000 }, (context) => {
  const consumer = createConsumer(context, 'passwords', {
    connection,
    shutdownTimeout: 8000, // less than killTimeout, so the cluster never SIGKILLs a draining worker
    // A job { name: 'bcrypt.hash', data: { password, cost } } runs bcrypt.hash(password, { cost }).
    map: (job) => ({ input: job.data.password, options: { cost: job.data.cost } }),
    timeout: 30000
  })
  consumer.worker.on('failed', (job, error) => console.error(`job ${job?.id} failed: ${error.message}`))
  return consumer.worker.waitUntilReady().then(() => {
    console.log(`worker ${context.worker}: consuming 'passwords' with ${context.threads} pool threads`)
  })
})
