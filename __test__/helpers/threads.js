'use strict'
// What Linux says about this process's pool threads (named `corepool-<index>`): read from /proc.

const fs = require('node:fs')

/** Linux's SCHED_* numbers, by the name `schedulingPolicy` uses. */
const POLICY_NAMES = new Map([[0, 'normal'], [3, 'batch'], [5, 'idle']])

/** `{ nice, policy }` from a /proc stat line (proc(5) fields 19 and 41, counted from pid). */
function describeThread (statPath) {
  const stat = fs.readFileSync(statPath, 'utf8')
  // The fields after the ")" that closes the thread's name start at field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const field = (number) => Number(fields[number - 3])
  return { nice: field(19), policy: POLICY_NAMES.get(field(41)) ?? `policy ${field(41)}` }
}

/** `{ nice, policy }` of every live pool thread of this process. */
function poolThreads () {
  const threads = []
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      if (/^corepool-\d+$/.test(fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim())) {
        threads.push(describeThread(`/proc/self/task/${tid}/stat`))
      }
    } catch {} // the thread exited while we listed it
  }
  return threads
}

const poolThreadCount = () => poolThreads().length

/** `{ nice, policy }` of the calling (JS) thread. */
const thisThread = () => describeThread('/proc/thread-self/stat')

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

module.exports = { poolThreads, poolThreadCount, poolThreadCountOnceItIs, thisThread }
