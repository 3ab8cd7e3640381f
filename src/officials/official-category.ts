import { registerEnumType } from 'type-graphql';

export enum OfficialCategory {
  HEAD_OF_STATE = 'HEAD_OF_STATE',
  HEAD_OF_GOVERNMENT = 'HEAD_OF_GOVERNMENT',
  MINISTER = 'MINISTER',
  LEGISLATOR = 'LEGISLATOR',
  DIPLOMAT = 'DIPLOMAT',
  MILITARY = 'MILITARY',
  OFFICIAL = 'OFFICIAL',
  JOURNALIST = 'JOURNALIST',
  ACADEMIC = 'ACADEMIC',
  BUSINESS = 'BUSINESS',
  OTHER = 'OTHER',
}

registerEnumType(OfficialCategory, { name: 'OfficialCategory' });
