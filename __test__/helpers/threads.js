'use strict'

const fs = require('node:fs')

/** The live threads of this process named like a pool thread (`corepool-<index>`), from /proc. */
function poolThreadCount () {
  let count = 0
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      if (/^corepool-\d+$/.test(fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim())) count++
    } catch {} // the thread exited while we listed it
  }
  return count
}

/**
 * The pool thread count once it reaches `expected`, or after `ms` if it never does. A joined
 * thread has finished, but Linux lists it in /proc/self/task until the kernel has released it,
 * which a thread at nice 19 on a busy machine can take milliseconds to reach; a leaked thread
 * stays listed, and the caller's assertion then fails.
 */
async function poolThreadCountOnceItIs (expected, ms = 2000) {
  const deadline = Date.now() + ms
  let count = poolThreadCount()
  while (count !== expected && Date.now() < deadline) {
    await new Promise(setImmediate)
    count = poolThreadCount()
  }
  return count
}

module.exports = { poolThreadCount, poolThreadCountOnceItIs }
