/**
 * Scale-out descriptions of a planned search: a Kubernetes Indexed Job (one pod per trial, the pod's
 * JOB_COMPLETION_INDEX is the trial) and a GitHub Actions matrix. Both run `kerats tune --trial K DIR`
 * against the search folder on shared storage; `kerats tune --collect DIR` then ranks the results.
 * A hyperband search runs in waves (a round needs its previous round's results): one Job / matrix
 * per wave, run one after the other; a wave is a contiguous range of trial indices.
 */
import type { Plan } from './plan.js';

export interface K8sOptions {
  image: string;
  parallelism: number;
  /** Where the search folder is mounted in the pod (and its path when planned). */
  mountPath: string;
  /** PersistentVolumeClaim holding the search folder. */
  claim: string;
}

/** Trial index ranges to run one after the other: one range, or hyperband's waves. */
export function wavesOf(plan: Plan): { start: number; end: number }[] {
  return plan.hyperband?.waves ?? [{ start: 0, end: plan.trials.length }];
}

export function k8sJob(plan: Plan, o: K8sOptions, wave?: number): Record<string, unknown> {
  const range = wave === undefined ? { start: 0, end: plan.trials.length } : (wavesOf(plan)[wave] ?? { start: 0, end: 0 });
  const count = range.end - range.start;
  const base = `kerats-tune-${plan.name.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '') || 'search'}`.slice(0, 52).replace(/-+$/, '');
  const name = wave === undefined ? base : `${base}-wave-${wave}`;
  // The completion index counts from 0 in every Job: a later wave adds its first trial's index.
  const index = range.start === 0 ? '"$JOB_COMPLETION_INDEX"' : `"$((JOB_COMPLETION_INDEX + ${range.start}))"`;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, labels: { app: 'kerats-tune' } },
    spec: {
      completionMode: 'Indexed',
      completions: count,
      parallelism: Math.max(1, Math.min(o.parallelism, count)),
      // A trial is idempotent (a complete one is skipped), so a retried pod is harmless.
      backoffLimit: 3,
      template: {
        metadata: { labels: { app: 'kerats-tune' } },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'trial',
              image: o.image,
              command: ['sh', '-c', `npx kerats tune --trial ${index} ${o.mountPath}`],
              volumeMounts: [{ name: 'tune', mountPath: o.mountPath }],
            },
          ],
          volumes: [{ name: 'tune', persistentVolumeClaim: { claimName: o.claim } }],
        },
      },
    },
  };
}

/** `{"include":[{"trial":0},...]}` for `strategy.matrix` (fromJSON). */
export function githubMatrix(plan: Plan, wave?: number): { include: { trial: number }[] } {
  const range = wave === undefined ? { start: 0, end: plan.trials.length } : (wavesOf(plan)[wave] ?? { start: 0, end: 0 });
  return { include: plan.trials.slice(range.start, range.end).map((t) => ({ trial: t.index })) };
}
