/**
 * Fake OpenAI-compatible upstreams in a process of their own (so the load
 * generator and the service do not share its event loop), for the gateway
 * bench. Prints {"name": "http://127.0.0.1:port/v1", …} on one line, then
 * serves until SIGTERM.
 *   tsx bench/fake-upstream-server.ts '[{"name":"healthy"},{"name":"flaky","failureRate":0.5,"randomFailures":true}]'
 */
import { FakeUpstream, type Behaviour } from "../scripts/fake-upstream.js";

const specs = JSON.parse(process.argv[2] ?? "[]") as Array<Behaviour & { name: string }>;
const urls: Record<string, string> = {};
const fakes: FakeUpstream[] = [];
for (const { name, ...behaviour } of specs) {
  const fake = new FakeUpstream();
  fake.script = behaviour;
  await fake.start();
  // Keep memory flat over long runs: the bench needs no record of requests.
  fake.requests.push = () => 0;
  fakes.push(fake);
  urls[name] = fake.baseUrl;
}
process.stdout.write(`${JSON.stringify(urls)}\n`);
process.on("SIGTERM", () => void Promise.all(fakes.map((f) => f.stop())).then(() => process.exit(0)));
