// examples/quick-start.cjs: CommonJS (node examples/quick-start.cjs)
const { Pool } = require('corepool')

async function main () {
  const pool = new Pool() // one thread per usable core
  const body = Buffer.from('hello') // say, an HTTP request body

  const digest = await pool.exec('sha256', body) // hex string
  const n = await pool.exec('fib', 30, { timeout: 1000, priority: 'high' })
  console.log(digest, n)
  await pool.close()
}

main()
