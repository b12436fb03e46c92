import { Hono } from "hono";
import type { Registry } from "prom-client";
import type { AppEnv } from "./app-env.js";

/** GET /metrics in the Prometheus text format. */
export function createMetricsRoutes(registry: Registry): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/metrics", async (c) => {
    c.header("content-type", registry.contentType);
    return c.body(await registry.metrics());
  });
  return app;
}
