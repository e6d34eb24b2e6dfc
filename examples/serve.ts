// Log a custom model, register it, point an alias at it and serve it with MLflow's scoring protocol.
//   npx tsx examples/serve.ts
import { fileURLToPath } from 'node:url';
import { deployModel, getServingCommand, logModel, serve, setExperiment, withRun } from '../src/index.js';

await setExperiment('serve-example');
const info = await withRun({ runName: 'log-echo' }, () =>
  logModel({
    name: 'echo',
    code: { path: fileURLToPath(new URL('./models/echo-model.ts', import.meta.url)), exportName: 'EchoModel' },
    modelConfig: { prefix: 'echo: ' },
    inputExample: [{ question: 'hello' }],
  }),
);
const deployment = await deployModel({
  modelUri: info.modelUri,
  registeredModelName: 'echo-example',
  alias: 'champion',
});
console.log(`registered ${deployment.name} v${deployment.version} as ${deployment.modelUri}`);

const server = await serve({ modelUri: deployment.modelUri, port: 0, accessLog: false });
try {
  const res = await fetch(`${server.url}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ dataframe_records: [{ question: 'What is MLflow?' }] }),
  });
  console.log(res.status, await res.json());
} finally {
  await server.close();
}
console.log(getServingCommand(deployment.modelUri).text);
