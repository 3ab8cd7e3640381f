/** Small helpers so that messages read as English whatever the numbers and names in them. */

/** "a Measure", "an Official", "an ApiKey": the word with its indefinite article. */
export function withArticle(word: string): string {
  return `${/^[aeiou]/i.test(word) ? 'an' : 'a'} ${word}`;
}

/** "1 element", "3 elements", "1 entry" / "2 entries" with `plural` given. */
export function counted(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}

/** The message ending with a full stop, unless it already ends a sentence. */
export function sentence(message: string): string {
  return /[.?!]$/.test(message) ? message : `${message}.`;
}
