// Commit messages follow Conventional Commits (docs/development.md, "Commit messages"):
//
//   type(scope)!: description
//
// with type one of TYPES, the scope and the `!` optional, a non-empty description, and the subject
// line at most MAX_SUBJECT characters. Every commit after CONVENTION_START (the last commit before
// the convention was adopted) up to HEAD is checked; merge commits are skipped. When
// CONVENTION_START is not an ancestor of HEAD (another history, a shallow clone), only HEAD is.
// Prints each offending commit and exits 1.
//
//   node .ci/check-commits.mjs              check the commits
//   node .ci/check-commits.mjs --self-test  check this script's rules against known subjects
import { execFileSync } from 'node:child_process';

const CONVENTION_START = '14267b5';
const TYPES = [
  'feat',
  'fix',
  'docs',
  'test',
  'refactor',
  'perf',
  'build',
  'ci',
  'chore',
  'revert',
  'style',
];
const MAX_SUBJECT = 72;
const SUBJECT = new RegExp(`^(?:${TYPES.join('|')})(?:\\([^()\\s]+\\))?!?: (?<description>.*)$`);

/** Why `subject` breaks the convention, or undefined when it follows it. */
export function subjectProblem(subject) {
  const length = [...subject].length;
  if (length > MAX_SUBJECT) return `subject is ${length} characters; at most ${MAX_SUBJECT}`;
  const match = SUBJECT.exec(subject);
  if (!match) return `subject is not "type(scope)?: description" with type in ${TYPES.join('|')}`;
  if (match.groups.description.trim() === '') return 'the description is empty';
  return undefined;
}

/** Why a commit breaks the convention, or undefined; merge commits (several parents) pass. */
export function commitProblem({ parents, message }) {
  if (parents.length > 1) return undefined;
  return subjectProblem(message.split('\n')[0]);
}

function git(...args) {
  return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function isAncestorOfHead(commit) {
  try {
    git('merge-base', '--is-ancestor', commit, 'HEAD');
    return true;
  } catch {
    return false; // not an ancestor, or not in this clone at all
  }
}

function commitsToCheck() {
  const range = isAncestorOfHead(CONVENTION_START) ? [`${CONVENTION_START}..HEAD`] : ['-1', 'HEAD'];
  // One record per commit, NUL-terminated: hash, parents, then the whole message.
  const log = git('log', '-z', '--format=%H%x1f%P%x1f%B', ...range);
  return log
    .split('\0')
    .filter((record) => record.trim() !== '')
    .map((record) => {
      const [hash, parents, message] = record.split('\x1f');
      return { hash, parents: parents.split(' ').filter(Boolean), message: message.trim() };
    });
}

function check() {
  const commits = commitsToCheck();
  let offending = 0;
  for (const commit of commits) {
    const problem = commitProblem(commit);
    if (!problem) continue;
    offending += 1;
    console.error(`${commit.hash.slice(0, 7)} ${commit.message.split('\n')[0]}\n  ${problem}`);
  }
  if (offending > 0) {
    console.error(
      `\n${offending} of ${commits.length} commit(s) do not follow Conventional Commits ` +
        `(docs/development.md, "Commit messages").`,
    );
    return 1;
  }
  console.log(`commit messages: ${commits.length} checked, all follow Conventional Commits`);
  return 0;
}

function selfTest() {
  const cases = [
    ['docs: move operations guide into docs/', true],
    ['feat(live): resume statementAdded after a restart', true],
    ['fix(api)!: refuse first above 100', true],
    ['refactor!: one keyset module', true],
    ['ci: check commit messages', true],
    ['revert: feat(live): resume statementAdded', true],
    // 72 characters exactly, then 73: written out, so a changed MAX_SUBJECT is caught.
    [`chore: ${'x'.repeat(65)}`, true],
    [`chore: ${'x'.repeat(66)}`, false],
    ['docs: 数字'.padEnd(72, '字'), true], // characters, not bytes
    ['README: the planner answers 503', false],
    ['Update README', false],
    ['docs:no space', false],
    ['docs: ', false],
    ['docs:    ', false],
    ['docs', false],
    ['feature: a type not in the list', false],
    ['Docs: upper case type', false],
    ['docs(): empty scope', false],
    ['docs(two words): scope with a space', false],
    ['docs!(api): the ! after the scope', false],
    ['fixup! docs: squash me', false],
    [' docs: leading space', false],
  ];
  let wrong = 0;
  for (const [subject, good] of cases) {
    const problem = subjectProblem(subject);
    if ((problem === undefined) !== good) {
      wrong += 1;
      console.error(`misjudged ${JSON.stringify(subject)}: expected ${good ? 'good' : 'bad'}`);
    }
  }
  const merge = { parents: ['a', 'b'], message: "Merge branch 'h-docs'" };
  if (commitProblem(merge) !== undefined) {
    wrong += 1;
    console.error('misjudged a merge commit: merges are skipped');
  }
  const multiLine = { parents: ['a'], message: 'docs: a good subject\n\nUpdate README' };
  if (commitProblem(multiLine) !== undefined) {
    wrong += 1;
    console.error('misjudged a commit by its body: only the subject line is checked');
  }
  if (commitProblem({ parents: ['a'], message: 'Update README\n\ndocs: body' }) === undefined) {
    wrong += 1;
    console.error('passed a bad subject because of its body');
  }
  if (wrong > 0) return 1;
  console.log(`check-commits self-test: ${cases.length + 3} cases judged as expected`);
  return 0;
}

process.exitCode = process.argv.includes('--self-test') ? selfTest() : check();
