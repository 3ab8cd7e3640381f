import { Country } from './countries/country.entity';
import { MeasureTarget } from './measures/measure-target.entity';
import { Measure } from './measures/measure.entity';
import { Official } from './officials/official.entity';
import { Source } from './sources/source.entity';
import { StatementMeasure } from './statements/statement-measure.entity';
import { Statement } from './statements/statement.entity';

/** Every TypeORM entity, for the data source. */
export const entities = [
  Country,
  Official,
  Measure,
  MeasureTarget,
  Statement,
  StatementMeasure,
  Source,
];
