import { Initial1764115200000 } from './1764115200000-Initial';
import { WritesAndChangeLog1764201600000 } from './1764201600000-WritesAndChangeLog';
import { RateLimits1764288000000 } from './1764288000000-RateLimits';
import { MeasureExpiry1764374400000 } from './1764374400000-MeasureExpiry';
import { AppendOnlyChangeLog1764460800000 } from './1764460800000-AppendOnlyChangeLog';
import { OfficialSearchPerField1764547200000 } from './1764547200000-OfficialSearchPerField';
import { FoldFinalSigma1764633600000 } from './1764633600000-FoldFinalSigma';
import { ServableValues1764720000000 } from './1764720000000-ServableValues';

/** Every migration, oldest first. Listed rather than globbed so the compiled and TS builds agree. */
export const migrations = [
  Initial1764115200000,
  WritesAndChangeLog1764201600000,
  RateLimits1764288000000,
  MeasureExpiry1764374400000,
  AppendOnlyChangeLog1764460800000,
  OfficialSearchPerField1764547200000,
  FoldFinalSigma1764633600000,
  ServableValues1764720000000,
];
