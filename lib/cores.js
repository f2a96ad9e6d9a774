'use strict'

const binding = require('./native.js')

/** The cores this process may really use, respecting CPU affinity and cgroup quota. */
function availableCores () {
  return binding.availableCores()
}

module.exports = { availableCores }
