// Type tests for corepool's Pool: each line states what the code does at run time (see the tests
// named in the comments), and `tsc -p __test__/types` fails if the types say otherwise.
import { Pool, type Written, type TaskResult } from 'corepool'
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false

declare const pool: Pool
declare const bytes: Buffer
declare const int32: Int32Array
declare const float64: Float64Array
declare const uint32: Uint32Array

export async function digests () {
  // hashes-equal-node-crypto: hex by default, base64 a string too, a Buffer with 'buffer'.
  const hex = await pool.exec('sha256', bytes)
  const b64 = await pool.exec('sha256', bytes, { encoding: 'base64' })
  const buf = await pool.exec('sha256', bytes, { encoding: 'buffer' })
  const hmac = await pool.exec('hmac-sha256', bytes, { key: 'k', encoding: 'buffer' })
  const xxh = await pool.exec('xxh3', bytes, { seed: 1 })
  const t: [Equal<typeof hex, string>, Equal<typeof b64, string>, Equal<typeof buf, Buffer>, Equal<typeof hmac, Buffer>, Equal<typeof xxh, string>] = [true, true, true, true, true]
  // An encoding only known at run time gives either.
  const encoding = 'buffer' as 'hex' | 'buffer'
  const either = await pool.exec('md5', bytes, { encoding })
  const u: Equal<typeof either, string | Buffer> = true
  return [t, u]
}

export async function sorts () {
  // sort-matches-typed-array-sort: a sorted copy of the same type.
  const ints = await pool.exec('sort', int32)
  const floats = await pool.exec('sort', float64, { inPlace: true })
  const t: [Equal<typeof ints, Int32Array>, Equal<typeof floats, Float64Array>] = [true, true]
  return t
}

export async function destinations () {
  // path-inputs-and-destinations-stay-in-native-code: a destination resolves with { path, bytesWritten }.
  const zipped = await pool.exec('gzip', { path: 'in' }, { destination: { path: 'out.gz' } })
  const digest = await pool.exec('sha256', { path: 'in' }, { encoding: 'buffer', destination: { path: 'out.sha' } })
  const inMemory = await pool.exec('gzip', bytes)
  const t: [Equal<typeof zipped, Written>, Equal<typeof digest, Written>, Equal<typeof inMemory, Buffer>] = [true, true, true]
  const w: Written = { path: 'out.gz', bytesWritten: 1 }
  // The run time refuses a destination for a result that is not bytes.
  // @ts-expect-error fib's result is a number: no destination
  await pool.exec('fib', 10, { destination: { path: 'out' } })
  // @ts-expect-error a hex digest is a string: a destination needs encoding 'buffer'
  await pool.exec('sha256', bytes, { destination: { path: 'out' } })
  // @ts-expect-error stats is an object, not bytes
  await pool.exec('stats', float64, { destination: { path: 'out' } })
  return [t, w]
}

export async function inputsAndOptions () {
  // exec-resolves-with-the-kernels-result: noop takes anything, or nothing.
  const none = await pool.exec('noop')
  const some = await pool.exec('noop', { any: 'thing' }, { priority: 'low' })
  const n = await pool.exec('fib', 30, { timeout: 1000, priority: 'high' })
  const t: [Equal<typeof none, undefined>, Equal<typeof some, undefined>, Equal<typeof n, number>] = [true, true, true]
  // @ts-expect-error fib takes a number
  await pool.exec('fib', '30')
  // @ts-expect-error no such task
  await pool.exec('sha-256', bytes)
  // @ts-expect-error a misspelt option is an error, as the run time rejects unknown encodings
  await pool.exec('sha256', bytes, { encodng: 'buffer' })
  // @ts-expect-error priority is 'high', 'normal' or 'low'
  await pool.exec('fib', 3, { priority: 'urgent' })
  return t
}

export async function batches () {
  // exec-many-runs-a-batch-in-one-call
  const hashes = await pool.execMany('sha256', [bytes, 'abc'], { encoding: 'buffer' })
  const sorted = await pool.execMany('sort', [uint32])
  const settled = await pool.execMany('fib', [1, 2], { settled: true })
  const t: [Equal<typeof hashes, Buffer[]>, Equal<typeof sorted, Uint32Array[]>, Equal<typeof settled, Array<PromiseSettledResult<number>>>] = [true, true, true]
  return t
}

// The exported helper type agrees with exec.
export const named: [Equal<TaskResult<'sha256'>, string>, Equal<TaskResult<'sha256', Buffer, { encoding: 'buffer' }>, Buffer>] = [true, true]

// User JS tasks are typed by declaration merging (js-task-modules-load-as-commonjs-esm-and-named-exports).
declare module 'corepool' {
  interface UserTasks { report: { input: { rows: number[] }; output: { total: number } } }
}
export async function userTasks () {
  const report = await pool.exec('report', { rows: [1, 2] })
  const many = await pool.execMany('report', [{ rows: [] }])
  const t: [Equal<typeof report, { total: number }>, Equal<typeof many, Array<{ total: number }>>] = [true, true]
  // @ts-expect-error the input is the declared one
  await pool.exec('report', { rows: 'x' })
  // @ts-expect-error a name neither built in nor declared
  await pool.exec('render', {})
  const moved = new ArrayBuffer(8)
  await pool.exec('report', { rows: [] }, { transfer: [moved] })
  // @ts-expect-error a transfer list moves buffers to one task: exec only
  await pool.execMany('report', [{ rows: [] }], { transfer: [moved] })
  return t
}
