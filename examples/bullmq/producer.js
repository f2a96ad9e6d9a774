'use strict'

// Enqueues a batch of password hashes on the 'passwords' queue and waits for every result.
//
//   REDIS_HOST=127.0.0.1 REDIS_PORT=6379 JOBS=200 node examples/bullmq/producer.js

const { Queue, QueueEvents } = require('bullmq')

const connection = { host: process.env.REDIS_HOST ?? '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379) }
const JOBS = Number(process.env.JOBS ?? 200)

async function main () {
  const queue = new Queue('passwords', { connection })
  queue.setMaxListeners(JOBS + 10) // job.waitUntilFinished() listens on the queue, once per job
  const events = new QueueEvents('passwords', { connection })
  await events.waitUntilReady()
  const started = Date.now()
  const jobs = await queue.addBulk(Array.from({ length: JOBS }, (_, i) => ({
    name: 'bcrypt.hash',
    data: { password: `correct horse battery staple ${i}`, cost: 10 },
    opts: { attempts: 3, removeOnComplete: 1000 }
  })))
  console.log(`enqueued ${jobs.length} bcrypt.hash jobs (cost 10)`)
  const hashes = await Promise.all(jobs.map((job) => job.waitUntilFinished(events)))
  const seconds = (Date.now() - started) / 1000
  console.log(`${hashes.length} hashes in ${seconds.toFixed(1)} s (${(hashes.length / seconds).toFixed(1)} jobs/s); first: ${hashes[0]}`)
  await events.close()
  await queue.close()
}

main().catch((error) => { console.error(error); process.exitCode = 1 })
