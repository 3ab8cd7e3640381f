import { AppError, ErrorCode } from '../common/errors';
import type { OfficialRecord } from './official.columns';
import type { AddOfficialInput } from './official.inputs';

/**
 * The officials of one call as they are recorded, trimmed, with no database: `at(i)` names the
 * i-th in errors, and `countryCode` checks a code (CountryService.knownCode). A Wikidata item
 * listed twice is refused, naming both places. The checks go official by official, so the
 * first bad one is the one reported, whichever its fault.
 */
export function normalizeOfficials(
  inputs: readonly AddOfficialInput[],
  at: (index: number) => string,
  countryCode: (code: string, field: string) => string,
): OfficialRecord[] {
  const seenWikidata = new Map<string, number>();
  return inputs.map((input, i) => {
    const wikidataId = input.wikidataId ?? null;
    if (wikidataId) {
      const earlier = seenWikidata.get(wikidataId);
      if (earlier !== undefined) {
        throw new AppError(
          ErrorCode.BAD_USER_INPUT,
          `${at(i)}.wikidataId repeats ${at(earlier)}.wikidataId.`,
          { field: `${at(i)}.wikidataId` },
        );
      }
      seenWikidata.set(wikidataId, i);
    }
    return {
      name: input.name.trim(),
      nativeName: input.nativeName?.trim() || null,
      aliases: (input.aliases ?? []).map((alias) => alias.trim()),
      countryCode: countryCode(input.country, `${at(i)}.country`),
      position: input.position?.trim() || null,
      category: input.category,
      wikidataId,
    };
  });
}

/** CONFLICT: the Wikidata item is recorded already, as another official. */
export function wikidataTaken(wikidataId: string, field: string): AppError {
  return new AppError(
    ErrorCode.CONFLICT,
    `An official with Wikidata id ${wikidataId} is already recorded.`,
    { field },
  );
}
