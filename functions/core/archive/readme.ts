import type { CollectResult, ExportPlan } from '../workflow-types';

/** README.txt at the archive root: what is inside and how to open it, in plain words. */
export function readmeText(plan: ExportPlan, results: CollectResult[]): string {
  const lines = [
    `Your data from our game — a copy made for ${plan.username} on ${plan.generatedAt.slice(0, 10)}`,
    '',
    'This archive answers your request for a copy of your personal data (GDPR Art. 15, right of',
    'access, and Art. 20, right to data portability). Request id: ' + plan.requestId,
    '',
    'What is inside',
    '  manifest.json     every file with its size, record count and SHA-256 checksum, every store',
    '                    we read with the number of records it gave, and what we held back and why',
    ...results.flatMap((r) =>
      r.files.map((f) => `  ${f.path.padEnd(40)} ${r.records} record${r.records === 1 ? '' : 's'}`),
    ),
    '',
    'How to open it',
    '  .json files are for programs (and for moving your data to another service).',
    '  .csv files open in a spreadsheet: choose "UTF-8" when importing. A cell that starts with an',
    "  apostrophe (') held text a spreadsheet could have run as a formula; the JSON has the original.",
    '',
    'Other players appear under pseudonyms such as "player-Ab3dE5fG7hJ9". A pseudonym is the same',
    'person throughout this archive, and different in any other archive.',
    '',
    'Passwords, secret questions and their answers are never included: they protect your account.',
    '',
  ];
  return lines.join('\r\n');
}
