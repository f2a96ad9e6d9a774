'use strict'

// One server under test for benchmark/express.js. MODE picks how the CPU route runs:
//   main            one process, the work on the event loop
//   piscina         one process, the work on a piscina pool of availableCores() threads
//   cluster-nopool  node:cluster with availableCores() workers, the work on each event loop
//   corepool        runCluster on its defaults (the budget rule)
//   corepool-nice0  the same, with pool threads at niceIncrement 0 (the default before 19)
//   corepool-WxT    runCluster with W workers x T threads
// Routes: /hash (sha256 of 64 KiB), /fib (fib(25)), /ping. Prints `listening <port>` when all
// workers listen.

const cluster = require('node:cluster')
const crypto = require('node:crypto')
const path = require('node:path')
const express = require('express')
const { availableCores } = require('..')
const { runCluster } = require('../cluster.js')

const MODE = process.env.MODE
const PORT = Number(process.env.PORT)
const PAYLOAD = Buffer.alloc(64 * 1024, 'corepool ')
const FIB_N = 25

function fib (n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) }

function app (run) {
  const a = express()
  a.get('/ping', (req, res) => res.send('pong'))
  a.get('/hash', async (req, res) => res.send(await run('sha256', PAYLOAD)))
  a.get('/fib', async (req, res) => res.send(String(await run('fib', FIB_N))))
  return a
}

const onMain = (task, input) => task === 'sha256' ? crypto.createHash('sha256').update(input).digest('hex') : fib(input)
const ready = () => console.log(`listening ${PORT}`)

if (MODE === 'main') {
  app(onMain).listen(PORT, '127.0.0.1', ready)
} else if (MODE === 'piscina') {
  const { Piscina } = require('piscina')
  const threads = availableCores()
  const pool = new Piscina({ filename: path.join(__dirname, 'express-piscina-worker.js'), minThreads: threads, maxThreads: threads })
  app((task, input) => pool.run({ task, input })).listen(PORT, '127.0.0.1', ready)
} else if (MODE === 'cluster-nopool') {
  if (cluster.isPrimary) {
    let listening = 0
    const n = availableCores()
    for (let i = 0; i < n; i++) cluster.fork().on('listening', () => { if (++listening === n) ready() })
    process.on('SIGTERM', () => { for (const w of Object.values(cluster.workers)) w.kill(); process.exit(0) })
  } else {
    app(onMain).listen(PORT, '127.0.0.1')
  }
} else if (MODE.startsWith('corepool')) {
  const m = MODE.match(/^corepool-(\d+)x(\d+)$/)
  const options = m === null ? { logger: null } : { workers: Number(m[1]), threadsPerWorker: Number(m[2]), logger: null }
  // corepool-nice0: the default split with pool threads at the event loop's OS priority.
  if (MODE === 'corepool-nice0') options.pool = { niceIncrement: 0 }
  const primary = runCluster(options, ({ pool }) => app((task, input) => pool.exec(task, input)).listen(PORT, '127.0.0.1'))
  if (typeof primary.reload === 'function') {
    primary.ready.then((stats) => {
      console.log(`split ${stats.workers.length}x${stats.threadsPerWorker}`)
      ready()
    })
  }
} else {
  throw new Error(`unknown MODE ${MODE}`)
}
