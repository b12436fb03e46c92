import { run } from "./run.js";

// The `tierline` command (bin/tierline.js loads this).
const code = await run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });
process.exitCode = code;
// Exit once stdout has taken everything written to it (a pipe into jq may be asynchronous),
// without waiting for idle keep-alive sockets to time out.
process.stdout.write("", () => process.exit(code));
