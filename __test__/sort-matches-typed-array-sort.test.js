'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')

/** A seeded generator of 32-bit words (xorshift32). */
function words (seed) {
  let state = seed
  return () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return state >>> 0
  }
}

/** Arrays of every supported type, with the special values each one has. */
function samples (length, seed) {
  const next = words(seed)
  const f64 = new Float64Array(length)
  const f32 = new Float32Array(length)
  const i32 = new Int32Array(length)
  const u32 = new Uint32Array(length)
  const i64 = new BigInt64Array(length)
  const specials = [NaN, -0, 0, Infinity, -Infinity, Number.MIN_VALUE, -Number.MAX_VALUE]
  for (let i = 0; i < length; i++) {
    const word = next()
    const special = word % 50 === 0 ? specials[(word >>> 8) % specials.length] : undefined
    f64[i] = special ?? (word / 2 ** 32 - 0.5) * 10 ** ((word >>> 3) % 20)
    f32[i] = special ?? (word / 2 ** 32 - 0.5) * 1000
    i32[i] = word | 0
    u32[i] = word
    i64[i] = (BigInt(word) << 32n | BigInt(next())) - (1n << 63n)
  }
  return [f64, f32, i32, u32, i64]
}

/** Equal element by element with Object.is, so that -0, +0 and NaN count. */
function assertSameElements (actual, expected, label) {
  assert.equal(actual.constructor, expected.constructor, label)
  assert.equal(actual.length, expected.length, label)
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.fail(`${label}: element ${i} is ${actual[i]}, expected ${expected[i]}`)
  }
}

test('sort matches TypedArray.prototype.sort', async (t) => {
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())

  await t.test('a sorted copy of every type, small and large (parallel) arrays', async () => {
    for (const length of [0, 1, 2, 1000, 300_000]) {
      for (const array of samples(length, 0x9e3779b9 ^ length)) {
        const before = array.slice()
        const sorted = await pool.exec('sort', array)
        assert.notEqual(sorted, array)
        assertSameElements(sorted, array.slice().sort(), `${array.constructor.name}(${length})`)
        assertSameElements(array, before, 'the input is untouched')
      }
    }
  })

  await t.test('options.inPlace sorts the input and resolves with the same object', async () => {
    for (const array of samples(200_000, 42)) {
      const expected = array.slice().sort()
      const result = await pool.exec('sort', array, { inPlace: true })
      assert.equal(result, array)
      assertSameElements(array, expected, array.constructor.name)
    }
  })

  await t.test('zeros and NaNs sort like JS: -0 before +0, every NaN last', async () => {
    const array = new Float64Array([NaN, 0, -0, 1, -1, NaN, -0, 0, -Infinity])
    const nanWithSignBit = new Float64Array(new BigUint64Array([0xfff8000000000001n]).buffer)[0]
    array[5] = nanWithSignBit
    assertSameElements(await pool.exec('sort', array), new Float64Array([-Infinity, -1, -0, -0, 0, 0, 1, NaN, NaN]), 'zeros and NaNs')
  })

  await t.test('a sub-array view sorts only its own elements', async () => {
    const whole = new Int32Array([9, 8, 7, 6, 5, 4, 3, 2, 1])
    const view = whole.subarray(2, 6)
    await pool.exec('sort', view, { inPlace: true })
    assert.deepEqual([...whole], [9, 8, 4, 5, 6, 7, 3, 2, 1])
  })
})
