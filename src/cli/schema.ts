/** `kerats schema`: the JSON Schema of config files (for editors and CI linting). */
import type { Command } from 'commander';
import { example, withOutputOptions, type CommonOptions } from './common.js';
import { registrySnapshot } from './registry-snapshot.js';

export function registerSchema(program: Command): void {
  withOutputOptions(program.command('schema'))
    .description('print the JSON Schema of kerats config files (it is already JSON, with or without --json)')
    .addHelpText('after', example('kerats schema > kerats.schema.json'))
    .action(async (_opts: CommonOptions) => {
      // Generated from the registries (by the build, see registry-snapshot.ts), so it always matches this kerats; --quiet does not silence a result.
      process.stdout.write((await registrySnapshot()).schemaText);
    });
}
