// Keep the database local and the artifacts in S3 (or MinIO / any S3-compatible store):
//   MLFLOW_S3_ENDPOINT_URL=http://127.0.0.1:9000 AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... \
//     npx tsx examples/s3.ts s3://my-bucket/team
import { MlflowClient, prepareDataDir } from '../src/index.js';

const location = process.argv[2] ?? process.env.EXAMPLE_S3_LOCATION;
if (!location) throw new Error('Usage: tsx examples/s3.ts s3://bucket/prefix');
// Checks the bucket is reachable and writable, and lays out sqlite:///./mlflow.db + s3://.../mlruns.
const dataDir = await prepareDataDir(location);
const client = new MlflowClient({ trackingUri: dataDir.trackingUri, defaultArtifactRoot: dataDir.artifactRoot });
const experimentId = await client.createExperiment(`s3-example-${Date.now()}`);
const run = await client.createRun({ experimentId, runName: 'artifacts-in-s3' });
await client.logParam(run.info.runId, 'storage', 's3');
await client.logText(run.info.runId, 'hello from mlflow-genai\n', 'notes/hello.txt');
await client.logDict(run.info.runId, { answer: 42 }, 'results.json');
await client.setTerminated(run.info.runId, 'FINISHED');
console.log(`artifact URI: ${run.info.artifactUri}`);
for (const f of await client.listArtifacts(run.info.runId)) console.log(`  ${f.path}${f.isDir ? '/' : ''}`);
