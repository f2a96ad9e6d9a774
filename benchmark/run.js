'use strict'
// `npm run bench`: every comparison in benchmark/, one after another, each in its own process so
// that one's threads and heap do not disturb the next. Pass names to run a subset:
// `npm run bench -- pool hashes`.
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const order = ['pool', 'timings', 'js-tasks', 'hashes', 'compress', 'responsive', 'numbers', 'express', 'bullmq']
const wanted = process.argv.slice(2)
const available = order.filter((name) => fs.existsSync(path.join(__dirname, `${name}.js`)))
for (const name of available) {
  if (wanted.length > 0 && !wanted.includes(name)) continue
  execFileSync(process.execPath, [path.join(__dirname, `${name}.js`)], { stdio: 'inherit' })
}
