'use strict'
// An open-loop load generator for benchmark/express.js: sends GET `url` at a steady `rate` per
// second for `seconds` (evenly spaced, not in per-second bursts as autocannon's rate limit does),
// whatever the server's answers, with at most `maxOutstanding` in flight (beyond it a request is
// counted as dropped). Prints { sent, answered, dropped, errors } as JSON.
//   node benchmark/open-loop.js <url> <rate> <seconds> [maxOutstanding = 256]

const http = require('node:http')

const [url, rateText, secondsText, maxText = '256'] = process.argv.slice(2)
const rate = Number(rateText)
const seconds = Number(secondsText)
const maxOutstanding = Number(maxText)
const agent = new http.Agent({ keepAlive: true, maxSockets: maxOutstanding })
const counts = { sent: 0, answered: 0, dropped: 0, errors: 0 }
let outstanding = 0

function send () {
  if (outstanding >= maxOutstanding) { counts.dropped++; return }
  outstanding++
  counts.sent++
  http.get(url, { agent }, (res) => {
    res.resume()
    res.on('end', () => { outstanding--; if (res.statusCode === 200) counts.answered++; else counts.errors++ })
  }).on('error', () => { outstanding--; counts.errors++ })
}

const start = process.hrtime.bigint()
const due = () => Math.min(rate * seconds, Math.floor(Number(process.hrtime.bigint() - start) / 1e9 * rate))
let issued = 0
const timer = setInterval(() => {
  for (const target = due(); issued < target; issued++) send()
  if (issued >= rate * seconds) {
    clearInterval(timer)
    // Answers still in flight at the end count as not answered within the run.
    process.stdout.write(JSON.stringify(counts))
    agent.destroy()
    process.exit(0)
  }
}, 1)
