'use strict'

// corepool/bullmq: corepool's Pool as the processor of BullMQ queues (docs/bullmq.md).
// Needs the 'bullmq' package, a peer dependency: npm install bullmq.

const { createProcessor, createConsumer, toJSONSafe } = require('./lib/bullmq.js')

module.exports = { createProcessor, createConsumer, toJSONSafe }
