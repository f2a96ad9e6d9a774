'use strict'
// The benchmark's piscina task: the same matrix in plain JavaScript.
module.exports = require('./levenshtein.js')
