// Moved to src/routing/calibration/quality-metrics.ts so the service and the tierline CLI share it (calibrate --from-feedback); eval keeps importing it from here.
export * from "../../src/routing/calibration/quality-metrics.js";
