'use strict'

// How JS task inputs and results cross threads, without a message per task: in the plain form
// (plain.js) where that gives what structured clone gives, since it is read back several times
// faster than V8's deserializer or JSON.parse read object-shaped data, and since node:v8's
// Serializer and Deserializer both keep what they wrote or read reachable until their wrapper is
// collected, so that a young value survives a scavenge through them; else in V8's structured
// serialization (the format postMessage uses), which the engine rewrites in the plain form where
// V8 wrote plain data that plain.js would not (a class instance; plain.rs).
// A TypedArray or DataView over a SharedArrayBuffer is written as the buffer's id plus its
// window; both sides keep the buffers by id (see README.md). ArrayBuffers in an input's transfer
// list are not written: they cross apart, moved by postMessage when a worker starts the task, and
// the bytes name them by their index in that list. Thrown errors cross as JSON descriptions.
// Primitives skip V8's serializer, whose setup alone costs more than a no-op task: a tag byte
// then the value. V8's format always starts with its version tag, 0xFF, which no tag here uses.

const v8 = require('node:v8')
const { PLAIN, encodePlain, decodePlain } = require('./plain.js')

/** Marks a view over a SharedArrayBuffer in the host-object stream (Node's own use 0-12). */
const SHARED_VIEW = 0x5348
/** Marks a view over a transferred ArrayBuffer there. */
const TRANSFERRED_VIEW = 0x5452
const VIEW_TYPES = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, DataView, Buffer, BigInt64Array, BigUint64Array]

const UNDEFINED = 0
const NULL = 1
const TRUE = 2
const FALSE = 3
/** Then the float64, little-endian. */
const NUMBER = 4
/** Then the UTF-16 code units, little-endian: any string, lone surrogates included. */
const STRING = 5
/**
 * Then the int32, little-endian: an integer read back as a double would make V8 compile the
 * task's arithmetic for doubles (fib(25) ran 1.6x slower on a decoded 25), as V8's own format
 * avoids by writing small integers apart.
 */
const INT32 = 6
/**
 * Then the parcel's id and the count of its ArrayBuffers (uint32 each, little-endian), then V8's
 * format, which names them by index: an input with a transfer list (see `encode`).
 */
const TRANSFER = 7
const TRANSFER_HEADER = 9
// PLAIN (8, from plain.js): then the plain form, written by `encode`, or V8's format
// rewritten by the engine (plain.rs).
/** The first byte of V8's format, its version tag. */
const V8_FORMAT = 0xff
const CONSTANTS = [undefined, null, true, false]
const NO_TRANSFER = Object.freeze([])

/**
 * Serializes `value`, an input or a result: in the plain form where that is exact (plain.js),
 * else in V8's format. There SharedArrayBuffers become ids from `idOf(sab)`, and the ArrayBuffers
 * in `transfer` (checked by the caller: no duplicates, none detached) are left out: the bytes
 * name parcel `parcel`, which `decode` asks for with `parcelOf(parcel)`. The bytes may be a
 * window on this thread's scratch space, good until the next call: the engine copies them at
 * once (`submitJsTo`, `resolveTask`).
 */
function encode (value, idOf, transfer = NO_TRANSFER, parcel = 0) {
  switch (typeof value) {
    case 'undefined': return Buffer.of(UNDEFINED)
    case 'boolean': return Buffer.of(value ? TRUE : FALSE)
    case 'number': {
      if ((value | 0) === value && !Object.is(value, -0)) {
        const bytes = Buffer.allocUnsafe(5)
        bytes[0] = INT32
        bytes.writeInt32LE(value, 1)
        return bytes
      }
      const bytes = Buffer.allocUnsafe(9)
      bytes[0] = NUMBER
      bytes.writeDoubleLE(value, 1)
      return bytes
    }
    case 'string': {
      const bytes = Buffer.allocUnsafe(1 + 2 * value.length)
      bytes[0] = STRING
      bytes.write(value, 1, 'utf16le')
      return bytes
    }
  }
  if (value === null) return Buffer.of(NULL)
  if (transfer.length === 0) {
    const bytes = encodePlain(value)
    if (bytes !== undefined) return bytes
  }
  const serializer = new Serializer(idOf, transfer)
  if (transfer.length > 0) {
    const header = Buffer.allocUnsafe(TRANSFER_HEADER)
    header[0] = TRANSFER
    header.writeUInt32LE(parcel, 1)
    header.writeUInt32LE(transfer.length, 5)
    serializer.writeRawBytes(header)
    transfer.forEach((buffer, index) => serializer.transferArrayBuffer(index, buffer))
  }
  serializer.writeHeader()
  serializer.writeValue(value)
  return serializer.releaseBuffer()
}

/**
 * True for a task's result that crosses to the main thread as itself, through N-API, with no
 * bytes (`resolveTaskPlain`): undefined, null, a boolean, a number (-0 and NaN kept) or a string
 * (as UTF-16, lone surrogates kept).
 */
function crossesAsItself (value) {
  const type = typeof value
  return value === undefined || value === null || type === 'boolean' || type === 'number' || type === 'string'
}

/** True when `decode(bytes)` may return views into `bytes`: V8's deserializer reads a TypedArray
 * as a view over the bytes it is given. The other tags decode to copies. */
function decodesToViews (bytes) {
  return bytes[0] === V8_FORMAT || bytes[0] === TRANSFER
}

/**
 * Reads what `encode` wrote; `bufferOf(id)` returns the SharedArrayBuffer with that id, and
 * `parcelOf(id)` the ArrayBuffers of a transfer list (only inputs have one).
 */
function decode (bytes, bufferOf, parcelOf) {
  const tag = bytes[0]
  if (tag < NUMBER) return CONSTANTS[tag]
  if (tag === NUMBER) return bytes.readDoubleLE(1)
  if (tag === STRING) return bytes.toString('utf16le', 1)
  if (tag === INT32) return bytes.readInt32LE(1)
  if (tag === PLAIN) return decodePlain(bytes)
  let transferred = NO_TRANSFER
  if (tag === TRANSFER) {
    transferred = parcelOf(bytes.readUInt32LE(1))
    if (transferred.length !== bytes.readUInt32LE(5)) throw new Error('the transferred buffers do not match the input')
    bytes = bytes.subarray(TRANSFER_HEADER)
  }
  const deserializer = new Deserializer(bytes, bufferOf, transferred)
  deserializer.readHeader()
  return deserializer.readValue()
}

class Serializer extends v8.DefaultSerializer {
  constructor (idOf, transfer) {
    super()
    this.idOf = idOf
    this.transfer = transfer
  }

  _getSharedArrayBufferId () {
    // Node's deserializer cannot read a bare SharedArrayBuffer back; a view over one works.
    throw new TypeError('a bare SharedArrayBuffer cannot be sent: send a TypedArray or DataView over it')
  }

  _writeHostObject (view) {
    const buffer = view.buffer
    let mark, id
    if (buffer instanceof SharedArrayBuffer) {
      mark = SHARED_VIEW
      id = this.idOf(buffer)
    } else {
      id = this.transfer.indexOf(buffer)
      if (id < 0) return super._writeHostObject(view)
      mark = TRANSFERRED_VIEW
    }
    const type = Buffer.isBuffer(view) ? VIEW_TYPES.indexOf(Buffer) : VIEW_TYPES.indexOf(view.constructor)
    if (type < 0) throw new TypeError(`a ${view.constructor.name} over a ${buffer.constructor.name} cannot be sent`)
    for (const n of [mark, id, type, view.byteOffset, view.byteLength]) this.writeUint32(n)
  }
}

class Deserializer extends v8.DefaultDeserializer {
  constructor (bytes, bufferOf, transferred) {
    super(bytes)
    this.bufferOf = bufferOf
    this.transferred = transferred
    transferred.forEach((buffer, index) => this.transferArrayBuffer(index, buffer))
  }

  _readHostObject () {
    const type = this.readUint32()
    if (type !== SHARED_VIEW && type !== TRANSFERRED_VIEW) return this.readCopiedView(VIEW_TYPES[type])
    const [id, ctorIndex, byteOffset, byteLength] = [this.readUint32(), this.readUint32(), this.readUint32(), this.readUint32()]
    const buffer = type === SHARED_VIEW ? this.bufferOf(id) : this.transferred[id]
    if (buffer === undefined) throw new Error(`the shared buffer ${id} is no longer known`)
    const Ctor = VIEW_TYPES[ctorIndex]
    if (Ctor === Buffer) return Buffer.from(buffer, byteOffset, byteLength)
    if (Ctor === DataView) return new DataView(buffer, byteOffset, byteLength)
    return new Ctor(buffer, byteOffset, byteLength / Ctor.BYTES_PER_ELEMENT)
  }

  /** What Node's DefaultDeserializer does for a view it wrote: a window on the bytes read. */
  readCopiedView (Ctor) {
    const byteLength = this.readUint32()
    const offset = this.buffer.byteOffset + this._readRawBytes(byteLength)
    let buffer = this.buffer.buffer
    let at = offset
    if (offset % (Ctor.BYTES_PER_ELEMENT ?? 1) !== 0) {
      buffer = this.buffer.buffer.slice(offset, offset + byteLength) // unaligned: copy
      at = 0
    }
    if (Ctor === Buffer) return Buffer.from(buffer, at, byteLength)
    if (Ctor === DataView) return new DataView(buffer, at, byteLength)
    return new Ctor(buffer, at, byteLength / Ctor.BYTES_PER_ELEMENT)
  }
}

/** A thrown value as JSON: name, message, stack, code, own enumerable properties and cause. */
function describeError (error, depth = 0) {
  if (error === null || typeof error !== 'object') return { name: 'Error', message: String(error), thrown: jsonSafe(error) }
  const description = { name: error.name, message: error.message, stack: error.stack, props: {} }
  for (const key of Object.keys(error)) {
    if (key === 'cause') continue
    const value = jsonSafe(error[key])
    if (value !== undefined) description.props[key] = value
  }
  if (error.cause !== undefined && depth < 4) description.cause = describeError(error.cause, depth + 1)
  return description
}

function jsonSafe (value) {
  try {
    const text = JSON.stringify(value)
    return text === undefined ? undefined : JSON.parse(text)
  } catch {
    return undefined
  }
}

const ERROR_CLASSES = { Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError }

/** Rebuilds an Error from `describeError`'s JSON: same class for built-in names, same fields. */
function rebuildError (description) {
  const Base = ERROR_CLASSES[description.name] ?? Error
  const error = new Base(description.message)
  if (description.name !== undefined && error.name !== description.name) {
    Object.defineProperty(error, 'name', { value: description.name, writable: true, configurable: true, enumerable: false })
  }
  if (description.stack !== undefined) error.stack = description.stack
  Object.assign(error, description.props)
  if (description.cause !== undefined) error.cause = rebuildError(description.cause)
  return error
}

module.exports = { encode, decode, decodesToViews, crossesAsItself, describeError, rebuildError }
