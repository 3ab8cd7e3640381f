// Dependency advisories for what ships (npm audit --omit=dev): fails on any high or critical one.
// Where the registry's advisory endpoint cannot be reached (this CI's network allows the registry
// but answers its bulk-advisory POST with 405), it says so and falls back to the floor versions
// below: at or past the fixes of the advisories known against the packages facing the network.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const FLOORS = {
  graphql: '16.8.1', // CVE-2023-26144: OverlappingFieldsCanBeMerged resource use
  '@apollo/server': '4.9.3', // advisories against earlier 4.x releases
  ws: '8.17.1', // CVE-2024-37890: a request with many headers crashes the server
  'proxy-addr': '2.0.8',
  'body-parser': '1.20.3', // CVE-2024-45590: urlencoded bodies
};

let report;
try {
  report = execFileSync('npm', ['audit', '--omit=dev', '--json'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
} catch (error) {
  report = error.stdout; // npm audit exits 1 when it finds something, or when it cannot ask
}
const parsed = JSON.parse(report || '{}');
if (parsed.metadata?.vulnerabilities) {
  const { high = 0, critical = 0 } = parsed.metadata.vulnerabilities;
  console.log(`npm audit --omit=dev: ${high} high, ${critical} critical`);
  if (high + critical > 0) process.exit(1);
} else {
  console.log(
    `npm audit could not reach the advisory database (${parsed.message ?? 'no answer'}); ` +
      'checking the floor versions instead',
  );
}

const newer = (a, b) => {
  const [x, y] = [a, b].map((v) => v.split(/[.-]/).slice(0, 3).map(Number));
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] > y[i];
  return true;
};
let failed = false;
for (const [name, floor] of Object.entries(FLOORS)) {
  let version;
  try {
    version = JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')).version;
  } catch {
    continue; // not installed: nothing to check
  }
  const ok = newer(version, floor);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name} ${version} (fixes at ${floor})`);
  failed ||= !ok;
}
process.exit(failed ? 1 : 0);
