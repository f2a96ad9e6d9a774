// Types for corepool/bullmq: a corepool Pool as the processor of BullMQ queues (docs/bullmq.md).

import type { Job, Worker, WorkerOptions } from 'bullmq'
import type { Pool } from './index'
import type { WorkerContext } from './cluster'

/** What one job runs: each field defaults as shown. */
export interface JobPlan {
  /** The pool task. Default: job.name. */
  task?: string
  /** The task's input. Default: job.data. */
  input?: unknown
  /** pool.exec options (task options, priority, timeout); `signal` is always the job's own. */
  options?: Record<string, unknown>
  /**
   * Reads the task's current progress (say, Atomics.load on a SharedArrayBuffer the task
   * updates); a new value is stored with job.updateProgress, at most every progressInterval ms,
   * and the last one before the job completes. undefined = nothing to report yet.
   */
  progress?: () => number | object | undefined
}

export interface ProcessorOptions {
  /** Maps a job to its task, input, options and progress. Default: { task: job.name, input: job.data }. */
  map?: (job: Job) => JobPlan
  /** Milliseconds each job's task may run (ERR_TASK_TIMEOUT past it), unless map() sets options.timeout. Default: none. */
  timeout?: number
  /** Milliseconds between two reads of a task's progress, 1 or more. Default: 250. */
  progressInterval?: number
  /** Turns a task's result into what BullMQ stores. Default: toJSONSafe. */
  serialize?: (result: unknown) => unknown
}

export type Processor = (job: Job, token?: string, signal?: AbortSignal) => Promise<unknown>

/**
 * A BullMQ processor running each job on `pool`. Cancelled jobs (worker.cancelJob) fail with an
 * UnrecoverableError (no retry); a job whose pool closed before it ran goes back to wait.
 * Throws ERR_INVALID_ARG for bad arguments.
 */
export function createProcessor (pool: Pool, options?: ProcessorOptions): Processor

export interface ConsumerOptions extends ProcessorOptions, WorkerOptions {
  /** Milliseconds running jobs get to finish on close(); the rest go back to wait. Default: 3000. */
  shutdownTimeout?: number
}

export interface Consumer {
  /** The BullMQ Worker (concurrency = pool.threads unless given): its events and methods. */
  readonly worker: Worker
  /**
   * Stops fetching, lets running jobs finish for up to shutdownTimeout ms, moves the rest back to
   * wait, and closes the worker. Does not close the pool. Idempotent.
   */
  close (): Promise<void>
}

/**
 * A BullMQ Worker on `queueName` whose jobs run on the pool. Pass runCluster's worker context
 * instead of a pool to have close() run when the cluster worker stops (SIGTERM, reload).
 */
export function createConsumer (target: Pool | WorkerContext, queueName: string, options: ConsumerOptions): Consumer

/** Bytes -> base64 strings, other typed arrays and Sets -> arrays, Maps -> objects, bigint -> string, undefined -> null; recursive; Dates are left to toJSON. */
export function toJSONSafe (value: unknown): unknown
