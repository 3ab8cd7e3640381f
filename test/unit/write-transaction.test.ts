import type { DataSource } from 'typeorm';
import { writeTransaction } from '../../src/database/transaction';

/** A data source whose transaction() fails with these errors, in turn, then returns 'done'. */
function failing(...errors: unknown[]) {
  let calls = 0;
  const dataSource = {
    transaction: async (work: (em: unknown) => Promise<unknown>) => {
      const error = errors[calls++];
      if (error !== undefined) throw error;
      return work({});
    },
  } as unknown as DataSource;
  return { dataSource, calls: () => calls };
}

const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code });
// TypeORM's QueryFailedError carries pg's error as driverError.
const typeormError = (code: string) =>
  Object.assign(new Error(`typeorm ${code}`), { driverError: { code } });

test('a deadlock victim runs again, and its second run is the answer', async () => {
  const { dataSource, calls } = failing(pgError('40P01'));
  await expect(writeTransaction(dataSource, async () => 'done')).resolves.toBe('done');
  expect(calls()).toBe(2);
});

test('a serialization failure reported by TypeORM runs again', async () => {
  const { dataSource, calls } = failing(typeormError('40001'), typeormError('40P01'));
  await expect(writeTransaction(dataSource, async () => 'done')).resolves.toBe('done');
  expect(calls()).toBe(3);
});

test('after three attempts the error is the caller’s', async () => {
  const { dataSource, calls } = failing(pgError('40P01'), pgError('40P01'), pgError('40P01'));
  await expect(writeTransaction(dataSource, async () => 'done')).rejects.toThrow('pg 40P01');
  expect(calls()).toBe(3);
});

test('any other error is not retried', async () => {
  for (const error of [pgError('23505'), new Error('bad input'), 'a string']) {
    const { dataSource, calls } = failing(error);
    await expect(writeTransaction(dataSource, async () => 'done')).rejects.toBe(error);
    expect(calls()).toBe(1);
  }
});
