import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  closeAllTrackingStores,
  isMlflowError,
  MlflowClient,
  parseTrackingUri,
  RestTrackingStore,
  resolveRegistryUri,
  resolveTrackingUri,
} from '../../src/index.js';

describe('tracking URI resolution', () => {
  it('defaults to sqlite:///mlflow.db made absolute against the working directory', () => {
    expect(resolveTrackingUri(undefined, {})).toBe(`sqlite:///${join(process.cwd(), 'mlflow.db')}`);
  });

  it('argument beats MLFLOW_TRACKING_URI, which beats the default', () => {
    const env = { MLFLOW_TRACKING_URI: 'sqlite:////tmp/env.db' };
    expect(resolveTrackingUri(undefined, env)).toBe('sqlite:////tmp/env.db');
    expect(resolveTrackingUri('sqlite:////tmp/arg.db', env)).toBe('sqlite:////tmp/arg.db');
  });

  it('registry URI: argument, then MLFLOW_REGISTRY_URI, then the tracking URI', () => {
    expect(resolveRegistryUri(undefined, 'sqlite:////tmp/t.db', {})).toBe('sqlite:////tmp/t.db');
    expect(resolveRegistryUri(undefined, 'sqlite:////tmp/t.db', { MLFLOW_REGISTRY_URI: 'sqlite:////tmp/r.db' })).toBe(
      'sqlite:////tmp/r.db',
    );
    expect(resolveRegistryUri('sqlite:////tmp/a.db', 'sqlite:////tmp/t.db', {})).toBe('sqlite:////tmp/a.db');
  });

  it.each(['./mlruns', 'mlruns', '/abs/mlruns', 'file:///tmp/mlruns', 'file:mlruns'])(
    'file store URI %s gets an error explaining MLflow 3 dropped the file store',
    (uri) => {
      let caught: unknown;
      try {
        parseTrackingUri(uri);
      } catch (e) {
        caught = e;
      }
      expect(isMlflowError(caught)).toBe(true);
      expect((caught as Error).message).toMatch(/no longer supports the filesystem tracking backend/);
      expect((caught as Error).message).toContain('sqlite:///mlflow.db');
    },
  );

  it('database URIs other than SQLite point to an MLflow server, without leaking credentials', () => {
    expect(() => parseTrackingUri('postgresql://user:secret@db/mlflow')).toThrow(/mlflow server/);
    expect(() => parseTrackingUri('postgresql://user:secret@db/mlflow')).not.toThrow(/secret/);
  });

  it('http(s) URIs select the REST store, with credentials kept out of its tracking URI', async () => {
    expect(parseTrackingUri('http://127.0.0.1:5000/').kind).toBe('rest');
    const client = new MlflowClient({ trackingUri: 'http://127.0.0.1:5000' });
    expect(client.store).toBeInstanceOf(RestTrackingStore);
    expect(client.store.trackingUri).toBe('http://127.0.0.1:5000');
    const withCreds = new MlflowClient({ trackingUri: 'https://alice:s3cret@mlflow.example.com/prefix/' });
    expect(withCreds.store).toBeInstanceOf(RestTrackingStore);
    expect(withCreds.store.trackingUri).toBe('https://mlflow.example.com/prefix');
    expect((withCreds.store as RestTrackingStore).http.settings.auth).toBe('basic');
    await closeAllTrackingStores();
  });

  it('an in-memory or malformed sqlite URI is rejected with the URI in the message', () => {
    expect(() => parseTrackingUri('sqlite://')).toThrow(/sqlite:\/\//);
    expect(() => parseTrackingUri('sqlite:///:memory:')).toThrow(/in-memory/);
    expect(() => parseTrackingUri('')).toThrow(/non-empty/);
  });
});
