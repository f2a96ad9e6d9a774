'use strict'

// Plain data (objects, arrays, strings, numbers, booleans, null, undefined) in a compact form
// that this module reads back ~4x faster than JSON.parse reads the same data as JSON: an
// object's keys are written once per message, as its shape, and each shape is read by one
// generated object literal. Nothing here goes through node:v8's Serializer or Deserializer,
// which keep what they wrote or read reachable until their wrapper is collected. `encodePlain`
// writes only what structured clone would give back the same, so the form is exact; the engine
// writes it too, from V8's format (plain.rs), and the layout is the one described there:
//   8, u32 offset of the shape table, the value, then the table (a count, then each shape's
//   key count and keys). Tags: 0 undefined, 1 null, 2 true, 3 false, 4 float64, 5 int32,
//   6 Latin-1, 7 UTF-8, 8 UTF-16 (lengths as LEB128), 9 array (length, items),
//   10 object (u16 shape index, then its values in the shape's key order).

const { isProxy } = require('node:util').types

const PLAIN = 8
const UNDEFINED = 0
const NULL = 1
const TRUE = 2
const FALSE = 3
const F64 = 4
const I32 = 5
const LATIN1 = 6
const UTF8 = 7
const UTF16 = 8
const ARRAY = 9
const OBJECT = 10
/** The tag and the shape table's offset. */
const HEADER = 5
/** Deeper nesting is left to V8's format, as plain.rs does, so that reading never recurses
 * further than this. */
const MAX_DEPTH = 256
const MAX_SHAPES = 0xffff

const float = new Float64Array(1)
const floatBytes = new Uint8Array(float.buffer)
const getPrototypeOf = Object.getPrototypeOf
const keysOf = Object.keys
const isArray = Array.isArray
const OBJECT_PROTOTYPE = Object.prototype

/** A node in the tree of key lists met so far; `id` is its shape's index in message `epoch`. */
class KeyList {
  next = new Map()
  epoch = -1
  id = 0
}

/** The key-list tree is rebuilt when it grows past this many lists, so memory stays bounded. */
const MAX_KEY_LISTS = 4096

class Writer {
  /** Most messages fit here and cost no new Buffer. */
  scratch = Buffer.allocUnsafe(64 * 1024)
  bytes = this.scratch
  at = 0
  busy = false
  lastKeys = []
  lastNode = this.root
  seen = new Set()
  root = new KeyList()
  keyLists = 0
  epoch = 0
  /** The key lists of this message's shapes, by index. */
  shapes = []

  /** `value` in the plain form, or undefined where structured clone would give back something
   * else (or throw). The bytes may be this writer's scratch space, good until the next call. */
  encode (value) {
    if (this.busy) return undefined // a getter of the value being written sends a result itself
    if (this.keyLists > MAX_KEY_LISTS) {
      this.root = new KeyList()
      this.keyLists = 0
    }
    this.epoch++
    this.bytes = this.scratch
    this.bytes[0] = PLAIN
    this.at = HEADER
    this.busy = true
    try {
      if (!this.value(value, 0)) return undefined
      const table = this.at
      this.varint(this.shapes.length)
      for (const keys of this.shapes) {
        this.varint(keys.length)
        for (let i = 0; i < keys.length; i++) this.string(keys[i])
      }
      this.bytes.writeUInt32LE(table, 1)
      return this.bytes.subarray(0, this.at)
    } catch {
      return undefined // a getter threw, or the value is too big for one Buffer
    } finally {
      this.busy = false
      this.seen = new Set()
      this.shapes.length = 0
    }
  }

  room (count) {
    if (this.at + count <= this.bytes.length) return
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.bytes.length, this.at + count))
    this.bytes.copy(bigger, 0, 0, this.at)
    this.bytes = bigger
  }

  varint (n) {
    this.room(5)
    const bytes = this.bytes
    while (n >= 0x80) {
      bytes[this.at++] = (n & 0x7f) | 0x80
      n >>>= 7
    }
    bytes[this.at++] = n
  }

  value (value, depth) {
    switch (typeof value) {
      case 'string':
        this.string(value)
        return true
      case 'number':
        this.number(value)
        return true
      case 'boolean':
        this.room(1)
        this.bytes[this.at++] = value ? TRUE : FALSE
        return true
      case 'undefined':
        this.room(1)
        this.bytes[this.at++] = UNDEFINED
        return true
      case 'object':
        if (value === null) {
          this.room(1)
          this.bytes[this.at++] = NULL
          return true
        }
        return depth < MAX_DEPTH && this.object(value, depth + 1)
    }
    return false // a bigint, a symbol or a function
  }

  number (value) {
    this.room(9)
    const bytes = this.bytes
    if ((value | 0) === value && (value !== 0 || 1 / value > 0)) {
      bytes[this.at++] = I32
      bytes[this.at++] = value
      bytes[this.at++] = value >> 8
      bytes[this.at++] = value >> 16
      bytes[this.at++] = value >> 24
      return
    }
    float[0] = value
    bytes[this.at++] = F64
    for (let i = 0; i < 8; i++) bytes[this.at++] = floatBytes[i]
  }

  string (value) {
    const length = value.length
    // Short strings by hand: cheaper than a call into C++ for each.
    if (length <= 64) {
      this.room(6 + length)
      const bytes = this.bytes
      const start = this.at
      bytes[start] = LATIN1
      bytes[start + 1] = length
      let at = start + 2
      for (let i = 0; i < length; i++) {
        const code = value.charCodeAt(i)
        if (code > 0xff) return this.wideString(value, start)
        bytes[at++] = code
      }
      this.at = at
      return
    }
    this.wideString(value, this.at)
  }

  /** `value` as UTF-8 if it is well-formed (Node reads that fastest), else as UTF-16, which
   * keeps lone surrogates. The length is a LEB128 of five bytes, written after the text. */
  wideString (value, start) {
    this.at = start
    this.room(6 + 3 * value.length)
    const bytes = this.bytes
    const wellFormed = value.isWellFormed()
    bytes[start] = wellFormed ? UTF8 : UTF16
    const text = start + 6
    const length = wellFormed ? bytes.utf8Write(value, text) : bytes.ucs2Write(value, text) / 2
    for (let i = 0; i < 4; i++) bytes[start + 1 + i] = ((length >>> (7 * i)) & 0x7f) | 0x80
    bytes[start + 5] = length >>> 28
    this.at = text + (wellFormed ? length : 2 * length)
  }

  object (value, depth) {
    // Structured clone keeps an object met twice as one object, and refuses a Proxy.
    if (this.seen.has(value) || isProxy(value)) return false
    this.seen.add(value)
    // Structured clone makes any array a plain Array, whatever its prototype.
    if (isArray(value)) return this.array(value, depth)
    const prototype = getPrototypeOf(value)
    // Other prototypes (class instances, Dates, Maps, views, ...) are V8's format's to write.
    if (prototype !== OBJECT_PROTOTYPE && prototype !== null) return false
    const keys = keysOf(value)
    const id = this.shapeOf(keys)
    if (id > MAX_SHAPES) return false
    this.room(3)
    const bytes = this.bytes
    bytes[this.at++] = OBJECT
    bytes[this.at++] = id
    bytes[this.at++] = id >> 8
    for (let i = 0; i < keys.length; i++) {
      if (!this.value(value[keys[i]], depth)) return false
    }
    return true
  }

  array (value, depth) {
    const length = value.length
    this.room(1)
    this.bytes[this.at++] = ARRAY
    this.varint(length)
    for (let i = 0; i < length; i++) {
      const item = value[i]
      // A hole: left early, though the keys' count below would find it too.
      if (item === undefined && !(i in value)) return false
      if (!this.value(item, depth)) return false
    }
    return keysOf(value).length === length // else it has named properties too
  }

  /** The index of `keys`' shape in this message, added if new. */
  shapeOf (keys) {
    const last = this.lastKeys
    if (last.length === keys.length) {
      let i = 0
      while (i < keys.length && keys[i] === last[i]) i++
      if (i === keys.length && this.lastNode.epoch === this.epoch) return this.lastNode.id
    }
    let node = this.root
    for (let i = 0; i < keys.length; i++) {
      let next = node.next.get(keys[i])
      if (next === undefined) {
        next = new KeyList()
        node.next.set(keys[i], next)
        this.keyLists++
      }
      node = next
    }
    this.lastKeys = keys
    this.lastNode = node
    if (node.epoch !== this.epoch) {
      node.epoch = this.epoch
      node.id = this.shapes.length
      this.shapes.push(keys)
    }
    return node.id
  }
}

/** A shape met in some message: its keys and how an object of it is built. */
class Shape {
  constructor (keys) {
    this.keys = keys
    this.messages = 0
    this.build = buildOneByOne
  }
}

/** Shapes by their bytes in the table; cleared when full, so memory stays bounded. */
const shapes = new Map()
const MAX_CACHED_SHAPES = 1024
/** Shapes with at most this many keys are kept, and get a generated literal once met in two
 * messages: compiling costs more than building a few objects one key at a time. */
const MAX_LITERAL_KEYS = 64
let literalsAllowed = true

/** One key at a time; a key that Object.prototype has (`__proto__`, or any name on a frozen
 * prototype) is defined, as structured clone does, rather than assigned. */
function buildOneByOne (reader) {
  const keys = this.keys
  const object = {}
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]
    const value = reader.value()
    if (key in OBJECT_PROTOTYPE) {
      Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true })
    } else {
      object[key] = value
    }
  }
  return object
}

/** `function (reader) { return { "a": reader.value(), ... } }`: V8 builds such a literal from a
 * boilerplate, the fastest way to make an object of one shape. A literal defines its keys; only
 * `__proto__` must be computed, or it would set the prototype. */
function compileLiteral (keys) {
  const properties = keys.map((key) => `${key === '__proto__' ? '["__proto__"]' : JSON.stringify(key)}: reader.value()`)
  try {
    // eslint-disable-next-line no-new-func -- the one way to a literal of a shape known at run time
    return new Function('reader', `return {${properties.join(', ')}}`)
  } catch {
    literalsAllowed = false // --disallow-code-generation-from-strings
    return buildOneByOne
  }
}

const fromCharCode = String.fromCharCode

class Reader {
  bytes = null
  at = 0
  shapes = []

  read (bytes) {
    this.bytes = bytes
    const table = bytes.readUInt32LE(1)
    this.at = table
    const count = this.varint()
    const shapes = this.shapes
    shapes.length = count
    for (let i = 0; i < count; i++) shapes[i] = this.shape()
    this.at = HEADER
    const value = this.value()
    if (this.at !== table) throw new Error('the plain-data message is malformed')
    this.bytes = null
    shapes.length = 0
    return value
  }

  shape () {
    const start = this.at
    const count = this.varint()
    // A long key list is read one key at a time and not kept: few objects share one.
    if (count > MAX_LITERAL_KEYS) return new Shape(this.keys(count))
    for (let i = 0; i < count; i++) this.skipString()
    const signature = this.bytes.latin1Slice(start, this.at)
    let shape = shapes.get(signature)
    if (shape === undefined) {
      if (shapes.size >= MAX_CACHED_SHAPES) shapes.clear()
      this.at = start
      this.varint()
      shape = new Shape(this.keys(count))
      shapes.set(signature, shape)
    }
    if (++shape.messages === 2 && literalsAllowed) shape.build = compileLiteral(shape.keys)
    return shape
  }

  keys (count) {
    const keys = new Array(count)
    for (let i = 0; i < count; i++) keys[i] = this.value()
    return keys
  }

  skipString () {
    const tag = this.bytes[this.at++]
    const length = this.varint()
    this.at += tag === UTF16 ? 2 * length : length
  }

  varint () {
    const bytes = this.bytes
    let value = 0
    let shift = 0
    let byte
    do {
      byte = bytes[this.at++]
      value |= (byte & 0x7f) << shift
      shift += 7
    } while (byte & 0x80)
    return value >>> 0
  }

  value () {
    const bytes = this.bytes
    switch (bytes[this.at++]) {
      case OBJECT: {
        const id = bytes[this.at] | (bytes[this.at + 1] << 8)
        this.at += 2
        return this.shapes[id].build(this)
      }
      case I32: {
        const at = this.at
        this.at += 4
        return bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)
      }
      case LATIN1: return this.latin1()
      case UTF8: {
        const length = this.varint()
        const at = this.at
        this.at += length
        return bytes.utf8Slice(at, at + length)
      }
      case ARRAY: {
        const length = this.varint()
        // new Array(n) past V8's fast-elements limit would make a dictionary.
        const array = length <= 50_000 ? new Array(length) : []
        for (let i = 0; i < length; i++) array[i] = this.value()
        return array
      }
      case F64: {
        for (let i = 0; i < 8; i++) floatBytes[i] = bytes[this.at++]
        return float[0]
      }
      case NULL: return null
      case TRUE: return true
      case FALSE: return false
      case UNDEFINED: return undefined
      case UTF16: {
        const length = 2 * this.varint()
        const at = this.at
        this.at += length
        return bytes.ucs2Slice(at, at + length)
      }
    }
    throw new Error('the plain-data message is malformed')
  }

  /** Short strings from their char codes: cheaper than a call into C++ for each. */
  latin1 () {
    const bytes = this.bytes
    const length = this.varint()
    const at = this.at
    this.at += length
    switch (length) {
      case 0: return ''
      case 1: return fromCharCode(bytes[at])
      case 2: return fromCharCode(bytes[at], bytes[at + 1])
      case 3: return fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2])
      case 4: return fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3])
      case 5: return fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3], bytes[at + 4])
      case 6: return fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3], bytes[at + 4], bytes[at + 5])
      case 7: return fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3], bytes[at + 4], bytes[at + 5], bytes[at + 6])
      case 8: return fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3], bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7])
    }
    return bytes.latin1Slice(at, at + length)
  }
}

const writer = new Writer()
const reader = new Reader()

/** `value` (an object) in the plain form when that is exact, else undefined; see `Writer`. */
function encodePlain (value) {
  return writer.encode(value)
}

/** The value a plain-form message holds. Not reentrant: a getter cannot run while reading. */
function decodePlain (bytes) {
  return reader.read(bytes)
}

module.exports = { PLAIN, encodePlain, decodePlain }
