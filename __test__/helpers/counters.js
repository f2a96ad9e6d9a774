'use strict'

/** The four counters of a stats object (pool or task), without its times and utilization. */
function counters ({ submitted, completed, failed, cancelled }) {
  return { submitted, completed, failed, cancelled }
}

module.exports = { counters }
