/**
 * Input at the edges of the rules: URLs that WHATWG parsing would repair, required fields missing
 * inside variables, name searches that would span two fields, partial dates, characters outside
 * the BMP, invisible text and non-canonical IDs. Found by a review; each was a defect.
 */
import { Role } from '../src/auth/role';
import { expectBadInput, rowCount } from './helpers/assertions';
import { insertOfficial, measureInput } from './helpers/fixtures';
import { startTestServer, stopAllServers, type TestServer } from './helpers/server';

let server: TestServer;
let editor: string;

beforeAll(async () => {
  server = await startTestServer();
  ({ key: editor } = await server.createKey(Role.EDITOR, 'Reviewer A'));
});
afterAll(stopAllServers);

const ADD_MEASURE = `mutation($input: AddMeasureInput!) {
  addMeasure(input: $input) { id announcedOn announcedOnPrecision sources { url } } }`;
const UPDATE_MEASURE = `mutation($id: ID!, $input: UpdateMeasureInput!) {
  updateMeasure(id: $id, input: $input) { id sources { url } } }`;
const ADD_STATEMENT = `mutation($input: AddStatementInput!) { addStatement(input: $input) { id } }`;

describe('source URLs must be absolute http(s) as sent, not as a URL parser would repair them', () => {
  // WHATWG `new URL` repairs these into valid URLs, but what is stored is what was sent, which
  // the database's CHECK (url ~* '^https?://') refuses: that was an INTERNAL_SERVER_ERROR.
  test.each(['http:example.org', 'https:/example.org', 'http:\\\\example.org\\page'])(
    'addMeasure with source url %p is BAD_USER_INPUT naming input.sources[0].url',
    async (url) => {
      const measures = await rowCount(server.db, 'measure');
      const response = await server.gqlAs(editor, ADD_MEASURE, {
        input: measureInput({ sources: [{ title: 'S', url }] }),
      });
      expectBadInput(response, 'input.sources[0].url');
      expect(await rowCount(server.db, 'measure')).toBe(measures);
    },
  );

  test('addStatement with source url "https:example.org" is BAD_USER_INPUT', async () => {
    const response = await server.gqlAs(editor, ADD_STATEMENT, {
      input: {
        issuedOn: '2024-01-01',
        country: 'gb',
        issuer: 'Foreign Office',
        text: 'Text.',
        sources: [{ title: 'S', url: 'https:example.org' }],
      },
    });
    expectBadInput(response, 'input.sources[0].url');
  });

  test('updateMeasure replacing sources with url "https:/example.org" is BAD_USER_INPUT', async () => {
    const added = await server.gqlAs(editor, ADD_MEASURE, { input: measureInput() });
    expect(added.errors).toBeUndefined();
    const response = await server.gqlAs(editor, UPDATE_MEASURE, {
      id: added.data!.addMeasure.id,
      input: { sources: [{ title: 'S', url: 'https:/example.org' }] },
    });
    expectBadInput(response, 'input.sources[0].url');
  });
});

describe('a required input field missing from a variable is named', () => {
  // For a literal the missing field's name was appended; for a variable only its path was given.
  test('AddMeasureInput.title missing in $input → field input.title (as for a literal)', async () => {
    const { title: _omitted, ...input } = measureInput();
    const literal = await server.gqlAs(
      editor,
      `mutation { addMeasure(input: { kind: OTHER, imposedBy: "GB", announcedOn: "2024-01-01",
        sources: [{ title: "S" }] }) { id } }`,
    );
    expectBadInput(literal, 'input.title'); // passes: the literal form is named
    expectBadInput(await server.gqlAs(editor, ADD_MEASURE, { input }), 'input.title');
  });

  test('SourceInput.title missing in $input → field input.sources[0].title', async () => {
    const response = await server.gqlAs(editor, ADD_MEASURE, {
      input: measureInput({ sources: [{ url: 'https://example.org' }] }),
    });
    expectBadInput(response, 'input.sources[0].title');
  });
});

describe('OfficialFilter.name matches within one of name, nativeName and aliases', () => {
  // The contract: "name: substring match on name, nativeName and aliases": a string that spans two
  // of them (end of the name + start of the nativeName) must not match.
  beforeAll(async () => {
    await insertOfficial(server.db, {
      name: 'Quentin Quarrel',
      nativeName: 'Квентин Кворрел',
      aliases: ['Xavier Xylo', 'Wendel Wux'],
      country: 'GB',
    });
  });

  test.each([
    ['end of name + start of nativeName', 'quarrel квентин'],
    ['end of nativeName + start of an alias', 'кворрел xavier'],
    ['end of one alias + start of the next', 'xylo wendel'],
  ])('%s: no official matches', async (_what, name) => {
    const response = await server.gql(
      `query($name: String) { officials(filter: { name: $name }) { totalCount edges { node { name } } } }`,
      { name },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.officials).toEqual({ totalCount: 0, edges: [] });
  });

  test('control: a substring of one alias still matches', async () => {
    const response = await server.gql(
      `{ officials(filter: { name: "XAVIER xy" }) { totalCount } }`,
    );
    expect(response.data!.officials.totalCount).toBe(1);
  });
});

describe('partial dates are stored on the first day of their month or year', () => {
  // DatePrecision's description: "A MONTH date is stored as its first day, a YEAR date as
  // 1 January." The day of a date known to the month is not invented.
  test.each([
    ['MONTH', '2024-02-17', '2024-02-01'],
    ['YEAR', '2022-07-19', '2022-01-01'],
  ])('%s precision: announcedOn %s is stored as %s', async (precision, sent, stored) => {
    const response = await server.gqlAs(editor, ADD_MEASURE, {
      input: measureInput({ announcedOn: sent, announcedOnPrecision: precision }),
    });
    expect(response.errors).toBeUndefined();
    expect(response.data!.addMeasure).toMatchObject({
      announcedOn: stored,
      announcedOnPrecision: precision,
    });
  });

  test('an update that coarsens the precision moves the stored date with it', async () => {
    const added = await server.gqlAs(editor, ADD_MEASURE, {
      input: measureInput({ announcedOn: '2023-09-14' }),
    });
    const response = await server.gqlAs(
      editor,
      `mutation($id: ID!) { updateMeasure(id: $id, input: { announcedOnPrecision: YEAR }) {
        announcedOn announcedOnPrecision } }`,
      { id: added.data!.addMeasure.id },
    );
    expect(response.data!.updateMeasure).toEqual({
      announcedOn: '2023-01-01',
      announcedOnPrecision: 'YEAR',
    });
  });

  test('a statement issued in a known month only is stored on its first day', async () => {
    const response = await server.gqlAs(
      editor,
      `mutation($input: AddStatementInput!) { addStatement(input: $input) { issuedOn } }`,
      {
        input: {
          issuedOn: '2022-05-17',
          issuedOnPrecision: 'MONTH',
          country: 'RU',
          issuer: 'Ministry of Foreign Affairs',
          text: 'A statement known to the month.',
          sources: [{ title: 'Report' }],
        },
      },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.addStatement.issuedOn).toBe('2022-05-01');
  });
});

describe('length limits count characters, not UTF-16 code units', () => {
  // 300 emoji are 600 UTF-16 units but 300 characters.
  test('a title of exactly 300 characters (astral-plane) is accepted', async () => {
    const response = await server.gqlAs(editor, ADD_MEASURE, {
      input: measureInput({ title: '😀'.repeat(300) }),
    });
    expect(response.errors).toBeUndefined();
  });
});

describe('text that shows nothing, nulls and IDs', () => {
  test('a title of zero-width characters only is empty', async () => {
    const response = await server.gqlAs(editor, ADD_MEASURE, {
      input: measureInput({ title: '\u200b\u200b \ufeff' }),
    });
    expectBadInput(response, 'input.title');
  });

  test('zero-width joiners inside visible text are kept', async () => {
    const title = 'Family 👨\u200d👩\u200d👧 reunification suspended';
    const response = await server.gqlAs(
      editor,
      `mutation($input: AddMeasureInput!) { addMeasure(input: $input) { title } }`,
      { input: measureInput({ title }) },
    );
    expect(response.data!.addMeasure.title).toBe(title);
  });

  test('updateMeasure refuses targetCount: null as it refuses clearing other required fields', async () => {
    const added = await server.gqlAs(editor, ADD_MEASURE, { input: measureInput() });
    const response = await server.gqlAs(
      editor,
      `mutation($id: ID!) { updateMeasure(id: $id, input: { targetCount: null }) { id } }`,
      { id: added.data!.addMeasure.id },
    );
    expectBadInput(response, 'input.targetCount');
  });

  test('an unknown field inside a variable is named', async () => {
    const response = await server.gqlAs(editor, ADD_MEASURE, {
      input: { ...measureInput(), colour: 'red' },
    });
    expectBadInput(response, 'input.colour');
  });

  test('only the canonical spelling of an ID is accepted', async () => {
    const added = await server.gqlAs(editor, ADD_MEASURE, { input: measureInput() });
    const id: string = added.data!.addMeasure.id;
    // The same bytes with different unused trailing bits: base64url would decode it alike.
    const last = id.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = id.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1];
    expect(Buffer.from(sibling, 'base64url')).toEqual(Buffer.from(id, 'base64url'));
    const response = await server.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: sibling });
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    expect((await server.gql(`query($id: ID!) { node(id: $id) { id } }`, { id })).data).toEqual({
      node: { id },
    });
  });
});
