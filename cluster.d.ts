import type { EventEmitter } from 'node:events'
import type { Server } from 'node:net'
import type { Pool, PoolOptions } from './index'

export interface ClusterOptions {
  /** Cores the cluster divides between its workers. Default: availableCores(). */
  budget?: number
  /** Worker processes. Default: max(1, floor(budget / 2)) (the measured rule, see docs/cluster.md). */
  workers?: number
  /** Pool threads per worker. Default: max(1, floor(budget / workers)). */
  threadsPerWorker?: number
  /** Milliseconds a stopping worker gets before SIGKILL. Default: 5000. */
  killTimeout?: number
  /** First restart delay in ms. Default: 100. */
  initialDelay?: number
  /** Factor applied to the delay at each consecutive restart. Default: 1.5. */
  multiplier?: number
  /** Cap of the restart delay in ms. Default: 15000. */
  maxDelay?: number
  /** Uptime in ms after which the delay resets to initialDelay. Default: 30000. */
  resetAfter?: number
  /** Restarts allowed within restartWindow before the worker is 'errored'. Default: 10. */
  maxRestarts?: number
  /** The crash-loop guard's window in ms. Default: 60000. */
  restartWindow?: number
  /** Recycle a worker whose RSS exceeds this many bytes; 0 = off. Default: 0. */
  maxMemory?: number
  /** Recycle a worker once its pool has taken this many tasks; 0 = off. Default: 0. */
  maxTasks?: number
  /** Milliseconds between a worker's stats reports. Default: 1000. */
  statsInterval?: number
  /** Port of the primary's stats endpoint (0 = any free port); undefined = no endpoint. */
  statsPort?: number
  /** Host of the stats endpoint. Default: '127.0.0.1'. */
  statsHost?: string
  /** Handle SIGTERM/SIGINT (graceful shutdown, then exit 0) and SIGUSR2 (reload). Default: true. */
  handleSignals?: boolean
  /** Extra Pool options for every worker's pool (not `threads`); `tasks` registers user JS tasks in every worker. */
  pool?: Omit<PoolOptions, 'threads'>
  /**
   * Another addon built on corepool-core, as `require()` returned it (see `withBinding`): every
   * worker's pool runs its kernels. Default: corepool's own addon.
   */
  binding?: object
  /** Where the primary logs (errored workers, failed reloads); null = silent. Default: console. */
  logger?: { info(...args: unknown[]): void, error(...args: unknown[]): void } | null
}

export interface WorkerContext {
  /** This worker's pool, sized by the budget. */
  pool: Pool
  /** The worker's slot number, 1..workers; a replacement keeps its slot's number. */
  worker: number
  threads: number
  workers: number
  budget: number
  /** Runs `fn` during a graceful stop, after the servers drained and before the pool closes. */
  onShutdown(fn: () => unknown): void
}

export type Main = (context: WorkerContext) => void | Server | Server[] | Promise<void | Server | Server[]>

export interface EventLoopDelay { min: number, max: number, mean: number, p50: number, p99: number }

export interface WorkerStats {
  worker: number
  pid: number | null
  state: 'starting' | 'ready' | 'stopping' | 'exited' | 'restarting' | 'errored'
  threads: number
  /** Seconds. */
  uptime: number
  restarts: number
  lastExit: { code: number | null, signal: string | null, at: number, pid: number } | null
  rss: number
  eventLoopDelay: EventLoopDelay | null
  pool: ReturnType<Pool['stats']> | null
}

export interface ClusterStats {
  budget: number
  threadsPerWorker: number
  uptime: number
  workers: WorkerStats[]
  total: { workers: number, threads: number, rss: number, restarts: number, active: number, queued: number, submitted: number, completed: number, failed: number, cancelled: number }
}

export interface ClusterPrimary extends EventEmitter {
  /** 'primary' in the process that forks; narrows runCluster's result. */
  readonly role: 'primary'
  /** Resolves when every worker has been ready once (or is errored) and the stats endpoint listens. */
  readonly ready: Promise<ClusterStats>
  readonly statsAddress: { address: string, port: number, family: string } | null
  reload(): Promise<void>
  shutdown(): Promise<void>
  stats(): ClusterStats
  on(event: 'fork' | 'ready', listener: (info: { worker: number, pid: number }) => void): this
  on(event: 'exit', listener: (info: { worker: number, pid: number, code: number | null, signal: string | null, expected: boolean }) => void): this
  on(event: 'restart', listener: (info: { worker: number, delay: number, restarts: number }) => void): this
  on(event: 'errored', listener: (info: { worker: number, code: number | null, signal: string | null, restarts: number }) => void): this
  on(event: 'recycle', listener: (info: { worker: number, pid: number, reason: 'maxMemory' | 'maxTasks' }) => void): this
  on(event: 'reload' | 'shutdown', listener: () => void): this
}

export interface ClusterWorker {
  /** 'worker' in a forked worker (or a process PM2 started); narrows runCluster's result. */
  readonly role: 'worker'
  readonly state: 'starting' | 'ready' | 'draining' | 'closed'
  readonly pool: Pool
  readonly ready: Promise<void>
  /** Drains, runs onShutdown hooks, closes the pool and exits with `code`. */
  stop(code?: number): Promise<never>
}

export function runCluster(options: ClusterOptions | undefined, main: Main): ClusterPrimary | ClusterWorker
export function runCluster(main: Main): ClusterPrimary | ClusterWorker
export const defaults: Readonly<Required<Omit<ClusterOptions, 'budget' | 'workers' | 'threadsPerWorker' | 'statsPort' | 'pool'>>>
