import { join } from 'node:path';
import { SqliteLoggedModelStore } from '../../../src/tracking/sqlite/logged-models.js';
import { SqliteTrackingStore } from '../../../src/tracking/sqlite/store.js';

/**
 * A SqliteTrackingStore with a SqliteLoggedModelStore hosted on its database, wired the way the
 * tracking store hosts its trace store (until the lead wires it in store.ts).
 */
export function openStores(dir: string): { tracking: SqliteTrackingStore; models: SqliteLoggedModelStore } {
  const tracking = new SqliteTrackingStore(join(dir, 'mlflow.db'), {
    defaultArtifactRoot: join(dir, 'mlruns'),
    backgroundCheckpoints: false,
  });
  const db = tracking.database;
  const models = new SqliteLoggedModelStore({
    db,
    write: (fn) => db.transaction(fn).immediate(),
    read: (fn) => fn(),
    experiment: (id) => {
      const row = db.prepare('SELECT * FROM experiments WHERE experiment_id = ?').get(Number(id)) as
        | { experiment_id: number; artifact_location: string; lifecycle_stage: string }
        | undefined;
      if (!row) throw new Error(`no experiment ${id}`);
      return {
        experimentId: String(row.experiment_id),
        artifactLocation: row.artifact_location,
        lifecycleStage: row.lifecycle_stage,
      };
    },
  });
  return { tracking, models };
}
