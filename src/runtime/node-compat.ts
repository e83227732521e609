/**
 * tfjs-node 4.22 calls `util.isNullOrUndefined`, which Node 23 removed. Restoring it before the
 * native backends load keeps kerats working on Node 20, 22 and 24.
 */
import util from 'node:util';

type LegacyUtil = typeof util & { isNullOrUndefined?: (v: unknown) => boolean };

export function installNodeCompat(): void {
  const u = util as LegacyUtil;
  if (typeof u.isNullOrUndefined !== 'function') {
    u.isNullOrUndefined = (v: unknown) => v === null || v === undefined;
  }
}
