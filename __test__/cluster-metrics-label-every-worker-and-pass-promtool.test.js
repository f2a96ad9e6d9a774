'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const { freePort, startCluster, get } = require('./fixtures/harness.js')
const { parsePrometheus, labelSets } = require('./helpers/prometheus.js')

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' })
const HAS_PROMTOOL = promtool.status === 0

test('the cluster\'s /metrics has every pool, process and Node.js family, labelled by worker', async (t) => {
  const port = await freePort()
  const cluster = startCluster(t, { workers: 2, threadsPerWorker: 1, statsPort: 0, statsInterval: 50 }, { env: { PORT: String(port) } })
  const ready = await cluster.waitFor('cluster-ready')
  const statsPort = ready.statsAddress.port
  for (let i = 0; i < 4; i++) assert.equal((await get(port, '/hash')).status, 200)
  let families
  do {
    families = parsePrometheus((await get(statsPort, '/metrics')).body)
  } while ((families.get('corepool_tasks_total')?.samples.filter((s) => s.labels.outcome === 'completed').reduce((a, s) => a + s.value, 0) ?? 0) < 4)

  const want = {
    corepool_tasks_total: ['counter', { corepool_tasks_total: 'outcome,task,worker' }],
    corepool_tasks_submitted_total: ['counter', { corepool_tasks_submitted_total: 'task,worker' }],
    corepool_task_wait_seconds: ['histogram', { corepool_task_wait_seconds_bucket: 'le,task,worker', corepool_task_wait_seconds_count: 'task,worker', corepool_task_wait_seconds_sum: 'task,worker' }],
    corepool_task_run_seconds: ['histogram', { corepool_task_run_seconds_bucket: 'le,task,worker', corepool_task_run_seconds_count: 'task,worker', corepool_task_run_seconds_sum: 'task,worker' }],
    corepool_queue_depth: ['gauge', { corepool_queue_depth: 'worker' }],
    corepool_queue_depth_max: ['gauge', { corepool_queue_depth_max: 'worker' }],
    corepool_threads: ['gauge', { corepool_threads: 'state,worker' }],
    corepool_busy_seconds_total: ['counter', { corepool_busy_seconds_total: 'worker' }],
    corepool_utilization_ratio: ['gauge', { corepool_utilization_ratio: 'worker' }],
    corepool_budget_cores: ['gauge', { corepool_budget_cores: '' }],
    corepool_worker_up: ['gauge', { corepool_worker_up: 'worker' }],
    corepool_worker_restarts_total: ['counter', { corepool_worker_restarts_total: 'worker' }],
    process_cpu_seconds_total: ['counter', { process_cpu_seconds_total: 'worker' }],
    process_resident_memory_bytes: ['gauge', { process_resident_memory_bytes: 'worker' }],
    nodejs_eventloop_lag_p99_seconds: ['gauge', { nodejs_eventloop_lag_p99_seconds: 'worker' }],
    nodejs_heap_size_used_bytes: ['gauge', { nodejs_heap_size_used_bytes: 'worker' }]
  }
  for (const [name, [type, sets]] of Object.entries(want)) {
    const family = families.get(name)
    assert.notEqual(family, undefined, `${name} missing`)
    assert.equal(family.type, type, name)
    assert.deepEqual(labelSets(family), sets, name)
  }
  for (const name of ['corepool_utilization_ratio', 'process_cpu_seconds_total', 'nodejs_heap_size_used_bytes']) {
    assert.deepEqual(families.get(name).samples.map((s) => s.labels.worker).sort(), ['1', '2'], name)
  }
  const completed = families.get('corepool_tasks_total').samples.filter((s) => s.labels.outcome === 'completed' && s.labels.task === 'sha256')
  assert.equal(completed.reduce((a, s) => a + s.value, 0), 4)

  if (!HAS_PROMTOOL) {
    t.diagnostic('promtool is not installed (Debian package prometheus): skipped its check')
  } else {
    const body = (await get(statsPort, '/metrics')).body
    const checked = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' })
    assert.equal(checked.status, 0, `promtool: ${checked.stdout}${checked.stderr}`)
    assert.equal(checked.stdout + checked.stderr, '')
  }
  cluster.child.kill('SIGTERM')
  assert.equal((await cluster.exited).code, 0)
})

test('a single pool\'s metrics pass promtool check metrics', { skip: HAS_PROMTOOL ? false : 'promtool is not installed (Debian package prometheus; .ci/run installs it)' }, async () => {
  const { Pool } = require('..')
  const metrics = require('../lib/metrics.js')
  const pool = new Pool({ threads: 2 })
  await Promise.all(['a', 'b', 'c'].map((s) => pool.exec('sha256', s)))
  await pool.exec('fib', 20)
  const checked = spawnSync('promtool', ['check', 'metrics'], { input: await metrics.text(pool), encoding: 'utf8' })
  assert.equal(checked.status, 0, `promtool: ${checked.stdout}${checked.stderr}`)
  assert.equal(checked.stdout + checked.stderr, '')
  await pool.close()
})
