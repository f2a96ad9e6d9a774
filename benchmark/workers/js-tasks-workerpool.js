'use strict'
// workerpool needs its worker script to register the functions.
require('workerpool').worker(require('./js-tasks.js'))
