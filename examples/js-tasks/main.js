// examples/js-tasks/main.js: node examples/js-tasks/main.js
const { Pool } = require('corepool')

async function main () {
  const pool = new Pool({ tasks: { report: require.resolve('./report.js') } })
  const rows = Array.from({ length: 1000 }, (_, i) => ({ units: i % 7, price: 2.5 }))
  const { total } = await pool.exec('report', { rows }, { timeout: 5000, priority: 'high' })
  console.log(`total ${total}; report ran ${pool.stats().tasks.report.completed} time(s)`)
  await pool.close()
}

main()
