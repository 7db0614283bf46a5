// `kvs-edge doctor`: everything a new device owner needs checked before the component can record and
// stream, each line OK / WARN / FAIL with what to do. It runs with the component stopped or running
// (it only reads, apart from a probe file in the recordings folder), and never prints a password.
export {
  checkClock,
  checkCredentials,
  checkGStreamer,
  checkNode,
  checkPythonGi,
  checkRecordings,
  runChecks,
  type CheckResult,
  type DoctorOptions,
  type Level,
} from './checks.js';
