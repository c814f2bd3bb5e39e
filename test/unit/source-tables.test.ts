import { describe, expect, it } from 'vitest';
import { ConfigError, readSourceTables } from '../../functions/runtime/config';

describe('SOURCE_TABLES', () => {
  it('maps the data map’s table names to deployed names or ARNs; absent means the map’s own names', () => {
    expect(readSourceTables({})).toEqual(new Map());
    expect(readSourceTables({ SOURCE_TABLES: ' ' })).toEqual(new Map());
    const arn = 'arn:aws:dynamodb:eu-west-1:444455556666:table/live-players';
    expect(
      readSourceTables({
        SOURCE_TABLES: JSON.stringify({ players: arn, 'game-stats': 'Pde-demo-game-stats' }),
      }),
    ).toEqual(
      new Map([
        ['players', arn],
        ['game-stats', 'Pde-demo-game-stats'],
      ]),
    );
  });

  it.each([
    ['not JSON', '{players:'],
    ['an array', '["players"]'],
    ['an empty object', '{}'],
    ['a number as a name', '{"players": 3}'],
    ['an empty name', '{"players": ""}'],
  ])('refuses %s, naming the variable', (_, value) => {
    expect(() => readSourceTables({ SOURCE_TABLES: value })).toThrow(ConfigError);
    expect(() => readSourceTables({ SOURCE_TABLES: value })).toThrow(/SOURCE_TABLES/);
  });
});
