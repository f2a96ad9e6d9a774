'use strict'

// Unit tests of the restart schedule: the policy takes an injectable clock, so the exact delays
// and the crash-loop guard are checked without waiting.

const test = require('node:test')
const assert = require('node:assert/strict')
const { RestartPolicy } = require('../lib/cluster/backoff.js')
const { resolveOptions, DEFAULTS } = require('../lib/cluster/options.js')

function clock (start = 1_000_000) {
  let t = start
  return { now: () => t, advance: (ms) => { t += ms } }
}

const pm2 = { initialDelay: 100, multiplier: 1.5, maxDelay: 15000, resetAfter: 30000, maxRestarts: 1000, restartWindow: 60000 }

test('delays follow PM2\'s schedule: 100 ms, x1.5 each time, capped at 15 s', () => {
  const c = clock()
  const policy = new RestartPolicy(pm2, c.now)
  const delays = []
  for (let i = 0; i < 16; i++) {
    const started = c.now()
    c.advance(10) // a crash 10 ms after start
    const d = policy.onExit(started)
    assert.equal(d.restart, true)
    delays.push(d.delay)
    c.advance(d.delay + 61_000) // keep the guard's window empty for this test
  }
  assert.deepEqual(delays, [100, 150, 225, 338, 507, 761, 1142, 1713, 2570, 3855, 5783, 8675, 13013, 15000, 15000, 15000])
})

test('the delay resets after 30 s of stable uptime, and only then', () => {
  const c = clock()
  const policy = new RestartPolicy(pm2, c.now)
  let started = c.now()
  c.advance(5); assert.equal(policy.onExit(started).delay, 100)
  started = c.now(); c.advance(5); assert.equal(policy.onExit(started).delay, 150)
  started = c.now(); c.advance(29_999); assert.equal(policy.onExit(started).delay, 225)
  started = c.now(); c.advance(30_000); assert.equal(policy.onExit(started).delay, 100)
  started = c.now(); c.advance(1); assert.equal(policy.onExit(started).delay, 150)
})

test('the guard stops after maxRestarts within restartWindow, whatever the uptime', () => {
  const c = clock()
  const policy = new RestartPolicy({ ...pm2, maxRestarts: 3, restartWindow: 120_000 }, c.now)
  const decisions = []
  for (let i = 0; i < 4; i++) {
    const started = c.now()
    c.advance(35_000) // stable enough to reset the delay each time
    decisions.push(policy.onExit(started))
  }
  assert.deepEqual(decisions, [
    { restart: true, delay: 100 },
    { restart: true, delay: 100 },
    { restart: true, delay: 100 }, // restarts at 35 s, 70 s, 105 s: three within 120 s
    { restart: false, restartsInWindow: 3 } // at 140 s the window (20 s..140 s] still holds three
  ])
})

test('restarts that leave the window free room again', () => {
  const c = clock()
  const policy = new RestartPolicy({ ...pm2, maxRestarts: 2, restartWindow: 1000 }, c.now)
  assert.equal(policy.onExit(c.now()).restart, true) // t=0
  c.advance(500)
  assert.equal(policy.onExit(c.now()).restart, true) // t=500
  c.advance(499)
  assert.deepEqual(policy.onExit(c.now()), { restart: false, restartsInWindow: 2 }) // t=999
  c.advance(1) // t=1000: the restart at t=0 leaves the window
  assert.deepEqual(policy.onExit(c.now()), { restart: true, delay: 225 })
})

test('maxRestarts: 0 never restarts', () => {
  const c = clock()
  const policy = new RestartPolicy({ ...pm2, maxRestarts: 0 }, c.now)
  assert.deepEqual(policy.onExit(c.now()), { restart: false, restartsInWindow: 0 })
})

test('options are validated with messages naming the option', () => {
  const bad = [
    [null, TypeError, /^options must be an object/],
    [{ workers: 0 }, RangeError, /^options\.workers must be from 1/],
    [{ workers: 1.5 }, TypeError, /^options\.workers must be an integer/],
    [{ threadsPerWorker: '2' }, TypeError, /^options\.threadsPerWorker must be an integer/],
    [{ killTimeout: -1 }, RangeError, /^options\.killTimeout/],
    [{ multiplier: 0.5 }, RangeError, /^options\.multiplier must be 1 or more/],
    [{ statsPort: 70000 }, RangeError, /^options\.statsPort/],
    [{ statsHost: 1 }, TypeError, /^options\.statsHost/],
    [{ handleSignals: 'yes' }, TypeError, /^options\.handleSignals/],
    [{ pool: { threads: 4 } }, TypeError, /^options\.pool\.threads is not allowed/],
    [{ logger: {} }, TypeError, /^options\.logger/],
    [{ wrokers: 2 }, TypeError, /^options\.wrokers is not a runCluster option/]
  ]
  for (const [options, Type, message] of bad) {
    assert.throws(() => resolveOptions(options, 2), (error) => {
      assert.equal(error instanceof Type, true, `${JSON.stringify(options)} -> ${error}`)
      assert.match(error.message, message)
      assert.equal(error.code, 'ERR_INVALID_ARG')
      return true
    })
  }
  const { runCluster } = require('../cluster.js')
  assert.throws(() => runCluster({}, 'main'), { code: 'ERR_INVALID_ARG', message: /^main must be a function/ })
})

test('the budget rule: workers = max(1, floor(budget / 2)), threads = floor(budget / workers); options override', () => {
  const pick = (o, cores) => { const r = resolveOptions(o, cores); return [r.budget, r.workers, r.threadsPerWorker] }
  assert.deepEqual(pick({}, 1), [1, 1, 1])
  assert.deepEqual(pick({}, 2), [2, 1, 2])
  assert.deepEqual(pick({}, 3), [3, 1, 3])
  assert.deepEqual(pick({}, 8), [8, 4, 2])
  assert.deepEqual(pick({ workers: 2 }, 2), [2, 2, 1])
  assert.deepEqual(pick({ workers: 2 }, 8), [8, 2, 4])
  assert.deepEqual(pick({ workers: 3 }, 8), [8, 3, 2])
  assert.deepEqual(pick({ budget: 4 }, 2), [4, 2, 2])
  assert.deepEqual(pick({ workers: 1, threadsPerWorker: 3 }, 2), [2, 1, 3])
  assert.equal(DEFAULTS.killTimeout, 5000)
})
