'use strict'
// User JS tasks: corepool against piscina, tinypool, workerpool and poolifier on one task module
// (benchmark/workers/js-tasks.js), two threads each. Every implementation runs in its own fresh
// process per round, the order rotates, the table shows medians. Outputs are checked first.
const { execFileSync } = require('node:child_process')
const assert = require('node:assert/strict')
const path = require('node:path')
const { header, median, percentile, table, fmt } = require('./common.js')

const TASKS = path.join(__dirname, 'workers', 'js-tasks.js')
const THREADS = 2
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const OBJECT = { rows: Array.from({ length: 100 }, (_, i) => ({ id: i, name: `row ${i}`, score: i * 1.5, tags: ['a', 'b'] })) }

/** Each pool as `{ start, run(name, input, transfer), close }`. */
const IMPLEMENTATIONS = {
  corepool () {
    const { Pool } = require('..')
    const pool = new Pool({
      threads: THREADS,
      // 'noop' and 'fib' are also built-in kernels' names: the JS ones are registered as js.*.
      tasks: Object.fromEntries(['noop', 'fib', 'object', 'byteLength'].map((name) => [`js.${name}`, { filename: TASKS, export: name }]))
    })
    return {
      run: (name, input, transfer) => pool.exec(`js.${name}`, input, transfer && { transfer }),
      close: () => pool.close(),
      workers: () => THREADS
    }
  },
  piscina () {
    const { Piscina } = require('piscina')
    const pool = new Piscina({ filename: TASKS, minThreads: THREADS, maxThreads: THREADS })
    return { run: (name, input, transfer) => pool.run(input, { name, transferList: transfer }), close: () => pool.destroy() }
  },
  tinypool () {
    const { Tinypool } = require('tinypool')
    const pool = new Tinypool({ filename: TASKS, minThreads: THREADS, maxThreads: THREADS })
    return { run: (name, input, transfer) => pool.run(input, { name, transferList: transfer }), close: () => pool.destroy() }
  },
  workerpool () {
    const workerpool = require('workerpool')
    const pool = workerpool.pool(path.join(__dirname, 'workers', 'js-tasks-workerpool.js'), { minWorkers: THREADS, maxWorkers: THREADS, workerType: 'thread' })
    return {
      run: (name, input, transfer) => pool.exec(name, [input], transfer && { transfer }),
      close: () => pool.terminate()
    }
  },
  poolifier () {
    const { FixedThreadPool } = require('poolifier')
    const pool = new FixedThreadPool(THREADS, path.join(__dirname, 'workers', 'js-tasks-poolifier.js'))
    return {
      run: (name, input, transfer) => pool.execute(input, name, undefined, transfer),
      close: () => pool.destroy()
    }
  }
}

async function measure (name) {
  const rssBefore = process.memoryUsage().rss
  const t0 = process.hrtime.bigint()
  const pool = IMPLEMENTATIONS[name]()
  assert.equal(await pool.run('fib', 20), 6765)
  const firstResultMs = Number(process.hrtime.bigint() - t0) / 1e6
  // Outputs first: every task gives the right answer before anything is timed.
  assert.equal(await pool.run('noop', 0), undefined)
  assert.deepEqual(await pool.run('object', OBJECT), { ...OBJECT, seen: true })
  const probe = new ArrayBuffer(1 << 20)
  assert.equal(await pool.run('byteLength', probe, [probe]), 1 << 20)
  // Make sure both workers are up before the RSS reading.
  await Promise.all(Array.from({ length: 8 }, () => pool.run('fib', 18)))
  const rssPerWorker = (process.memoryUsage().rss - rssBefore) / THREADS / 2 ** 20

  const inFlight = async (count, window, submit) => {
    let next = 0
    const t = process.hrtime.bigint()
    await Promise.all(Array.from({ length: window }, async () => {
      while (next < count) {
        next++
        await submit()
      }
    }))
    return count / (Number(process.hrtime.bigint() - t) / 1e9)
  }

  await inFlight(2000, 512, () => pool.run('noop', 0)) // warm-up
  const noop = await inFlight(30000, 512, () => pool.run('noop', 0))

  const latencies = []
  for (let i = 0; i < 3000; i++) {
    const t = process.hrtime.bigint()
    await pool.run('noop', 0)
    if (i >= 500) latencies.push(Number(process.hrtime.bigint() - t) / 1000)
  }
  latencies.sort((a, b) => a - b)

  const fib = await inFlight(200, 16, () => pool.run('fib', 25))
  const object = await inFlight(5000, 64, () => pool.run('object', OBJECT))
  const transfer = await inFlight(300, 8, () => {
    const buffer = new ArrayBuffer(1 << 20)
    return pool.run('byteLength', buffer, [buffer])
  })
  await pool.close()
  return { noop, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), fib, object, transfer, rssPerWorker, firstResultMs }
}

async function main () {
  if (process.argv[2] === '--child') {
    process.stdout.write(JSON.stringify(await measure(process.argv[3])))
    return
  }
  header(`User JS tasks: ${THREADS} threads, one task module, median of ${ROUNDS} fresh processes each`)
  const names = Object.keys(IMPLEMENTATIONS)
  const results = Object.fromEntries(names.map((name) => [name, []]))
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length]
      const out = execFileSync(process.execPath, [__filename, '--child', name], { encoding: 'utf8', timeout: 300_000 })
      if (out === '') throw new Error(`the ${name} child exited without a result`)
      results[name].push(JSON.parse(out))
    }
  }
  const med = (name, key) => median(results[name].map((r) => r[key]))
  const rows = names.map((name) => ({
    pool: name,
    'no-op, 512 in flight (tasks/s)': fmt(med(name, 'noop')),
    'serial p50 (µs)': fmt(med(name, 'p50'), 1),
    'serial p99 (µs)': fmt(med(name, 'p99'), 1),
    'fib(25) (tasks/s)': fmt(med(name, 'fib'), 1),
    '10 KB object in+out (tasks/s)': fmt(med(name, 'object')),
    '1 MiB transferred (tasks/s)': fmt(med(name, 'transfer')),
    'RSS per worker (MiB)': fmt(med(name, 'rssPerWorker'), 1),
    'first result (ms)': fmt(med(name, 'firstResultMs'), 1)
  }))
  table(rows)
  const ratio = (key, invert = false) => {
    const r = med('corepool', key) / med('piscina', key)
    return fmt(invert ? 1 / r : r, 2)
  }
  console.log(`\ncorepool / piscina: no-op ${ratio('noop')}x, fib(25) ${ratio('fib')}x, 10 KB object ${ratio('object')}x, ` +
    `1 MiB transfer ${ratio('transfer')}x; corepool serial p50 ${fmt(med('corepool', 'p50'), 1)} µs, p99 ${fmt(med('corepool', 'p99'), 1)} µs`)
}

main().catch((error) => {
  console.error(error)
  process.exit(1) // a child's pool would keep it alive
})
