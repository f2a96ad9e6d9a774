'use strict'

// Plain data (objects, arrays, strings, numbers, booleans, null, undefined) crosses in the plain
// form: as the sending thread writes it (lib/js-tasks/plain.js), or, where V8's format had to be
// written (a class instance), as the engine rewrites that (plain.rs). What structured clone
// would give back differently keeps V8's format. Either way a task sees what structured clone
// gives, which these tests use as the oracle.
const test = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const path = require('node:path')
const { Pool } = require('..')
const binding = require('../lib/native.js')
const v8 = require('node:v8')
const { encode } = require('../lib/js-tasks/codec.js')
const { PLAIN, decodePlain } = require('../lib/js-tasks/plain.js')
const { TASKS } = require('./helpers/js-tasks.js')

const noSharedBuffers = () => assert.fail('no SharedArrayBuffer here')
const SIDES = {
  /** What crosses: the sender's bytes, or where they are V8's format, what the engine's
   * takeTask (for an input) or resolveTask (for a result) makes of them. */
  codec: (value) => {
    const bytes = Buffer.from(encode(value, noSharedBuffers))
    return bytes[0] === PLAIN ? bytes : binding.plainOfV8(bytes)
  },
  /** The engine's rewrite alone, of everything V8 writes. */
  engine: (value) => binding.plainOfV8(v8.serialize(value))
}
/** The plain-form bytes `value` crosses as, from `side`, or null where V8's format stays. */
function plainOf (value, side) {
  const bytes = SIDES[side](value)
  if (bytes !== null) assert.equal(bytes[0], PLAIN)
  return bytes
}

/** Keys in order, all the way down: deepStrictEqual does not compare key order. */
function keyOrder (value, seen = new Set()) {
  if (value === null || typeof value !== 'object' || seen.has(value)) return null
  seen.add(value)
  return Object.keys(value).map((key) => [key, keyOrder(value[key], seen)])
}

function assertSameAsStructuredClone (actual, value, message) {
  const expected = structuredClone(value)
  assert.deepStrictEqual(actual, expected, message)
  assert.deepStrictEqual(keyOrder(actual), keyOrder(expected), `${message}: same key order`)
}

const rows = (count) => ({ rows: Array.from({ length: count }, (_, i) => ({ id: i, name: `row ${i}`, score: i * 1.5, tags: ['a', 'b'] })) })

/** Values that the plain form carries exactly. */
function exact () {
  class Point {
    constructor () {
      this.x = 1
      this.y = -2.5
    }
  }
  class List extends Array {}
  return {
    'rows of objects': rows(100),
    'an Array subclass and a null-prototype array (structured clone makes Arrays of them)':
      [List.from([1, 'two']), Object.setPrototypeOf([3], null)],
    'nested objects': { user: { id: 1, profile: { name: 'n', emails: ['a@b.c'] } }, flags: { on: true, off: false }, none: null },
    'an array of objects': [{}, { a: [] }],
    'a null-prototype object': Object.assign(Object.create(null), { a: 1 }),
    'a class instance (structured clone keeps its fields)': { point: new Point() },
    'strings of every kind, a __proto__ key': {
      ['__proto__']: '\ud800',
      'é✓': 'h"é\\llo ✓ 😀\n\u0001\udc00',
      '': '',
      latin1: 'ü'.repeat(100),
      long: 'x'.repeat(70) + '✓',
      lone: 'x'.repeat(70) + '\udc00',
      'a\nb': 'a key with a newline'
    },
    'integer keys, in index order': { b: 1, 10: 'ten', 2: 'two', 4294967294: 'last index', 4294967295: 'a name', '-1': 'a name too' },
    'numbers, -0, NaN and the infinities': [0, -0, NaN, Infinity, -Infinity, 1e21, 1e-7, 5e-324, 0.1, -1.7976931348623157e308,
      2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 31 - 1, 123456789.125],
    undefined: { a: undefined, b: [undefined, 1] },
    'a long array of numbers': Array.from({ length: 1000 }, (_, i) => i * 1.5),
    'objects of 100 keys (not kept as shapes)': [1, 2, 3].map((n) => Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i * n])))
  }
}

/** Values that look like plain data and are not, each named by what the plain form would lose. */
function inexact () {
  const shared = { n: 1 }
  const cycle = { name: 'cycle' }
  cycle.self = cycle
  const extra = [1, 2]
  extra.label = 'kept'
  let deep = [1]
  for (let i = 0; i < 300; i++) deep = [deep]
  return {
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
    'nesting 301 deep': deep
  }
}

test('plain data becomes the plain form, which reads back as the structured clone; the rest keeps V8\'s format', () => {
  for (const side of Object.keys(SIDES)) {
    for (const [name, value] of Object.entries(exact())) {
      const bytes = plainOf(value, side)
      assert.notEqual(bytes, null, `${side}: ${name}`)
      assertSameAsStructuredClone(decodePlain(bytes), value, `${side}: ${name}`)
    }
    for (const [name, value] of Object.entries(inexact())) assert.equal(plainOf(value, side), null, `${side}: ${name}`)
  }
})

test('objects of one key list share one shape: the rows\' keys are written once', () => {
  for (const side of Object.keys(SIDES)) {
    const bytes = plainOf(rows(100), side)
    assert.equal(bytes.toString('latin1').split('score').length - 1, 1, side)
  }
})

test('every value, plain or not, comes back from a task as structured clone makes it', async () => {
  const pool = new Pool({ threads: 1, tasks: TASKS })
  const values = { ...exact(), ...inexact() }
  for (const [name, value] of Object.entries(values)) {
    // A Buffer stays a Buffer (structuredClone makes it a Uint8Array).
    if (name === 'a Buffer') assert.deepStrictEqual(await pool.exec('echo', value), value, name)
    else assertSameAsStructuredClone(await pool.exec('echo', value), value, name)
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

test('a getter is read once, and a Proxy is refused as structured clone refuses it', async () => {
  const pool = new Pool({ threads: 1, tasks: TASKS })
  let reads = 0
  assert.deepStrictEqual(await pool.exec('echo', { get answer () { return 40 + ++reads } }), { answer: 41 })
  assert.equal(reads, 1)

  const proxy = new Proxy({ a: 1 }, {})
  assert.throws(() => structuredClone(proxy), { name: 'DataCloneError' })
  assert.throws(() => encode({ inner: proxy }, noSharedBuffers), /could not be cloned/, 'nor does the codec write it')
  await assert.rejects(pool.exec('echo', { inner: proxy }), (error) => {
    assert.equal(error.code, 'ERR_INVALID_ARG')
    assert.match(error.message, /^input could not be cloned: .*could not be cloned/)
    return true
  })
  await pool.close()
})

test('a key that Object.prototype has is defined, not assigned, whether its shape is new or has a literal', (t) => {
  let setterCalls = 0
  Object.defineProperty(Object.prototype, 'trap', { get () {}, set () { setterCalls++ }, configurable: true }) // eslint-disable-line no-extend-native
  t.after(() => delete Object.prototype.trap)
  const value = Object.create(null)
  Object.assign(value, { trap: 1, constructor: 2, ['__proto__']: 3 }) // own keys, with no prototype to reach
  // The first message reads the shape one key at a time, the next ones with its generated literal.
  for (let message = 0; message < 3; message++) {
    const decoded = decodePlain(plainOf(value, 'codec'))
    assert.deepStrictEqual(Object.getOwnPropertyDescriptors(decoded), {
      trap: { value: 1, writable: true, enumerable: true, configurable: true },
      constructor: { value: 2, writable: true, enumerable: true, configurable: true },
      ['__proto__']: { value: 3, writable: true, enumerable: true, configurable: true }
    }, `message ${message}`)
    assert.equal(Object.getPrototypeOf(decoded), Object.prototype)
  }
  assert.equal(setterCalls, 0)
})

test('where code generation is disallowed, shapes are read one key at a time', () => {
  const script = `
    const { encode, decode } = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'js-tasks', 'codec.js'))})
    const value = { rows: [{ a: 1, b: 'x' }, { a: 2, b: 'y' }], c: { a: 3, b: 'z' } }
    const out = []
    for (let i = 0; i < 3; i++) out.push(decode(Buffer.from(encode(value))))
    process.stdout.write(JSON.stringify(out))`
  const out = execFileSync(process.execPath, ['--disallow-code-generation-from-strings', '-e', script], { encoding: 'utf8' })
  const value = { rows: [{ a: 1, b: 'x' }, { a: 2, b: 'y' }], c: { a: 3, b: 'z' } }
  assert.deepStrictEqual(JSON.parse(out), [value, value, value])
})

test('random plain data: whenever the plain form is written, it reads back as the structured clone', () => {
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
  const strings = ['', 'a', 'é', '"', '\\', '\n', '\u0000', '\ud800', '\udfff', '😀', 'ü'.repeat(20), '✓x', '0', '10', '4294967295', '__proto__']
  const leaf = () => pick([() => pick(numbers), () => random() * 1e6 - 5e5, () => pick(strings), () => random() < 0.5, () => null, () => undefined])()
  const value = (depth) => {
    const kind = depth > 3 ? 0 : Math.floor(random() * 3)
    if (kind === 0) return leaf()
    if (kind === 1) return Array.from({ length: Math.floor(random() * 5) }, () => value(depth + 1))
    const object = {}
    for (let i = Math.floor(random() * 5); i > 0; i--) {
      Object.defineProperty(object, pick(strings.concat(['id', 'name', '1', '-1'])), { value: value(depth + 1), enumerable: true, writable: true, configurable: true })
    }
    return object
  }
  const plain = { codec: 0, engine: 0 }
  for (let i = 0; i < 2000; i++) {
    const input = { v: value(0) }
    for (const side of Object.keys(SIDES)) {
      const bytes = plainOf(input, side)
      if (bytes === null) continue
      plain[side]++
      assertSameAsStructuredClone(decodePlain(bytes), input, `value ${i}, ${side}`)
    }
  }
  assert.deepStrictEqual(plain, { codec: 2000, engine: 2000 }, 'every such value is plain data')
})

test('inputs sent together, and messages larger than the worker\'s inbox, each arrive whole', async () => {
  const pool = new Pool({ threads: 2, tasks: TASKS })
  const inputs = Array.from({ length: 50 }, (_, i) => ({ i, text: 'x'.repeat(i * 100), list: [{ i }] }))
  assert.deepStrictEqual(await Promise.all(inputs.map((input) => pool.exec('echo', input))), inputs)
  const large = rows(6000)
  assert.ok(plainOf(large, 'codec').length > 128 * 1024, 'more than the 64 KiB inbox and the writer\'s scratch space')
  assert.deepStrictEqual(await pool.exec('echo', large), large)
  await pool.close()
})
