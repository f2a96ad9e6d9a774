'use strict'

// Hashing and password hashing: corepool (a Pool of 2 threads) against the incumbents, on the
// same inputs. Every implementation's output is checked before timing; each round runs the
// implementations in a rotated order; the table reports the median round. The event-loop delay
// p99 is measured on the main thread while each implementation runs.
//
// Usage: node benchmark/hashes.js        (about 30 s on 2 cores)

const crypto = require('node:crypto')
const os = require('node:os')
const assert = require('node:assert/strict')
const { monitorEventLoopDelay, performance } = require('node:perf_hooks')
const { Pool } = require('..')

const ROUNDS = 5

/** An optional incumbent: the module, or null with the reason printed. */
function optional (name) {
  try {
    return require(name)
  } catch (error) {
    console.log(`(skipping ${name}: ${error.message.split('\n')[0]})`)
    return null
  }
}

/**
 * Runs each implementation `ROUNDS` times in rotated order. `impl.run()` performs `ops`
 * operations (sync or async). Returns rows { name, opsPerSec (median), p99Ms }.
 */
async function compare (title, ops, impls) {
  const samples = impls.map(() => [])
  const delays = impls.map(() => monitorEventLoopDelay({ resolution: 1 }))
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < impls.length; k++) {
      const i = (round + k) % impls.length
      delays[i].enable()
      const start = performance.now()
      await impls[i].run()
      const seconds = (performance.now() - start) / 1000
      // Untimed: one more turn of the loop lets the histogram record a delay the run caused
      // (a synchronous run blocks the loop throughout and would record nothing otherwise).
      await new Promise((resolve) => setTimeout(resolve, 5))
      delays[i].disable()
      samples[i].push(ops / seconds)
    }
  }
  return impls.map((impl, i) => ({
    task: title,
    name: impl.name,
    opsPerSec: median(samples[i]),
    p99Ms: delays[i].count > 0 ? delays[i].percentile(99) / 1e6 : NaN
  }))
}

function median (values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

/** Runs `count` async operations with at most `width` in flight. */
async function inFlight (count, width, op) {
  let next = 0
  const worker = async () => {
    while (next < count) {
      next++
      await op()
    }
  }
  await Promise.all(Array.from({ length: width }, worker))
}

async function main () {
  const argon2 = optional('argon2')
  const nodeRsArgon2 = optional('@node-rs/argon2')
  const bcrypt = optional('bcrypt')
  const pool = new Pool({ threads: 2 })

  const rows = []

  // sha256 of 64 KiB.
  const data = crypto.randomBytes(64 * 1024)
  const expected = crypto.createHash('sha256').update(data).digest('hex')
  assert.equal(await pool.exec('sha256', data), expected)
  const SHA_OPS = 4000
  rows.push(...await compare('sha256, 64 KiB', SHA_OPS, [
    {
      name: 'crypto.createHash (main thread)',
      run () { for (let i = 0; i < SHA_OPS; i++) crypto.createHash('sha256').update(data).digest('hex') }
    },
    { name: 'corepool, 2 threads', run: () => inFlight(SHA_OPS, 64, () => pool.exec('sha256', data)) }
  ]))

  // argon2id, OWASP's first recommendation: 19 MiB, 2 passes, 1 lane, 32-byte hash.
  const ARGON = { memoryCost: 19456, timeCost: 2, parallelism: 1 }
  const ARGON_OPS = 32
  const argonImpls = [{ name: 'corepool, 2 threads', hash: (pw) => pool.exec('argon2.hash', pw, ARGON) }]
  if (argon2) argonImpls.push({ name: 'argon2 (libuv pool)', hash: (pw) => argon2.hash(pw, { type: argon2.argon2id, ...ARGON, hashLength: 32 }) })
  if (nodeRsArgon2) argonImpls.push({ name: '@node-rs/argon2 (libuv pool)', hash: (pw) => nodeRsArgon2.hash(pw, { algorithm: 2, ...ARGON, outputLen: 32 }) })
  for (const impl of argonImpls) {
    // Check: every implementation's hash carries the same parameters and verifies with corepool
    // and (when installed) with the argon2 package and @node-rs/argon2; a wrong password fails.
    const hash = await impl.hash('correct horse')
    const [, type, version, params] = hash.split('$')
    assert.deepEqual([type, version, params.split(',').sort()], ['argon2id', 'v=19', ['m=19456', 'p=1', 't=2']], impl.name)
    assert.equal(await pool.exec('argon2.verify', { password: 'correct horse', hash }), true, impl.name)
    assert.equal(await pool.exec('argon2.verify', { password: 'correct horsf', hash }), false, impl.name)
    if (argon2) assert.equal(await argon2.verify(hash, 'correct horse'), true, impl.name)
    if (nodeRsArgon2) assert.equal(await nodeRsArgon2.verify(hash, 'correct horse'), true, impl.name)
    if (nodeRsArgon2) assert.equal(await nodeRsArgon2.verify(hash, 'correct horsf'), false, impl.name)
    impl.run = () => inFlight(ARGON_OPS, 4, () => impl.hash('correct horse'))
  }
  rows.push(...await compare('argon2id hash (m=19 MiB, t=2, p=1)', ARGON_OPS, argonImpls))

  // bcrypt, cost 10.
  const BCRYPT_OPS = 16
  const bcryptImpls = [{ name: 'corepool, 2 threads', hash: (pw) => pool.exec('bcrypt.hash', pw, { cost: 10 }) }]
  if (bcrypt) bcryptImpls.push({ name: 'bcrypt (libuv pool)', hash: (pw) => bcrypt.hash(pw, 10) })
  for (const impl of bcryptImpls) {
    const hash = await impl.hash('correct horse')
    assert.match(hash, /^\$2b\$10\$/, impl.name)
    assert.equal(await pool.exec('bcrypt.verify', { password: 'correct horse', hash }), true, impl.name)
    if (bcrypt) assert.equal(await bcrypt.compare('correct horse', hash), true, impl.name)
    if (bcrypt) assert.equal(await bcrypt.compare('correct horsf', hash), false, impl.name)
    impl.run = () => inFlight(BCRYPT_OPS, 4, () => impl.hash('correct horse'))
  }
  rows.push(...await compare('bcrypt hash (cost 10)', BCRYPT_OPS, bcryptImpls))

  await pool.close()

  console.log(`\nNode ${process.version}, ${os.cpus()[0].model}, ${os.availableParallelism()} cores available, ` +
    `UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}; median of ${ROUNDS} rounds\n`)
  const header = ['task', 'implementation', 'ops/s', 'event-loop delay p99 (ms)']
  const lines = rows.map((r) => [r.task, r.name, r.opsPerSec.toFixed(r.opsPerSec < 100 ? 1 : 0), r.p99Ms.toFixed(2)])
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c].length)))
  const fmt = (cells) => '| ' + cells.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join(' | ') + ' |'
  console.log(fmt(header))
  console.log('|' + widths.map((w, c) => (c >= 2 ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|')
  for (const line of lines) console.log(fmt(line))
  // corepool against the best incumbent of each task, from the same run.
  for (const task of new Set(rows.map((r) => r.task))) {
    const ours = rows.find((r) => r.task === task && r.name.startsWith('corepool'))
    const others = rows.filter((r) => r.task === task && r !== ours)
    const best = others.reduce((a, b) => (b.opsPerSec > a.opsPerSec ? b : a), others[0])
    if (best) console.log(`${task}: corepool / ${best.name} = ${(ours.opsPerSec / best.opsPerSec).toFixed(2)}x`)
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
