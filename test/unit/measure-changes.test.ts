import { measureChanges, statementChanges } from '../../src/measures/measure.changes';

/** The change-log rows of a measure write, in the order subscribers receive them. */

it('lists new officials first, then the measure, the measures it answers, the statements', () => {
  expect(measureChanges(10, 'added', [4, 5], [7], [2])).toEqual([
    { entity: 'Official', entityId: 4, action: 'added' },
    { entity: 'Official', entityId: 5, action: 'added' },
    { entity: 'Measure', entityId: 10, action: 'added' },
    { entity: 'Measure', entityId: 2, action: 'updated' },
    { entity: 'Statement', entityId: 7, action: 'updated' },
  ]);
});

it('is the measure alone when nothing around it changed', () => {
  expect(measureChanges(10, 'updated', [], [], [])).toEqual([
    { entity: 'Measure', entityId: 10, action: 'updated' },
  ]);
});

it('records relinked statements as updated', () => {
  expect(statementChanges([3, 8])).toEqual([
    { entity: 'Statement', entityId: 3, action: 'updated' },
    { entity: 'Statement', entityId: 8, action: 'updated' },
  ]);
});
