import type { DataSource, EntityManager } from 'typeorm';
import { writeTransaction } from '../../src/database/transaction';

/**
 * A data source whose transactions fail with these errors, in turn (as a statement of the work
 * would), then run the work; `commitError` is what COMMIT then throws, if anything.
 */
function failing(...errors: unknown[]) {
  let calls = 0;
  let commits = 0;
  let rollbacks = 0;
  let commitError: unknown;
  const dataSource = {
    createQueryRunner: () => ({
      manager: {
        query: async () => {
          const error = errors[calls++];
          if (error !== undefined) throw error;
        },
      },
      connect: async () => undefined,
      startTransaction: async () => undefined,
      rollbackTransaction: async () => {
        rollbacks += 1;
      },
      commitTransaction: async () => {
        commits += 1;
        if (commitError !== undefined) throw commitError;
      },
      release: async () => undefined,
    }),
  } as unknown as DataSource;
  return {
    dataSource,
    calls: () => calls,
    commits: () => commits,
    rollbacks: () => rollbacks,
    failCommitWith(error: unknown) {
      commitError = error;
    },
  };
}

/** One statement, then the answer. */
const work = async (em: EntityManager) => {
  await em.query('SELECT 1');
  return 'done';
};

const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code });
// TypeORM's QueryFailedError carries pg's error as driverError.
const typeormError = (code: string) =>
  Object.assign(new Error(`typeorm ${code}`), { driverError: { code } });

test('a deadlock victim runs again, and its second run is the answer', async () => {
  const { dataSource, calls } = failing(pgError('40P01'));
  await expect(writeTransaction(dataSource, work)).resolves.toBe('done');
  expect(calls()).toBe(2);
});

test('a serialization failure reported by TypeORM runs again', async () => {
  const { dataSource, calls } = failing(typeormError('40001'), typeormError('40P01'));
  await expect(writeTransaction(dataSource, work)).resolves.toBe('done');
  expect(calls()).toBe(3);
});

test('after three attempts the error is the caller’s', async () => {
  const { dataSource, calls } = failing(pgError('40P01'), pgError('40P01'), pgError('40P01'));
  await expect(writeTransaction(dataSource, work)).rejects.toThrow('pg 40P01');
  expect(calls()).toBe(3);
});

test('any other error is not retried', async () => {
  for (const error of [pgError('23505'), new Error('bad input'), 'a string']) {
    const { dataSource, calls } = failing(error);
    await expect(writeTransaction(dataSource, work)).rejects.toBe(error);
    expect(calls()).toBe(1);
  }
});

test('a failed attempt is rolled back, a successful one committed once', async () => {
  const source = failing(pgError('40P01'));
  await writeTransaction(source.dataSource, work);
  expect({ rollbacks: source.rollbacks(), commits: source.commits() }).toEqual({
    rollbacks: 1,
    commits: 1,
  });
});

test('a connection lost during COMMIT is reported as a write that may have been recorded', async () => {
  const source = failing();
  source.failCommitWith(new Error('Connection terminated unexpectedly'));
  const error = await writeTransaction(source.dataSource, work).catch((e) => e);
  expect(error.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', recorded: 'UNKNOWN' });
  expect(error.message).toMatch(/may or may not have been recorded/);
  expect(source.calls()).toBe(1);
});
