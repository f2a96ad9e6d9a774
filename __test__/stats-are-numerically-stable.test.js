'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')

/** The exactly rounded sum of `values` (Shewchuk's algorithm, as in Python's math.fsum). */
function fsum (values) {
  const partials = []
  for (let x of values) {
    let i = 0
    for (let y of partials) {
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x]
      const hi = x + y
      const lo = y - (hi - x)
      if (lo !== 0) partials[i++] = lo
      x = hi
    }
    partials.length = i
    partials.push(x)
  }
  let hi = 0
  while (partials.length > 0) {
    const x = partials.pop()
    const total = hi + x
    const lo = x - (total - hi)
    hi = total
    if (lo !== 0) {
      if (partials.length > 0 && ((lo < 0 && partials[partials.length - 1] < 0) || (lo > 0 && partials[partials.length - 1] > 0))) {
        const y = hi + lo * 2
        if (lo * 2 === y - hi) hi = y
      }
      break
    }
  }
  return hi
}

/** numpy's default percentile: linear interpolation between the closest ranks. */
function percentile (sorted, p) {
  const rank = p / 100 * (sorted.length - 1)
  const lo = Math.floor(rank)
  const frac = rank - lo
  return frac === 0 ? sorted[lo] : sorted[lo] + (sorted[lo + 1] - sorted[lo]) * frac
}

test('stats are numerically stable', async (t) => {
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())

  await t.test('a small known sample has the textbook values', async () => {
    const result = await pool.exec('stats', new Float64Array([2, 4, 4, 4, 5, 5, 7, 9]))
    assert.deepEqual(result, { count: 8, sum: 40, mean: 5, min: 2, max: 9, variance: 4, stddev: 2, percentiles: [4.5, 7.6, 8.86] })
    const sample = await pool.exec('stats', new Int32Array([2, 4, 4, 4, 5, 5, 7, 9]), { sample: true, percentiles: [0, 100] })
    assert.equal(sample.variance, 32 / 7)
    assert.deepEqual(sample.percentiles, [2, 9])
  })

  await t.test('the sum of a million 0.1s is the exactly rounded sum, not the naive one', async () => {
    const values = new Float64Array(1_000_000).fill(0.1)
    let naive = 0
    for (const v of values) naive += v
    const exact = fsum(values)
    assert.notEqual(naive, exact, 'the naive loop drifts')
    assert.equal((await pool.exec('stats', values)).sum, exact)
  })

  await t.test('cancelling magnitudes do not swallow small terms', async () => {
    const values = new Float64Array(300_000)
    for (let i = 0; i < values.length; i += 3) values.set([1e16, 1, -1e16], i)
    assert.equal((await pool.exec('stats', values, { percentiles: [] })).sum, 100_000)
  })

  await t.test('the variance survives a large offset that breaks the sum-of-squares formula', async () => {
    const values = new Float64Array(1_000_000)
    for (let i = 0; i < values.length; i++) values[i] = 1e9 + [4, 7, 13, 16][i % 4]
    const result = await pool.exec('stats', values, { percentiles: [] })
    let sum = 0
    let squares = 0
    for (const v of values) { sum += v; squares += v * v }
    const textbook = squares / values.length - (sum / values.length) ** 2
    assert.notEqual(textbook, 22.5, 'the one-pass textbook formula is wrong here')
    assert.equal(result.mean, 1e9 + 10)
    assert.equal(result.variance, 22.5)
    assert.equal(result.stddev, Math.sqrt(22.5))
  })

  await t.test('percentiles of seeded data match numpy\'s linear method, for every type', async () => {
    let state = 7
    const next = () => { state = (Math.imul(state, 1664525) + 1013904223) >>> 0; return state }
    const length = 200_001
    const arrays = [new Float64Array(length), new Float32Array(length), new Int32Array(length), new Uint32Array(length), new BigInt64Array(length)]
    for (let i = 0; i < length; i++) {
      const word = next()
      arrays[0][i] = word / 1024
      arrays[1][i] = word >>> 12
      arrays[2][i] = word | 0
      arrays[3][i] = word
      arrays[4][i] = BigInt(word) * 1000n
    }
    const ps = [0, 1, 12.5, 50, 99.9, 100]
    for (const array of arrays) {
      const numbers = Float64Array.from(array, Number).sort()
      const result = await pool.exec('stats', array, { percentiles: ps })
      assert.deepEqual(result.percentiles, ps.map((p) => percentile(numbers, p)), array.constructor.name)
      assert.equal(result.min, numbers[0])
      assert.equal(result.max, numbers[length - 1])
      assert.equal(result.count, length)
      assert.equal(result.sum, fsum(numbers), array.constructor.name)
    }
  })

  await t.test('empty arrays give count 0, sum 0 and NaN for the rest; NaN input gives NaN', async () => {
    const nan = NaN
    assert.deepEqual(await pool.exec('stats', new Float64Array(0)), {
      count: 0, sum: 0, mean: nan, min: nan, max: nan, variance: nan, stddev: nan, percentiles: [nan, nan, nan]
    })
    assert.deepEqual(await pool.exec('stats', new Float32Array([1, NaN, 2]), { percentiles: [50] }), {
      count: 3, sum: nan, mean: nan, min: nan, max: nan, variance: nan, stddev: nan, percentiles: [nan]
    })
    const one = await pool.exec('stats', new Uint32Array([7]), { sample: true })
    assert.deepEqual([one.mean, one.variance, one.percentiles], [7, NaN, [7, 7, 7]])
  })
})
