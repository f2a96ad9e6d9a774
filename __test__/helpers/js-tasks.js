'use strict'

// The JS task fixtures, registered by name, and a flag-driven blocker for JS tasks.
const path = require('node:path')
const { waitUntil } = require('./blocker.js')

const fixture = (name) => path.join(__dirname, '..', 'fixtures', 'js-tasks', name)
const controls = (name) => ({ filename: fixture('controls.cjs'), export: name })

/** Every control task of fixtures/js-tasks/controls.cjs, plus `echo`. */
const TASKS = {
  echo: fixture('echo.cjs'),
  waitFlag: controls('waitFlag'),
  ignoreSignal: controls('ignoreSignal'),
  countRunning: controls('countRunning'),
  awaitAbort: controls('awaitAbort'),
  fail: controls('fail'),
  exit: controls('exit'),
  throwLater: controls('throwLater'),
  threadId: controls('threadId'),
  uncloneable: controls('uncloneable'),
  fill: controls('fill'),
  byteLength: controls('byteLength'),
  inspectTransfer: controls('inspectTransfer'),
  keep: controls('keep')
}

/** Runs JS task `task` (waitFlag, ignoreSignal, countRunning, awaitAbort) on fresh cells. */
function jsBlocker (pool, task, options, cells = new Int32Array(new SharedArrayBuffer(16))) {
  const promise = pool.exec(task, cells, options)
  return {
    cells,
    promise,
    startedCount: () => Atomics.load(cells, 0),
    started: (count = 1) => waitUntil(() => Atomics.load(cells, 0) >= count),
    release: () => Atomics.store(cells, 1, 1)
  }
}

module.exports = { fixture, TASKS, jsBlocker }
