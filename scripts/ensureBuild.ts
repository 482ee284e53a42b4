// npm start, the end-to-end tests and the benchmarks build the app when it is stale; `simplepose serve` uses the
// same function (src/node/build/rendererBuild.ts).
export { ensureBuild } from '../src/node/build/rendererBuild.ts';
