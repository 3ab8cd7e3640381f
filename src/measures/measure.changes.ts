import type { Change } from '../live/change-log';

/**
 * The change-log rows of one measure write: officials it created first, then the measure, then
 * the measures it stopped or started answering, then the statements whose links to it changed.
 */
export function measureChanges(
  id: number,
  action: 'added' | 'updated',
  newOfficialIds: number[],
  relinkedStatements: number[],
  answeredMeasures: number[],
): Change[] {
  return [
    ...newOfficialIds.map((officialId) => ({
      entity: 'Official' as const,
      entityId: officialId,
      action: 'added' as const,
    })),
    { entity: 'Measure', entityId: id, action },
    ...answeredMeasures.map((measureId) => ({
      entity: 'Measure' as const,
      entityId: measureId,
      action: 'updated' as const,
    })),
    ...statementChanges(relinkedStatements),
  ];
}

/** Statements whose links to a measure changed are updated too. */
export function statementChanges(statementIds: number[]): Change[] {
  return statementIds.map((entityId) => ({ entity: 'Statement', entityId, action: 'updated' }));
}
