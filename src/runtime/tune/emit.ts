/**
 * Scale-out descriptions of a planned search: a Kubernetes Indexed Job (one pod per trial, the pod's
 * JOB_COMPLETION_INDEX is the trial) and a GitHub Actions matrix. Both run `kerats tune --trial K DIR`
 * against the search folder on shared storage; `kerats tune --collect DIR` then ranks the results.
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

export function k8sJob(plan: Plan, o: K8sOptions): Record<string, unknown> {
  const name = `kerats-tune-${plan.name.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '') || 'search'}`.slice(0, 52);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, labels: { app: 'kerats-tune' } },
    spec: {
      completionMode: 'Indexed',
      completions: plan.trials.length,
      parallelism: Math.min(o.parallelism, plan.trials.length),
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
              command: ['sh', '-c', `npx kerats tune --trial "$JOB_COMPLETION_INDEX" ${o.mountPath}`],
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
export function githubMatrix(plan: Plan): { include: { trial: number }[] } {
  return { include: plan.trials.map((t) => ({ trial: t.index })) };
}
