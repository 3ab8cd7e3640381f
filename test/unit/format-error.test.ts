import { GraphQLError, locatedError } from 'graphql';
import { AppError, ErrorCode } from '../../src/common/errors';
import { isInternal } from '../../src/common/format-error';

describe('isInternal', () => {
  test('an error of ours, raised in a resolver, is an answer', () => {
    const ours = new AppError(ErrorCode.NOT_FOUND, 'There is no measure with this ID.');
    expect(isInternal(locatedError(ours, null, ['measure']))).toBe(false);
  });

  test('a library GraphQLError without a code, raised while executing, is a bug', () => {
    // e.g. a scalar that cannot serialize what a resolver returned
    const serialize = new GraphQLError('Value is not a valid Date: 2024-13-45');
    expect(isInternal(locatedError(serialize, null, ['measure', 'announcedOn']))).toBe(true);
  });

  test('a plain Error in a resolver is a bug', () => {
    expect(isInternal(locatedError(new Error('relation "x" does not exist'), null, ['x']))).toBe(
      true,
    );
  });

  test('a request error without a path (validation, before execution) is an answer', () => {
    expect(isInternal(new GraphQLError('Cannot query field "nope" on type "Query".'))).toBe(false);
  });
});
