'use strict'

// Object-shaped plain data crosses as JSON text (faster to build than V8's deserializer makes
// it); everything JSON would change crosses in V8's format. Either way a task sees what
// structured clone gives, which these tests use as the oracle.
const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')
const { encode } = require('../lib/js-tasks/codec.js')
const { TASKS } = require('./helpers/js-tasks.js')

const JSON_TEXT = 8
const V8_FORMAT = 0xff
const noSharedBuffers = () => assert.fail('no SharedArrayBuffer here')
const formatOf = (value) => encode(value, noSharedBuffers)[0]

const rows = (count) => ({ rows: Array.from({ length: count }, (_, i) => ({ id: i, name: `row ${i}`, score: i * 1.5, tags: ['a', 'b'] })) })

/** Values that look like JSON and are not, each with what JSON would lose. */
function inexact () {
  const shared = { n: 1 }
  const cycle = { name: 'cycle' }
  cycle.self = cycle
  const extra = [1, 2]
  extra.label = 'kept'
  class Point {
    constructor () {
      this.x = 1
    }
  }
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
    'a BigInt': { big: 2n ** 64n },
    'an object reached twice': { a: shared, b: shared },
    'a cycle': cycle,
    'a class instance': { point: new Point() },
    'a RegExp match': /b/.exec('abc'),
    'a long array of numbers': Array.from({ length: 1000 }, (_, i) => i * 1.5)
  }
}

test('object-shaped plain data is written as JSON text, and data JSON would change in V8\'s format', () => {
  const nullPrototype = Object.assign(Object.create(null), { a: 1 })
  const json = {
    'rows of objects': rows(100),
    'nested objects': { user: { id: 1, profile: { name: 'n', emails: ['a@b.c'] } }, flags: { on: true, off: false }, none: null },
    'an array of objects': [{}, { a: [] }],
    'a null-prototype object': nullPrototype,
    'strings with lone surrogates and a __proto__ key': { ['__proto__']: '\ud800', 'é\udc00': 'héllo ✓' }
  }
  for (const [name, value] of Object.entries(json)) assert.equal(formatOf(value), JSON_TEXT, name)
  for (const [name, value] of Object.entries(inexact())) assert.equal(formatOf(value), V8_FORMAT, name)
})

test('every value, JSON-shaped or not, comes back from a task as structured clone makes it', async () => {
  const pool = new Pool({ threads: 1, tasks: TASKS })
  const values = { ...inexact(), 'rows of objects': rows(100), 'a null-prototype object': Object.assign(Object.create(null), { a: 1 }) }
  for (const [name, value] of Object.entries(values)) {
    assert.deepStrictEqual(await pool.exec('echo', value), structuredClone(value), name)
  }
  const twice = await pool.exec('echo', values['an object reached twice'])
  assert.equal(twice.a, twice.b, 'one object, not two copies')
  const cycle = await pool.exec('echo', values['a cycle'])
  assert.equal(cycle.self, cycle)
  const holes = await pool.exec('echo', values['a hole'])
  assert.equal(0 in holes, false, 'the hole stays a hole')
  assert.equal((await pool.exec('echo', values['an array with a named property'])).label, 'kept')
  await pool.close()
})

test('a Proxy is refused as structured clone refuses it, and a getter\'s value crosses', async () => {
  const pool = new Pool({ threads: 1, tasks: TASKS })
  const proxy = new Proxy({ a: 1 }, {})
  assert.throws(() => structuredClone(proxy), { name: 'DataCloneError' })
  await assert.rejects(pool.exec('echo', { inner: proxy }), (error) => {
    assert.equal(error.code, 'ERR_INVALID_ARG')
    assert.match(error.message, /^input could not be cloned: .*could not be cloned/)
    return true
  })
  assert.deepStrictEqual(await pool.exec('echo', { get answer () { return 42 } }), { answer: 42 })
  await pool.close()
})

test('an inherited toJSON, which JSON.stringify would call, sends the value in V8\'s format', async (t) => {
  const pool = new Pool({ threads: 1, tasks: TASKS })
  Object.defineProperty(Object.prototype, 'toJSON', { value: () => 'replaced', configurable: true, writable: true }) // eslint-disable-line no-extend-native
  t.after(() => delete Object.prototype.toJSON)
  assert.equal(formatOf({ a: 1 }), V8_FORMAT)
  assert.deepStrictEqual(await pool.exec('echo', { a: 1 }), { a: 1 })
  await pool.close()
})

test('inputs sent together, and JSON larger than the scratch space and the worker\'s inbox, each arrive whole', async () => {
  const pool = new Pool({ threads: 2, tasks: TASKS })
  const inputs = Array.from({ length: 50 }, (_, i) => ({ i, text: 'x'.repeat(i * 100), list: [{ i }] }))
  assert.deepStrictEqual(await Promise.all(inputs.map((input) => pool.exec('echo', input))), inputs)
  const large = rows(3000) // about 170 KB of JSON
  assert.ok(encode(large, noSharedBuffers).length > 128 * 1024)
  assert.deepStrictEqual(await pool.exec('echo', large), large)
  await pool.close()
})
