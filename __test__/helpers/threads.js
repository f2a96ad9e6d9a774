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

module.exports = { poolThreadCount }
