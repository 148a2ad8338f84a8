/**
 * `dflsim config-schema`: print the JSON Schema of experiment configs (for editors).
 */
import type { Argv } from 'yargs';
import { configJsonSchema } from '../../experiment/config.js';

/** Register the config-schema command. */
export function schemaCommand(y: Argv, out: (s: string) => void): Argv {
  return y.command(
    'config-schema',
    'print the JSON Schema of experiment configs',
    (c) => c.example('$0 config-schema > experiments/dflsim-config.schema.json', 'refresh the schema editors use'),
    () => { out(JSON.stringify(configJsonSchema(), null, 2) + '\n'); },
  );
}
