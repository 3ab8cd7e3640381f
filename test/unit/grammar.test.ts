import { counted, sentence, withArticle } from '../../src/common/grammar';

test('withArticle puts "an" before a vowel, "a" before anything else', () => {
  expect(
    ['Official', 'ApiKey', 'Measure', 'Statement', 'Country', 'element'].map(withArticle),
  ).toEqual(['an Official', 'an ApiKey', 'a Measure', 'a Statement', 'a Country', 'an element']);
});

test('counted is singular for one only', () => {
  expect(counted(1, 'element')).toBe('1 element');
  expect(counted(0, 'element')).toBe('0 elements');
  expect(counted(50, 'element')).toBe('50 elements');
  expect(counted(1, 'entry', 'entries')).toBe('1 entry');
  expect(counted(2, 'entry', 'entries')).toBe('2 entries');
});

test('sentence adds a full stop only where none ends the message', () => {
  expect(sentence('input.title must not be empty')).toBe('input.title must not be empty.');
  expect(sentence('Pass first or last, not both.')).toBe('Pass first or last, not both.');
  expect(sentence('did you mean "RU"?')).toBe('did you mean "RU"?');
});
