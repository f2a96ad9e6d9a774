import type { Server } from 'node:http'
import type { Pool } from './index'

/** One metric family, in prom-client's `getMetricsAsJSON()` shape. */
export interface MetricFamily {
  name: string
  help: string
  type: 'counter' | 'gauge' | 'histogram'
  values: Array<{ labels: Record<string, string | number>; value: number; metricName?: string }>
}

export interface MetricsOptions {
  /** Labels added to every sample of this pool, e.g. { pool: 'images' }. */
  labels?: Record<string, string | number>
}

/**
 * Registers the pool's metrics on a prom-client registry (default: prom-client's global
 * `register`); returns a function that removes them. Needs prom-client (a peer dependency).
 */
export declare function register (pool: Pool, options?: MetricsOptions & { registry?: unknown }): () => void
/** The pool's metrics and the process defaults, as Prometheus text. prom-client is optional. */
export declare function text (pool: Pool, options?: MetricsOptions): Promise<string>
/** Serves GET /metrics on port (default 9464) and host (default 127.0.0.1). */
export declare function serve (pool: Pool, options?: MetricsOptions & { port?: number; host?: string }): Promise<Server>
/** Prometheus text exposition format 0.0.4 for a list of families. */
export declare function render (families: MetricFamily[]): string
export declare const CONTENT_TYPE: 'text/plain; version=0.0.4; charset=utf-8'
