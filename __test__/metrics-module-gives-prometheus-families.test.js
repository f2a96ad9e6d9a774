'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const client = require('prom-client')
const { Pool } = require('..')
const metrics = require('../lib/metrics.js')
const { parsePrometheus, labelSets } = require('./helpers/prometheus.js')
require('./helpers/test-tasks.js') // 'test.panic'

/** Every pool family: its type and the label names of each of its sample names. */
const POOL_FAMILIES = {
  corepool_tasks_submitted_total: ['counter', { corepool_tasks_submitted_total: 'task' }],
  corepool_tasks_total: ['counter', { corepool_tasks_total: 'outcome,task' }],
  corepool_task_wait_seconds: ['histogram', { corepool_task_wait_seconds_bucket: 'le,task', corepool_task_wait_seconds_sum: 'task', corepool_task_wait_seconds_count: 'task' }],
  corepool_task_run_seconds: ['histogram', { corepool_task_run_seconds_bucket: 'le,task', corepool_task_run_seconds_sum: 'task', corepool_task_run_seconds_count: 'task' }],
  corepool_queue_depth: ['gauge', { corepool_queue_depth: '' }],
  corepool_queue_depth_max: ['gauge', { corepool_queue_depth_max: '' }],
  corepool_threads: ['gauge', { corepool_threads: 'state' }],
  corepool_busy_seconds_total: ['counter', { corepool_busy_seconds_total: '' }],
  corepool_utilization_ratio: ['gauge', { corepool_utilization_ratio: '' }]
}

async function busyPool () {
  const pool = new Pool({ threads: 2 })
  await Promise.all([1, 2, 3].map((i) => pool.exec('sha256', `x${i}`)))
  await assert.rejects(pool.exec('test.panic', 'boom'), { code: 'ERR_TASK_PANICKED' })
  return pool
}

/** The value of the sample named `name` (or of `family`'s own name) with exactly `labels`. */
function value (family, labels, name = family.name) {
  const sample = family.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v) && Object.keys(s.labels).length === Object.keys(labels).length)
  assert.notEqual(sample, undefined, `${name}${JSON.stringify(labels)} missing`)
  return sample.value
}

function assertPoolFamilies (families, extraLabels = {}) {
  const extra = Object.keys(extraLabels)
  for (const [name, [type, sets]] of Object.entries(POOL_FAMILIES)) {
    const family = families.get(name)
    assert.notEqual(family, undefined, `${name} missing`)
    assert.equal(family.type, type, name)
    const want = Object.fromEntries(Object.entries(sets).map(([k, v]) => [k, [...extra, ...v.split(',').filter(Boolean)].sort().join(',')]))
    assert.deepEqual(labelSets(family), want, name)
  }
  const get = (name, labels) => value(families.get(name.replace(/_(bucket|count|sum)$/, '')), { ...extraLabels, ...labels }, name)
  assert.equal(get('corepool_tasks_submitted_total', { task: 'sha256' }), 3)
  assert.equal(get('corepool_tasks_total', { task: 'sha256', outcome: 'completed' }), 3)
  assert.equal(get('corepool_tasks_total', { task: 'test.panic', outcome: 'failed' }), 1)
  assert.equal(get('corepool_tasks_total', { task: 'sha256', outcome: 'cancelled' }), 0)
  assert.equal(get('corepool_task_run_seconds_count', { task: 'sha256' }), 3)
  assert.equal(get('corepool_task_wait_seconds_bucket', { task: 'sha256', le: '+Inf' }), 3)
  // Buckets are cumulative: never decreasing, ending at the count.
  const buckets = families.get('corepool_task_run_seconds').samples.filter((s) => s.name.endsWith('_bucket') && s.labels.task === 'sha256').map((s) => s.value)
  assert.deepEqual(buckets, [...buckets].sort((a, b) => a - b))
  assert.equal(buckets.at(-1), 3)
  assert.deepEqual([get('corepool_threads', { state: 'busy' }), get('corepool_threads', { state: 'idle' })], [0, 2])
  assert.equal(get('corepool_queue_depth', {}), 0)
  const utilization = get('corepool_utilization_ratio', {})
  assert.ok(utilization >= 0 && utilization <= 1)
}

test('register() puts every pool family on a prom-client registry, with its type and labels', async () => {
  const pool = await busyPool()
  const registry = new client.Registry()
  const unregister = metrics.register(pool, { registry, labels: { pool: 'hashes' } })
  assertPoolFamilies(parsePrometheus(await registry.metrics()), { pool: 'hashes' })
  unregister()
  assert.equal(await registry.metrics(), '\n')
  assert.throws(() => metrics.register(pool, { registry: {} }), { code: 'ERR_INVALID_ARG', message: 'options.registry must be a prom-client Registry, got an instance of Object' })
  assert.throws(() => metrics.register({}, { registry }), { code: 'ERR_INVALID_ARG', message: 'pool must be a corepool Pool, got an instance of Object' })
  await pool.close()
})

test('text() gives the pool families and prom-client\'s default process and Node.js metrics', async () => {
  const pool = await busyPool()
  const families = parsePrometheus(await metrics.text(pool))
  assertPoolFamilies(families)
  for (const name of ['process_cpu_seconds_total', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes', 'process_resident_memory_bytes']) {
    assert.ok(families.has(name), `${name} missing`)
  }
  await assert.rejects(metrics.text(pool, null), { code: 'ERR_INVALID_ARG' })
  await pool.close()
})

test('without prom-client, text() still gives the pool families and the same default names, and register() says what is missing', () => {
  const script = `
    const Module = require('node:module')
    const resolve = Module._resolveFilename
    Module._resolveFilename = function (request, ...rest) {
      if (request === 'prom-client') throw Object.assign(new Error("Cannot find module 'prom-client'"), { code: 'MODULE_NOT_FOUND' })
      return resolve.call(this, request, ...rest)
    }
    const { Pool } = require(${JSON.stringify(path.join(__dirname, '..'))})
    const metrics = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'metrics.js'))})
    const pool = new Pool({ threads: 2 })
    let missing
    try { metrics.register(pool) } catch (error) { missing = error.code }
    Promise.all([1, 2, 3].map((i) => pool.exec('sha256', 'x' + i)))
      .then(() => pool.exec('test.panic', 'boom').catch(() => {}))
      .then(() => metrics.text(pool))
      .then((text) => { process.stdout.write(JSON.stringify({ missing, text })); return pool.close() })
  `
  const { missing, text } = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, COREPOOL_TEST_TASKS: '1' } }))
  assert.equal(missing, 'ERR_MISSING_PEER')
  const families = parsePrometheus(text)
  assertPoolFamilies(families)
  const defaults = {
    process_cpu_seconds_total: 'counter',
    process_cpu_user_seconds_total: 'counter',
    process_resident_memory_bytes: 'gauge',
    process_start_time_seconds: 'gauge',
    nodejs_eventloop_lag_p99_seconds: 'gauge',
    nodejs_heap_size_used_bytes: 'gauge',
    nodejs_heap_size_total_bytes: 'gauge',
    nodejs_version_info: 'gauge'
  }
  for (const [name, type] of Object.entries(defaults)) assert.equal(families.get(name)?.type, type, name)
  assert.ok(value(families.get('process_cpu_seconds_total'), {}) > 0)
})

test('serve() answers GET /metrics with the text and 404 elsewhere', async () => {
  const pool = await busyPool()
  const server = await metrics.serve(pool, { port: 0 })
  const { port } = server.address()
  const res = await fetch(`http://127.0.0.1:${port}/metrics`)
  assert.equal(res.headers.get('content-type'), metrics.CONTENT_TYPE)
  assertPoolFamilies(parsePrometheus(await res.text()))
  assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 404)
  await assert.rejects(metrics.serve(pool, { port: -1 }), { code: 'ERR_INVALID_ARG', message: 'options.port must be an integer from 0 to 65535, got -1' })
  await new Promise((resolve) => server.close(resolve))
  await pool.close()
})
