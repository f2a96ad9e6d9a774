// examples/cluster.js: node examples/cluster.js, then curl -d hello http://127.0.0.1:3000/hash
const express = require('express')
const { runCluster } = require('corepool/cluster')

const users = new Map([['1', { id: '1', name: 'Ada' }]])
const db = { user: async (id) => users.get(id) ?? null } // stands in for your database

runCluster({ statsPort: Number(process.env.STATS_PORT ?? 9464) }, ({ pool }) => {
  const app = express()
  app.get('/users/:id', async (req, res) => res.json(await db.user(req.params.id))) // I/O: plain async
  // { type: () => true }: any body, not only application/octet-stream (curl -d sends a form type)
  app.post('/hash', express.raw({ type: () => true }), async (req, res) => res.send(await pool.exec('sha256', req.body ?? '')))
  const server = app.listen(Number(process.env.PORT ?? 3000), () => console.log(`listening on port ${server.address().port}`))
  return server // every worker listens on the same port
})
