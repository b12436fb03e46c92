// Moved to src/calibration/bounds.ts so the service and the tierline CLI share it (calibrate --from-feedback); eval keeps importing it from here.
export * from "../../src/calibration/bounds.js";
