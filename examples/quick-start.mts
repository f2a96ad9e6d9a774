// examples/quick-start.mts: TypeScript; each result's type follows its task and options
import { Pool } from 'corepool'

const pool = new Pool()
const body = Buffer.from('hello')

const hex: string = await pool.exec('sha256', body)
const raw: Buffer = await pool.exec('sha256', body, { encoding: 'buffer' })
const sorted: Int32Array = await pool.exec('sort', Int32Array.of(3, 1, 2))
const n: number = await pool.exec('fib', 30, { timeout: 1000 })
console.log(hex, raw.length, sorted.join(','), n)
await pool.close()
