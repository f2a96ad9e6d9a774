'use strict'
// poolifier needs its worker script to be a ThreadWorker over the functions.
const { ThreadWorker } = require('poolifier')
const tasks = require('./js-tasks.js')
module.exports = new ThreadWorker({ ...tasks })
