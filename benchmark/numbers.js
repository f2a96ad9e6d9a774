'use strict'

// sort and stats of 1e6 Float64 values: corepool (2 threads) against the same work on the main
// thread in JS (Float64Array.prototype.sort, a JS stats loop).
// Usage: node benchmark/numbers.js

const os = require('node:os')
const assert = require('node:assert/strict')
const { Pool, availableCores } = require('..')

const ROUNDS = 7
const LENGTH = 1_000_000
const PERCENTILES = [50, 90, 99]

/** Seeded normal-ish values (sum of uniforms) with a large offset. */
function values () {
  let state = 99
  const next = () => { state = (Math.imul(state, 1664525) + 1013904223) >>> 0; return state / 2 ** 32 }
  const out = new Float64Array(LENGTH)
  for (let i = 0; i < LENGTH; i++) out[i] = 1e6 + (next() + next() + next() - 1.5) * 1000
  return out
}

function jsStats (array) {
  let sum = 0
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < array.length; i++) {
    const x = array[i]
    sum += x
    if (x < min) min = x
    if (x > max) max = x
  }
  const mean = sum / array.length
  let squares = 0
  for (let i = 0; i < array.length; i++) squares += (array[i] - mean) ** 2
  const variance = squares / array.length
  const sorted = array.slice().sort()
  const percentiles = PERCENTILES.map((p) => {
    const rank = p / 100 * (sorted.length - 1)
    const lo = Math.floor(rank)
    const frac = rank - lo
    return frac === 0 ? sorted[lo] : sorted[lo] + (sorted[lo + 1] - sorted[lo]) * frac
  })
  return { count: array.length, sum, mean, min, max, variance, stddev: Math.sqrt(variance), percentiles }
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1] }

async function time (fn) {
  const start = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - start) / 1e6
}

async function main () {
  const pool = new Pool({ threads: 2 })
  const input = values()
  const cases = {
    sort: {
      corepool: () => pool.exec('sort', input),
      'main-thread JS': () => input.slice().sort()
    },
    'sort in place': {
      corepool: () => pool.exec('sort', input.slice(), { inPlace: true }),
      'main-thread JS': () => input.slice().sort()
    },
    stats: {
      corepool: () => pool.exec('stats', input, { percentiles: PERCENTILES }),
      'main-thread JS': () => jsStats(input)
    }
  }
  // Every implementation's output is checked before timing.
  const sorted = input.slice().sort()
  assert.deepEqual(await pool.exec('sort', input), sorted)
  const ours = await pool.exec('stats', input, { percentiles: PERCENTILES })
  const theirs = jsStats(input)
  for (const key of ['count', 'min', 'max']) assert.equal(ours[key], theirs[key])
  for (const key of ['sum', 'mean', 'variance', 'stddev']) assert.equal(Math.abs(ours[key] - theirs[key]) <= 1e-9 * Math.abs(theirs[key]), true, key)
  assert.deepEqual(ours.percentiles, theirs.percentiles)

  console.log(`node ${process.version}, ${os.cpus()[0].model}, ${availableCores()} usable cores, ${LENGTH} Float64 values, median of ${ROUNDS} rounds`)
  const rows = []
  for (const [task, impls] of Object.entries(cases)) {
    const names = Object.keys(impls)
    const results = Object.fromEntries(names.map((name) => [name, []]))
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + round) % names.length]
        results[name].push(await time(impls[name]))
      }
    }
    const js = median(results['main-thread JS'])
    for (const name of names) {
      rows.push({ task, impl: name, 'median ms': median(results[name]).toFixed(1), 'x faster than JS': (js / median(results[name])).toFixed(2) })
    }
  }
  console.table(rows)
  await pool.close()
}

main().catch((error) => { console.error(error); process.exitCode = 1 })
