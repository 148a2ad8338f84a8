/**
 * `dflsim config-schema`: print the JSON Schema of experiment configs (for editors), or
 * the config reference in Markdown (`--format markdown`: docs/config-reference.md).
 */
import type { Argv } from 'yargs';
import { configJsonSchema } from '../../experiment/config.js';
import { configReferenceMarkdown } from '../../experiment/config-reference.js';

/** Register the config-schema command. */
export function schemaCommand(y: Argv, out: (s: string) => void): Argv {
  return y.command(
    'config-schema',
    'print the JSON Schema of experiment configs, or the config reference (every field, its type, default and meaning)',
    (c) =>
      c
        .option('format', {
          type: 'string',
          choices: ['json', 'markdown'],
          default: 'json',
          describe: 'json: the JSON Schema (for editors); markdown: the config reference',
        })
        .example('$0 config-schema > experiments/dflsim-config.schema.json', 'refresh the schema editors use')
        .example('$0 config-schema --format markdown > docs/config-reference.md', 'refresh the config reference'),
    (a) => {
      out(
        (a as unknown as { format: string }).format === 'markdown'
          ? configReferenceMarkdown()
          : JSON.stringify(configJsonSchema(), null, 2) + '\n',
      );
    },
  );
}
