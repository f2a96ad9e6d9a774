'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')

const invalid = (message) => ({ name: 'TypeError', code: 'ERR_INVALID_ARG', message })

test('new Pool refuses an option it does not know, naming it, with a hint', () => {
  assert.throws(() => new Pool({ thread: 4 }), invalid("options.thread is not a Pool option; did you mean 'threads'?"))
  assert.throws(() => new Pool({ maxthreads: 4 }), invalid("options.maxthreads is not a Pool option: use 'threads' (corepool's pool keeps a fixed number of threads)"))
  assert.throws(() => new Pool({ maxThreads: 1 }), invalid("options.maxThreads is not a Pool option: use 'threads' (corepool's pool keeps a fixed number of threads)"))
  assert.throws(() => new Pool({ minThreads: 1 }), /^TypeError: options.minThreads is not a Pool option: use 'threads'/)
  assert.throws(() => new Pool({ concurrentTasksPerWorker: 2 }), invalid('options.concurrentTasksPerWorker is not a Pool option: each corepool thread runs one task at a time'))
  assert.throws(() => new Pool({ maxQeue: 2 }), invalid("options.maxQeue is not a Pool option; did you mean 'maxQueue'?"))
  assert.throws(() => new Pool({ colour: 'red' }), invalid("options.colour is not a Pool option; it takes 'threads', 'spinMicros', 'maxQueue', 'niceIncrement', 'schedulingPolicy', 'recordTimings', 'tasks', 'jsThreads', 'jsSpinMicros', 'idleTimeout', 'terminateAfter', 'resourceLimits', 'env', 'execArgv', 'workerData'"))
  assert.throws(() => new Pool({ recordTiming: true }), invalid("options.recordTiming is not a Pool option; did you mean 'recordTimings'?"))
})

test('exec refuses an option that neither the pool nor the task knows', async () => {
  const pool = new Pool({ threads: 1 })
  await assert.rejects(pool.exec('sha256', 'x', { encodng: 'hex' }), invalid("options.encodng is not an option of 'sha256'; did you mean 'encoding'?"))
  await assert.rejects(pool.exec('sha256', 'x', { seed: 1 }), invalid("options.seed is not an option of 'sha256'; it takes 'priority', 'timeout', 'signal', 'destination', 'encoding', 'maxInputLength'"))
  await assert.rejects(pool.exec('fib', 10, { transferList: [] }), invalid("options.transferList is not an option of 'fib': use 'transfer' (a JS task's inputs); a native task reads its input in place"))
  await assert.rejects(pool.exec('fib', 10, { priorty: 'high' }), invalid("options.priorty is not an option of 'fib'; did you mean 'priority'?"))
  // `settled` belongs to execMany only.
  await assert.rejects(pool.exec('fib', 10, { settled: true }), invalid("options.settled is not an option of 'fib'; it takes 'priority', 'timeout', 'signal', 'destination'"))
  await assert.rejects(pool.execMany('fib', [10], { levle: 1 }), /^TypeError: options.levle is not an option of 'fib'; it takes/)
  // Every option the pool and the task know is still taken.
  const seeded = await pool.exec('xxh64', 'x', { seed: 1 })
  assert.equal(await pool.exec('xxh64', 'x', { seed: 1, encoding: 'hex', priority: 'high', timeout: 1000, signal: undefined }), seeded)
  assert.deepEqual(await pool.execMany('gzip', ['a'], { level: 1, settled: true }).then((r) => r.map((x) => x.status)), ['fulfilled'])
  assert.equal(pool.stats().failed, 0)
  await pool.close()
})

test('every option a task declares is one its kernel reads', async () => {
  // A declared option that the kernel ignored would be accepted silently: set each one to a
  // value no kernel takes, and expect the kernel's own error naming it.
  const pool = new Pool({ threads: 1 })
  const declared = require('../binding.js').tasks().filter(({ name }) => !name.startsWith('test.'))
  const inputs = { 'argon2.hash': 'pw', 'bcrypt.hash': 'pw', scrypt: 'pw', gunzip: Buffer.from('x'), sort: new Float64Array(2), stats: new Float64Array(2) }
  for (const { name: task, options } of declared) {
    for (const name of options) {
      const base = task === 'scrypt' && name !== 'salt' ? { salt: 'salt' } : task.startsWith('hmac') && name !== 'key' ? { key: 'k' } : {}
      await assert.rejects(pool.exec(task, inputs[task] ?? 'x', { ...base, [name]: Symbol('bad') }), (error) => {
        assert.equal(error.code, 'ERR_INVALID_ARG', `${task} ${name}`)
        assert.match(error.message, new RegExp(`options\\.${name}\\b`), `${task} ${name}`)
        return true
      })
    }
  }
  await pool.close()
})
