'use strict'
// What Linux says about this process's pool threads (named corepool-N): read from /proc.
const fs = require('node:fs')

/** The fields after the ")" that closes a thread's name in a /proc stat line. */
function statFields (path) {
  const stat = fs.readFileSync(path, 'utf8')
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
}

/** Field numbers in proc(5) are 1-based and count pid and comm, which `statFields` drops. */
const field = (fields, number) => Number(fields[number - 3])

/** Linux's SCHED_* numbers, by the name `schedulingPolicy` uses. */
const POLICY_NAMES = new Map([[0, 'normal'], [3, 'batch'], [5, 'idle']])

function describeThread (path) {
  const fields = statFields(path)
  return { nice: field(fields, 19), policy: POLICY_NAMES.get(field(fields, 41)) ?? `policy ${field(fields, 41)}` }
}

/** `{ nice, policy }` of every pool thread of this process. */
function poolThreads () {
  const threads = []
  for (const tid of fs.readdirSync('/proc/self/task')) {
    const comm = fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim()
    if (/^corepool-\d+$/.test(comm)) threads.push(describeThread(`/proc/self/task/${tid}/stat`))
  }
  return threads
}

/** `{ nice, policy }` of the calling (JS) thread. */
const thisThread = () => describeThread('/proc/thread-self/stat')

module.exports = { poolThreads, thisThread }
