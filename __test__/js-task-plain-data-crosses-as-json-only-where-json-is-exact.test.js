'use strict'

// Object-shaped plain data crosses as JSON text, which the receiving thread builds with
// JSON.parse: an input as the engine rewrites V8's format on the worker's thread, a result as
// the worker writes it (or, where it cannot, as the engine rewrites it). Everything JSON would
// change keeps V8's format. Either way a task sees what structured clone gives, which these tests
// use as the oracle.
const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')
const binding = require('../lib/native.js')
const { encode, encodeResult } = require('../lib/js-tasks/codec.js')
const { TASKS } = require('./helpers/js-tasks.js')

const JSON_TEXT = 8
const noSharedBuffers = () => assert.fail('no SharedArrayBuffer here')
const SIDES = {
  /** What the worker's takeTask makes of an input's bytes. */
  input: (value) => binding.jsonOfV8(encode(value, noSharedBuffers)),
  /** What a result's bytes are once resolveTask has them. */
  result: (value) => {
    const bytes = Buffer.from(encodeResult(value, noSharedBuffers))
    return bytes[0] === JSON_TEXT ? bytes : binding.jsonOfV8(bytes)
  }
}
/** The JSON text `value` crosses as, from `side`, or null where V8's format stays. */
function jsonOf (value, side) {
  const json = SIDES[side](value)
  if (json === null) return null
  assert.equal(json[0], JSON_TEXT)
  return json.toString('utf8', 1)
}

const rows = (count) => ({ rows: Array.from({ length: count }, (_, i) => ({ id: i, name: `row ${i}`, score: i * 1.5, tags: ['a', 'b'] })) })

/** Values that JSON carries exactly. */
function exact () {
  class Point {
    constructor () {
      this.x = 1
      this.y = -2.5
    }
  }
  return {
    'rows of objects': rows(100),
    'nested objects': { user: { id: 1, profile: { name: 'n', emails: ['a@b.c'] } }, flags: { on: true, off: false }, none: null },
    'an array of objects': [{}, { a: [] }],
    'a null-prototype object': Object.assign(Object.create(null), { a: 1 }),
    'a class instance (structured clone keeps its fields)': { point: new Point() },
    'values to escape, lone surrogates, a __proto__ key': { ['__proto__']: '\ud800', 'é✓': 'h"é\\llo ✓ 😀\n\u0001\udc00', '': '' },
    'integer keys, in index order': { b: 1, 10: 'ten', 2: 'two', 4294967294: 'last index', 4294967295: 'a name', '-1': 'a name too' },
    'numbers that read back the same': [0, 1e21, 1e-7, 5e-324, 0.1, -1.7976931348623157e308, 2 ** 31, -(2 ** 31) - 1, 123456789.125]
  }
}

/** Values that look like JSON and are not, each named by what JSON would lose. */
function inexact () {
  const shared = { n: 1 }
  const cycle = { name: 'cycle' }
  cycle.self = cycle
  const extra = [1, 2]
  extra.label = 'kept'
  return {
    'minus zero': { a: -0 },
    NaN: { a: NaN },
    Infinity: [Infinity],
    'undefined in an object': { a: undefined, b: 1 },
    'undefined in an array': [undefined, 1],
    'a hole': [, 1], // eslint-disable-line no-sparse-arrays
    'an array with a named property': extra,
    'a Date': { when: new Date(1700000000000) },
    'a Map': { map: new Map([['k', 1]]) },
    'a Buffer': { bytes: Buffer.from('hi') },
    'a BigInt': { big: 2n ** 64n },
    'a boxed string': { text: Object('x') },
    'an object reached twice': { a: shared, b: shared },
    'a cycle': cycle,
    'a RegExp match': /b/.exec('abc'),
    'a long array of numbers': Array.from({ length: 1000 }, (_, i) => i * 1.5),
    'a key JSON writes with an escape': { 'a\nb': 1 }
  }
}

test('object-shaped plain data becomes JSON text that parses to the structured clone; the rest keeps V8\'s format', () => {
  for (const side of Object.keys(SIDES)) {
    for (const [name, value] of Object.entries(exact())) {
      const text = jsonOf(value, side)
      assert.notEqual(text, null, `${side}: ${name}`)
      assert.deepStrictEqual(JSON.parse(text), structuredClone(value), `${side}: ${name}`)
      assert.equal(JSON.stringify(JSON.parse(text)), JSON.stringify(structuredClone(value)), `${side}: ${name}: same key order`)
    }
    for (const [name, value] of Object.entries(inexact())) assert.equal(jsonOf(value, side), null, `${side}: ${name}`)
  }
})

test('every value, JSON-shaped or not, comes back from a task as structured clone makes it', async () => {
  const pool = new Pool({ threads: 1, tasks: TASKS })
  const values = { ...exact(), ...inexact() }
  for (const [name, value] of Object.entries(values)) {
    // A Buffer stays a Buffer (structuredClone makes it a Uint8Array).
    assert.deepStrictEqual(await pool.exec('echo', value), name === 'a Buffer' ? value : structuredClone(value), name)
  }
  const twice = await pool.exec('echo', values['an object reached twice'])
  assert.equal(twice.a, twice.b, 'one object, not two copies')
  const cycle = await pool.exec('echo', values['a cycle'])
  assert.equal(cycle.self, cycle)
  const holes = await pool.exec('echo', values['a hole'])
  assert.equal(0 in holes, false, 'the hole stays a hole')
  assert.equal((await pool.exec('echo', values['an array with a named property'])).label, 'kept')
  assert.deepStrictEqual(Object.keys(await pool.exec('echo', values['integer keys, in index order'])),
    ['2', '10', '4294967294', 'b', '4294967295', '-1'])
  await pool.close()
})

test('a getter is read once, an inherited toJSON is never called, and a Proxy is refused as structured clone refuses it', async (t) => {
  const pool = new Pool({ threads: 1, tasks: TASKS })
  let reads = 0
  assert.deepStrictEqual(await pool.exec('echo', { get answer () { return 40 + ++reads } }), { answer: 41 })
  assert.equal(reads, 1)

  Object.defineProperty(Object.prototype, 'toJSON', { value: () => 'replaced', configurable: true, writable: true }) // eslint-disable-line no-extend-native
  t.after(() => delete Object.prototype.toJSON)
  assert.deepStrictEqual(await pool.exec('echo', { a: [1] }), { a: [1] })
  delete Object.prototype.toJSON

  const proxy = new Proxy({ a: 1 }, {})
  assert.throws(() => structuredClone(proxy), { name: 'DataCloneError' })
  assert.throws(() => encodeResult({ inner: proxy }, noSharedBuffers), /could not be cloned/, 'nor does a result cross as JSON')
  await assert.rejects(pool.exec('echo', { inner: proxy }), (error) => {
    assert.equal(error.code, 'ERR_INVALID_ARG')
    assert.match(error.message, /^input could not be cloned: .*could not be cloned/)
    return true
  })
  await pool.close()
})

test('a one-character key after a backslash key arrives as itself (Node 24\'s JSON.parse misreads it)', async () => {
  const pool = new Pool({ threads: 1, jsThreads: 1, tasks: TASKS })
  for (const key of ['\\', '\n', '"', '\\', '\t']) {
    assert.deepStrictEqual(Object.keys(await pool.exec('echo', { '': 0, [key]: { nested: [key] } })), ['', key])
  }
  await pool.close()
})

test('random plain data: whenever the engine writes JSON, it parses to the structured clone', () => {
  // A fixed-seed generator (mulberry32): the same 2,000 values every run.
  let seed = 7
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const pick = (list) => list[Math.floor(random() * list.length)]
  const numbers = [0, -0, 1, -1, 1.5, 2 ** 31, -(2 ** 53), 1e21, 1e-7, 5e-324, NaN, Infinity, 0.1 + 0.2]
  const strings = ['', 'a', 'é', '"', '\\', '\n', '\u0000', '\ud800', '\udfff', '😀', 'ü'.repeat(20), '✓x', '0', '10', '4294967295']
  const leaf = () => pick([() => pick(numbers), () => random() * 1e6 - 5e5, () => pick(strings), () => random() < 0.5, () => null, () => undefined])()
  const value = (depth) => {
    const kind = depth > 3 ? 0 : Math.floor(random() * 3)
    if (kind === 0) return leaf()
    if (kind === 1) return Array.from({ length: Math.floor(random() * 5) }, () => value(depth + 1))
    const object = {}
    for (let i = Math.floor(random() * 5); i > 0; i--) object[pick(strings.concat(['id', 'name', '1', '-1']))] = value(depth + 1)
    return object
  }
  const asJson = { input: 0, result: 0 }
  for (let i = 0; i < 2000; i++) {
    const input = { v: value(0) }
    for (const side of Object.keys(SIDES)) {
      const text = jsonOf(input, side)
      if (text === null) continue
      asJson[side]++
      assert.deepStrictEqual(JSON.parse(text), structuredClone(input))
      assert.equal(JSON.stringify(JSON.parse(text)), JSON.stringify(structuredClone(input)))
    }
  }
  assert.ok(asJson.input > 500 && asJson.result > 500, `of 2,000 values, ${asJson.input} inputs and ${asJson.result} results crossed as JSON`)
})

test('inputs sent together, and JSON larger than the worker\'s inbox, each arrive whole', async () => {
  const pool = new Pool({ threads: 2, tasks: TASKS })
  const inputs = Array.from({ length: 50 }, (_, i) => ({ i, text: 'x'.repeat(i * 100), list: [{ i }] }))
  assert.deepStrictEqual(await Promise.all(inputs.map((input) => pool.exec('echo', input))), inputs)
  const large = rows(3000)
  assert.ok(jsonOf(large, 'input').length > 128 * 1024, 'more than the 64 KiB inbox')
  assert.deepStrictEqual(await pool.exec('echo', large), large)
  await pool.close()
})
